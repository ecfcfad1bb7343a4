import { httpRoute } from '../../shared/middleware/http-route';
import { putShopBody, shopPathParams } from '../../shared/routing/frames';
import { putShop } from '../../shared/routing/manage-shops';

/** PUT /v1/shops/{shopId}: a shop's name, persona and routing configuration (admins create, supervisors update). */
export const handler = httpRoute(
  { auth: ['admin', 'supervisor'], params: shopPathParams, body: putShopBody },
  async ({ identity, params, body }) => ({ body: await putShop(identity, params.shopId, body) }),
);
