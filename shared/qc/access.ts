import type { Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import { supervisesShop } from '../routing/access';

/**
 * QC staff (`qc`) read the shops their token lists (the shops they inspect) and write only reviews;
 * supervisors and admins read and configure QC of the shops they supervise. Any other shop is a 404 like
 * a missing one.
 */
export function inspectsShop(identity: Identity, shopId: string): boolean {
  return supervisesShop(identity, shopId) || (identity.role === 'qc' && identity.shopIds.includes(shopId));
}

export function assertInspectsShop(identity: Identity, shopId: string): void {
  if (!inspectsShop(identity, shopId)) throw new NotFoundError('shop');
}
