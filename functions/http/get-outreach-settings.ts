import { httpRoute } from '../../shared/middleware/http-route';
import { outreachShopPath } from '../../shared/outreach/outreach-frames';
import { getOutreachSettingsFor } from '../../shared/outreach/outreach-service';

/** GET /v1/shops/{shopId}/outreach-settings: the shop's outreach settings (the defaults until saved). */
export const handler = httpRoute({ auth: ['supervisor', 'admin'], params: outreachShopPath }, async ({ identity, params }) => ({
  body: await getOutreachSettingsFor(identity, params.shopId),
}));
