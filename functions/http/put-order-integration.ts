import { httpRoute } from '../../shared/middleware/http-route';
import { putOrderIntegrationBody, shopIntegrationPathParams } from '../../shared/orders/integration';
import { putOrderIntegration } from '../../shared/orders/manage-integration';

/** PUT /v1/shops/{shopId}/order-integration: platform, seller id, write-only webhook secret and credentials. */
export const handler = httpRoute(
  { auth: ['admin', 'supervisor'], params: shopIntegrationPathParams, body: putOrderIntegrationBody },
  async ({ identity, params, body }) => ({ body: await putOrderIntegration(identity, params.shopId, body) }),
);
