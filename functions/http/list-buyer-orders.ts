import { httpRoute } from '../../shared/middleware/http-route';
import { buyerOrdersPath, buyerOrdersQuery } from '../../shared/orders/frames';
import { readBuyerOrders } from '../../shared/orders/read-orders';

/** GET /v1/shops/{shopId}/buyers/{buyerId}/orders: the buyer's newest order cards at a shop the caller serves. */
export const handler = httpRoute(
  { auth: ['agent', 'supervisor', 'admin'], params: buyerOrdersPath, query: buyerOrdersQuery },
  async ({ identity, params, query }) => ({ body: await readBuyerOrders(identity, params.shopId, params.buyerId, query.limit) }),
);
