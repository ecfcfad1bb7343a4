import { paginateQuery, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { batchWriteAll, deleteRequest } from './batch-write';
import { keys, type Key } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';

/**
 * What the tenant purge reads and deletes, never with a Scan: due tombstones are one Query of their own
 * partition (keys.tenantPurgesDue), and every partition purged is a Query by its full partition key.
 */

/** Tenants whose restore window has ended by `now`, oldest first. */
export async function duePurges(now: Date, limit: number, client: DynamoDBDocumentClient = dynamo()) {
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk < :now',
      ExpressionAttributeValues: { ':pk': keys.tenantPurgesDue().pk, ':now': now.toISOString() },
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map((item) => ({ tenantId: String(item.tenantId), purgeAfter: String(item.purgeAfter), key: { pk: String(item.pk), sk: String(item.sk) } }));
}

/** Every item of a partition (optionally under a sort key prefix), keys and the attributes named. */
export async function itemsOf(pk: string, skPrefix?: string, client: DynamoDBDocumentClient = dynamo()): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery({ client }, {
    TableName: env().TABLE_NAME,
    KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk, ...(skPrefix ? { ':prefix': skPrefix } : {}) },
    ConsistentRead: true,
  });
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

/** A conversation as the tenant's conversation index names it: enough to name each of its partitions and its buyer's. */
export interface IndexedConversation {
  conversationId: string;
  buyerId: string;
  shopId: string;
  /** The index entry itself (the buyer's conversation-list item): deleted last. */
  entryKey: Key;
}

/**
 * One page of a month shard of the tenant's conversation index (gsi2, keys only: keys.conversationInTenantIndex),
 * with the shop and buyer of each entry read from the entries themselves (BatchGet, strongly consistent).
 * An entry the index still shows but the table no longer holds (deleted a moment ago) is left out.
 */
export async function conversationIndexPage(
  tenantId: string,
  month: string,
  shard: number,
  options: { limit: number; startKey?: Record<string, unknown> | undefined },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ entries: IndexedConversation[]; next: Record<string, unknown> | undefined }> {
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.conversationIndexOfMonth(tenantId, month, shard).gsi2pk },
      Limit: options.limit,
      ...(options.startKey ? { ExclusiveStartKey: options.startKey } : {}),
    }),
  );
  const entryKeys = (result.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
  const stored = await batchGetAll(client, entryKeys, { consistentRead: true });
  const entries = stored.flatMap((item): IndexedConversation[] => {
    const buyerId = typeof item.buyerId === 'string' ? item.buyerId : keys.buyerOfConversationList(tenantId, String(item.pk));
    if (typeof item.conversationId !== 'string' || typeof item.shopId !== 'string' || !buyerId) return [];
    return [{ conversationId: item.conversationId, buyerId, shopId: item.shopId, entryKey: { pk: String(item.pk), sk: String(item.sk) } }];
  });
  return { entries, next: result.LastEvaluatedKey };
}

/** Agent ids of a group (gsi1, any presence). */
export { listAgentIdsOfGroup as agentIdsOfGroup } from './agents';

/** Deletes every item of a partition; returns how many. Idempotent: a rerun finds what is left. */
export async function deletePartition(pk: string, client: DynamoDBDocumentClient = dynamo(), skPrefix?: string): Promise<number> {
  const items = await itemsOf(pk, skPrefix, client);
  await batchWriteAll(client, items.map((item) => deleteRequest({ pk: String(item[tableSchema.partitionKey]), sk: String(item[tableSchema.sortKey]) })));
  return items.length;
}

export async function deleteItem(key: { pk: string; sk: string }, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await batchWriteAll(client, [deleteRequest(key)]);
}

/**
 * What stays of a purged tenant: its tenant item, status `purged`, every other attribute removed but its
 * id, so its old tokens stay refused (a tenant with no item at all would count as a legacy, open one).
 */
export async function markTenantPurged(tenantId: string, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(
    new UpdateCommand({
      TableName: env().TABLE_NAME,
      Key: keys.tenant(tenantId),
      UpdateExpression: 'SET #status = :purged, purgedAt = :now REMOVE #name, firstAdmin, deletionCodeHash',
      ExpressionAttributeNames: { '#status': 'status', '#name': 'name' },
      ExpressionAttributeValues: { ':purged': 'purged', ':now': now.toISOString() },
    }),
  );
}
