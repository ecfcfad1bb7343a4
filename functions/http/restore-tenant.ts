import { httpRoute } from '../../shared/middleware/http-route';
import { restoreTenant } from '../../shared/tenants/manage-tenants';
import { tenantPathParams } from '../../shared/tenants/tenant';

/** DELETE /v1/tenants/{tenantId}/deletion: cancels a pending deletion or restores a deleted tenant before its purge. */
export const handler = httpRoute({ auth: ['platform'], params: tenantPathParams }, async ({ identity, params }) => ({
  body: await restoreTenant(identity, params.tenantId),
}));
