import { httpRoute } from '../../shared/middleware/http-route';
import { outreachSettingsBody, outreachShopPath } from '../../shared/outreach/outreach-frames';
import { putOutreachSettingsFor } from '../../shared/outreach/outreach-service';

/** PUT /v1/shops/{shopId}/outreach-settings: replaces the shop's outreach settings (omitted fields take the defaults). */
export const handler = httpRoute({ auth: ['supervisor', 'admin'], params: outreachShopPath, body: outreachSettingsBody }, async ({ identity, params, body }) => ({
  body: await putOutreachSettingsFor(identity, params.shopId, body, new Date()),
}));
