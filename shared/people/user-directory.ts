import { createHash } from 'node:crypto';
import type { ItemChange } from '../kpi/facts';
import { logger } from '../runtime/observability';
import { userSchema, type StaffRole, type User } from './user';

/**
 * The identity provider's copy of the staff accounts (issue 12 §2): in the cloud the region's Cognito user
 * pool (cognito-user-directory.ts), locally the dev issuer's pool (infra/local/user-pool.ts, reached over
 * HTTP by local-user-directory.ts). kefu's user items are the source of truth and every request is checked
 * against them; the directory follows them from the table's change stream (SyncUserDirectory), so every
 * path that writes an account (invite, patch, disable, enable, CSV import, militia expiry, the tenant's
 * first admin) reaches it, in the order the items changed, with no second write to lose (docs/onboarding.md).
 */
export interface DirectoryAccount {
  tenantId: string;
  userId: string;
  name: string;
  email?: string | undefined;
  role: StaffRole;
  shopIds: readonly string[];
}

/** `missing`: the directory has no such user (its creation never arrived, or it predates the directory). */
export type DirectoryOutcome = 'done' | 'missing';

/**
 * The operations kefu sends. Every one is idempotent: creating a user the directory has is `exists`
 * (success), disabling a disabled user is `done`. `taken`: the username belongs to another account (the
 * pool's usernames are case-insensitive, kefu's ids are not).
 */
export interface UserDirectory {
  createUser(account: DirectoryAccount, options: { disabled: boolean }): Promise<'created' | 'exists' | 'taken'>;
  updateAttributes(account: DirectoryAccount): Promise<DirectoryOutcome>;
  addToGroup(tenantId: string, userId: string, role: StaffRole): Promise<DirectoryOutcome>;
  removeFromGroup(tenantId: string, userId: string, role: StaffRole): Promise<DirectoryOutcome>;
  disableUser(tenantId: string, userId: string): Promise<DirectoryOutcome>;
  enableUser(tenantId: string, userId: string): Promise<DirectoryOutcome>;
  /** Revokes the user's refresh tokens: they sign in again (and get the new claims). */
  signOut(tenantId: string, userId: string): Promise<DirectoryOutcome>;
  /**
   * Deletes the user, only if the username is this account's (`taken`: another account's, left alone);
   * `missing` when already gone, which is as good as done.
   */
  deleteUser(tenantId: string, userId: string): Promise<DirectoryOutcome | 'taken'>;
}

/**
 * The pool is shared by every tenant of the region, so a username names both (ids never hold a `.`).
 * Cognito's usernames are case-insensitive and kefu's ids are not (`Wu` and `wu` are two accounts): a
 * name with capitals gets the hash of its exact spelling, so no two accounts ever share a username.
 */
