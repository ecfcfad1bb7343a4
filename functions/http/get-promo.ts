import { httpRoute } from '../../shared/middleware/http-route';
import { promoPathParams } from '../../shared/promo/calendar';
import { promoRoles, readPromo } from '../../shared/promo/manage-promos';

/** GET /v1/promos/{promoId}: one promo of the caller's tenant. */
export const handler = httpRoute({ auth: promoRoles, params: promoPathParams }, async ({ identity, params }) => ({ body: await readPromo(identity, params.promoId) }));
