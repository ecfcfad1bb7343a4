import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../http/errors';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { connectionLifetimeSeconds } from './connections';
import { keys } from './keys';
import { liveItemsOf } from './read-all';
import { tableSchema } from './table-schema';

/**
 * Who supervises a shop, as far as live alerts need to know: supervisors are identities (their shops are
 * in their token), not stored records, so each $connect of a supervisor files them under every shop of
 * their token for as long as a connection lives. Someone who has not connected lately could not receive
 * a frame anyway; an entry that outlives its sockets costs one empty connection read.
 */

const shopSupervisorEntity = 'ShopSupervisor';
const writesPerBatch = 25;

export async function recordShopSupervisor(
  tenantId: string,
  userId: string,
  shopIds: readonly string[],
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<void> {
  const expiresAt = Math.floor(now.getTime() / 1000) + connectionLifetimeSeconds;
  const items = [...new Set(shopIds)].map((shopId) => ({
    ...keys.shopSupervisor(tenantId, shopId, userId),
    [tableSchema.entityAttribute]: shopSupervisorEntity,
    userId,
    shopId,
    [tableSchema.timeToLiveAttribute]: expiresAt,
  }));
  for (let start = 0; start < items.length; start += writesPerBatch) {
    let pending = items.slice(start, start + writesPerBatch).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 5) throw new ServiceUnavailableError('BatchWrite left supervisor entries unprocessed');
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [env().TABLE_NAME]: pending } }));
      pending = (result.UnprocessedItems?.[env().TABLE_NAME] ?? []) as typeof pending;
    }
  }
}

/** The supervisors of a shop who connected within a connection's lifetime. */
export async function listShopSupervisors(
  tenantId: string,
  shopId: string,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<string[]> {
  const items = await liveItemsOf(client, keys.supervisorsOfShop(tenantId, shopId), now);
  return items.map((item) => String(item.userId));
}
