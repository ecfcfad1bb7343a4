import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';
import { readScorecard } from '../../shared/scorecards/manage-scorecards';

/** GET /v1/shops/{shopId}/scorecard: the shop's scorecard configuration. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams }, async ({ identity, params }) => ({
  body: await readScorecard(identity, params.shopId),
}));
