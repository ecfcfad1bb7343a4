import { randomUUID } from 'node:crypto';
import type { Identity } from '../auth/identity';
import type { RouteJob } from '../conversations/jobs';
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError } from '../http/errors';
import { sendRouteJob } from '../notify/job-queues';
import { getAgent } from '../store/agents';
import {
  closeConversation,
  getRoutableConversation,
  requeueToGroup,
  transferToAgent,
  type ChangeOutcome,
  type RoutableConversation,
} from '../store/conversation-ownership';
import { getShop } from '../store/shops';
import { logger } from '../runtime/observability';
import { addWatcher } from '../store/conversations';
import { liveWatchers, maxWatchers, watchLifetimeSeconds } from '../conversations/conversation';
import { assertMayHandleConversation, supervisesShop } from './access';
import { announceAssignment, readOrderCards, readRecentMessages } from './announce-assignment';
import type { OwnershipAckFrame } from './frames';
import { notifyUser, type NotifyUser } from './notify';
import { drainWaitingLines, presenceDependencies } from './presence';
import { tellBuyersBehind, waitingLineDependencies } from './waiting-line';
import { groupsOfShop } from './shop';

export const ownershipDependencies = {
  getConversation: (tenantId: string, conversationId: string) => getRoutableConversation(tenantId, conversationId),
  getShop: (tenantId: string, shopId: string) => getShop(tenantId, shopId),
  getAgent: (tenantId: string, agentId: string) => getAgent(tenantId, agentId, { consistent: true }),
  transferToAgent: (c: RoutableConversation, record: Parameters<typeof transferToAgent>[1]) => transferToAgent(c, record),
  requeueToGroup: (c: RoutableConversation, record: Parameters<typeof requeueToGroup>[1]) => requeueToGroup(c, record),
  close: (input: Parameters<typeof closeConversation>[0]) => closeConversation(input),
  sendRouteJob: (job: RouteJob) => sendRouteJob(job),
  addWatcher: (c: RoutableConversation, userId: string, until: number, now: Date) => addWatcher(c, userId, until, now),
  /** Capacity freed for an agent in a shop: route that shop's waiting conversations their way. */
  drain: async (tenantId: string, agentId: string, shopId: string) => {
    const agent = await getAgent(tenantId, agentId, { consistent: true });
    if (agent) await drainWaitingLines(tenantId, agent, presenceDependencies, { shopIds: [shopId] });
  },
  /** Reads a waiting line when a waiting conversation leaves it, so the buyers behind are told their places. */
  waitingLine: {
    listWaitingLine: waitingLineDependencies.listWaitingLine,
    getConversations: waitingLineDependencies.getConversations,
    settledWaitMs: waitingLineDependencies.settledWaitMs,
  },
  /** The newest messages, for the receiving agent's `assigned` frame (announce-assignment.ts). */
  readRecentMessages,
  /** The buyer's order cards, for the `assigned` frame. */
  readOrderCards,
  notify: notifyUser as NotifyUser,
  now: () => new Date(),
};
export type OwnershipDependencies = typeof ownershipDependencies;

/** Re-reads after a transaction lost to a concurrent one on the same items. */
const maxTries = 3;

export interface TransferRequest {
  conversationId: string;
  toAgentId?: string | undefined;
  toGroupId?: string | undefined;
  note?: string | undefined;
}

/** The conversation if the caller may handle it; a missing one and another tenant's or shop's look the same. */
async function loadForAction(identity: Identity, conversationId: string, supervisorOnly: boolean, deps: OwnershipDependencies) {
  const conversation = await deps.getConversation(identity.tenantId, conversationId);
  if (!conversation) throw new NotFoundError('conversation');
  assertMayHandleConversation(identity, conversation, { supervisorOnly });
  return conversation;
}

function raiseFor(outcome: Exclude<ChangeOutcome, 'applied' | 'conflict'>): never {
  if (outcome === 'agent-unavailable') throw new ConflictError('AGENT_UNAVAILABLE', 'the agent is not online, has no room, or no longer serves this shop');
  throw new ConflictError('CONVERSATION_CHANGED', 'the conversation changed meanwhile; read it again');
}