export function directoryUsername(tenantId: string, userId: string): string {
  const name = `${tenantId}.${userId}`;
  const folded = name.toLowerCase();
  return folded === name ? name : `${folded}.${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

export type DirectoryStep =
  | { op: 'create'; account: DirectoryAccount; disabled: boolean }
  | { op: 'updateAttributes'; account: DirectoryAccount }
  | { op: 'addToGroup' | 'removeFromGroup'; role: StaffRole }
  | { op: 'disableUser' | 'enableUser' | 'signOut' | 'deleteUser' };

const accountOf = (tenantId: string, user: User): DirectoryAccount => ({
  tenantId,
  userId: user.userId,
  name: user.name,
  ...(user.email ? { email: user.email } : {}),
  role: user.role,
  shopIds: user.shopIds,
});

const sameShops = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((shopId) => b.includes(shopId));

/**
 * What the directory must do for one change of an account, in order. A new account is created with its
 * role group (and disabled if it arrives disabled); a role, shop, name or email change rewrites the
 * attributes (the role also moves the group) and, for an active user whose claims changed, signs them out
 * so their next tokens carry the new claims; disabling signs out too. A change that touches none of these
 * (a version bump) sends nothing.
 */
export function directorySteps(tenantId: string, before: User | undefined, after: User): DirectoryStep[] {
  const account = accountOf(tenantId, after);
  if (!before) return createSteps(account, after.status === 'disabled');
  const steps: DirectoryStep[] = [];
  const roleChanged = before.role !== after.role;
  const claimsChanged = roleChanged || !sameShops(before.shopIds, after.shopIds);
  if (claimsChanged || before.name !== after.name || before.email !== after.email) steps.push({ op: 'updateAttributes', account });
  if (roleChanged) steps.push({ op: 'removeFromGroup', role: before.role }, { op: 'addToGroup', role: after.role });
  if (before.status !== after.status) {
    steps.push(after.status === 'disabled' ? { op: 'disableUser' } : { op: 'enableUser' });
    if (after.status === 'disabled') steps.push({ op: 'signOut' });
  } else if (claimsChanged && after.status === 'active') {
    steps.push({ op: 'signOut' });
  }
  return steps;
}

function createSteps(account: DirectoryAccount, disabled: boolean): DirectoryStep[] {
  return [{ op: 'create', account, disabled }, { op: 'addToGroup', role: account.role }];
}

export interface DirectorySync {
  tenantId: string;
  userId: string;
  steps: DirectoryStep['op'][];
  /** The directory lacked the user, so it was created from the account as it is now. */
  recreated?: true;
  /** The username is another account's: nothing was changed (logged for an operator). */
  conflict?: true;
}

/**
 * Applies one changed item of the table to the directory: anything but an account is ignored. A deleted
 * account (only the tenant purge deletes User items; a disable is a change, never a deletion) deletes
 * its pool user; one already gone is fine, and nothing is re-created. When the directory lacks the user
 * of a changed account (`missing`), the account is created as it is now, so a lost creation or an
 * account older than the directory heals on its next change. Errors (throttling, the service down) are
 * thrown: the stream retries the record, then dead-letters it.
 */
export async function syncUserChange(change: Pick<ItemChange, 'tenantId' | 'oldImage' | 'newImage'>, directory: UserDirectory): Promise<DirectorySync[]> {
  if (!change.newImage) return deleteRemovedUser(change.tenantId, change.oldImage, directory);
  const after = change.newImage && change.newImage.entity === 'User' ? userSchema.safeParse(change.newImage) : undefined;
  if (!after?.success) return [];
  const before = change.oldImage?.entity === 'User' ? userSchema.safeParse(change.oldImage) : undefined;
  const { tenantId } = change;
  const user = after.data;
  const steps = directorySteps(tenantId, before?.success ? before.data : undefined, user);
  const sync: DirectorySync = { tenantId, userId: user.userId, steps: steps.map((step) => step.op) };
  for (const step of steps) {
    const outcome = await apply(directory, tenantId, user.userId, step);
    if (outcome === 'taken') {
      logger.error('the directory username belongs to another account; the account was not synced', { tenantId, userId: user.userId });
      return [{ ...sync, conflict: true }];
    }
    if (outcome === 'missing') {
      for (const repair of createSteps(accountOf(tenantId, user), user.status === 'disabled')) {
        if ((await apply(directory, tenantId, user.userId, repair)) === 'taken') return [{ ...sync, conflict: true }];
      }
      return [{ ...sync, recreated: true }];
    }
  }
  return steps.length > 0 ? [sync] : [];
}

async function deleteRemovedUser(tenantId: string, oldImage: ItemChange['oldImage'], directory: UserDirectory): Promise<DirectorySync[]> {
  const removed = oldImage?.entity === 'User' ? userSchema.safeParse(oldImage) : undefined;
  if (!removed?.success) return [];
  const { userId } = removed.data;
  const sync: DirectorySync = { tenantId, userId, steps: ['deleteUser'] };
  if ((await directory.deleteUser(tenantId, userId)) === 'taken') {
    logger.error('the directory username belongs to another account; it was not deleted', { tenantId, userId });
    return [{ ...sync, conflict: true }];
  }
  return [sync];
}

async function apply(directory: UserDirectory, tenantId: string, userId: string, step: DirectoryStep): Promise<DirectoryOutcome | 'taken'> {
  switch (step.op) {
    case 'create': {
      const created = await directory.createUser(step.account, { disabled: step.disabled });
      // An existing user of this account (a replayed record) gets the account's attributes again.
      if (created === 'exists') return directory.updateAttributes(step.account);
      return created === 'taken' ? 'taken' : 'done';
    }
    case 'updateAttributes':
      return directory.updateAttributes(step.account);
    case 'addToGroup':
    case 'removeFromGroup':
      return directory[step.op](tenantId, userId, step.role);
    case 'disableUser':
    case 'enableUser':
    case 'signOut':
    case 'deleteUser':
      return directory[step.op](tenantId, userId);
  }
}
