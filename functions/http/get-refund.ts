import { httpRoute } from '../../shared/middleware/http-route';
import { refundPath } from '../../shared/orders/frames';
import { readRefund } from '../../shared/orders/read-orders';

/** GET /v1/shops/{shopId}/refunds/{platform}/{refundId}: a refund by its platform id, with its order's card. */
export const handler = httpRoute({ auth: ['agent', 'supervisor', 'admin'], params: refundPath }, async ({ identity, params }) => ({
  body: await readRefund(identity, params.shopId, params.platform, params.refundId),
}));
