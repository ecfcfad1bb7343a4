import { QueryCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import type { RoutableConversation } from './conversation-ownership';
import { conversationIdOfIndexSortKey } from './conversations';
import { keys, priorityLinePrefix } from './keys';

/**
 * A shop's waiting line for a stage: the waiting heads on gsi1 (`T#t#WAIT#<shop>#<stage>` /
 * `<openedAt>#c`), oldest first. The head enters it when it opens and leaves it in the ownership
 * transactions (conversation-ownership.ts); these are its reads.
 */

/**
 * Position of a waiting conversation in its line, counting from 1: the entries opened before it
 * (gsi1 Select COUNT, keys only, every page).
 */
export async function waitingPosition(conversation: RoutableConversation, client: DynamoDBDocumentClient = dynamo()): Promise<number> {
  const c = conversation;
  const { gsi1pk, gsi1sk } = keys.conversationInWaitingLine(c.tenantId, c.shopId, c.stage, c.openedAt, c.conversationId, c.linePriorityAt);
  let ahead = 0;
  const pages = paginateQuery({ client }, {
    TableName: env().TABLE_NAME,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :sk',
    ExpressionAttributeValues: { ':pk': gsi1pk, ':sk': gsi1sk },
    Select: 'COUNT',
  });
  for await (const page of pages) ahead += page.Count ?? 0;
  return ahead + 1;
}

/**
 * One entry of a waiting line: the conversation and its sort key there (`<openedAt>#<conversationId>`),
 * which orders the line and says who is behind whom.
 */
export interface WaitingLineEntry {
  conversationId: string;
  lineKey: string;
}

/** Where a conversation stands (or stood, before it left) in its shop's waiting line for its stage. */
export function waitingLineEntryOf(
  c: Pick<RoutableConversation, 'tenantId' | 'shopId' | 'stage' | 'openedAt' | 'conversationId' | 'linePriorityAt'>,
): WaitingLineEntry {
  return { conversationId: c.conversationId, lineKey: keys.conversationInWaitingLine(c.tenantId, c.shopId, c.stage, c.openedAt, c.conversationId, c.linePriorityAt).gsi1sk };
}

/** The first `limit` entries of a shop's waiting line for a stage, oldest first (gsi1, keys only, one page). */
export async function listWaitingLine(
  tenantId: string,
  shopId: string,
  stage: string,
  limit: number,
  /** Only conversations opened before this ISO time (the line is ordered by opening time). */
  openedBefore?: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<WaitingLineEntry[]> {
  const { gsi1pk } = keys.waitingLine(tenantId, shopId, stage);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: openedBefore === undefined ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND gsi1sk < :before',
      ExpressionAttributeValues: { ':pk': gsi1pk, ...(openedBefore === undefined ? {} : { ':before': openedBefore }) },
      Limit: limit,
    }),
  );
  return (result.Items ?? []).flatMap((item) => {
    const lineKey = String(item.gsi1sk);
    const conversationId = conversationIdOfIndexSortKey(lineKey);
    return conversationId ? [{ conversationId, lineKey }] : [];
  });
}

/** Ids of the oldest conversations in a shop's waiting line for a stage (gsi1, one page). */
export async function listWaitingConversationIds(
  tenantId: string,
  shopId: string,
  stage: string,
  limit: number,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<string[]> {
  return (await listWaitingLine(tenantId, shopId, stage, limit, undefined, client)).map((entry) => entry.conversationId);
}

/**
 * How long a shop's waiting line for a stage is and since when its first entry waits: a keys-only
 * Query with Select COUNT (every page) and one with Limit 1 (the oldest entry's key starts with its
 * opening time). For the supervisor wall; eventually consistent like every gsi1 read.
 */
export async function summariseWaitingLine(
  tenantId: string,
  shopId: string,
  stage: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ waiting: number; oldestOpenedAt?: string }> {
  const { gsi1pk } = keys.waitingLine(tenantId, shopId, stage);
  let waiting = 0;
  const pages = paginateQuery({ client }, {
    TableName: env().TABLE_NAME,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi1pk },
    Select: 'COUNT',
  });
  for await (const page of pages) waiting += page.Count ?? 0;
  if (waiting === 0) return { waiting };
  const [oldest] = await listWaitingLine(tenantId, shopId, stage, 1, undefined, client);
  // A robot hand-off at the front of the line waits since its hand-off.
  const oldestOpenedAt = oldest?.lineKey.slice(0, oldest.lineKey.lastIndexOf('#')).replace(priorityLinePrefix, '');
  return { waiting, ...(oldestOpenedAt ? { oldestOpenedAt } : {}) };
}
