import { httpRoute } from '../../shared/middleware/http-route';
import { readTenant } from '../../shared/tenants/manage-tenants';
import { tenantPathParams } from '../../shared/tenants/tenant';

/** GET /v1/tenants/{tenantId}: the platform operator reads any tenant, an admin their own. */
export const handler = httpRoute({ auth: ['platform', 'admin'], params: tenantPathParams }, async ({ identity, params }) => ({
  body: await readTenant(identity, params.tenantId),
}));
