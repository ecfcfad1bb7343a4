import { DeleteCommand, GetCommand, paginateQuery, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { batchWriteAll, deleteRequest } from './batch-write';
import { keys, type Key } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';
import { forgetTenantSettings } from './tenants';
import { isConditionalCheckFailed } from './write-failures';

/**
 * What the tenant purge reads and deletes. Due tombstones are one Query of their own partition
 * (keys.tenantPurgesDue); the targeted walk deletes each partition it names by a Query of its full
 * partition key; the sweep, its last phase, reads the whole table once with a parallel Scan
 * (keys.tenantSweep) and keeps each segment's place on the purge marker.
 */

/** How far the sweep has read one Scan segment: pages taken, and where the next starts (none: done). */
export interface SweepSegmentProgress {
  pages: number;
  done: boolean;
  next?: Record<string, unknown>;
}

/** A confirmed deletion due for purging, with the purge's progress kept on it. */
export interface PurgeMarker {
  tenantId: string;
  purgeAfter: string;
  key: Key;
  /** When the conversations and the targeted walk were finished: later runs go straight to the sweep. */
  walkedAt?: string;
  /** Progress by Scan segment; a segment not yet started is absent. */
  sweep: Record<number, SweepSegmentProgress>;
  /** The Scan's segment count, stored with the sweep's first progress write: every later run uses it. */
  sweepSegments?: number;
}

const segmentAttribute = (segment: number) => `sweepSegment${segment}`;
const segmentAttributePattern = /^sweepSegment(\d+)$/;

function purgeMarkerOf(item: Record<string, unknown>): PurgeMarker {
  const sweep: Record<number, SweepSegmentProgress> = {};
  for (const [name, value] of Object.entries(item)) {
    const segment = segmentAttributePattern.exec(name)?.[1];
    if (segment === undefined || typeof value !== 'object' || value === null) continue;
    const stored = value as { pages?: unknown; done?: unknown; next?: unknown };
    sweep[Number(segment)] = {
      pages: Number(stored.pages ?? 0),
      done: stored.done === true,
      ...(typeof stored.next === 'object' && stored.next !== null ? { next: stored.next as Record<string, unknown> } : {}),
    };
  }
  return {
    tenantId: String(item.tenantId),
    purgeAfter: String(item.purgeAfter),
    key: { pk: String(item.pk), sk: String(item.sk) },
    ...(typeof item.walkedAt === 'string' ? { walkedAt: item.walkedAt } : {}),
    sweep,
    ...(typeof item.sweepSegments === 'number' ? { sweepSegments: item.sweepSegments } : {}),
  };
}

/** Tenants whose restore window has ended by `now`, oldest first, with their purge's progress. */
export async function duePurges(now: Date, limit: number, client: DynamoDBDocumentClient = dynamo()): Promise<PurgeMarker[]> {
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk < :now',
      ExpressionAttributeValues: { ':pk': keys.tenantPurgesDue().pk, ':now': now.toISOString() },
      Limit: limit,
      // Progress written by a run a moment ago must be seen, or a run would redo its pages.
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map(purgeMarkerOf);
}

/** The purge marker as stored now (undefined: another run finished the tenant and deleted it). */
export async function purgeMarker(key: Key, client: DynamoDBDocumentClient = dynamo()): Promise<PurgeMarker | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: key, ConsistentRead: true }));
  return result.Item ? purgeMarkerOf(result.Item) : undefined;
}

