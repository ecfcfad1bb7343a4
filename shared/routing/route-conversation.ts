import { randomUUID } from 'node:crypto';
import type { RouteJob } from '../conversations/jobs';
import { logger } from '../runtime/observability';
import { getAgents, listAgentIdsOfGroup } from '../store/agents';
import {
  assignConversation,
  getBuyerAtShop,
  getRoutableConversation,
  waitingPosition,
  type RoutableConversation,
} from '../store/conversation-assignment';
import { getShop } from '../store/shops';
import type { Agent } from './agent';
import { chooseAgent, primaryGroupOf, type RoutingChoice } from './choose-agent';
import { notifyUser, type NotifyUser } from './notify';
import { tellBuyersBehind, waitingLineDependencies } from './waiting-line';

export const routingDependencies = {
  getConversation: (tenantId: string, conversationId: string) => getRoutableConversation(tenantId, conversationId),
  getShop: (tenantId: string, shopId: string) => getShop(tenantId, shopId),
  getBuyerAtShop: (tenantId: string, shopId: string, buyerId: string) => getBuyerAtShop(tenantId, shopId, buyerId),
  listAgentIdsOfGroup: (tenantId: string, groupId: string) => listAgentIdsOfGroup(tenantId, groupId),
  getAgents: (tenantId: string, agentIds: readonly string[]) => getAgents(tenantId, agentIds, { consistent: true }),
  assign: (input: Parameters<typeof assignConversation>[0]) => assignConversation(input),
  waitingPosition: (conversation: RoutableConversation) => waitingPosition(conversation),
  /** Position updates for the buyers behind a conversation that left the line (waiting-line.ts). */
  listWaitingLine: waitingLineDependencies.listWaitingLine,
  getConversations: waitingLineDependencies.getConversations,
  notify: notifyUser as NotifyUser,
  now: () => new Date(),
};
export type RoutingDependencies = typeof routingDependencies;

export type RouteOutcome =
  | { kind: 'assigned'; agentId: string; reason: string; attempts: number }
  | { kind: 'waiting'; position: number }
  /** Nothing to do: gone, already assigned or closed (another router won, or a duplicate job). */
  | { kind: 'skipped'; reason: 'not-found' | 'not-waiting' | 'no-shop' };

/**
 * Tries per job. After a failed try everything is read again: an agent who filled up or went away is
 * excluded, a conversation someone else assigned is skipped, a contended transaction is simply retried.
 */
export const maxRoutingAttempts = 8;

/**
 * Routes one waiting conversation (a routing job). Idempotent: a conversation that is no longer waiting
 * is skipped, so a duplicate or late job does nothing, and two routers racing end with one assignment
 * (the loser's transaction fails on the head's `status = waiting` condition). The agent is chosen by the
 * pure policy (choose-agent.ts) from strongly consistent reads; the assignment transaction re-checks
 * presence, cap and shop, and if the agent filled up meanwhile the next best is tried. Once assigned,
 * the agent is told, and so are the buyers who were behind it in its waiting line (their new positions,
 * see tellBuyersBehind). Nobody available: the conversation stays in its waiting line and the buyer is
 * told their position. A redelivered job finds the conversation assigned and does nothing, so neither the
 * agent nor the line hears twice from it.
 */
export async function routeConversation(job: Pick<RouteJob, 'tenantId' | 'conversationId'>, deps: RoutingDependencies = routingDependencies): Promise<RouteOutcome> {
  const runId = randomUUID();
  const exclude: string[] = [];
  const groupMembers = new Map<string, string[]>();
  const membersOf = async (groupId: string) => {
    let ids = groupMembers.get(groupId);
    if (!ids) groupMembers.set(groupId, (ids = await deps.listAgentIdsOfGroup(job.tenantId, groupId)));
    return ids;
  };

  for (let attempt = 0; attempt < maxRoutingAttempts; attempt++) {
    const conversation = await deps.getConversation(job.tenantId, job.conversationId);
    if (!conversation) return { kind: 'skipped', reason: 'not-found' };
    if (conversation.status !== 'waiting') return { kind: 'skipped', reason: 'not-waiting' };
    const shop = await deps.getShop(job.tenantId, conversation.shopId);
    if (!shop) {
      logger.warn('conversation of an unconfigured shop left waiting', { shopId: conversation.shopId });
      return { kind: 'skipped', reason: 'no-shop' };
    }
    const buyer = await deps.getBuyerAtShop(job.tenantId, conversation.shopId, conversation.buyerId);
    const input = {
      shopId: conversation.shopId,
      routing: shop.routing,
      stage: conversation.stage,
      buyer,
      exclude,
      ...(conversation.requestedGroupId ? { requestedGroupId: conversation.requestedGroupId } : {}),
    };
    const known = [buyer.ownerAgentId, buyer.lastAgentId].filter((id): id is string => id !== undefined);

    // The backup group is only read when nobody of the stage's group can take it: the common case reads one group.
    let candidates: Agent[] = await deps.getAgents(job.tenantId, [...known, ...(await membersOf(primaryGroupOf(input)))]);
    let choice: RoutingChoice = chooseAgent({ ...input, candidates });
    const backup = shop.routing.backupGroup;
    if (choice.kind === 'wait' && backup !== undefined && backup !== choice.groupId) {
      candidates = await deps.getAgents(job.tenantId, [...new Set([...known, ...(await membersOf(choice.groupId)), ...(await membersOf(backup))])]);
      choice = chooseAgent({ ...input, candidates });
    }

    if (choice.kind === 'wait') {
      const position = await deps.waitingPosition(conversation);
      await deps.notify(job.tenantId, conversation.buyerId, { type: 'queuePosition', conversationId: conversation.conversationId, position });
      return { kind: 'waiting', position };
    }

    const now = deps.now();
    const outcome = await deps.assign({
      conversation,
      agentId: choice.agentId,
      groupId: choice.groupId,
      makeOwner: shop.routing.mode === 'owner' && buyer.ownerAgentId === undefined,
      runId,
      attempt,
      idleCheckAt: new Date(now.getTime() + shop.routing.idleCloseMinutes * 60_000),
      now,
    });
    if (outcome === 'applied') {
      await Promise.all([
        deps.notify(job.tenantId, choice.agentId, {
          type: 'assigned',
          conversationId: conversation.conversationId,
          shopId: conversation.shopId,
          buyerId: conversation.buyerId,
          stage: conversation.stage,
        }),
        tellBuyersBehind(conversation, deps),
      ]);
      return { kind: 'assigned', agentId: choice.agentId, reason: choice.reason, attempts: attempt + 1 };
    }
    if (outcome === 'agent-unavailable') exclude.push(choice.agentId);
    // 'conversation-changed' and 'conflict': re-read; the next loop skips if someone else assigned it.
    // A random, growing pause, so two routers that collided do not collide again on the next try.
    if (outcome === 'conflict') await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * (attempt + 1)));
  }
  // Still contended: let SQS redeliver later rather than report a success that did not happen.
  throw Object.assign(new Error('routing did not settle; will be retried'), { name: 'ThrottlingException' });
}
