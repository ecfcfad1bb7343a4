import { createHash, randomBytes } from 'node:crypto';
import type { Identity } from '../auth/identity';
import { auditEntryOf, defaultAuditRetentionDays } from '../audit/audit-entry';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../http/errors';
import { auditPut, auditPutOf } from '../store/audit-log';
import { getTenantRecord, purgeDueDelete, purgeDuePut, writeTenant } from '../store/tenants';
import { seatsChange, userPut } from '../store/users';
import type { User } from '../people/user';
import {
  defaultRestoreDays,
  deletionConfirmMinutes,
  platformOnlyTenantFields,
  type CreateTenantBody,
  type PatchTenantBody,
  type Tenant,
} from './tenant';

/**
 * Tenant use cases. The platform operator creates tenants, requests and confirms their deletion and
 * restores them; a tenant's admins read and edit their own tenant, never another (404, as if missing).
 * Every change is one transaction with its audit entry, conditional on the version read.
 */

export const tenantDependencies = { getTenantRecord, writeTenant, now: () => new Date() };

export class TenantDeletedError extends AppError {
  constructor() {
    super(403, 'TENANT_DELETED', 'this tenant has been deleted; the platform operator can restore it during its restore window');
  }
}

const changedMeanwhile = () => new ConflictError('TENANT_CHANGED', 'the tenant was changed meanwhile; read it again and retry');
const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

