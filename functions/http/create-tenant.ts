import { httpRoute } from '../../shared/middleware/http-route';
import { createTenant } from '../../shared/tenants/manage-tenants';
import { createTenantBody } from '../../shared/tenants/tenant';

/** POST /v1/tenants: the platform operator creates a tenant and names its first admin. */
export const handler = httpRoute({ auth: ['platform'], body: createTenantBody }, async ({ identity, body }) => ({
  status: 201,
  body: await createTenant(identity, body),
}));
