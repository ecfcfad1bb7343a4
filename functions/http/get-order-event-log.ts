import { httpRoute } from '../../shared/middleware/http-route';
import { shopIntegrationPathParams } from '../../shared/orders/integration';
import { orderEventLogQuery } from '../../shared/orders/order-event-log';
import { readShopOrderEventLog } from '../../shared/orders/manage-integration';

/** GET /v1/shops/{shopId}/order-event-log?day=: events ingestion ignored or rejected for the shop that day. */
export const handler = httpRoute(
  { auth: ['admin', 'supervisor'], params: shopIntegrationPathParams, query: orderEventLogQuery },
  async ({ identity, params, query }) => ({ body: await readShopOrderEventLog(identity, params.shopId, query) }),
);
