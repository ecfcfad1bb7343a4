import { httpRoute } from '../../shared/middleware/http-route';
import { ruleOnDispute } from '../../shared/qc/manage-qc';
import { reviewPath, rulingBody } from '../../shared/qc/review';

/** POST …/reviews/{reviewId}/ruling: a supervisor of the shop upholds or overturns a disputed review (audited). */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: reviewPath, body: rulingBody }, async ({ identity, params, body }) => ({
  body: await ruleOnDispute(identity, params.shopId, params.conversationId, params.reviewId, body),
}));
