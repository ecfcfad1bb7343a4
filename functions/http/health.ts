import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Health } from '../../shared/contracts/core-schemas';
import { httpRoute } from '../../shared/middleware/http-route';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';

/** Liveness of the handler and its table; the local stack adds its own components to this report. */
export const handler = httpRoute({ auth: 'public' }, async () => {
  const started = Date.now();
  let table: Health['components']['table'];
  try {
    await dynamo().send(new GetCommand({ TableName: env().TABLE_NAME, Key: { pk: 'HEALTH', sk: 'HEALTH' } }));
    table = { status: 'ok', latencyMs: Date.now() - started };
  } catch {
    table = { status: 'down', latencyMs: Date.now() - started };
  }
  const ok = table.status === 'ok';
  const body: Health = { status: ok ? 'ok' : 'degraded', components: { table } };
  return { status: ok ? 200 : 503, body };
});
