import { createHash } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { conversationSchema, serviceDay } from '../conversations/conversation';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { idleCheckItem } from './idle-timers';
import { keys } from './keys';
import { batchGetAll } from './read-all';
import { isTransactionCanceled, isTransactionTokenBusy, namedTransaction, type TransactItem } from './write-failures';
import { tableSchema } from './table-schema';

/**
 * Ownership changes of a conversation head: assign, transfer, re-queue, close. Each is ONE
 * TransactWriteItems that moves the agents' `load` together with the head, so `load` always equals the
 * number of conversations assigned to the agent (docs/conversation-design.md, "Routing"). Every head
 * update is conditioned on the status and assignee it was decided on and bumps `assignmentVersion`, so a
 * decision taken on a stale read fails instead of overwriting someone else's. The waiting line's reads
 * are in waiting-line.ts, the idle-close timers in idle-timers.ts.
 */

/** How a conversation was handed on: by its agent (transfer) or by a supervisor (reassign). */
export const handovers = ['transferred', 'reassigned'] as const;
export type Handover = (typeof handovers)[number];

/** The head as the routing code sees it: the messaging schema plus the fields only routing writes. */
export const routableConversationSchema = conversationSchema.extend({
  /** A transfer to a group asked for this group instead of the stage's. */
  requestedGroupId: idSchema.optional(),
  /** Handed back to a group, and how: the buyer is told so when the next agent joins. */
  handover: z.enum(handovers).optional(),
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

/**
 * Runs one ownership transaction of named items; `classify` is told which named items' conditions
 * cancelled it (a name, never a position in TransactItems).
 */
async function transact<Name extends string>(
  client: DynamoDBDocumentClient,
  named: { [N in Name]?: TransactItem | undefined },
  token: string,
  classify: (conditionFailed: (name: Name) => boolean) => ChangeOutcome,
): Promise<ChangeOutcome> {
  const transaction = namedTransaction(named);
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transaction.items, ClientRequestToken: token }));
    return 'applied';
  } catch (error) {
    // Same token still in flight, or reused with other parameters: re-read and decide again.
    if (isTransactionTokenBusy(error)) return 'conflict';
    if (!isTransactionCanceled(error)) throw error;
    const reasons = transaction.reasons(error);
    return classify((name) => reasons[name] === 'ConditionalCheckFailed');
  }
}

/**
 * ClientRequestToken (≤ 36 chars): the SDK resends the same input after a lost response or timeout, and
 * DynamoDB applies it once (row 8). Derived from the head's version and the caller's run id, so two
 * routers racing never share a token (the loser must see its condition fail, not the winner's success),
 * and a later change of the same conversation never reuses one.
 */
function changeToken(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('base64url').slice(0, 36);
}

