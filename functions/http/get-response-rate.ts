import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';
import { responseRateQuerySchema } from '../../shared/service-clock/frames';
import { shopResponseRate } from '../../shared/service-clock/response-rate';

/** GET /v1/shops/{shopId}/response-rate?day=YYYY-MM-DD: the shop's response rate on a local day, per agent too. */
export const handler = httpRoute(
  { auth: ['admin', 'supervisor'], params: shopPathParams, query: responseRateQuerySchema },
  async ({ identity, params, query }) => ({ body: await shopResponseRate(identity, params.shopId, query.day) }),
);
