import { httpRoute } from '../../shared/middleware/http-route';
import { disputeReview } from '../../shared/qc/manage-qc';
import { disputeBody, reviewPath } from '../../shared/qc/review';

/** POST …/reviews/{reviewId}/dispute: the reviewed agent disputes a review of their own conversation. */
export const handler = httpRoute({ auth: ['agent'], params: reviewPath, body: disputeBody }, async ({ identity, params, body }) => ({
  body: await disputeReview(identity, params.shopId, params.conversationId, params.reviewId, body.reason),
}));
