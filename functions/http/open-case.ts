import { httpRoute } from '../../shared/middleware/http-route';
import { openCaseBody, shopCasesPathParams } from '../../shared/after-sales/case-frames';
import { openCase } from '../../shared/after-sales/case-service';

/** POST /v1/shops/{shopId}/cases: an agent opens a case from a conversation; idempotent by clientRequestId (201 new, 200 again). */
export const handler = httpRoute(
  { auth: ['agent', 'supervisor', 'admin'], params: shopCasesPathParams, body: openCaseBody },
  async ({ identity, params, body }) => {
    const result = await openCase(identity, params.shopId, body, new Date());
    return { status: result.created ? 201 : 200, body: result.case };
  },
);
