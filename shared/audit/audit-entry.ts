import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Identity } from '../auth/identity';

/**
 * One administrative change, as the audit log keeps it: who (user and role from the verified token),
 * what (an action and its target), the object before and after, and when. Entries are append-only: kefu
 * never updates or deletes one; DynamoDB's TTL removes it after the tenant's retention period.
 */
export const auditActions = [
  'tenant.create',
  'tenant.update',
  'tenant.deletion-request',
  'tenant.deletion-confirm',
  'tenant.restore',
  'shop.put',
  'agent.put',
  'quick-reply.put',
  'quick-reply.delete',
  'quick-reply.import',
  'catalogue.import',
  'catalogue.activate',
  // staff accounts (issue 12 §2)
  'user.invite',
  'user.update',
  'user.disable',
  'user.enable',
  'user.import',
] as const;
export type AuditAction = (typeof auditActions)[number];

/** Kept 400 days unless the platform operator sets a tenant's own period (a year of promos plus margin). */
export const defaultAuditRetentionDays = 400;

export const auditEntrySchema = z.object({
  entryId: z.string(),
  at: z.string(),
  actorId: z.string(),
  actorRole: z.string(),
  action: z.enum(auditActions),
  target: z.object({ type: z.string(), id: z.string(), shopId: z.string().optional() }),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export interface AuditChange {
  action: AuditAction;
  target: AuditEntry['target'];
  before?: unknown;
  after?: unknown;
}

/** The entry for a change made now by `actor`; the store adds keys and expiry. */
export function auditEntryOf(actor: Pick<Identity, 'userId' | 'role'>, change: AuditChange, now: Date): AuditEntry {
  return {
    entryId: randomUUID(),
    at: now.toISOString(),
    actorId: actor.userId,
    actorRole: actor.role,
    action: change.action,
    target: change.target,
    ...(change.before !== undefined ? { before: change.before } : {}),
    ...(change.after !== undefined ? { after: change.after } : {}),
  };
}

/** The `expiresAt` (epoch seconds) of an entry written at `at`, kept `retentionDays`. */
export function auditExpiry(at: Date, retentionDays: number): number {
  return Math.floor(at.getTime() / 1000) + retentionDays * 24 * 3600;
}
