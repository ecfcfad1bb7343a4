import { httpRoute } from '../../shared/middleware/http-route';
import { listFaq } from '../../shared/robot/manage-faq';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/faq-entries: every FAQ entry of the shop and the FAQ version. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams }, async ({ identity, params }) => ({ body: await listFaq(identity, params.shopId) }));
