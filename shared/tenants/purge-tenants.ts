import { keys } from '../store/keys';
import * as purgeStore from '../store/tenant-purge';
import { shopSchema, groupsOfShop } from '../routing/shop';
import { logger } from '../runtime/observability';

/**
 * The scheduled purge of deleted tenants whose restore window has ended. DynamoDB cannot list a
 * tenant's partitions by prefix without a Scan, so the purge walks the partitions it can name from the
 * tenant's own items, each removed by a Query on its full partition key (docs/onboarding.md, "Tenant
 * deletion"): shops → catalogue heads → catalogue versions (products and token shards) and shop
 * quick-reply libraries; shops' routing groups → agents (gsi1) → agent items, own libraries and
 * connections; staff accounts (their connections, the accounts, seats); the tenant library and audit log; last the shops, then the tenant item is cut down to a
 * `purged` tombstone (its old tokens stay refused) and the purge marker goes. Children go first, so a run cut short leaves what names the rest, and the next run
 * finds it again.
 *
 * NOT purged (no way to name them from the tenant's items yet): conversations and their messages,
 * transfers and rotations (`T#t#CONV#…`), buyers (`T#t#BUYER#…`, `T#t#SHOP#s#BUYER#…`), users' rate
 * budgets (expire by TTL) and idle-close timers (`IDLE#…`, consumed within the idle period). They are
 * unreachable once the tenant is a tombstone; purging them needs a per-tenant conversation index.
 */
export const purgeDependencies = { ...purgeStore, catalogueVersions };

async function catalogueVersions(tenantId: string, shopId: string): Promise<number[]> {
  const [head] = await purgeStore.itemsOf(keys.catalogue(tenantId, shopId).pk, 'HEAD');
  const counter = typeof head?.versionCounter === 'number' ? head.versionCounter : 0;
  return Array.from({ length: counter }, (_, i) => i + 1);
}

export async function purgeTenant(tenantId: string, deps = purgeDependencies): Promise<number> {
  let deleted = 0;
  const tenantPk = keys.tenant(tenantId).pk;
  const shops = (await deps.itemsOf(tenantPk, 'SHOP#')).map((item) => shopSchema.parse(item));
  const agentIds = new Set<string>();
  for (const shop of shops) {
    for (const version of await deps.catalogueVersions(tenantId, shop.shopId)) {
      deleted += await deps.deletePartition(keys.productsOfVersion(tenantId, shop.shopId, version).pk);
      for (const pk of keys.tokenPartitionsOfVersion(tenantId, shop.shopId, version)) deleted += await deps.deletePartition(pk);
    }
    deleted += await deps.deletePartition(keys.catalogue(tenantId, shop.shopId).pk);
    deleted += await deps.deletePartition(keys.quickRepliesOfScope(tenantId, keys.quickReplyScope({ kind: 'shop', shopId: shop.shopId })).pk);
    for (const groupId of groupsOfShop(shop.routing)) for (const agentId of await deps.agentIdsOfGroup(tenantId, groupId)) agentIds.add(agentId);
  }
  for (const agentId of agentIds) {
    deleted += await deps.deletePartition(keys.agent(tenantId, agentId).pk);
    deleted += await deps.deletePartition(keys.quickRepliesOfScope(tenantId, keys.quickReplyScope({ kind: 'agent', agentId })).pk);
    deleted += await deps.deletePartition(keys.connectionsOfUser(tenantId, agentId).pk);
  }
  // Staff accounts (issue 12 §2): every account's sockets, then the accounts, seat count and import markers.
  for (const user of await deps.itemsOf(keys.usersOfTenant(tenantId).pk, keys.usersOfTenant(tenantId).skPrefix)) {
    const userId = String(user.userId);
    if (!agentIds.has(userId)) deleted += await deps.deletePartition(keys.connectionsOfUser(tenantId, userId).pk);
  }
  deleted += await deps.deletePartition(keys.usersOfTenant(tenantId).pk);
  deleted += await deps.deletePartition(keys.quickRepliesOfScope(tenantId, keys.quickReplyScope({ kind: 'tenant' })).pk);
  deleted += await deps.deletePartition(keys.auditLog(tenantId).pk);
  deleted += await deps.deletePartition(tenantPk, undefined, 'SHOP#');
  return deleted;
}

/** One run: purges up to `limit` due tenants, each finished by deleting its purge marker. */
export async function purgeDueTenants(now: Date, options: { limit?: number } = {}, deps = purgeDependencies) {
  const due = await deps.duePurges(now, options.limit ?? 5);
  const purged: { tenantId: string; itemsDeleted: number }[] = [];
  for (const marker of due) {
    const itemsDeleted = await purgeTenant(marker.tenantId, deps);
    await deps.markTenantPurged(marker.tenantId, now);
    await deps.deleteItem(marker.key);
    logger.info('tenant purged', { tenantId: marker.tenantId, itemsDeleted });
    purged.push({ tenantId: marker.tenantId, itemsDeleted });
  }
  return { purged };
}
