import { BatchGetCommand, paginateQuery, QueryCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../http/errors';
import { env } from '../runtime/env';
import { tableSchema } from './table-schema';

/**
 * The reads that must loop to see everything: a Query past DynamoDB's 1 MB page (or a filtered page that
 * came back short), and a BatchGet past its 100 keys a call and the keys it leaves unprocessed under load.
 * Plain Queries page with lib-dynamodb's `paginateQuery` (it writes each page's ExclusiveStartKey into the
 * input object it is given, so give it a fresh one).
 */

/**
 * Every item under a partition's sort key prefix whose time to live is still ahead. DynamoDB deletes
 * expired items only some time after they expire (it can take days), so readers that must not act on
 * one (a closed connection) get them filtered out here.
 */
export async function liveItemsOf(
  client: DynamoDBDocumentClient,
  prefix: { pk: string; skPrefix: string },
  now: Date,
): Promise<NonNullable<QueryCommandOutput['Items']>> {
  const items: NonNullable<QueryCommandOutput['Items']> = [];
  const pages = paginateQuery({ client }, {
    TableName: env().TABLE_NAME,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: '#expiresAt > :now',
    ExpressionAttributeNames: { '#expiresAt': tableSchema.timeToLiveAttribute },
    ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.skPrefix, ':now': Math.floor(now.getTime() / 1000) },
  });
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

/**
 * The newest `limit` items under a partition's sort key prefix (sort keys that grow with time or order),
 * newest first: one Query, no paging, since a list of the latest never needs more than one page.
 */
export async function newestItemsOf(
  client: DynamoDBDocumentClient,
  prefix: { pk: string; skPrefix: string },
  limit: number,
  options: { consistentRead?: boolean } = {},
): Promise<NonNullable<QueryCommandOutput['Items']>> {
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.skPrefix },
      ScanIndexForward: false,
      Limit: limit,
      ConsistentRead: options.consistentRead,
    }),
  );
  return result.Items ?? [];
}

/** BatchGet's limit on keys per call. */
const keysPerBatch = 100;
/** Rounds of unprocessed keys retried (with backoff) before the read counts as throttled. */
const maxRetries = 8;

/**
 * The items of the table at `keys` (BatchGet, 100 keys a call, unprocessed keys retried with exponential
 * backoff), in no particular order; missing items are left out. Throws a ServiceUnavailableError (a 503 for
 * the client, a retry for a queue) if keys are still unprocessed after 8 retries.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  keys: readonly Record<string, unknown>[],
  options: { consistentRead?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const table = env().TABLE_NAME;
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += keysPerBatch) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(start, start + keysPerBatch);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > maxRetries) throw new ServiceUnavailableError('BatchGet left keys unprocessed');
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      const result = await client.send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: pending, ...(options.consistentRead === undefined ? {} : { ConsistentRead: options.consistentRead }) } },
        }),
      );
      items.push(...(result.Responses?.[table] ?? []));
      pending = result.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return items;
}
