import type { Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import { auditPut } from '../store/audit-log';
import { getShop, getShops, saveShop } from '../store/shops';
import { assertSupervisesShop } from './access';
import type { PutShopBody } from './frames';
import type { MyShops, Shop } from './shop';

export const shopDependencies = { getShop, getShops, saveShop };

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

/**
 * The shops the caller's token lists, by id, with what a client shows of them: an agent sees its shops'
 * names without the supervisor's GET /v1/shops/{shopId}. Only the caller's own tenant and shops are read.
 */
export async function readMyShops(identity: Identity, deps = shopDependencies): Promise<MyShops> {
  const found = await deps.getShops(identity.tenantId, identity.shopIds);
  const shops = [...found.values()]
    .sort((a, b) => a.shopId.localeCompare(b.shopId))
    .map(({ shopId, name, category, persona }) => ({ shopId, name, category, ...(persona ? { persona } : {}) }));
  return { shops };
}
