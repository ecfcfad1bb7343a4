import { httpRoute } from '../../shared/middleware/http-route';
import { faqEntryBodySchema, faqPathParams } from '../../shared/robot/faq';
import { putFaq } from '../../shared/robot/manage-faq';

/** PUT /v1/shops/{shopId}/faq-entries/{faqId}: create or replace one FAQ entry of the shop's robot. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: faqPathParams, body: faqEntryBodySchema }, async ({ identity, params, body }) => ({
  body: await putFaq(identity, params.shopId, params.faqId, body),
}));
