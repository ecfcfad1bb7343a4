import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  conversationSchema,
  emptyResponseFacts,
  maxWatchers,
  watchIsLive,
  type Conversation,
  type Message,
  type Stage,
} from '../conversations/conversation';
import { headEffectOf, type HeadEffect } from '../conversations/response-facts';
import { NotFoundError, ServiceUnavailableError } from '../http/errors';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { batchGetAll, newestItemsOf } from './read-all';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed, isTransactionCanceled } from './write-failures';

/**
 * The conversation head repository. Messages live in messages.ts. Heads are parsed on read, so a
 * malformed item surfaces here, not in a handler.
 */

const conversationEntity = 'Conversation';
const buyerAtShopEntity = 'BuyerAtShop';
const buyerConversationEntity = 'BuyerConversation';

/** A buyer has at most one open conversation per shop: the pointer is only set when empty. */
const noOpenConversation = 'attribute_not_exists(openConversationId)';
const itemIsNew = 'attribute_not_exists(pk)';

/**
 * Reads a head. Eventually consistent by default (half the read cost, used on the message hot path where
 * a stale lastSeq only costs a retry); `consistent` for read-modify-write decisions.
 */
export async function getConversation(
  tenantId: string,
  conversationId: string,
  options: { consistent?: boolean } = {},
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Conversation | undefined> {
  const result = await client.send(
    new GetCommand({
      TableName: env().TABLE_NAME,
      Key: keys.conversation(tenantId, conversationId),
      ConsistentRead: options.consistent ?? false,
    }),
  );
  return result.Item ? conversationSchema.parse(result.Item) : undefined;
}

/** BatchGets heads (100 per call, unprocessed keys retried); missing ones are left out, order kept. */
export async function getConversations(
  tenantId: string,
  conversationIds: readonly string[],
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Conversation[]> {
  const found = new Map<string, Conversation>();
  const items = await batchGetAll(client, [...new Set(conversationIds)].map((id) => keys.conversation(tenantId, id)));
  for (const item of items) {
    const conversation = conversationSchema.parse(item);
    if (conversation.tenantId === tenantId) found.set(conversation.conversationId, conversation);
  }
  return conversationIds.flatMap((id) => {
    const conversation = found.get(id);
    return conversation ? [conversation] : [];
  });
}

/** The id of the buyer's open conversation with a shop, if any (strongly consistent: decides opening). */
/** The buyer's open conversation at a shop, if any (the pointer; the head may have closed since). */
export async function findOpenConversationId(
  tenantId: string,
  shopId: string,
  buyerId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<string | undefined> {
  const result = await client.send(
    new GetCommand({
      TableName: env().TABLE_NAME,
      Key: keys.buyerAtShop(tenantId, shopId, buyerId),
      ConsistentRead: true,
      ProjectionExpression: 'openConversationId',
    }),
  );
  const id = result.Item?.openConversationId;
  return typeof id === 'string' ? id : undefined;
}

/** The head item as written at opening: waiting, in the shop's waiting line for its stage. */
function newConversationItem(conversation: Conversation): Record<string, unknown> {
  return {
    ...keys.conversation(conversation.tenantId, conversation.conversationId),
    ...keys.conversationInWaitingLine(
      conversation.tenantId,
      conversation.shopId,
      conversation.stage,
      conversation.openedAt,
      conversation.conversationId,
    ),
    [tableSchema.entityAttribute]: conversationEntity,
    ...conversation,
  };
}

export interface OpenConversationInput {
  tenantId: string;
  shopId: string;
  buyerId: string;
  stage: Stage;
  /**
   * Decides the stage when a conversation is about to be created (the buyer's orders, issue 7 §2), so
   * the orders are read only when one opens, not on every message; `stage` is used without it.
   */
  decideStage?: () => Promise<{ stage: Stage; reason: string; orderId?: string | undefined }>;
  now?: Date;
  /** Tests pass one; otherwise random. */
  conversationId?: string;
}

export interface OpenedConversation {
  conversation: Conversation;
  /** False when the buyer already had an open conversation with the shop (or won a race to open one). */
  created: boolean;
}

/**
 * Returns the buyer's open conversation with a shop, opening one if there is none. Opening is one
 * transaction: the buyer-at-shop pointer is set only if empty, the head is put only if new, and the
 * buyer's conversation list gets an entry (also the tenant's conversation index entry, on gsi2). Two concurrent first messages: one transaction wins, the
 * other re-reads the pointer and continues the winner's conversation.
 */
export async function openConversation(
  input: OpenConversationInput,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<OpenedConversation> {
  const { tenantId, shopId, buyerId } = input;
  let decided: { stage: Stage; reason: string; orderId?: string | undefined } | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const existingId = await findOpenConversationId(tenantId, shopId, buyerId, client);
    if (existingId) {
      const existing = await getConversation(tenantId, existingId, { consistent: true }, client);
      if (existing && existing.status !== 'closed') return { conversation: existing, created: false };
    }
    decided ??= input.decideStage ? await input.decideStage() : { stage: input.stage, reason: 'hint' };
    const now = input.now ?? new Date();
    const openedAt = now.toISOString();
    const conversation: Conversation = {
      conversationId: input.conversationId ?? randomUUID(),
      tenantId,
      shopId,
      buyerId,
      stage: decided.stage,
      ...(input.decideStage ? { stageReason: decided.reason } : {}),
      ...(decided.orderId !== undefined ? { stageOrderId: decided.orderId } : {}),
      status: 'waiting',
      openedAt,
      lastSeq: 0,
      lastMessageAt: openedAt,
      buyerReadSeq: 0,
      agentReadSeq: 0,
      responseFacts: emptyResponseFacts(),
    };
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: env().TABLE_NAME,
                Key: keys.buyerAtShop(tenantId, shopId, buyerId),
                // A pointer left by a conversation that was closed without clearing it is replaced.
                ConditionExpression: existingId ? 'openConversationId = :stale' : noOpenConversation,
                UpdateExpression: 'SET openConversationId = :id, #entity = :entity, shopId = :shop, buyerId = :buyer',
                ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute },
                ExpressionAttributeValues: {
                  ':id': conversation.conversationId,
                  ':entity': buyerAtShopEntity,
                  ':shop': shopId,
                  ':buyer': buyerId,
                  ...(existingId ? { ':stale': existingId } : {}),
                },
              },
            },
            { Put: { TableName: env().TABLE_NAME, Item: newConversationItem(conversation), ConditionExpression: itemIsNew } },
            {
              Put: {
                TableName: env().TABLE_NAME,
                Item: {
                  ...keys.buyerConversation(tenantId, buyerId, openedAt, conversation.conversationId),
                  // The tenant's conversation index rides on this entry (written once, never updated), so
                  // the tenant purge finds every conversation with no Scan (docs/onboarding.md).
                  ...keys.conversationInTenantIndex(tenantId, openedAt, conversation.conversationId),
                  [tableSchema.entityAttribute]: buyerConversationEntity,
                  conversationId: conversation.conversationId,
                  shopId,
                  buyerId,
                },
              },
            },
          ],
        }),
      );
      return { conversation, created: true };
    } catch (error) {
      // Lost the race: someone else set the pointer first; loop to read theirs.
      if (!isTransactionCanceled(error)) throw error;
    }
  }
  throw new ServiceUnavailableError('could not open or find the open conversation');
}

