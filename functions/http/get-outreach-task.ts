import { httpRoute } from '../../shared/middleware/http-route';
import { outreachShopTaskPath } from '../../shared/outreach/outreach-frames';
import { getOutreachTaskFor } from '../../shared/outreach/outreach-service';

/** GET /v1/shops/{shopId}/outreach-tasks/{taskId}: one task with its status and reach, for staff serving the shop. */
export const handler = httpRoute({ auth: ['agent', 'supervisor', 'admin'], params: outreachShopTaskPath }, async ({ identity, params }) => ({
  body: await getOutreachTaskFor(identity, params.shopId, params.taskId),
}));
