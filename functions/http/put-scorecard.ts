import { httpRoute } from '../../shared/middleware/http-route';
import { shopPathParams } from '../../shared/routing/frames';
import { putScorecard } from '../../shared/scorecards/manage-scorecards';
import { putScorecardBody } from '../../shared/scorecards/scorecard';

/** PUT /v1/shops/{shopId}/scorecard: the shop's weighted scorecard (weights sum to 100), targets and star thresholds; audited. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams, body: putScorecardBody }, async ({ identity, params, body }) => ({
  body: await putScorecard(identity, params.shopId, body),
}));