/**
 * Ids of a buyer's most recent conversations (any shop, any status), newest first. Readers BatchGet the
 * heads and keep the ones still open.
 */
export async function listRecentConversationIdsOfBuyer(
  tenantId: string,
  buyerId: string,
  limit = 20,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<string[]> {
  const items = await newestItemsOf(client, keys.conversationsOfBuyer(tenantId, buyerId), limit);
  return items.map((item) => String(item.conversationId));
}

/** Conversation ids on an agent's open list (gsi1, oldest first), one page. */
export async function listOpenConversationIdsOfAgent(
  tenantId: string,
  agentId: string,
  options: { limit?: number; after?: string } = {},
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ conversationIds: string[]; next?: string }> {
  const { gsi1pk } = keys.openConversationsOfAgent(tenantId, agentId);
  const after = options.after ? conversationIdOfIndexSortKey(options.after) : undefined;
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': gsi1pk },
      Limit: options.limit ?? 100,
      ...(options.after && after
        ? { ExclusiveStartKey: { gsi1pk, gsi1sk: options.after, ...keys.conversation(tenantId, after) } }
        : {}),
    }),
  );
  const items = result.Items ?? [];
  const conversationIds = items.flatMap((item) => {
    const id = conversationIdOfIndexSortKey(String(item.gsi1sk));
    return id ? [id] : [];
  });
  const last = items.at(-1);
  return { conversationIds, ...(result.LastEvaluatedKey && last ? { next: String(last.gsi1sk) } : {}) };
}

