import { httpRoute } from '../../shared/middleware/http-route';
import { listShopRubrics } from '../../shared/qc/manage-qc';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/qc/rubrics: the shop's rubrics, one per stage that has one. */
export const handler = httpRoute({ auth: ['admin', 'supervisor', 'qc'], params: shopPathParams }, async ({ identity, params }) => ({
  body: await listShopRubrics(identity, params.shopId),
}));
