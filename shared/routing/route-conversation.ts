import { randomUUID } from 'node:crypto';
import type { RouteJob } from '../conversations/jobs';
import { ServiceUnavailableError } from '../http/errors';
import { logger } from '../runtime/observability';
import { getAgents, listOnlineAgentIdsOfGroup } from '../store/agents';
import { assignConversation, getBuyerAtShop, getRoutableConversation, type RoutableConversation } from '../store/conversation-ownership';
import { waitingPosition } from '../store/waiting-line';
import { getShop } from '../store/shops';
import type { Agent } from './agent';
import { announceAssignment, readOrderCards, readRecentMessages } from './announce-assignment';
import { chooseAgent, primaryGroupOf, sampledMembersPerGroup, type RoutingChoice } from './choose-agent';
import { notifyUser, type NotifyUser } from './notify';
import { cachedPromos } from '../promo/calendar-cache';
import { promoRoutingFor } from '../promo/promo-routing';
import { tellBuyersBehind, waitingLineDependencies } from './waiting-line';

export const routingDependencies = {
  getConversation: (tenantId: string, conversationId: string) => getRoutableConversation(tenantId, conversationId),
  getShop: (tenantId: string, shopId: string) => getShop(tenantId, shopId),
  getBuyerAtShop: (tenantId: string, shopId: string, buyerId: string) => getBuyerAtShop(tenantId, shopId, buyerId),
  /** A random sample of a group's online members: at most `limit`, going round the ring from `from` (0 ≤ from < 1). */
  listOnlineMembers: (tenantId: string, groupId: string, from: number, limit: number) => listOnlineAgentIdsOfGroup(tenantId, groupId, from, limit),
  getAgents: (tenantId: string, agentIds: readonly string[], options: { consistent?: boolean } = {}) => getAgents(tenantId, agentIds, options),
  assign: (input: Parameters<typeof assignConversation>[0]) => assignConversation(input),
  waitingPosition: (conversation: RoutableConversation) => waitingPosition(conversation),
  /** Position updates for the buyers behind a conversation that left the line (waiting-line.ts). */
  listWaitingLine: waitingLineDependencies.listWaitingLine,
  getConversations: waitingLineDependencies.getConversations,
  settledWaitMs: waitingLineDependencies.settledWaitMs,
  /** The newest messages, for the agent's `assigned` frame (announce-assignment.ts). */
  readRecentMessages,
  /** The buyer's order cards, for the `assigned` frame. */
  readOrderCards,
  notify: notifyUser as NotifyUser,
  /** The tenant's promo calendar, for the routing switches of the phases in force (cached briefly). */
  listPromos: (tenantId: string) => cachedPromos(tenantId),
  now: () => new Date(),
  /** Where the sample of a group starts (0 ≤ x < 1); tests pass their own. */
  random: () => Math.random(),
};
/** listPromos is optional: without it no promo switches apply (tests of plain routing leave it out). */
export type RoutingDependencies = Omit<typeof routingDependencies, 'listPromos'> & Partial<Pick<typeof routingDependencies, 'listPromos'>>;

export type RouteOutcome =
  | { kind: 'assigned'; agentId: string; reason: string; attempts: number }
  | { kind: 'waiting'; position: number }
  /** Nothing to do: gone, already assigned or closed (another router won, or a duplicate job). */
  | { kind: 'skipped'; reason: 'not-found' | 'not-waiting' | 'no-shop' | 'robot' };

/**
 * Tries per job. After a failed try everything is read again, strongly consistent: an agent who filled
 * up or went away is excluded, a conversation someone else assigned is skipped, a contended transaction
 * is simply retried.
 */
export const maxRoutingAttempts = 8;

/**
 * Routes one waiting conversation (a routing job). Idempotent: a conversation that is no longer waiting
 * is skipped, so a duplicate or late job does nothing, and two routers racing end with one assignment
 * (the loser's transaction fails on the head's `status = waiting` condition). The agent is chosen by the
 * pure policy (choose-agent.ts) from a bounded set of candidates: a random sample of at most
 * sampledMembersPerGroup online members of the stage's group (the backup group's only if nobody there
 * can take it), the owner and last agent, and the agent with room a drain named. The first try reads the
 * candidates eventually consistent: a stale load or presence costs only a failed transaction, whose
 * conditions (presence, cap, shop, head still waiting) are the truth, and the retry reads strongly
 * consistent and excludes the agent that failed. The named agent is always read strongly consistent: the
 * job exists because their state just changed. Once assigned, the agent is told with the conversation's
 * newest messages and the buyer is told who joined (announceAssignment: one bounded Query of the
 * messages), and so are the buyers who were behind it in its waiting line (their new positions, see
 * tellBuyersBehind). Nobody available: the conversation stays in its waiting line and the buyer is told
 * their position. A redelivered job finds the conversation assigned and does nothing, so neither the
 * agent, the buyer nor the line hears twice from it.
 */
