import { httpRoute } from '../../shared/middleware/http-route';
import { listDisputes } from '../../shared/qc/manage-qc';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/qc/disputes: the shop's open disputes, oldest first. */
export const handler = httpRoute({ auth: ['admin', 'supervisor'], params: shopPathParams }, async ({ identity, params }) => ({
  body: await listDisputes(identity, params.shopId),
}));