/**
 * Hands an assigned conversation to another agent of its shop, or back to a group of its shop (it waits
 * in its original place in line, and a routing job is sent). Allowed to its assignee and the shop's
 * supervisors; `reassign` is the supervisor-only form. One transaction moves both agents' load and the
 * head and records the transfer with its note. The note stays internal (a transfer record, not a chat
 * message the buyer would see) and travels to the receiving agent in the `assigned` frame, with the
 * conversation's newest messages; the buyer gets `agentJoined` (transferred or reassigned) with the new
 * agent's display name. Handed back to a group, the conversation carries how (`handover`) until the
 * router gives it to the next agent, who is announced the same way.
 */
export async function transferConversation(
  identity: Identity,
  request: TransferRequest,
  options: { action: 'transfer' | 'reassign' },
  deps: OwnershipDependencies = ownershipDependencies,
): Promise<OwnershipAckFrame> {
  const supervisorOnly = options.action === 'reassign';
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const conversation = await loadForAction(identity, request.conversationId, supervisorOnly, deps);
    const fromAgentId = conversation.assigneeId;
    if (conversation.status !== 'assigned' || fromAgentId === undefined) {
      throw new ConflictError('CONVERSATION_NOT_ASSIGNED', `the conversation is ${conversation.status}, not assigned`);
    }
    const record = {
      transferId: randomUUID(),
      fromAgentId,
      byUserId: identity.userId,
      handover: options.action === 'reassign' ? ('reassigned' as const) : ('transferred' as const),
      at: deps.now().toISOString(),
      ...(request.note !== undefined ? { note: request.note } : {}),
    };
    const { tenantId } = identity;
    const { conversationId, shopId } = conversation;

    if (request.toAgentId !== undefined) {
      const toAgentId = request.toAgentId;
      if (toAgentId === fromAgentId) throw new ValidationError('already assigned to this agent', [{ field: 'toAgentId', message: 'is the current assignee' }]);
      const target = await deps.getAgent(tenantId, toAgentId);
      if (!target || !target.shopIds.includes(shopId)) throw new NotFoundError('agent');
      const outcome = await deps.transferToAgent(conversation, { ...record, toAgentId });
      if (outcome === 'conflict') continue;
      if (outcome !== 'applied') raiseFor(outcome);
      await Promise.all([
        announceAssignment(
          conversation,
          target,
          { kind: record.handover, transferredBy: identity.userId, ...(request.note !== undefined ? { note: request.note } : {}) },
          deps,
        ),
        fromAgentId !== identity.userId ? deps.notify(tenantId, fromAgentId, { type: 'unassigned', conversationId, reason: 'transferred' }) : undefined,
        bestEffort('drain after transfer', () => deps.drain(tenantId, fromAgentId, shopId)),
      ]);
      return { type: 'ack', action: options.action, conversationId, status: 'assigned', assigneeId: toAgentId };
    }

    const toGroupId = request.toGroupId;
    if (toGroupId === undefined) throw new ValidationError('give exactly one of toAgentId or toGroupId', [{ field: 'toAgentId', message: 'required' }]);
    const shop = await deps.getShop(tenantId, shopId);
    // Only groups the shop routes to: their members are the ones who may serve its buyers.
    if (!shop || !groupsOfShop(shop.routing).includes(toGroupId)) throw new NotFoundError('group');
    const outcome = await deps.requeueToGroup(conversation, { ...record, toGroupId });
    if (outcome === 'conflict') continue;
    if (outcome !== 'applied') raiseFor(outcome);
    await bestEffort('route job after requeue', () => deps.sendRouteJob({ type: 'route', tenantId, conversationId }));
    await Promise.all([
      fromAgentId !== identity.userId ? deps.notify(tenantId, fromAgentId, { type: 'unassigned', conversationId, reason: 'transferred' }) : undefined,
      bestEffort('drain after requeue', () => deps.drain(tenantId, fromAgentId, shopId)),
    ]);
    return { type: 'ack', action: options.action, conversationId, status: 'waiting', requestedGroupId: toGroupId };
  }
  throw new ServiceUnavailableError();
}

