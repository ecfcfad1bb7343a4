import { httpRoute } from '../../shared/middleware/http-route';
import { readMyShops } from '../../shared/routing/manage-shops';

/** GET /v1/me/shops: the names (and persona) of the shops the caller serves. */
export const handler = httpRoute({ auth: ['agent', 'supervisor', 'admin'] }, async ({ identity }) => ({ body: await readMyShops(identity) }));
