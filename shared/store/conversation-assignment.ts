import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { conversationSchema, serviceDay } from '../conversations/conversation';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { conversationIdOfIndexSortKey } from './conversations';
import { keys } from './keys';
import { batchGetAll } from './read-all';
import { cancellationCodes, isTransactionCanceled } from './write-failures';
import { tableSchema } from './table-schema';

/**
 * Ownership changes of a conversation head: assign, transfer, re-queue, close. Each is ONE
 * TransactWriteItems that moves the agents' `load` together with the head, so `load` always equals the
 * number of conversations assigned to the agent (docs/conversation-design.md, "Routing"). Every head
 * update is conditioned on the status and assignee it was decided on and bumps `assignmentVersion`, so a
 * decision taken on a stale read fails instead of overwriting someone else's.
 */

/** The head as the routing code sees it: the messaging schema plus the fields only routing writes. */
export const routableConversationSchema = conversationSchema.extend({
  /** A transfer to a group asked for this group instead of the stage's. */
  requestedGroupId: idSchema.optional(),
  /** Bumped by every ownership change: optimistic lock and part of the idempotency token. */
  assignmentVersion: z.number().int().nonnegative().optional(),
});
export type RoutableConversation = z.infer<typeof routableConversationSchema>;

/** The buyer as one shop knows them (keys.buyerAtShop): what routing's stickiness reads. */
export interface BuyerAtShop {
  openConversationId?: string;
  lastAgentId?: string;
  ownerAgentId?: string;
}

const transferEntity = 'ConversationTransfer';
const idleCheckEntity = 'IdleCheck';
/** Spreads the idle-close timers so a Double 11 burst of assignments never crowds one partition. */
export const idleCheckShards = 16;
/** Timers the sweeper somehow never reached still disappear. */
const idleCheckTtlSeconds = 7 * 24 * 3600;

const versionIs = (version: number | undefined) =>
  version === undefined ? 'attribute_not_exists(assignmentVersion)' : 'assignmentVersion = :version';
const headWaiting = (version: number | undefined) => `#status = :waiting AND ${versionIs(version)}`;
const headAssignedTo = (version: number | undefined) => `#status = :assigned AND assigneeId = :from AND ${versionIs(version)}`;
/** Only an online agent of the conversation's shop with room takes a conversation. */
const agentCanTake = 'presence = :online AND #load < cap AND contains(shopIds, :shop)';
const agentExists = 'attribute_exists(pk)';
const buyerPointsHere = 'openConversationId = :conversationId';

export async function getRoutableConversation(
  tenantId: string,
  conversationId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<RoutableConversation | undefined> {
  const result = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.conversation(tenantId, conversationId), ConsistentRead: true }),
  );
  if (!result.Item) return undefined;
  const conversation = routableConversationSchema.parse(result.Item);
  return conversation.tenantId === tenantId ? conversation : undefined;
}

export async function getBuyerAtShop(
  tenantId: string,
  shopId: string,
  buyerId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<BuyerAtShop> {
  const result = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.buyerAtShop(tenantId, shopId, buyerId), ConsistentRead: true }),
  );
  const buyer: BuyerAtShop = {};
  for (const field of ['openConversationId', 'lastAgentId', 'ownerAgentId'] as const) {
    const value = result.Item?.[field];
    if (typeof value === 'string' && value !== '') buyer[field] = value;
  }
  return buyer;
}

/** Why a transaction did not apply, read from its cancellation reasons. */
export type ChangeOutcome =
  | 'applied'
  /** The head is no longer what the decision was based on (another router or agent moved it). */
  | 'conversation-changed'
  /** The receiving agent went away, filled up, left the shop, or does not exist. */
  | 'agent-unavailable'
  /** Another transaction touched the same items at the same moment: re-read and try again. */
  | 'conflict';

/** Runs one ownership transaction; `classify` reads its cancellation codes (TransactItems order). */
async function transact(
  client: DynamoDBDocumentClient,
  items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>,
  token: string,
  classify: (codes: (string | undefined)[]) => ChangeOutcome,
): Promise<ChangeOutcome> {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
    return 'applied';
  } catch (error) {
    const name = (error as Error).name;
    // Same token still in flight, or reused with other parameters: re-read and decide again.
    if (name === 'IdempotentParameterMismatchException' || name === 'TransactionInProgressException') return 'conflict';
    if (!isTransactionCanceled(error)) throw error;
    return classify(cancellationCodes(error));
  }
}

/** The condition of the item at `index` is what cancelled the transaction. */
const failed = (codes: (string | undefined)[], index: number) => codes[index] === 'ConditionalCheckFailed';

