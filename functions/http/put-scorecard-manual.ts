import { httpRoute } from '../../shared/middleware/http-route';
import { putManualItems } from '../../shared/scorecards/manage-scorecards';
import { manualPath, putManualBody } from '../../shared/scorecards/scorecard';

/** PUT /v1/shops/{shopId}/scorecards/{month}/agents/{agentId}/manual: an agent's manual items and bonus/penalty lines of a month; audited. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: manualPath, body: putManualBody }, async ({ identity, params, body }) => ({
  body: await putManualItems(identity, params.shopId, params.month, params.agentId, body),
}));
