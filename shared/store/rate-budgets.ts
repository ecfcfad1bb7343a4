import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys, type Key } from './keys';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed } from './write-failures';

export interface BlockLease {
  tenantId: string;
  userId: string;
  windowStartSeconds: number;
  windowSeconds: number;
  /** Tokens taken by this lease. */
  block: number;
  /** Tokens the user may lease in the window, across every instance. */
  limit: number;
}

/** Kept a minute past its window, so a late lease never recreates a counter DynamoDB already expired. */
const expiryAfterWindowSeconds = 60;

/**
 * Leases `block` tokens of a user's budget for one window: one conditional ADD on the window's counter
 * (created by the first lease, expired by TTL), refused once the window has no room for a whole block.
 * Returns false when refused; other errors propagate (a busy table reads as SERVICE_UNAVAILABLE).
 */
export async function leaseMessageBlock(lease: BlockLease, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  return leaseWindowTokens(
    { key: keys.userMessageBudget(lease.tenantId, lease.userId, lease.windowStartSeconds), entity: 'MessageBudget', windowEndSeconds: lease.windowStartSeconds + lease.windowSeconds, block: lease.block, limit: lease.limit },
    client,
  );
}

export interface WindowLease {
  /** The window's counter item (one per window: its start is in the key). */
  key: Key;
  entity: string;
  windowEndSeconds: number;
  block: number;
  limit: number;
}

/** The same fixed-window lease on any counter: outreach's per-shop and per-platform token buckets use it too. */
export async function leaseWindowTokens(lease: WindowLease, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: lease.key,
        UpdateExpression: 'ADD #leased :block SET #entity = :entity, #expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(#leased) OR #leased <= :room',
        ExpressionAttributeNames: { '#leased': 'leased', '#entity': tableSchema.entityAttribute, '#expiresAt': tableSchema.timeToLiveAttribute },
        ExpressionAttributeValues: {
          ':block': lease.block,
          ':room': lease.limit - lease.block,
          ':entity': lease.entity,
          ':expiresAt': lease.windowEndSeconds + expiryAfterWindowSeconds,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
