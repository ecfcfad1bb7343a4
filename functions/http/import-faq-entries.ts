import { httpRoute } from '../../shared/middleware/http-route';
import { faqImportBodySchema } from '../../shared/robot/faq';
import { importFaq } from '../../shared/robot/manage-faq';
import { shopPathParams } from '../../shared/routing/frames';

/** POST /v1/shops/{shopId}/faq-imports: up to 99 FAQ entries (JSON), all stored or none. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams, body: faqImportBodySchema }, async ({ identity, params, body }) => ({
  body: await importFaq(identity, params.shopId, body),
}));