export async function createTenant(identity: Identity, body: CreateTenantBody, deps = tenantDependencies): Promise<Tenant> {
  const now = deps.now();
  const at = now.toISOString();
  const tenant: Tenant = {
    tenantId: body.tenantId,
    name: body.name,
    region: body.region,
    timeZone: body.timeZone,
    limits: body.limits,
    firstAdmin: body.firstAdmin,
    auditRetentionDays: body.auditRetentionDays ?? defaultAuditRetentionDays,
    restoreDays: body.restoreDays ?? defaultRestoreDays,
    status: 'active',
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  const entry = auditEntryOf(identity, { action: 'tenant.create', target: { type: 'tenant', id: tenant.tenantId }, after: tenant }, now);
  // The first admin is the tenant's first staff account (issue 12 §2), holding the first seat.
  const firstAdmin: User = {
    userId: body.firstAdmin.userId,
    name: body.firstAdmin.name ?? body.firstAdmin.userId,
    ...(body.firstAdmin.email ? { email: body.firstAdmin.email } : {}),
    role: 'admin',
    shopIds: [],
    status: 'active',
    version: 1,
    createdAt: at,
    createdBy: identity.userId,
    updatedAt: at,
  };
  const written = await deps.writeTenant(undefined, tenant, [
    auditPutOf(tenant.tenantId, entry, tenant.auditRetentionDays),
    userPut(tenant.tenantId, firstAdmin, undefined),
    seatsChange(tenant.tenantId, 1, tenant.limits.seats),
  ]);
  if (!written) throw new ConflictError('TENANT_EXISTS', `tenant ${tenant.tenantId} already exists`, [{ field: 'body.tenantId', message: 'taken' }]);
  return tenant;
}

/** The platform operator reads any tenant; an admin only their own. */
function assertMayRead(identity: Identity, tenantId: string): void {
  if (identity.role === 'platform') return;
  if (identity.role !== 'admin' || identity.tenantId !== tenantId) throw new NotFoundError('tenant');
}

async function load(identity: Identity, tenantId: string, deps: typeof tenantDependencies) {
  assertMayRead(identity, tenantId);
  const record = await deps.getTenantRecord(tenantId);
  if (!record) throw new NotFoundError('tenant');
  return record;
}

export async function readTenant(identity: Identity, tenantId: string, deps = tenantDependencies): Promise<Tenant> {
  return (await load(identity, tenantId, deps)).tenant;
}

export async function updateTenant(identity: Identity, tenantId: string, body: PatchTenantBody, deps = tenantDependencies): Promise<Tenant> {
  const { tenant } = await load(identity, tenantId, deps);
  if (identity.role !== 'platform') {
    const reserved = platformOnlyTenantFields.filter((field) => body[field] !== undefined);
    if (reserved.length > 0) {
      throw new ForbiddenError('only the platform operator sets plan limits and retention', reserved.map((field) => ({ field: `body.${field}`, message: 'platform operator only' })));
    }
  }
  const now = deps.now();
  const next: Tenant = { ...tenant, ...definedFields(body), version: tenant.version + 1, updatedAt: now.toISOString() };
  await save(identity, tenant, next, { action: 'tenant.update', before: tenant }, [], deps, now);
  return next;
}

/**
 * First step of a deletion: the tenant keeps working, and a confirmation code valid a few minutes is
 * returned, so one mistaken call cannot delete a firm.
 */
export async function requestTenantDeletion(identity: Identity, tenantId: string, deps = tenantDependencies) {
  const { tenant } = await load(identity, tenantId, deps);
  if (tenant.status === 'deleted' || tenant.status === 'purging') throw new ConflictError('TENANT_DELETED', 'the tenant is already deleted');
  const now = deps.now();
  const confirmationCode = randomBytes(18).toString('base64url');
  const next: Tenant = {
    ...tenant,
    status: 'deletion-requested',
    deletion: {
      requestedBy: identity.userId,
      requestedAt: now.toISOString(),
      confirmBy: new Date(now.getTime() + deletionConfirmMinutes * 60_000).toISOString(),
    },
    version: tenant.version + 1,
    updatedAt: now.toISOString(),
  };
  await save(identity, tenant, next, { action: 'tenant.deletion-request', before: tenant }, [], deps, now, hashCode(confirmationCode));
  return { tenant: next, confirmationCode };
}

/**
 * Second step: the tenant becomes a tombstone (every request of its users is refused with
 * TENANT_DELETED) and is due for purging after its restore window.
 */
export async function confirmTenantDeletion(identity: Identity, tenantId: string, confirmationCode: string, deps = tenantDependencies): Promise<Tenant> {
  const { tenant, deletionCodeHash } = await load(identity, tenantId, deps);
  const now = deps.now();
  const codeField = [{ field: 'body.confirmationCode', message: 'does not match the pending deletion request, or it expired' }];
  if (tenant.status !== 'deletion-requested' || !tenant.deletion || !deletionCodeHash) {
    throw new ConflictError('NO_DELETION_REQUESTED', 'request the deletion first', codeField);
  }
  if (deletionCodeHash !== hashCode(confirmationCode) || now.toISOString() > tenant.deletion.confirmBy) {
    throw new ConflictError('DELETION_CODE_INVALID', 'the confirmation code is wrong or expired; request the deletion again', codeField);
  }
  const purgeAfter = new Date(now.getTime() + tenant.restoreDays * 24 * 3600_000).toISOString();
  const next: Tenant = {
    ...tenant,
    status: 'deleted',
    deletion: { ...tenant.deletion, confirmedBy: identity.userId, confirmedAt: now.toISOString(), purgeAfter },
    version: tenant.version + 1,
    updatedAt: now.toISOString(),
  };
  await save(identity, tenant, next, { action: 'tenant.deletion-confirm', before: tenant }, [purgeDuePut(purgeAfter, tenantId)], deps, now);
  return next;
}

/**
 * Cancels a pending deletion, or restores a deleted tenant before its purge; its data was never touched.
 * The write is conditional on the version read, which the purge bumps when it begins (`purging`): a
 * restore racing the purge's start fails with TENANT_CHANGED, and the next read sees `purging` (409).
 */
export async function restoreTenant(identity: Identity, tenantId: string, deps = tenantDependencies): Promise<Tenant> {
  const { tenant } = await load(identity, tenantId, deps);
  const now = deps.now();
  if (tenant.status === 'active') throw new ConflictError('TENANT_ACTIVE', 'the tenant is not being deleted');
  if (tenant.status === 'purging') throw new ConflictError('RESTORE_WINDOW_CLOSED', 'the restore window has ended; the tenant is being purged');
  const purgeAfter = tenant.deletion?.purgeAfter;
  if (tenant.status === 'deleted' && (!purgeAfter || now.toISOString() >= purgeAfter)) {
    throw new ConflictError('RESTORE_WINDOW_CLOSED', 'the restore window has ended; the tenant is being purged');
  }
  const { deletion: _deletion, ...rest } = tenant;
  const next: Tenant = { ...rest, status: 'active', version: tenant.version + 1, updatedAt: now.toISOString() };
  await save(identity, tenant, next, { action: 'tenant.restore', before: tenant }, purgeAfter ? [purgeDueDelete(purgeAfter, tenantId)] : [], deps, now);
  return next;
}

async function save(
  identity: Identity,
  previous: Tenant,
  next: Tenant,
  change: { action: 'tenant.update' | 'tenant.deletion-request' | 'tenant.deletion-confirm' | 'tenant.restore'; before: Tenant },
  extra: Parameters<typeof writeTenant>[2],
  deps: typeof tenantDependencies,
  now: Date,
  deletionCodeHash?: string,
): Promise<void> {
  const audit = await auditPut(next.tenantId, identity, { action: change.action, target: { type: 'tenant', id: next.tenantId }, before: change.before, after: next }, now);
  if (!(await deps.writeTenant(previous, next, [...extra, audit], undefined, deletionCodeHash))) throw changedMeanwhile();
}

function definedFields<T extends object>(body: T): Partial<T> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as Partial<T>;
}