/** gsi1sk is `<openedAt>#<conversationId>`; ids never contain `#`. */
export function conversationIdOfIndexSortKey(sortKey: string): string | undefined {
  const id = sortKey.slice(sortKey.lastIndexOf('#') + 1);
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

/** Conversation ids on an agent-day (gsi2), all pages. */
export async function listConversationIdsOfAgentDay(
  tenantId: string,
  agentId: string,
  day: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<string[]> {
  const { gsi2pk } = keys.conversationsOfAgentDay(tenantId, agentId, day);
  const ids: string[] = [];
  const pages = paginateQuery({ client: client }, {
    TableName: env().TABLE_NAME,
    IndexName: 'gsi2',
    KeyConditionExpression: 'gsi2pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi2pk },
  });
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const sk = String(item.gsi2sk);
      if (sk.startsWith('CONV#')) ids.push(sk.slice('CONV#'.length));
    }
  }
  return ids;
}

/** What the head held before an allocation, for taking its response facts back (see undoHeadEffect). */
export interface SeqAllocation {
  seq: number;
  /** The response-fact effect this allocation applied; absent when it counted none (a re-allocation). */
  effect?: HeadEffect;
  /** The message's time, as written to pendingQuestionSince by a question. */
  at: string;
  before: { pendingQuestionSince?: string; firstResponseMs?: number };
}

/**
 * Takes the next seq of a conversation: one UpdateItem adds 1 to lastSeq and, in the same write, moves
 * lastMessageAt and the sender side's read pointer to the new seq and counts the message's response
 * facts (1 write unit while the head stays under 1 KB; no index key changes). Concurrent senders each
 * get their own seq from the increment, so N senders cost N updates, not N² retries
 * (docs/conversation-design.md, "Appending a message"). The condition fails only when the pending
 * question assumed for a reply changed meanwhile; then the head is read again and the update recomputed.
 * `countFacts: false` is a re-allocation of a message whose facts were counted with its first seq.
 * lastSeq stays the highest seq handed out, which idle close (`lastSeq = :seqRead`) and unread counts rely on.
 */
