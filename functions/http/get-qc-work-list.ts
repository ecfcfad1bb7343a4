import { httpRoute } from '../../shared/middleware/http-route';
import { readWorkList, workListQuery } from '../../shared/qc/manage-qc';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/qc/work-list: a cycle's frozen sample (the current cycle by default) and what is reviewed. */
export const handler = httpRoute({ auth: ['admin', 'supervisor', 'qc'], params: shopPathParams, query: workListQuery }, async ({ identity, params, query }) => ({
  body: await readWorkList(identity, params.shopId, query.cycle),
}));
