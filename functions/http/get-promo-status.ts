import { httpRoute } from '../../shared/middleware/http-route';
import { promoPathParams } from '../../shared/promo/calendar';
import { promoRoles, promoStatus } from '../../shared/promo/manage-promos';

/** GET /v1/promos/{promoId}/status: phases, routing in force, and region capacity desired vs actual. */
export const handler = httpRoute({ auth: promoRoles, params: promoPathParams }, async ({ identity, params }) => ({ body: await promoStatus(identity, params.promoId) }));
