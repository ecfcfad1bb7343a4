import { httpRoute } from '../../shared/middleware/http-route';
import { faqPathParams } from '../../shared/robot/faq';
import { removeFaq } from '../../shared/robot/manage-faq';

/** DELETE /v1/shops/{shopId}/faq-entries/{faqId}: 204, or 404 if the shop has no such entry. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: faqPathParams }, async ({ identity, params }) => {
  await removeFaq(identity, params.shopId, params.faqId);
  return { status: 204 };
});
