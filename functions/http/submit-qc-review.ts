import { httpRoute } from '../../shared/middleware/http-route';
import { submitReview } from '../../shared/qc/manage-qc';
import { conversationReviewPath, reviewBody } from '../../shared/qc/review';

/** POST /v1/shops/{shopId}/qc/conversations/{conversationId}/reviews: a reviewer scores the conversation against its stage's rubric. */
export const handler = httpRoute({ auth: ['admin', 'supervisor', 'qc'], params: conversationReviewPath, body: reviewBody }, async ({ identity, params, body }) => ({
  status: 201,
  body: await submitReview(identity, params.shopId, params.conversationId, body),
}));