/**
 * ClientRequestToken (≤ 36 chars): the SDK resends the same input after a lost response or timeout, and
 * DynamoDB applies it once (row 8). Derived from the head's version and the caller's run id, so two
 * routers racing never share a token (the loser must see its condition fail, not the winner's success),
 * and a later change of the same conversation never reuses one.
 */
function changeToken(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('base64url').slice(0, 36);
}

/** Which idle-check shard a conversation's timer lives in (FNV-1a of tenant and conversation). */
export function idleCheckShard(tenantId: string, conversationId: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${tenantId}#${conversationId}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % idleCheckShards;
}

function idleCheckItem(tenantId: string, conversationId: string, dueAt: Date): Record<string, unknown> {
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

/** The receiving agent's `load + 1`, only if they can take the conversation (agentCanTake). */
function takeLoad(tenantId: string, agentId: string, shopId: string) {
  return {
    Update: {
      TableName: env().TABLE_NAME,
      Key: keys.agent(tenantId, agentId),
      UpdateExpression: 'ADD #load :one',
      ConditionExpression: agentCanTake,
      ExpressionAttributeNames: { '#load': 'load' },
      ExpressionAttributeValues: { ':one': 1, ':online': 'online', ':shop': shopId },
    },
  };
}

/** The releasing agent's `load - 1`, whatever their presence (an agent who went offline still hands back). */
function releaseLoad(tenantId: string, agentId: string) {
  return {
    Update: {
      TableName: env().TABLE_NAME,
      Key: keys.agent(tenantId, agentId),
      UpdateExpression: 'ADD #load :minusOne',
      ConditionExpression: agentExists,
      ExpressionAttributeNames: { '#load': 'load' },
      ExpressionAttributeValues: { ':minusOne': -1 },
    },
  };
}

export interface AssignInput {
  conversation: RoutableConversation;
  agentId: string;
  groupId: string;
  /** Owner mode and the buyer has no owner yet: this agent becomes it. */
  makeOwner: boolean;
  /** Random per routing run, and the try within it: the idempotency token. */
  runId: string;
  attempt: number;
  /** First idle check; the sweeper moves it on while the conversation is active. */
  idleCheckAt: Date;
  now: Date;
}

/**
 * Assigns a waiting conversation: agent `ADD load 1` if online, under cap and on the shop; head to
 * `assigned` on the agent's open list and agent-day if still waiting at the version read; the buyer's
 * last agent (and owner); the first idle-close timer.
 */
export async function assignConversation(input: AssignInput, client: DynamoDBDocumentClient = dynamo()): Promise<ChangeOutcome> {
  const { conversation: c, agentId, groupId, now } = input;
  const table = env().TABLE_NAME;
  const version = c.assignmentVersion;
  return transact(
    client,
    [
      takeLoad(c.tenantId, agentId, c.shopId),
      {
        Update: {
          TableName: table,
          Key: keys.conversation(c.tenantId, c.conversationId),
          ConditionExpression: headWaiting(version),
          UpdateExpression:
            'SET #status = :assigned, assigneeId = :agent, groupId = :group, assignedAt = :now, assignmentVersion = :next, ' +
            'gsi1pk = :gsi1pk, gsi1sk = :gsi1sk, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk REMOVE requestedGroupId',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':waiting': 'waiting',
            ':assigned': 'assigned',
            ':agent': agentId,
            ':group': groupId,
            ':now': now.toISOString(),
            ':next': (version ?? 0) + 1,
            ...(version === undefined ? {} : { ':version': version }),
            ...prefixed(keys.conversationInAssigneeList(c.tenantId, agentId, c.openedAt, c.conversationId)),
            ...prefixed(keys.conversationOnAgentDay(c.tenantId, agentId, serviceDay(now), c.conversationId)),
          },
        },
      },
      {
        Update: {
          TableName: table,
          Key: keys.buyerAtShop(c.tenantId, c.shopId, c.buyerId),
          UpdateExpression: input.makeOwner
            ? 'SET lastAgentId = :agent, ownerAgentId = if_not_exists(ownerAgentId, :agent)'
            : 'SET lastAgentId = :agent',
          ExpressionAttributeValues: { ':agent': agentId },
        },
      },
      { Put: { TableName: table, Item: idleCheckItem(c.tenantId, c.conversationId, input.idleCheckAt) } },
    ],
    changeToken('assign', c.tenantId, c.conversationId, version ?? 0, input.runId, input.attempt, agentId),
    (codes) => (failed(codes, 1) ? 'conversation-changed' : failed(codes, 0) ? 'agent-unavailable' : 'conflict'),
  );
}

