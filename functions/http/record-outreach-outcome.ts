import { httpRoute } from '../../shared/middleware/http-route';
import { outcomeBody, outreachTaskPath } from '../../shared/outreach/outreach-frames';
import { recordOutcomeFor } from '../../shared/outreach/outreach-service';

/** POST /v1/outreach-tasks/{taskId}/outcome: the assigned agent records the callback's outcome (coupon-accepted issues the coupon). */
export const handler = httpRoute({ auth: ['agent', 'supervisor', 'admin'], params: outreachTaskPath, body: outcomeBody }, async ({ identity, params, body }) => ({
  body: await recordOutcomeFor(identity, params.taskId, body, new Date()),
}));
