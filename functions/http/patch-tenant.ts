import { httpRoute } from '../../shared/middleware/http-route';
import { updateTenant } from '../../shared/tenants/manage-tenants';
import { patchTenantBody, tenantPathParams } from '../../shared/tenants/tenant';

/** PATCH /v1/tenants/{tenantId}: name and time zone (admins of the tenant), limits and retention (platform operator). */
export const handler = httpRoute(
  { auth: ['platform', 'admin'], params: tenantPathParams, body: patchTenantBody },
  async ({ identity, params, body }) => ({ body: await updateTenant(identity, params.tenantId, body) }),
);
