import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';

/**
 * Idle-close timers: one item per assigned conversation, due when it would go idle, sharded so the
 * sweep finds due conversations without a Scan (docs/conversation-design.md, "Idle close"). The
 * assignment transaction puts the first one (conversation-ownership.ts); the sweep moves or drops them.
 */

const idleCheckEntity = 'IdleCheck';
/** Spreads the idle-close timers so a Double 11 burst of assignments never crowds one partition. */
export const idleCheckShards = 16;
/** Timers the sweeper somehow never reached still disappear. */
const idleCheckTtlSeconds = 7 * 24 * 3600;

/** Which idle-check shard a conversation's timer lives in (FNV-1a of tenant and conversation). */
export function idleCheckShard(tenantId: string, conversationId: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${tenantId}#${conversationId}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % idleCheckShards;
}

/** The timer item of a conversation due at `dueAt`. */
export function idleCheckItem(tenantId: string, conversationId: string, dueAt: Date): Record<string, unknown> {
  const due = dueAt.toISOString();
  return {
    ...keys.idleCheck(idleCheckShard(tenantId, conversationId), due, tenantId, conversationId),
    [tableSchema.entityAttribute]: idleCheckEntity,
    tenantId,
    conversationId,
    dueAt: due,
    [tableSchema.timeToLiveAttribute]: Math.floor(dueAt.getTime() / 1000) + idleCheckTtlSeconds,
  };
}

export interface IdleCheck {
  key: { pk: string; sk: string };
  tenantId: string;
  conversationId: string;
  dueAt: string;
}

/**
 * Idle-close timers of one shard due at or before `now`, oldest first: one page of at most `limit`,
 * continuing after `after` (the last timer of the previous page).
 */
export async function listDueIdleChecks(
  shard: number,
  now: Date,
  limit: number,
  after?: IdleCheck['key'],
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ checks: IdleCheck[]; more: boolean }> {
  const { pk } = keys.idleChecksOfShard(shard);
  // Sort keys are `<dueAt ISO>#T#…`; '$' sorts right after '#', so this takes every timer due up to now.
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk < :upper',
      ExpressionAttributeValues: { ':pk': pk, ':upper': `${now.toISOString()}$` },
      Limit: limit,
      ...(after ? { ExclusiveStartKey: after } : {}),
    }),
  );
  const checks = (result.Items ?? []).map((item) => ({
    key: { pk: String(item.pk), sk: String(item.sk) },
    tenantId: String(item.tenantId),
    conversationId: String(item.conversationId),
    dueAt: String(item.dueAt),
  }));
  return { checks, more: result.LastEvaluatedKey !== undefined };
}

/** Moves a timer to a later due time (put the new one first: a crash in between leaves two, not none). */
export async function rescheduleIdleCheck(check: IdleCheck, dueAt: Date, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(new PutCommand({ TableName: env().TABLE_NAME, Item: idleCheckItem(check.tenantId, check.conversationId, dueAt) }));
  // The same due time is the same key: the put above already replaced it, and a delete would remove it.
  if (dueAt.toISOString() !== check.dueAt) await deleteIdleCheck(check, client);
}

export async function deleteIdleCheck(check: IdleCheck, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(new DeleteCommand({ TableName: env().TABLE_NAME, Key: check.key }));
}
