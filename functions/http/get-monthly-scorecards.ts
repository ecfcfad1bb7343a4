import { httpRoute } from '../../shared/middleware/http-route';
import { readMonthlyScorecards } from '../../shared/scorecards/manage-scorecards';
import { scorecardPath } from '../../shared/scorecards/scorecard';

/** GET /v1/shops/{shopId}/scorecards/{month}: every agent's monthly score, ranks in the shop and the category, stars. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: scorecardPath }, async ({ identity, params }) => ({
  body: await readMonthlyScorecards(identity, params.shopId, params.month),
}));
