import { httpRoute } from '../../shared/middleware/http-route';
import { faqPathParams } from '../../shared/robot/faq';
import { readFaq } from '../../shared/robot/manage-faq';

/** GET /v1/shops/{shopId}/faq-entries/{faqId}: one FAQ entry. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: faqPathParams }, async ({ identity, params }) => ({ body: await readFaq(identity, params.shopId, params.faqId) }));
