import { attributionRuleOf } from '../../shared/kpi/manage-attribution-rule';
import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/attribution-rule: the shop's order-attribution rule (or the default). */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams }, async ({ identity, params }) => ({
  body: await attributionRuleOf(identity, params.shopId),
}));
