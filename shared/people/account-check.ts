import type { Identity } from '../auth/identity';
import { AppError } from '../http/errors';
import { userSchema, type User } from './user';
import { getUserItem } from '../store/users';

/** Whether a read account is the token's: same role and the same shops (in any order). */
function claimsMatch(user: Pick<User, 'role' | 'shopIds'>, identity: Identity): boolean {
  return user.role === identity.role && user.shopIds.length === identity.shopIds.length && user.shopIds.every((shopId) => identity.shopIds.includes(shopId));
}

/**
 * Refuses a verified token (or a connect ticket) whose account says otherwise: a disabled user gets 403
 * USER_DISABLED, a user whose role or shops changed since the token was issued gets 401 TOKEN_STALE (sign
 * in again for a token with the new claims). A JWT stays valid until it expires, so this read is what
 * makes a disable or a re-role take effect at once (one eventually consistent GetItem, 0.5 RRU, per staff
 * request; a change is seen within about a second). Buyers and the platform operator have no tenant
 * account, and neither do identities a tenant never created through kefu (the local demo users): those
 * pass on their token alone.
 */
export async function assertAccountCurrent(
  identity: Identity,
  read: (tenantId: string, userId: string) => Promise<unknown> = getUserItem,
): Promise<void> {
  if (identity.role === 'buyer' || identity.role === 'platform') return;
  const parsed = userSchema.safeParse(await read(identity.tenantId, identity.userId));
  if (!parsed.success) return;
  const user = parsed.data;
  if (user.status === 'disabled') throw new AppError(403, 'USER_DISABLED', 'this account is disabled');
  if (!claimsMatch(user, identity)) throw new AppError(401, 'TOKEN_STALE', 'your role or shops changed since this token was issued; sign in again');
}
