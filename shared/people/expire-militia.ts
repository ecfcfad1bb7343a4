import { logger } from '../runtime/observability';
import { getAccount } from '../store/accounts';
import { deleteMilitiaExpiry, listMilitiaExpiriesDue } from '../store/users';
import { takeOfflineDependencies, takeUserOffline, type TakeOfflineDependencies } from './take-offline';

export const expiryDependencies = {
  listDue: (now: Date, limit: number) => listMilitiaExpiriesDue(now, limit),
  getAccount: (tenantId: string, userId: string) => getAccount(tenantId, userId),
  deleteDue: deleteMilitiaExpiry,
  takeOffline: takeOfflineDependencies as TakeOfflineDependencies,
};
export type ExpiryDependencies = typeof expiryDependencies;

/** Members handled per run; a promo's militia ends in waves of hundreds, and the next minute takes the rest. */
export const maxExpiriesPerRun = 200;

/**
 * The militia expiry sweep (issue 10 §2, people): every minute, each member whose account expired is taken
 * out of service as a disabled user is (take-offline.ts): presence offline, sockets closed, conversations
 * re-queued to other agents with nothing lost. Their new connect tickets were already refused from the
 * expiry (assertAccountActive). Found by the expiry index the roster import writes (keys.militiaExpiryDue),
 * one Query, never a Scan. An entry is deleted only after its member is offline, so a run cut short is
 * finished by the next; an entry whose account was re-imported with a later expiry (or removed) is just
 * deleted, and the later one has its own entry. Running it twice does nothing the second time (row 25).
 */
export async function expireMilitia(now: Date, deps: ExpiryDependencies = expiryDependencies) {
  const due = await deps.listDue(now, maxExpiriesPerRun);
  const expired: { tenantId: string; userId: string; socketsClosed: number; conversationsRequeued: number }[] = [];
  for (const entry of due) {
    const account = await deps.getAccount(entry.tenantId, entry.userId);
    if (account && account.expiresAt <= now.toISOString()) {
      const outcome = await takeUserOffline(entry.tenantId, entry.userId, 'militia-expiry', deps.takeOffline);
      expired.push({ tenantId: entry.tenantId, userId: entry.userId, ...outcome });
    }
    await deps.deleteDue(entry.key);
  }
  if (due.length > 0) logger.info('militia expiry sweep', { due: due.length, expired: expired.length });
  return { due: due.length, expired };
}
