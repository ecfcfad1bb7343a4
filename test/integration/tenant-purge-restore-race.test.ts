import { describe, expect, it } from 'vitest';
import { handler as createTenant } from '../../functions/http/create-tenant';
import { handler as requestDeletion } from '../../functions/http/request-tenant-deletion';
import { handler as restoreTenantRoute } from '../../functions/http/restore-tenant';
import { handler as getMe } from '../../functions/http/get-me';
import type { Identity } from '../../shared/auth/identity';
import { keys } from '../../shared/store/keys';
import { forgetTenantSettings, getTenantRecord } from '../../shared/store/tenants';
import { restoreTenant, tenantDependencies } from '../../shared/tenants/manage-tenants';
import { purgeDependencies, purgeDueTenants } from '../../shared/tenants/purge-tenants';
import { callHttp } from '../support/call-http';
import { storedItem } from '../support/table';
import { createShop } from './routing-fixtures';
import { confirmDeletionOf, operator, tenantBody } from './tenant-purge-fixtures';

/**
 * Issue 12 §1, "recoverable for N days" and never half: a restore and the purge's start racing each other
 * never leave an `active` tenant with its data deleted. The purge moves the tenant `deleted` → `purging`
 * (bumping its version) before its first delete; a restore that read the tenant before that fails with 409
 * TENANT_CHANGED, one that committed first makes the purge skip the tenant (rows 3, 25).
 */
const run = Date.now().toString(36);
// Later than the unfiltered purge runs of other files (30, 60 days), so they never take these tenants.
const restoreDays = 89;

async function deletedTenant(tenantId: string): Promise<Date> {
  expect((await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body: tenantBody(tenantId, restoreDays) })).status).toBe(201);
  await createShop(tenantId, 'shop-1');
  return confirmDeletionOf(tenantId);
}

/** The purge seeing only this tenant's marker, as read at `snapshotAt` or now; its sweep takes no page (the walk is enough to tell). */
const purgeOnly = async (tenantId: string, purgeAt: Date, snapshot?: Awaited<ReturnType<typeof purgeDependencies.duePurges>>) =>
  purgeDueTenants(purgeAt, { stopSweepingAt: 0 }, {
    ...purgeDependencies,
    duePurges: async (due: Date, limit: number) => (snapshot ?? (await purgeDependencies.duePurges(due, 1000))).filter((m) => m.tenantId === tenantId).slice(0, limit),
  });

describe('a restore racing the purge (DynamoDB Local)', () => {
  it('a restore that read the tenant before the purge began fails with 409 TENANT_CHANGED, and the tenant stays purging: refused to its users, not restorable', { timeout: 60_000 }, async () => {
    const tenantId = `race-a-${run}`;
    const purgeAt = await deletedTenant(tenantId);
    // The restore reads the tenant (inside its window), then the purge begins and walks, then the restore writes.
    const racing = {
      ...tenantDependencies,
      getTenantRecord: async (id: string) => {
        const record = await getTenantRecord(id);
        await purgeOnly(tenantId, purgeAt);
        return record;
      },
    };
    await expect(restoreTenant(operator, tenantId, racing)).rejects.toMatchObject({ status: 409, code: 'TENANT_CHANGED' });
    expect(await storedItem(keys.tenant(tenantId))).toMatchObject({ status: 'purging' });
    expect(await storedItem(keys.shop(tenantId, 'shop-1'))).toBeUndefined();
    // Read again: a clear 409, never a restore of a half-deleted tenant; its users are refused as for `deleted`.
    expect(await callHttp(restoreTenantRoute, operator, { method: 'DELETE', path: `/v1/tenants/${tenantId}/deletion`, pathParameters: { tenantId } })).toMatchObject({
      status: 409,
      body: { error: { code: 'RESTORE_WINDOW_CLOSED' } },
    });
    forgetTenantSettings(tenantId);
    const admin: Identity = { tenantId, userId: 'boss', role: 'admin', shopIds: [] };
    expect(await callHttp(getMe, admin, { method: 'GET', path: '/v1/me' })).toMatchObject({ status: 403, body: { error: { code: 'TENANT_DELETED' } } });
    expect(await callHttp(requestDeletion, operator, { method: 'POST', path: `/v1/tenants/${tenantId}/deletion`, pathParameters: { tenantId } })).toMatchObject({ status: 409, body: { error: { code: 'TENANT_DELETED' } } });
  });

  it('a restore committed before the purge began makes a run holding the stale marker skip the tenant: its data stays', { timeout: 60_000 }, async () => {
    const tenantId = `race-b-${run}`;
    const purgeAt = await deletedTenant(tenantId);
    const staleMarkers = await purgeDependencies.duePurges(purgeAt, 1000);
    expect(staleMarkers.some((m) => m.tenantId === tenantId)).toBe(true);
    expect(await callHttp(restoreTenantRoute, operator, { method: 'DELETE', path: `/v1/tenants/${tenantId}/deletion`, pathParameters: { tenantId } })).toMatchObject({ status: 200 });
    expect(await purgeOnly(tenantId, purgeAt, staleMarkers)).toEqual({ purged: [] });
    expect(await storedItem(keys.tenant(tenantId))).toMatchObject({ status: 'active' });
    expect(await storedItem(keys.shop(tenantId, 'shop-1'))).toBeDefined();
  });
});
