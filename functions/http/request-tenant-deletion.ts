import { httpRoute } from '../../shared/middleware/http-route';
import { requestTenantDeletion } from '../../shared/tenants/manage-tenants';
import { tenantPathParams } from '../../shared/tenants/tenant';

/** POST /v1/tenants/{tenantId}/deletion: first step of a deletion; returns the code that confirms it. */
export const handler = httpRoute({ auth: ['platform'], params: tenantPathParams }, async ({ identity, params }) => ({
  status: 202,
  body: await requestTenantDeletion(identity, params.tenantId),
}));
