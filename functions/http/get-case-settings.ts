import { httpRoute } from '../../shared/middleware/http-route';
import { shopCasesPathParams } from '../../shared/after-sales/case-frames';
import { getCaseSettingsFor } from '../../shared/after-sales/case-service';

/** GET /v1/shops/{shopId}/case-settings: deadline overrides, safety margin, warning points, case cap, alerted supervisors. */
export const handler = httpRoute({ auth: ['supervisor', 'admin'], params: shopCasesPathParams }, async ({ identity, params }) => ({
  body: await getCaseSettingsFor(identity, params.shopId),
}));