/**
 * Closes a conversation: its assignee or a supervisor of the shop. Closing a closed conversation is
 * acknowledged again (a client retry after a lost reply). The buyer is told; the agent's freed capacity
 * goes to the shop's waiting line.
 */
export async function closeConversationByUser(
  identity: Identity,
  conversationId: string,
  deps: OwnershipDependencies = ownershipDependencies,
): Promise<OwnershipAckFrame> {
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const conversation = await loadForAction(identity, conversationId, false, deps);
    if (conversation.status === 'closed') return { type: 'ack', action: 'closeConversation', conversationId, status: 'closed' };
    const outcome = await deps.close({ conversation, closeId: randomUUID(), closedBy: identity.userId, reason: 'closed', now: deps.now() });
    if (outcome !== 'applied') continue; // changed or contended: re-read, re-check who may act
    await afterClose(identity.tenantId, conversation, 'closed', identity.userId, deps);
    return { type: 'ack', action: 'closeConversation', conversationId, status: 'closed' };
  }
  throw new ServiceUnavailableError();
}

/**
 * Tell the buyer and (if someone else closed it) the agent; give the agent's room to the waiting line; and
 * if the conversation was itself waiting, tell the buyers behind it their new places.
 */
export async function afterClose(
  tenantId: string,
  conversation: RoutableConversation,
  reason: 'closed' | 'idle-closed',
  closedBy: string,
  deps: Pick<OwnershipDependencies, 'notify' | 'drain' | 'waitingLine'>,
): Promise<void> {
  const { conversationId, assigneeId, shopId } = conversation;
  await Promise.all([
    deps.notify(tenantId, conversation.buyerId, { type: 'conversationClosed', conversationId, reason }),
    assigneeId !== undefined && assigneeId !== closedBy ? deps.notify(tenantId, assigneeId, { type: 'unassigned', conversationId, reason }) : undefined,
    assigneeId !== undefined ? bestEffort('drain after close', () => deps.drain(tenantId, assigneeId, shopId)) : undefined,
    conversation.status === 'waiting' ? tellBuyersBehind(conversation, { ...deps.waitingLine, notify: deps.notify }) : undefined,
  ]);
}

/**
 * Follow-ups of a committed ownership change. Failing the request now would make the client retry a
 * change that already happened; a conversation whose job was lost waits until the next capacity event
 * (an agent coming online or freeing room) sends it to routing again. Logged as an error so it alarms.
 */
async function bestEffort(what: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    logger.error(`${what} failed`, { error: error as Error });
  }
}

/**
 * A supervisor of the shop subscribes to a conversation's live messages for `watchLifetimeSeconds`
 * (watching again renews it). The watch is an entry on the head's watcher map, so the message path,
 * which reads the head anyway, adds the watchers to each message's recipients with no extra read
 * (docs/messaging.md). Refused on a closed conversation, and beyond `maxWatchers` watching at once.
 */
export async function watchConversation(
  identity: Identity,
  conversationId: string,
  deps: OwnershipDependencies = ownershipDependencies,
): Promise<{ conversationId: string; watchingUntil: string }> {
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const conversation = await deps.getConversation(identity.tenantId, conversationId);
    if (!conversation || !supervisesShop(identity, conversation.shopId)) throw new NotFoundError('conversation');
    if (conversation.status === 'closed') throw new ConflictError('CONVERSATION_CLOSED', 'the conversation is closed');
    const now = deps.now();
    const others = liveWatchers(conversation, now).filter((userId) => userId !== identity.userId);
    if (others.length >= maxWatchers) {
      throw new ConflictError('WATCHER_LIMIT', `${maxWatchers} supervisors are watching this conversation already, the most allowed`);
    }
    const until = Math.floor(now.getTime() / 1000) + watchLifetimeSeconds;
    // A conflict: the head changed since the read (closed, another watch, a renewal): read it again.
    if ((await deps.addWatcher(conversation, identity.userId, until, now)) === 'applied') {
      return { conversationId, watchingUntil: new Date(until * 1000).toISOString() };
    }
  }
  throw new ServiceUnavailableError();
}
