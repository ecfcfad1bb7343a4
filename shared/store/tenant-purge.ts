import { paginateQuery, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { batchWriteAll, deleteRequest } from './batch-write';
import { keys } from './keys';
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
