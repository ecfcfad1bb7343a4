import { httpRoute } from '../../shared/middleware/http-route';
import { confirmTenantDeletion } from '../../shared/tenants/manage-tenants';
import { confirmDeletionBody, tenantPathParams } from '../../shared/tenants/tenant';

/** POST /v1/tenants/{tenantId}/deletion/confirm: the tenant becomes a tombstone, restorable for its restore window. */
export const handler = httpRoute(
  { auth: ['platform'], params: tenantPathParams, body: confirmDeletionBody },
  async ({ identity, params, body }) => ({ body: await confirmTenantDeletion(identity, params.tenantId, body.confirmationCode) }),
);
