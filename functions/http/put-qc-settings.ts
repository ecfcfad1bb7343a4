import { httpRoute } from '../../shared/middleware/http-route';
import { setQcSettings } from '../../shared/qc/manage-qc';
import { putQcSettingsBody } from '../../shared/qc/settings';
import { shopPathParams } from '../../shared/routing/frames';

/** PUT /v1/shops/{shopId}/qc/settings: automatic-check phrases and limits, sampling and the star rule. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams, body: putQcSettingsBody }, async ({ identity, params, body }) => ({
  body: await setQcSettings(identity, params.shopId, body),
}));
