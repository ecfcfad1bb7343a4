import { putAttributionRuleBody } from '../../shared/kpi/attribution-rule';
import { setAttributionRule } from '../../shared/kpi/manage-attribution-rule';
import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';

/** PUT /v1/shops/{shopId}/attribution-rule: a new rule version; the aggregator recomputes the shop's attributed figures. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams, body: putAttributionRuleBody }, async ({ identity, params, body }) => ({
  body: await setAttributionRule(identity, params.shopId, body),
}));
