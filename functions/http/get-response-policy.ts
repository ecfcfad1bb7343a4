import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';
import { readResponsePolicy } from '../../shared/service-clock/manage-policy';

/** GET /v1/shops/{shopId}/response-policy: the shop's response clock, or the default until one is stored. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams }, async ({ identity, params }) => ({
  body: await readResponsePolicy(identity, params.shopId),
}));
