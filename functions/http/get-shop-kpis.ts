import { kpiQuerySchema } from '../../shared/kpi/frames';
import { shopKpis } from '../../shared/kpi/read-kpi-figures';
import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/kpis?from&to&granularity=hour|day[&agentId|&groupId]: the shop's KPIs per local hour or day. */
export const handler = httpRoute(
  { auth: ['admin', 'supervisor', 'agent'], params: shopPathParams, query: kpiQuerySchema },
  async ({ identity, params, query }) => ({ body: await shopKpis(identity, params.shopId, query) }),
);
