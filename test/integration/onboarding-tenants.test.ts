import { describe, expect, it } from 'vitest';
import { handler as createTenant } from '../../functions/http/create-tenant';
import { handler as getTenant } from '../../functions/http/get-tenant';
import { handler as patchTenant } from '../../functions/http/patch-tenant';
import { handler as requestDeletion } from '../../functions/http/request-tenant-deletion';
import { handler as confirmDeletion } from '../../functions/http/confirm-tenant-deletion';
import { handler as restoreTenant } from '../../functions/http/restore-tenant';
import { handler as listAudit } from '../../functions/http/list-audit-entries';
import { handler as getMe } from '../../functions/http/get-me';
import { handler as putShop } from '../../functions/http/put-shop';
import type { Identity } from '../../shared/auth/identity';
import { keys } from '../../shared/store/keys';
import { forgetTenantSettings } from '../../shared/store/tenants';
import { purgeDueTenants } from '../../shared/tenants/purge-tenants';
import { callHttp } from '../support/call-http';
import { itemsOfPartition, storedItem } from '../support/table';

const run = Date.now().toString(36);
const operator: Identity = { tenantId: 'kefu-platform', userId: 'op-1', role: 'platform', shopIds: [] };
const tenantA = `firm-a-${run}`;
const tenantB = `firm-b-${run}`;
const adminA: Identity = { tenantId: tenantA, userId: 'boss-a', role: 'admin', shopIds: [] };
const adminB: Identity = { tenantId: tenantB, userId: 'boss-b', role: 'admin', shopIds: [] };
const supervisorA: Identity = { tenantId: tenantA, userId: 'sup-a', role: 'supervisor', shopIds: ['shop-1'] };

const body = (tenantId: string, adminId: string) => ({
  tenantId,
  name: `Firm ${tenantId}`,
  region: 'cn-north-1',
  timeZone: 'Asia/Shanghai',
  limits: { shops: 100, seats: 50 },
  firstAdmin: { userId: adminId, name: '老板' },
});
const tenantPath = (tenantId: string, suffix = '') => ({ path: `/v1/tenants/${tenantId}${suffix}`, pathParameters: { tenantId } });
const shopBody = { name: 'Shop', category: 'apparel', routing: { mode: 'by-stage', groups: { 'pre-sale': 'g-pre', 'in-sale': 'g-in', 'after-sale': 'g-after' } } };