/** The receiving agent's `load + 1`, only if they can take the conversation (agentCanTake). */
function takeLoad(tenantId: string, agentId: string, shopId: string): TransactItem {
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
export function releaseLoad(tenantId: string, agentId: string): TransactItem {
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
    {
      receivingAgent: takeLoad(c.tenantId, agentId, c.shopId),
      head: {
        Update: {
          TableName: table,
          Key: keys.conversation(c.tenantId, c.conversationId),
          ConditionExpression: headWaiting(version),
          UpdateExpression:
            'SET #status = :assigned, assigneeId = :agent, groupId = :group, assignedAt = :now, assignmentVersion = :next, ' +
            'gsi1pk = :gsi1pk, gsi1sk = :gsi1sk, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk REMOVE requestedGroupId, handover',
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
      buyerAtShop: {
        Update: {
          TableName: table,
          Key: keys.buyerAtShop(c.tenantId, c.shopId, c.buyerId),
          UpdateExpression: input.makeOwner
            ? 'SET lastAgentId = :agent, ownerAgentId = if_not_exists(ownerAgentId, :agent)'
            : 'SET lastAgentId = :agent',
          ExpressionAttributeValues: { ':agent': agentId },
        },
      },
      idleTimer: { Put: { TableName: table, Item: idleCheckItem(c.tenantId, c.conversationId, input.idleCheckAt) } },
    },
    changeToken('assign', c.tenantId, c.conversationId, version ?? 0, input.runId, input.attempt, agentId),
    (failed) => (failed('head') ? 'conversation-changed' : failed('receivingAgent') ? 'agent-unavailable' : 'conflict'),
  );
}

export interface TransferRecord {
  transferId: string;
  fromAgentId: string;
  /** One of the two. */
  toAgentId?: string;
  toGroupId?: string;
  byUserId: string;
  /** A transfer by the agent, or a supervisor's reassign. */
  handover: Handover;
  note?: string;
  at: string;
}

function transferPut(tenantId: string, conversationId: string, record: TransferRecord): TransactItem {
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
    {
      receivingAgent: takeLoad(c.tenantId, record.toAgentId, c.shopId),
      head: {
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
      releasingAgent: releaseLoad(c.tenantId, record.fromAgentId),
      buyerAtShop: {
        Update: {
          TableName: env().TABLE_NAME,
          Key: keys.buyerAtShop(c.tenantId, c.shopId, c.buyerId),
          UpdateExpression: 'SET lastAgentId = :to',
          ExpressionAttributeValues: { ':to': record.toAgentId },
        },
      },
      transferRecord: transferPut(c.tenantId, c.conversationId, record),
    },
    changeToken('transfer', c.tenantId, c.conversationId, version ?? 0, record.transferId),
    (failed) => (failed('head') ? 'conversation-changed' : failed('receivingAgent') ? 'agent-unavailable' : 'conflict'),
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
    {
      head: {
        Update: {
          TableName: env().TABLE_NAME,
          Key: keys.conversation(c.tenantId, c.conversationId),
          ConditionExpression: headAssignedTo(version),
          UpdateExpression:
            'SET #status = :waiting, requestedGroupId = :group, handover = :handover, assignmentVersion = :next, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE assigneeId',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':assigned': 'assigned',
            ':waiting': 'waiting',
            ':from': record.fromAgentId,
            ':group': record.toGroupId,
            ':handover': record.handover,
            ':next': (version ?? 0) + 1,
            ...(version === undefined ? {} : { ':version': version }),
            ...prefixed(keys.conversationInWaitingLine(c.tenantId, c.shopId, c.stage, c.openedAt, c.conversationId)),
          },
        },
      },
      releasingAgent: releaseLoad(c.tenantId, record.fromAgentId),
      transferRecord: transferPut(c.tenantId, c.conversationId, record),
    },
    changeToken('requeue', c.tenantId, c.conversationId, version ?? 0, record.transferId),
    (failed) => (failed('head') ? 'conversation-changed' : 'conflict'),
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
  const head: TransactItem = {
    Update: {
      TableName: env().TABLE_NAME,
      Key: keys.conversation(c.tenantId, c.conversationId),
      ConditionExpression:
        (c.status === 'assigned' ? headAssignedTo(version) : headWaiting(version)) +
        (input.requireLastSeq === undefined ? '' : ' AND lastSeq = :lastSeq'),
      UpdateExpression:
        'SET #status = :closed, closedAt = :now, closedBy = :by, closeReason = :reason, assignmentVersion = :next ' +
        'REMOVE gsi1pk, gsi1sk, requestedGroupId, handover',
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
  const buyerPointer: TransactItem = {
    Update: {
      TableName: env().TABLE_NAME,
      Key: keys.buyerAtShop(c.tenantId, c.shopId, c.buyerId),
      ConditionExpression: buyerPointsHere,
      UpdateExpression: 'REMOVE openConversationId',
      ExpressionAttributeValues: { ':conversationId': c.conversationId },
    },
  };
  const releasingAgent = c.status === 'assigned' && c.assigneeId ? releaseLoad(c.tenantId, c.assigneeId) : undefined;
  const token = (withPointer: boolean) => changeToken('close', c.tenantId, c.conversationId, version ?? 0, input.closeId, withPointer ? 'p' : '-');
  let pointerMoved = false;
  const outcome = await transact(client, { head, buyerPointer, releasingAgent }, token(true), (failed) => {
    if (failed('head')) return 'conversation-changed';
    pointerMoved = failed('buyerPointer');
    return 'conflict';
  });
  if (!pointerMoved) return outcome;
  // The head still holds but the buyer's pointer moved on: close without touching the pointer.
  return transact(client, { head, releasingAgent }, token(false), (failed) => (failed('head') ? 'conversation-changed' : 'conflict'));
}

/** `{gsi1pk: 'x'}` → `{':gsi1pk': 'x'}` for ExpressionAttributeValues. */
function prefixed(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));
}
