import { httpRoute } from '../../shared/middleware/http-route';
import { promoPathParams, putPromoBody } from '../../shared/promo/calendar';
import { putPromoQuerySchema } from '../../shared/promo/frames';
import { promoRoles, putPromo } from '../../shared/promo/manage-promos';

/** PUT /v1/promos/{promoId}: a promo and its phases (ops, admins); `?dryRun=true` shows the plan and writes nothing. */
export const handler = httpRoute(
  { auth: promoRoles, params: promoPathParams, query: putPromoQuerySchema, body: putPromoBody },
  async ({ identity, params, query, body }) => ({ body: await putPromo(identity, params.promoId, body, { dryRun: query.dryRun === 'true' }) }),
);