export interface TransferRecord {
  transferId: string;
  fromAgentId: string;
  /** One of the two. */
  toAgentId?: string;
  toGroupId?: string;
  byUserId: string;
  note?: string;
  at: string;
}

function transferPut(tenantId: string, conversationId: string, record: TransferRecord) {
  return {
    Put: {
      TableName: env().TABLE_NAME,
      Item: {
        ...keys.conversationTransfer(tenantId, conversationId, record.at, record.transferId),
        [tableSchema.entityAttribute]: transferEntity,
        conversationId,
        ...record,
      },
    },
  };
}

/**
 * Hands an assigned conversation from one agent to another: old agent `load - 1`, new agent `load + 1`
 * if they can take it, head moves to the new agent's open list and agent-day, the buyer's last agent
 * follows, and the transfer (with its note) is recorded.
 */
export async function transferToAgent(
  conversation: RoutableConversation,
  record: TransferRecord & { toAgentId: string },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<ChangeOutcome> {
  const c = conversation;
  const version = c.assignmentVersion;
  const now = new Date(record.at);
  return transact(
    client,
    [
      takeLoad(c.tenantId, record.toAgentId, c.shopId),
      {
        Update: {
          TableName: env().TABLE_NAME,
          Key: keys.conversation(c.tenantId, c.conversationId),
          ConditionExpression: headAssignedTo(version),
          UpdateExpression:
            'SET assigneeId = :to, assignedAt = :now, assignmentVersion = :next, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':assigned': 'assigned',
            ':from': record.fromAgentId,
            ':to': record.toAgentId,
            ':now': record.at,
            ':next': (version ?? 0) + 1,
            ...(version === undefined ? {} : { ':version': version }),
            ...prefixed(keys.conversationInAssigneeList(c.tenantId, record.toAgentId, c.openedAt, c.conversationId)),
            ...prefixed(keys.conversationOnAgentDay(c.tenantId, record.toAgentId, serviceDay(now), c.conversationId)),
          },
        },
      },
      releaseLoad(c.tenantId, record.fromAgentId),
      {
        Update: {
          TableName: env().TABLE_NAME,
          Key: keys.buyerAtShop(c.tenantId, c.shopId, c.buyerId),
          UpdateExpression: 'SET lastAgentId = :to',
          ExpressionAttributeValues: { ':to': record.toAgentId },
        },
      },
      transferPut(c.tenantId, c.conversationId, record),
    ],
    changeToken('transfer', c.tenantId, c.conversationId, version ?? 0, record.transferId),
    (codes) => (failed(codes, 1) ? 'conversation-changed' : failed(codes, 0) ? 'agent-unavailable' : 'conflict'),
  );
}

/**
 * Puts an assigned conversation back in its shop's waiting line for a group to pick up: old agent
 * `load - 1`, head waiting again at its original place in line (gsi1sk keeps the opening time, so a
 * transferred buyer does not queue from the back), transfer recorded. The caller sends a routing job.
 */
export async function requeueToGroup(
  conversation: RoutableConversation,
  record: TransferRecord & { toGroupId: string },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<ChangeOutcome> {
  const c = conversation;
  const version = c.assignmentVersion;
  return transact(
    client,
    [
      {
        Update: {
          TableName: env().TABLE_NAME,
          Key: keys.conversation(c.tenantId, c.conversationId),
          ConditionExpression: headAssignedTo(version),
          UpdateExpression:
            'SET #status = :waiting, requestedGroupId = :group, assignmentVersion = :next, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE assigneeId',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':assigned': 'assigned',
            ':waiting': 'waiting',
            ':from': record.fromAgentId,
            ':group': record.toGroupId,
            ':next': (version ?? 0) + 1,
            ...(version === undefined ? {} : { ':version': version }),
            ...prefixed(keys.conversationInWaitingLine(c.tenantId, c.shopId, c.stage, c.openedAt, c.conversationId)),
          },
        },
      },
      releaseLoad(c.tenantId, record.fromAgentId),
      transferPut(c.tenantId, c.conversationId, record),
    ],
    changeToken('requeue', c.tenantId, c.conversationId, version ?? 0, record.transferId),
    (codes) => (failed(codes, 0) ? 'conversation-changed' : 'conflict'),
  );
}

export interface CloseInput {
  conversation: RoutableConversation;
  /** Random per close request: the idempotency token. */
  closeId: string;
  closedBy: string;
  reason: 'closed' | 'idle-closed';
  now: Date;
  /** Idle close: only if no message arrived since the head was read. */
  requireLastSeq?: number;
}

