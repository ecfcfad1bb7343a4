import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';
import { readShop } from '../../shared/routing/manage-shops';

/** GET /v1/shops/{shopId}: a shop the caller administers or supervises. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams }, async ({ identity, params }) => ({
  body: await readShop(identity, params.shopId),
}));
