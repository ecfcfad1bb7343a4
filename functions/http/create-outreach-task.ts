import { httpRoute } from '../../shared/middleware/http-route';
import { campaignTaskBody, outreachShopPath } from '../../shared/outreach/outreach-frames';
import { createCampaignTask } from '../../shared/outreach/outreach-service';

/** POST /v1/shops/{shopId}/outreach-tasks: a campaign message to one buyer at a time; idempotent by clientRequestId (201 new, 200 again). */
export const handler = httpRoute({ auth: ['supervisor', 'admin'], params: outreachShopPath, body: campaignTaskBody }, async ({ identity, params, body }) => {
  const result = await createCampaignTask(identity, params.shopId, body, new Date());
  return { status: result.created ? 201 : 200, body: result.task };
});
