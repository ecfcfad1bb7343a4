import { httpRoute } from '../../shared/middleware/http-route';
import { readQcSettings } from '../../shared/qc/manage-qc';
import { shopPathParams } from '../../shared/routing/frames';

/** GET /v1/shops/{shopId}/qc/settings: the shop's QC settings, or the defaults until some are stored. */
export const handler = httpRoute({ auth: ['admin', 'supervisor', 'qc'], params: shopPathParams }, async ({ identity, params }) => ({
  body: await readQcSettings(identity, params.shopId),
}));