export async function allocateSeq(
  tenantId: string,
  conversationId: string,
  message: Pick<Message, 'senderRole' | 'createdAt'>,
  known: Pick<Conversation, 'pendingQuestionSince'>,
  options: { countFacts: boolean },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<SeqAllocation> {
  let pending = known.pendingQuestionSince;
  // Only a reply retries, when the pending question moved under it; in a burst of questions it can take a few.
  for (let attempt = 0; attempt < 10; attempt++) {
    const effect = options.countFacts ? headEffectOf(message, pending) : undefined;
    const names: Record<string, string> = {
      '#lastSeq': 'lastSeq',
      '#lastAt': 'lastMessageAt',
      '#read': message.senderRole === 'buyer' ? 'buyerReadSeq' : 'agentReadSeq',
    };
    const values: Record<string, unknown> = { ':at': message.createdAt, ':one': 1 };
    // Every operand reads the value before the update, so the read pointer lands on the new seq.
    const set = ['#lastSeq = #lastSeq + :one', '#lastAt = :at', '#read = #lastSeq + :one'];
    const remove: string[] = [];
    const conditions = ['attribute_exists(#lastSeq)'];
    if (effect?.kind === 'question') {
      Object.assign(names, { '#rf': 'responseFacts', '#pending': 'pendingQuestionSince', '#questions': 'questions' });
      set.push('#pending = if_not_exists(#pending, :at)', '#rf.#questions = #rf.#questions + :one');
    } else if (effect?.kind === 'reply') {
      Object.assign(names, { '#rf': 'responseFacts', '#pending': 'pendingQuestionSince', '#replies': 'replies' });
      set.push('#rf.#replies = #rf.#replies + :one');
      if (effect.answers) {
        Object.assign(names, { '#total': 'responseMsTotal', '#count': 'responseCount', '#first': 'firstResponseMs' });
        values[':ms'] = effect.answers.responseMs;
        values[':pendingSince'] = effect.answers.pendingSince;
        set.push('#rf.#total = #rf.#total + :ms', '#rf.#count = #rf.#count + :one', '#rf.#first = if_not_exists(#rf.#first, :ms)');
        remove.push('#pending');
        conditions.push('#pending = :pendingSince');
      } else {
        conditions.push('attribute_not_exists(#pending)');
      }
    }
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: env().TABLE_NAME,
          Key: keys.conversation(tenantId, conversationId),
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          // The whole head as it was: the seq is its lastSeq + 1; the rest lets a wasted seq's facts be taken back.
          ReturnValues: 'ALL_OLD',
          // On a failed condition the head comes back with the error: no extra read to learn the pending question.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const old = result.Attributes ?? {};
      const facts = old.responseFacts as { firstResponseMs?: unknown } | undefined;
      return {
        seq: Number(old.lastSeq) + 1,
        ...(effect ? { effect } : {}),
        at: message.createdAt,
        before: {
          ...(typeof old.pendingQuestionSince === 'string' ? { pendingQuestionSince: old.pendingQuestionSince } : {}),
          ...(typeof facts?.firstResponseMs === 'number' ? { firstResponseMs: facts.firstResponseMs } : {}),
        },
      };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // The error's item is in DynamoDB's wire format (the document client does not convert errors).
      const head = (error as { Item?: Record<string, { S?: string; N?: string }> }).Item;
      if (head?.lastSeq?.N !== undefined) {
        pending = head.pendingQuestionSince?.S;
        continue;
      }
    }
    const current = await getConversation(tenantId, conversationId, { consistent: true }, client);
    if (!current) throw new NotFoundError('conversation');
    pending = current.pendingQuestionSince;
  }
  throw new ServiceUnavailableError('the conversation head kept changing; resend with the same clientMessageId');
}

/**
 * Takes back the response facts an allocation counted when its seq turned out to be wasted (a resend
 * whose message already had a seq). Best effort, one update: counters go back exactly; the pending
 * question is restored or cleared only if nothing moved it since (see docs/conversation-design.md).
 */