describe('tenants (DynamoDB Local)', () => {
  it('lets the platform operator create tenants, and nobody else; a taken id is a 409 naming body.tenantId', async () => {
    expect(await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body: body(tenantA, 'boss-a') })).toMatchObject({
      status: 201,
      body: { tenantId: tenantA, status: 'active', version: 1, auditRetentionDays: 400, restoreDays: 30 },
    });
    expect((await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body: body(tenantB, 'boss-b') })).status).toBe(201);
    expect(await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body: body(tenantA, 'x') })).toMatchObject({
      status: 409,
      body: { error: { code: 'TENANT_EXISTS', details: [{ field: 'body.tenantId' }] } },
    });
    expect((await callHttp(createTenant, adminA, { method: 'POST', path: '/v1/tenants', body: body(`x-${run}`, 'x') })).status).toBe(403);
  });

  it('refuses bad input naming the field: an unknown time zone, a body carrying status or version (row 16)', async () => {
    const badZone = await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body: { ...body(`z-${run}`, 'z'), timeZone: 'Mars/Olympus' } });
    expect(badZone).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.timeZone' }] } } });
    const smuggled = await callHttp(patchTenant, adminA, { method: 'PATCH', ...tenantPath(tenantA), body: { name: 'x', status: 'deleted', version: 9 } });
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['body.status', 'body.version']);
  });

  it("lets an admin read and edit only their own tenant: another tenant's is a 404 like a missing one, with nothing changed (row 14)", async () => {
    expect(await callHttp(getTenant, adminA, { method: 'GET', ...tenantPath(tenantA) })).toMatchObject({ status: 200, body: { tenantId: tenantA } });
    const foreign = await callHttp(getTenant, adminA, { method: 'GET', ...tenantPath(tenantB) });
    const missing = await callHttp(getTenant, adminA, { method: 'GET', ...tenantPath(`nope-${run}`) });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe(missing.body.error.code);
    expect((await callHttp(patchTenant, adminA, { method: 'PATCH', ...tenantPath(tenantB), body: { name: 'hijacked' } })).status).toBe(404);
    expect((await storedItem(keys.tenant(tenantB)))?.name).toBe(`Firm ${tenantB}`);
    expect((await callHttp(getTenant, supervisorA, { method: 'GET', ...tenantPath(tenantA) })).status).toBe(403);

    expect(await callHttp(patchTenant, adminA, { method: 'PATCH', ...tenantPath(tenantA), body: { timeZone: 'Asia/Hong_Kong' } })).toMatchObject({
      status: 200,
      body: { timeZone: 'Asia/Hong_Kong', version: 2 },
    });
    expect(await callHttp(patchTenant, adminA, { method: 'PATCH', ...tenantPath(tenantA), body: { limits: { shops: 9999, seats: 9999 } } })).toMatchObject({
      status: 403,
      body: { error: { details: [{ field: 'body.limits' }] } },
    });
    expect((await callHttp(patchTenant, operator, { method: 'PATCH', ...tenantPath(tenantA), body: { limits: { shops: 200, seats: 80 } } })).status).toBe(200);
  });

  it('audits every tenant change (who, what, before and after), newest first, for the tenant\'s own admins only', async () => {
    const page = await callHttp(listAudit, adminA, { method: 'GET', path: '/v1/audit-entries', query: { limit: '2' } });
    expect(page.status).toBe(200);
    expect(page.body.items.map((entry: { action: string }) => entry.action)).toEqual(['tenant.update', 'tenant.update']);
    expect(page.body.items[0]).toMatchObject({ actorId: 'op-1', actorRole: 'platform', before: { limits: { shops: 100 } }, after: { limits: { shops: 200 } } });
    const next = await callHttp(listAudit, adminA, { method: 'GET', path: '/v1/audit-entries', query: { limit: '2', cursor: page.body.nextCursor } });
    expect(next.body.items.map((entry: { action: string }) => entry.action)).toEqual(['tenant.create']);
    const entries = await itemsOfPartition(keys.auditLog(tenantA).pk);
    expect(entries.every((entry) => typeof entry.expiresAt === 'number' && entry.expiresAt > Date.now() / 1000 + 399 * 86400)).toBe(true);
    const other = await callHttp(listAudit, adminB, { method: 'GET', path: '/v1/audit-entries' });
    expect(other.body.items.map((entry: { target: { id: string } }) => entry.target.id)).toEqual([tenantB]);
    expect((await callHttp(listAudit, supervisorA, { method: 'GET', path: '/v1/audit-entries' })).status).toBe(403);
  });

  it('deletes in two steps: a wrong code changes nothing; once confirmed the tenant is a tombstone refusing its users, and restorable', async () => {
    expect((await callHttp(putShop, adminA, { method: 'PUT', path: '/v1/shops/shop-1', pathParameters: { shopId: 'shop-1' }, body: shopBody })).status).toBe(200);
    expect((await callHttp(requestDeletion, adminA, { method: 'POST', ...tenantPath(tenantA, '/deletion') })).status).toBe(403);
    const requested = await callHttp(requestDeletion, operator, { method: 'POST', ...tenantPath(tenantA, '/deletion') });
    expect(requested).toMatchObject({ status: 202, body: { tenant: { status: 'deletion-requested' }, confirmationCode: expect.any(String) } });
    expect((await callHttp(getMe, adminA, { method: 'GET', path: '/v1/me' })).status).toBe(200);

    const wrong = await callHttp(confirmDeletion, operator, { method: 'POST', ...tenantPath(tenantA, '/deletion/confirm'), body: { confirmationCode: 'not-the-code-0000' } });
    expect(wrong).toMatchObject({ status: 409, body: { error: { code: 'DELETION_CODE_INVALID', details: [{ field: 'body.confirmationCode' }] } } });

    const confirmed = await callHttp(confirmDeletion, operator, {
      method: 'POST',
      ...tenantPath(tenantA, '/deletion/confirm'),
      body: { confirmationCode: requested.body.confirmationCode },
    });
    expect(confirmed).toMatchObject({ status: 200, body: { status: 'deleted', deletion: { purgeAfter: expect.any(String) } } });
    forgetTenantSettings();
    expect(await callHttp(getMe, adminA, { method: 'GET', path: '/v1/me' })).toMatchObject({ status: 403, body: { error: { code: 'TENANT_DELETED' } } });
    expect((await callHttp(getMe, adminB, { method: 'GET', path: '/v1/me' })).status).toBe(200);
    // Nothing of the tenant was touched: its shop is still there.
    expect(await storedItem(keys.shop(tenantA, 'shop-1'))).toBeDefined();

    expect(await callHttp(restoreTenant, operator, { method: 'DELETE', ...tenantPath(tenantA, '/deletion') })).toMatchObject({ status: 200, body: { status: 'active' } });
    forgetTenantSettings();
    expect((await callHttp(getMe, adminA, { method: 'GET', path: '/v1/me' })).status).toBe(200);
    const actions = (await callHttp(listAudit, adminA, { method: 'GET', path: '/v1/audit-entries', query: { limit: '4' } })).body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['tenant.restore', 'tenant.deletion-confirm', 'tenant.deletion-request', 'shop.put']);
  });

  // The purge ends with a Scan of the whole table (its sweep), which every test file shares: more time.
  it("purges a tenant only after its restore window, leaving every other tenant's data as it was", { timeout: 120_000 }, async () => {
    const requested = await callHttp(requestDeletion, operator, { method: 'POST', ...tenantPath(tenantA, '/deletion') });
    const confirmed = await callHttp(confirmDeletion, operator, {
      method: 'POST',
      ...tenantPath(tenantA, '/deletion/confirm'),
      body: { confirmationCode: requested.body.confirmationCode },
    });
    const purgeAfter = new Date(confirmed.body.deletion.purgeAfter);
    expect(await purgeDueTenants(new Date(purgeAfter.getTime() - 1000))).toEqual({ purged: [] });
    expect(await storedItem(keys.shop(tenantA, 'shop-1'))).toBeDefined();
    expect((await callHttp(putShop, adminB, { method: 'PUT', path: '/v1/shops/shop-1', pathParameters: { shopId: 'shop-1' }, body: shopBody })).status).toBe(200);

    const result = await purgeDueTenants(new Date(purgeAfter.getTime() + 1000));
    expect(result.purged.find((p) => p.tenantId === tenantA)?.itemsDeleted).toBeGreaterThan(0);
    expect(await storedItem(keys.shop(tenantA, 'shop-1'))).toBeUndefined();
    expect(await itemsOfPartition(keys.auditLog(tenantA).pk)).toEqual([]);
    expect((await storedItem(keys.tenant(tenantA)))?.status).toBe('purged');
    expect(await storedItem(keys.shop(tenantB, 'shop-1'))).toBeDefined();
    expect(await callHttp(restoreTenant, operator, { method: 'DELETE', ...tenantPath(tenantA, '/deletion') })).toMatchObject({ status: 404 });
    forgetTenantSettings();
    expect(await callHttp(getMe, adminA, { method: 'GET', path: '/v1/me' })).toMatchObject({ status: 403, body: { error: { code: 'TENANT_DELETED' } } });
  });
});
