import { httpRoute } from '../../shared/middleware/http-route';
import { readConversationQc } from '../../shared/qc/manage-qc';
import { conversationReviewPath } from '../../shared/qc/review';

/** GET /v1/shops/{shopId}/qc/conversations/{conversationId}: reviews, the automatic result and the reviewers' agreement. */
export const handler = httpRoute({ auth: ['admin', 'supervisor', 'qc'], params: conversationReviewPath }, async ({ identity, params }) => ({
  body: await readConversationQc(identity, params.shopId, params.conversationId),
}));