export async function undoHeadEffect(tenantId: string, conversationId: string, allocation: SeqAllocation, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  const { effect } = allocation;
  if (!effect) return;
  const names: Record<string, string> = { '#rf': 'responseFacts' };
  const values: Record<string, unknown> = { ':one': 1 };
  const set: string[] = [];
  const remove: string[] = [];
  const guards: string[] = [];
  if (effect.kind === 'question') {
    names['#questions'] = 'questions';
    set.push('#rf.#questions = #rf.#questions - :one');
    if (allocation.before.pendingQuestionSince === undefined) {
      // This question started the clock: stop it, unless an answer already did.
      names['#pending'] = 'pendingQuestionSince';
      remove.push('#pending');
      values[':at'] = allocation.at;
      guards.push('#pending = :at');
    }
  } else {
    names['#replies'] = 'replies';
    set.push('#rf.#replies = #rf.#replies - :one');
    if (effect.answers) {
      Object.assign(names, { '#total': 'responseMsTotal', '#count': 'responseCount', '#pending': 'pendingQuestionSince' });
      values[':ms'] = effect.answers.responseMs;
      values[':pendingSince'] = effect.answers.pendingSince;
      set.push('#rf.#total = #rf.#total - :ms', '#rf.#count = #rf.#count - :one', '#pending = :pendingSince');
      guards.push('attribute_not_exists(#pending)');
      if (allocation.before.firstResponseMs === undefined) {
        names['#first'] = 'firstResponseMs';
        remove.push('#rf.#first');
      }
    }
  }
  const update = (withGuards: boolean) =>
    client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.conversation(tenantId, conversationId),
        UpdateExpression: `SET ${(withGuards ? set : set.filter((part) => !part.startsWith('#pending'))).join(', ')}${withGuards && remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ConditionExpression: ['attribute_exists(#rf)', ...(withGuards ? guards : [])].join(' AND '),
        ExpressionAttributeNames: withGuards ? names : Object.fromEntries(Object.entries(names).filter(([k]) => k !== '#pending' && k !== '#first')),
        ExpressionAttributeValues: withGuards ? values : Object.fromEntries(Object.entries(values).filter(([k]) => k !== ':at' && k !== ':pendingSince')),
      }),
    );
  try {
    await update(true);
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    // The pending question moved since: take back the counters only.
    try {
      await update(false);
    } catch (again) {
      if (!isConditionalCheckFailed(again)) throw again;
    }
  }
}

/**
 * Moves one side's read pointer forward to `seq` (never back, never past lastSeq). Returns the pointer
 * afterwards.
 */
export async function markConversationRead(
  tenantId: string,
  conversationId: string,
  side: 'buyer' | 'agent',
  seq: number,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ updated: boolean }> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.conversation(tenantId, conversationId),
        UpdateExpression: 'SET #read = :seq',
        ConditionExpression: '#read < :seq AND #lastSeq >= :seq',
        ExpressionAttributeNames: { '#read': side === 'buyer' ? 'buyerReadSeq' : 'agentReadSeq', '#lastSeq': 'lastSeq' },
        ExpressionAttributeValues: { ':seq': seq },
      }),
    );
    return { updated: true };
  } catch (error) {
    if (isConditionalCheckFailed(error)) return { updated: false };
    throw error;
  }
}

export type AddWatcherResult = 'applied' | 'conflict';

/**
 * Puts a supervisor on the head's watcher map until `until` (epoch seconds), renewing their entry if
 * present, and drops the entries that had ended when `known` was read. One conditional update: the head
 * is not closed, an entry it drops still holds the value read (a renewal meanwhile is not dropped), and
 * the map stays within `maxWatchers` (a new entry needs room after the drops). 'conflict' when any of
 * that failed or the map appeared or vanished since the read: the caller re-reads and decides again.
 * Only this writes `watchers`; the message path's head update never names it.
 */
export async function addWatcher(
  known: Pick<Conversation, 'tenantId' | 'conversationId' | 'watchers'>,
  userId: string,
  until: number,
  now: Date,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<AddWatcherResult> {
  const names: Record<string, string> = { '#status': 'status', '#w': 'watchers' };
  const values: Record<string, unknown> = { ':closed': 'closed' };
  const conditions = ['attribute_exists(pk)', '#status <> :closed'];
  let update: string;
  if (known.watchers === undefined) {
    values[':map'] = { [userId]: until };
    conditions.push('attribute_not_exists(#w)');
    update = 'SET #w = :map';
  } else {
    names['#me'] = userId;
    values[':until'] = until;
    const ended = Object.entries(known.watchers).filter(([watcher, at]) => watcher !== userId && !watchIsLive(at, now));
    ended.forEach(([watcher, at], i) => {
      names[`#x${i}`] = watcher;
      values[`:x${i}`] = at;
      conditions.push(`#w.#x${i} = :x${i}`);
    });
    // After the update the map holds size - ended + 1 entries when this supervisor is new.
    values[':room'] = maxWatchers + ended.length;
    conditions.push('(attribute_exists(#w.#me) OR size(#w) < :room)');
    update = `SET #w.#me = :until${ended.length > 0 ? ` REMOVE ${ended.map((_, i) => `#w.#x${i}`).join(', ')}` : ''}`;
  }
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.conversation(known.tenantId, known.conversationId),
        UpdateExpression: update,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return 'applied';
  } catch (error) {
    if (isConditionalCheckFailed(error)) return 'conflict';
    throw error;
  }
}
