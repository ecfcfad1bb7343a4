import { httpRoute } from '../../shared/middleware/http-route';
import { shopIntegrationPathParams } from '../../shared/orders/integration';
import { readOrderIntegration } from '../../shared/orders/manage-integration';

/** GET /v1/shops/{shopId}/order-integration: the integration without its secrets. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopIntegrationPathParams }, async ({ identity, params }) => ({
  body: await readOrderIntegration(identity, params.shopId),
}));
