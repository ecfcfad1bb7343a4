import type { Identity } from '../../shared/auth/identity';

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