export async function routeConversation(
  job: Pick<RouteJob, 'tenantId' | 'conversationId' | 'agentWithRoom'>,
  deps: RoutingDependencies = routingDependencies,
): Promise<RouteOutcome> {
  const runId = randomUUID();
  const exclude: string[] = [];
  // One sample per group and run: a retry re-reads the same agents (consistently) rather than new ones.
  const samples = new Map<string, Promise<string[]>>();
  const sampleOf = (groupId: string) => {
    let ids = samples.get(groupId);
    if (!ids) samples.set(groupId, (ids = deps.listOnlineMembers(job.tenantId, groupId, deps.random(), sampledMembersPerGroup)));
    return ids;
  };
  // The agent a drain named is read strongly consistent even when the rest is not: their room is news.
  const named = job.agentWithRoom;
  const read = async (agentIds: readonly string[], consistent: boolean): Promise<Agent[]> => {
    const ids = [...new Set(agentIds)].filter((id) => id !== named);
    if (named === undefined) return deps.getAgents(job.tenantId, ids, { consistent });
    if (consistent) return deps.getAgents(job.tenantId, [...ids, named], { consistent });
    const [others, withRoom] = await Promise.all([
      deps.getAgents(job.tenantId, ids, { consistent }),
      deps.getAgents(job.tenantId, [named], { consistent: true }),
    ]);
    return [...others, ...withRoom];
  };

  for (let attempt = 0; attempt < maxRoutingAttempts; attempt++) {
    const conversation = await deps.getConversation(job.tenantId, job.conversationId);
    if (!conversation) return { kind: 'skipped', reason: 'not-found' };
    if (conversation.status !== 'waiting') return { kind: 'skipped', reason: 'not-waiting' };
    // The FAQ robot holds it (out of the line); its hand-off sends a routing job of its own.
    if (conversation.robot) return { kind: 'skipped', reason: 'robot' };
    const shop = await deps.getShop(job.tenantId, conversation.shopId);
    if (!shop) {
      logger.warn('conversation of an unconfigured shop left waiting', { shopId: conversation.shopId });
      return { kind: 'skipped', reason: 'no-shop' };
    }
    const [buyer, promos] = await Promise.all([
      deps.getBuyerAtShop(job.tenantId, conversation.shopId, conversation.buyerId),
      conversation.requestedGroupId || !deps.listPromos ? [] : deps.listPromos(job.tenantId),
    ]);
    // A transfer to a group asked for that team: promo borrowing applies to stage routing only.
    const promo = promoRoutingFor(promos, conversation.shopId, conversation.stage, shop.routing, deps.now());
    const routing = promo.backupGroup ? { ...shop.routing, backupGroup: promo.backupGroup } : shop.routing;
    const input = {
      shopId: conversation.shopId,
      routing,
      borrowedGroups: promo.borrowedGroups,
      stage: conversation.stage,
      buyer,
      exclude,
      ...(conversation.requestedGroupId ? { requestedGroupId: conversation.requestedGroupId } : {}),
    };
    const known = [buyer.ownerAgentId, buyer.lastAgentId].filter((id): id is string => id !== undefined);
    const consistent = attempt > 0;

    // Lent and backup groups are only read when nobody of the stage's group can take it: the common case
    // reads one group. Each further group is read only if the ones before it had nobody.
    let candidates: Agent[] = await read([...known, ...(await sampleOf(primaryGroupOf(input)))], consistent);
    let choice: RoutingChoice = chooseAgent({ ...input, candidates });
    const fallbacks = [...promo.borrowedGroups, ...(routing.backupGroup === undefined ? [] : [routing.backupGroup])];
    for (const groupId of fallbacks) {
      if (choice.kind !== 'wait' || groupId === choice.groupId) continue;
      const have = new Set(candidates.map((agent) => agent.agentId));
      const more = (await sampleOf(groupId)).filter((id) => !have.has(id) && id !== named);
      candidates = [...candidates, ...(await deps.getAgents(job.tenantId, more, { consistent }))];
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
      makeOwner: routing.mode === 'owner' && buyer.ownerAgentId === undefined,
      runId,
      attempt,
      idleCheckAt: new Date(now.getTime() + shop.routing.idleCloseMinutes * 60_000),
      now,
    });
    if (outcome === 'applied') {
      const agentId = choice.agentId;
      // The policy chose among the candidates, so the profile (and its display name) is at hand.
      const agent = candidates.find((candidate) => candidate.agentId === agentId) ?? { agentId, name: agentId };
      await Promise.all([
        // A conversation handed back to a group joins its next agent as transferred (or reassigned).
        announceAssignment(conversation, agent, { kind: conversation.handover ?? 'assigned' }, deps),
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
  throw new ServiceUnavailableError('routing did not settle; will be retried');
}
