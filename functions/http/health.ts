import type { Health } from '../../shared/contracts/core-schemas';
import { httpRoute } from '../../shared/middleware/http-route';
import { probeTable } from '../../shared/store/health';

/** Whether the table answers; the local stack adds its own components to this report. 503 when it does not. */
export const handler = httpRoute({ auth: 'public' }, async () => {
  const dynamodb = await probeTable();
  const ok = dynamodb.status === 'ok';
  const body: Health = { status: ok ? 'ok' : 'degraded', components: { dynamodb } };
  return ok ? { status: 200, body } : { status: 503, body, headers: { 'retry-after': '5' } };
});
