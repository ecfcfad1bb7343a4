import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';
import { shopBoardOf } from '../../shared/routing/shop-board';

/** GET /v1/shops/{shopId}/board: the supervisor wall's view of a shop (waiting lines, agents of its groups). */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams }, async ({ identity, params }) => ({
  body: await shopBoardOf(identity, params.shopId),
}));
