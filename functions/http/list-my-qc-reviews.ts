import { httpRoute } from '../../shared/middleware/http-route';
import { myReviews } from '../../shared/qc/manage-qc';
import { myReviewsQuery } from '../../shared/qc/review';

/** GET /v1/qc/my-reviews: the calling agent's own reviews, newest first. */
export const handler = httpRoute({ auth: ['agent'], query: myReviewsQuery }, async ({ identity, query }) => ({
  body: await myReviews(identity, query.after),
}));
