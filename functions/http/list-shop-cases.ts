import { httpRoute } from '../../shared/middleware/http-route';
import { listShopCasesQuery, shopCasesPathParams } from '../../shared/after-sales/case-frames';
import { listShopCases } from '../../shared/after-sales/case-service';

/** GET /v1/shops/{shopId}/cases?state=&overdue=true&limit=&cursor=: a shop's cases, soonest SLA first; the overdue list. */
export const handler = httpRoute(
  { auth: ['agent', 'supervisor', 'admin'], params: shopCasesPathParams, query: listShopCasesQuery },
  async ({ identity, params, query }) => ({ body: await listShopCases(identity, params.shopId, query, new Date()) }),
);
