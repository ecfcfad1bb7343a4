import { httpRoute } from '../../shared/middleware/http-route';
import { orderPath } from '../../shared/orders/frames';
import { readOrder } from '../../shared/orders/read-orders';

/** GET /v1/shops/{shopId}/orders/{platform}/{orderId}: one order's card, for staff serving the shop. */
export const handler = httpRoute({ auth: ['agent', 'supervisor', 'admin'], params: orderPath }, async ({ identity, params }) => ({
  body: await readOrder(identity, params.shopId, params.platform, params.orderId),
}));
