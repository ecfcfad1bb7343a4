import { httpRoute } from '../../shared/middleware/http-route';
import { promoRoles, readCalendar } from '../../shared/promo/manage-promos';

/** GET /v1/promos: the caller's tenant's promo calendar, by first phase. */
export const handler = httpRoute({ auth: promoRoles }, async ({ identity }) => ({ body: await readCalendar(identity) }));