/**
 * Closes a waiting or assigned conversation: head `closed` and off every gsi1 list; the buyer's open
 * pointer cleared if it still points here (so their next message opens a new conversation); the
 * assignee's `load - 1`. If the pointer already moved on (a repaired race), the close goes ahead without
 * touching it rather than leaving the conversation open forever.
 */
export async function closeConversation(input: CloseInput, client: DynamoDBDocumentClient = dynamo()): Promise<ChangeOutcome> {
  const c = input.conversation;
  const version = c.assignmentVersion;
  const head = {
    Update: {
      TableName: env().TABLE_NAME,
      Key: keys.conversation(c.tenantId, c.conversationId),
      ConditionExpression:
        (c.status === 'assigned' ? headAssignedTo(version) : headWaiting(version)) +
        (input.requireLastSeq === undefined ? '' : ' AND lastSeq = :lastSeq'),
      UpdateExpression:
        'SET #status = :closed, closedAt = :now, closedBy = :by, closeReason = :reason, assignmentVersion = :next ' +
        'REMOVE gsi1pk, gsi1sk, requestedGroupId',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':closed': 'closed',
        ':now': input.now.toISOString(),
        ':by': input.closedBy,
        ':reason': input.reason,
        ':next': (version ?? 0) + 1,
        ...(c.status === 'assigned' ? { ':assigned': 'assigned', ':from': c.assigneeId } : { ':waiting': 'waiting' }),
        ...(version === undefined ? {} : { ':version': version }),
        ...(input.requireLastSeq === undefined ? {} : { ':lastSeq': input.requireLastSeq }),
      },
    },
  };
  const pointer = {
    Update: {
      TableName: env().TABLE_NAME,
      Key: keys.buyerAtShop(c.tenantId, c.shopId, c.buyerId),
      ConditionExpression: buyerPointsHere,
      UpdateExpression: 'REMOVE openConversationId',
      ExpressionAttributeValues: { ':conversationId': c.conversationId },
    },
  };
  const load = c.status === 'assigned' && c.assigneeId ? [releaseLoad(c.tenantId, c.assigneeId)] : [];
  const token = (withPointer: boolean) => changeToken('close', c.tenantId, c.conversationId, version ?? 0, input.closeId, withPointer ? 'p' : '-');
  let pointerMoved = false;
  const outcome = await transact(client, [head, pointer, ...load], token(true), (codes) => {
    if (failed(codes, 0)) return 'conversation-changed';
    pointerMoved = failed(codes, 1);
    return 'conflict';
  });
  if (!pointerMoved) return outcome;
  // The head still holds but the buyer's pointer moved on: close without touching the pointer.
  return transact(client, [head, ...load], token(false), (codes) => (failed(codes, 0) ? 'conversation-changed' : 'conflict'));
}

/**
 * Position of a waiting conversation in its line, counting from 1: the entries opened before it
 * (gsi1 Select COUNT, keys only, every page).
 */
export async function waitingPosition(conversation: RoutableConversation, client: DynamoDBDocumentClient = dynamo()): Promise<number> {
  const c = conversation;
  const { gsi1pk, gsi1sk } = keys.conversationInWaitingLine(c.tenantId, c.shopId, c.stage, c.openedAt, c.conversationId);
  let ahead = 0;
  const pages = paginateQuery({ client: client }, {
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
export function waitingLineEntryOf(c: Pick<RoutableConversation, 'tenantId' | 'shopId' | 'stage' | 'openedAt' | 'conversationId'>): WaitingLineEntry {
  return { conversationId: c.conversationId, lineKey: keys.conversationInWaitingLine(c.tenantId, c.shopId, c.stage, c.openedAt, c.conversationId).gsi1sk };
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
 * Heads by id, strongly consistent (BatchGet, 100 a call, unprocessed keys retried): what routing needs
 * to act on now. Missing ones and other tenants' are left out; no particular order.
 */
export async function getRoutableConversations(
  tenantId: string,
  conversationIds: readonly string[],
  client: DynamoDBDocumentClient = dynamo(),
): Promise<RoutableConversation[]> {
  const items = await batchGetAll(client, [...new Set(conversationIds)].map((id) => keys.conversation(tenantId, id)), { consistentRead: true });
  return items.map((item) => routableConversationSchema.parse(item)).filter((conversation) => conversation.tenantId === tenantId);
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

/** `{gsi1pk: 'x'}` → `{':gsi1pk': 'x'}` for ExpressionAttributeValues. */
function prefixed(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));
}

