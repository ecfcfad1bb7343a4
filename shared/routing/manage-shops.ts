import type { Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import { auditPut } from '../store/audit-log';
import { getShop, saveShop } from '../store/shops';
import { assertSupervisesShop } from './access';
import type { PutShopBody } from './frames';
import type { Shop } from './shop';

export const shopDependencies = { getShop, saveShop };

/**
 * Creates or updates a shop's routing configuration. Admins onboard shops (create); supervisors may only
 * change shops their token lists that already exist. Anything else is a 404, the same as a missing shop.
 */
export async function putShop(identity: Identity, shopId: string, body: PutShopBody, deps = shopDependencies): Promise<Shop> {
  assertSupervisesShop(identity, shopId);
  return deps.saveShop(identity.tenantId, shopId, body, {
    mustExist: identity.role !== 'admin',
    audit: (before, after) => auditPut(identity.tenantId, identity, { action: 'shop.put', target: { type: 'shop', id: shopId, shopId }, before, after }),
  });
}

/** A shop the caller administers or supervises. */
export async function readShop(identity: Identity, shopId: string, deps = shopDependencies): Promise<Shop> {
  assertSupervisesShop(identity, shopId);
  const shop = await deps.getShop(identity.tenantId, shopId);
  if (!shop) throw new NotFoundError('shop');
  return shop;
}
