import { httpRoute } from '../../shared/middleware/http-route';
import { promoPathParams } from '../../shared/promo/calendar';
import { planQuerySchema, planRequestBody } from '../../shared/promo/frames';
import { planPromo, promoRoles } from '../../shared/promo/manage-promos';
import { staffingPlanCsv } from '../../shared/promo/plan-csv';

/** POST /v1/promos/{promoId}/plan: staffing and capacity plan from a sales plan, JSON or CSV (`?format=csv`). */
export const handler = httpRoute(
  { auth: promoRoles, params: promoPathParams, query: planQuerySchema, body: planRequestBody, maxBodyBytes: 1024 * 1024 },
  async ({ identity, params, query, body }) => {
    const plan = await planPromo(identity, params.promoId, body);
    return query.format === 'csv' ? { text: { contentType: 'text/csv; charset=utf-8', body: staffingPlanCsv(plan.staffing) } } : { body: plan };
  },
);
