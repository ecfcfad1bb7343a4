import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError, ValidationError } from '../http/errors';
import { orderEventLogEntrySchema, orderEventLogRetentionDays, type OrderEventLogEntry, type OrderEventLogPage } from '../orders/order-event-log';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';

/** Writes set-aside events (BatchWrite, 25 a call, unprocessed items retried); throws if any stays unwritten. */
export async function recordOrderEventLog(
  tenantId: string,
  shopId: string,
  entries: readonly OrderEventLogEntry[],
  client: DynamoDBDocumentClient = dynamo(),
): Promise<void> {
  const table = env().TABLE_NAME;
  const items = entries.map((entry) => {
    const key = keys.orderEventLogEntry(tenantId, shopId, entry.receivedAt.slice(0, 10), entry.receivedAt, entry.platform, entry.messageId ?? randomUUID());
    const expiresAt = Math.floor(Date.parse(entry.receivedAt) / 1000) + orderEventLogRetentionDays * 86_400;
    return { PutRequest: { Item: { ...key, [tableSchema.entityAttribute]: 'OrderEventLogEntry', [tableSchema.timeToLiveAttribute]: expiresAt, ...entry } } };
  });
  for (let start = 0; start < items.length; start += 25) {
    let pending = items.slice(start, start + 25);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 6) throw new ServiceUnavailableError('order event log writes left unprocessed');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
}

/** One page of a shop-day's set-aside events, oldest first; the cursor is the last sort key, base64url. */
export async function readOrderEventLog(
  tenantId: string,
  shopId: string,
  day: string,
  options: { limit: number; cursor?: string | undefined },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Omit<OrderEventLogPage, 'shopId' | 'day'>> {
  const { pk } = keys.orderEventLogOfDay(tenantId, shopId, day);
  let start: Record<string, string> | undefined;
  if (options.cursor) {
    const sk = Buffer.from(options.cursor, 'base64url').toString('utf8');
    if (!sk) throw new ValidationError('cursor is not valid', [{ field: 'query.cursor', message: 'not a cursor of this list' }]);
    start = { pk, sk };
  }
  const out = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      Limit: options.limit,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  const entries = (out.Items ?? []).map((item) => orderEventLogEntrySchema.parse(item));
  const last = out.LastEvaluatedKey?.sk;
  return { entries, ...(typeof last === 'string' ? { nextCursor: Buffer.from(last).toString('base64url') } : {}) };
}
