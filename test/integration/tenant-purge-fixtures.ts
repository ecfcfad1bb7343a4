import { expect } from 'vitest';
import { handler as requestDeletion } from '../../functions/http/request-tenant-deletion';
import { handler as confirmDeletion } from '../../functions/http/confirm-tenant-deletion';
import type { Identity } from '../../shared/auth/identity';
import { callHttp } from '../support/call-http';

/** The platform operator who creates and deletes tenants in the tenant-purge tests. */
export const operator: Identity = { tenantId: 'kefu-platform', userId: 'op-1', role: 'platform', shopIds: [] };

/**
 * A tenant's create body. Each purge test file picks its own restore window, so another file's run of
 * the purge (which takes every due tenant of the shared table) never reaches its tenants early.
 */
export const tenantBody = (tenantId: string, restoreDays: number) => ({
  tenantId,
  name: `Firm ${tenantId}`,
  region: 'cn-north-1',
  timeZone: 'Asia/Shanghai',
  limits: { shops: 10, seats: 10 },
  restoreDays,
  firstAdmin: { userId: 'boss', name: '老板' },
});

/** Requests and confirms the tenant's deletion as the operator; returns a moment just after its restore window ends. */
export async function confirmDeletionOf(tenantId: string): Promise<Date> {
  const requested = await callHttp(requestDeletion, operator, { method: 'POST', path: `/v1/tenants/${tenantId}/deletion`, pathParameters: { tenantId } });
  const confirmed = await callHttp(confirmDeletion, operator, {
    method: 'POST',
    path: `/v1/tenants/${tenantId}/deletion/confirm`,
    pathParameters: { tenantId },
    body: { confirmationCode: requested.body.confirmationCode },
  });
  expect(confirmed.status).toBe(200);
  return new Date(new Date(confirmed.body.deletion.purgeAfter).getTime() + 1000);
}