/** Records that the targeted walk is done. False if the marker is gone (another run finished the tenant). */
export async function recordWalkDone(key: Key, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: key,
        UpdateExpression: 'SET walkedAt = if_not_exists(walkedAt, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * Moves one segment's progress from the page count read (`expectedPages`) to `progress`, only if nobody
 * moved it meanwhile, the marker still exists and its segmentation is `totalSegments` (stored by the
 * first write, kept by the others): two runs of one tenant never write the same segment backwards, a run
 * finishing after another deleted the marker does not bring it back, and a run with another segment count
 * (a deploy mid-sweep) never records places of its segmentation. False when the condition failed (the
 * caller re-reads the marker).
 */
export async function recordSweepProgress(
  key: Key,
  segment: number,
  expectedPages: number,
  progress: SweepSegmentProgress,
  totalSegments: number,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<boolean> {
  const segmentation = '(attribute_not_exists(#total) OR #total = :total)';
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: key,
        UpdateExpression: 'SET #segment = :progress, #total = :total',
        ConditionExpression: `attribute_exists(pk) AND ${segmentation} AND ${expectedPages === 0 ? 'attribute_not_exists(#segment)' : '#segment.pages = :expected'}`,
        ExpressionAttributeNames: { '#segment': segmentAttribute(segment), '#total': 'sweepSegments' },
        ExpressionAttributeValues: { ':progress': progress, ':total': totalSegments, ...(expectedPages === 0 ? {} : { ':expected': expectedPages }) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * One page of one segment of the sweep's parallel Scan: the keys of the items that belong to the tenant
 * (keys.tenantSweep; the filter is a superset, keys.tenantSweepMatches the rule). Eventually consistent
 * (half the units): the tenant has been deleted for its whole restore window, nothing of it is being
 * written, and an item deleted a moment ago that the page still shows is deleted again, harmlessly.
 * The projection keeps each returned item to its keys and the two tenant attributes; DynamoDB bills a
 * Scan by the bytes it reads, filtered out or not, so it saves transfer, not units.
 */
export async function sweepPage(
  tenantId: string,
  segment: number,
  totalSegments: number,
  options: { startKey?: Record<string, unknown> | undefined; limit?: number | undefined },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ keys: Key[]; next: Record<string, unknown> | undefined; scanned: number }> {
  const sweep = keys.tenantSweep(tenantId);
  const duePartitions = sweep.sortKeyTenantPartitions.map((_, i) => `begins_with(pk, :due${i})`).join(' OR ');
  const result = await client.send(
    new ScanCommand({
      TableName: env().TABLE_NAME,
      Segment: segment,
      TotalSegments: totalSegments,
      ProjectionExpression: 'pk, sk, #tenantId, #identity.#tenantId',
      FilterExpression: [
        'begins_with(pk, :prefix)',
        '(pk = :tenantPk AND sk <> :tenantItemSk)',
        `((${duePartitions}) AND contains(sk, :infix))`,
        '(begins_with(pk, :webhook) AND #tenantId = :tenantId)',
        '(begins_with(pk, :ticket) AND #identity.#tenantId = :tenantId)',
      ].join(' OR '),
      ExpressionAttributeNames: { '#tenantId': 'tenantId', '#identity': 'identity' },
      ExpressionAttributeValues: {
        ':prefix': sweep.keyPrefix,
        ':tenantPk': sweep.tenantPk,
        ':tenantItemSk': sweep.tenantItemSk,
        ...Object.fromEntries(sweep.sortKeyTenantPartitions.map((prefix, i) => [`:due${i}`, prefix])),
        ':infix': sweep.sortKeyInfix,
        ':webhook': sweep.webhookEndpointPrefix,
        ':ticket': sweep.connectTicketPrefix,
        ':tenantId': tenantId,
      },
      ...(options.limit ? { Limit: options.limit } : {}),
      ...(options.startKey ? { ExclusiveStartKey: options.startKey } : {}),
    }),
  );
  const matched = (result.Items ?? []).filter((item) => keys.tenantSweepMatches(tenantId, item as Key & Record<string, unknown>));
  return { keys: matched.map((item) => ({ pk: String(item.pk), sk: String(item.sk) })), next: result.LastEvaluatedKey, scanned: result.ScannedCount ?? 0 };
}

/** Deletes these items (BatchWriteItem, unprocessed ones retried with backoff); deleting a missing item is no error. */
export async function deleteKeys(itemKeys: readonly Key[], client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await batchWriteAll(client, itemKeys.map(deleteRequest));
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

/**
 * Deletes a webhook endpoint of the tenant (keys.webhookEndpoint), only if it names this tenant: the walk
 * takes each shop's endpoint before its integration, the only item that names it, so none outlives it.
 */
export async function deleteWebhookEndpoint(tenantId: string, endpointId: string, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  try {
    await client.send(
      new DeleteCommand({
        TableName: env().TABLE_NAME,
        Key: keys.webhookEndpoint(endpointId),
        ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenantId',
        ExpressionAttributeValues: { ':tenantId': tenantId },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}

export async function deleteItem(key: { pk: string; sk: string }, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await batchWriteAll(client, [deleteRequest(key)]);
}

/**
 * The purge's first write, before it deletes anything: the tenant moves from `deleted` to `purging`, its
 * version bumped, only if its restore window has ended. A restore that read the tenant before this then
 * fails on the version (TENANT_CHANGED), and one that committed first made the tenant `active` so this
 * fails: a restored tenant's data is never deleted. A tenant already `purging` (an earlier run's) carries
 * on; `purged` means a run died between the tombstone and the marker's deletion; `not-due` anything else.
 */
export async function beginTenantPurge(tenantId: string, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<'purging' | 'purged' | 'not-due'> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET #status = :purging, #version = #version + :one, updatedAt = :now',
        ConditionExpression: '#status = :deleted AND #deletion.purgeAfter <= :now',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version', '#deletion': 'deletion' },
        ExpressionAttributeValues: { ':purging': 'purging', ':deleted': 'deleted', ':one': 1, ':now': now.toISOString() },
      }),
    );
    forgetTenantSettings(tenantId);
    return 'purging';
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
  const stored = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.tenant(tenantId), ConsistentRead: true }));
  const status = stored.Item?.status;
  return status === 'purging' || status === 'purged' ? status : 'not-due';
}

/**
 * What stays of a purged tenant: its tenant item, status `purged`, every other attribute removed but its
 * id, so its old tokens stay refused (a tenant with no item at all would count as a legacy, open one).
 * Only from `purging`: false if the tenant is in any other state (another run tombstoned it already).
 */
export async function markTenantPurged(tenantId: string, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'SET #status = :purged, purgedAt = :now REMOVE #name, firstAdmin, deletionCodeHash',
        ConditionExpression: '#status = :purging',
        ExpressionAttributeNames: { '#status': 'status', '#name': 'name' },
        ExpressionAttributeValues: { ':purged': 'purged', ':purging': 'purging', ':now': now.toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
