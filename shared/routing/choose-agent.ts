import type { AgentCandidate } from './agent';
import type { ConversationStage, ShopRouting } from './shop';

export interface RoutingInput {
  shopId: string;
  routing: ShopRouting;
  stage: ConversationStage;
  /** The buyer as this shop knows them (buyer-at-shop item). */
  buyer: { lastAgentId?: string; ownerAgentId?: string };
  /**
   * Agents that may be chosen: a sample of the online members of the groups involved (at most
   * sampledMembersPerGroup per group, all of them when the group has no more online), the owner and last
   * agent, and the agent with room a drain named. Group membership is read from each agent's groupIds.
   */
  candidates: readonly AgentCandidate[];
  /** A transfer to a group replaces the stage's group and turns stickiness off: the sender wants another team. */
  requestedGroupId?: string;
  /** Agents not to choose: one whose assignment just failed on its cap, or the one transferring away. */
  exclude?: readonly string[];
  /**
   * Other stages' groups lent to this stage by a promo phase in force (shared/promo/promo-routing.ts):
   * tried after the stage's own group and before the backup group.
   */
  borrowedGroups?: readonly string[];
}

export type RoutingReason = 'owner' | 'sticky' | 'group' | 'borrowed' | 'backup';

export type RoutingChoice =
  | { kind: 'assign'; agentId: string; groupId: string; reason: RoutingReason }
  | { kind: 'wait'; groupId: string };

/**
 * Online members read per group and routing run: a window of at most this many from a random place on
 * the group's member ring (store/agents.ts, listOnlineAgentIdsOfGroup), i.e. a random sample of the
 * online members, or all of them when the group has no more. "Power of K choices": on average only 1 in
 * 25 of the group's members is less loaded than the least-loaded of 24 random ones, while the read stays
 * at most 24 agent items (12 read units, eventually consistent) however large the department.
 */
export const sampledMembersPerGroup = 24;

/** Online, under cap, serving this shop and not excluded: the only agents a conversation may go to. */
export function isAvailable(agent: AgentCandidate, shopId: string, exclude: readonly string[] = []): boolean {
  return agent.presence === 'online' && agent.load < agent.cap && agent.shopIds.includes(shopId) && !exclude.includes(agent.agentId);
}

/** The group a conversation of this stage goes to, unless a transfer asked for another. */
export function primaryGroupOf(input: Pick<RoutingInput, 'routing' | 'stage' | 'requestedGroupId'>): string {
  return input.requestedGroupId ?? input.routing.groups[input.stage];
}

/**
 * Picks the agent for a conversation from the candidates, or says it must wait. In order:
 * 1. `owner` mode: the buyer's owner, then the last agent, whatever their group (one agent owns the buyer
 *    end to end). `by-stage` mode: the last agent if they are in the stage's group (a pre-sale agent does
 *    not get the buyer's return request).
 * 2. The least-loaded available candidate of the stage's group.
 * 3. The least-loaded available candidate of a group a promo phase lends this stage (in the order
 *    given: after-sale agents serving pre-sale at the opening).
 * 4. The least-loaded available candidate of the backup group (borrowing across departments).
 * 5. Wait.
 * The candidates of a group are a sample (see sampledMembersPerGroup): with at most that many online
 * members the choice is the group's least-loaded available agent, with more it is the least-loaded of the
 * sample, and "wait" means nobody in the samples (nor owner, last agent or named agent) is available.
 * Pure: the randomness is in which candidates the caller read, so the same candidates give the same
 * choice. Ties on load go to the smallest agent id, so two routers given the same facts choose the same
 * agent and the loser's transaction fails on the head instead of double-assigning.
 *
 * @example
 * chooseAgent({ shopId: 's1', routing, stage: 'pre-sale', buyer: {}, candidates })
 * // → { kind: 'assign', agentId: 'a2', groupId: 'presale', reason: 'group' }
 */
export function chooseAgent(input: RoutingInput): RoutingChoice {
  const { shopId, routing, buyer, candidates, requestedGroupId } = input;
  const exclude = input.exclude ?? [];
  const primaryGroup = primaryGroupOf(input);
  const byId = new Map(candidates.map((agent) => [agent.agentId, agent]));
  const available = (agentId: string | undefined) => {
    const agent = agentId === undefined ? undefined : byId.get(agentId);
    return agent && isAvailable(agent, shopId, exclude) ? agent : undefined;
  };

  if (requestedGroupId === undefined) {
    if (routing.mode === 'owner') {
      const owner = available(buyer.ownerAgentId);
      if (owner) return { kind: 'assign', agentId: owner.agentId, groupId: primaryGroup, reason: 'owner' };
      const last = available(buyer.lastAgentId);
      if (last) return { kind: 'assign', agentId: last.agentId, groupId: primaryGroup, reason: 'sticky' };
    } else {
      const last = available(buyer.lastAgentId);
      if (last?.groupIds.includes(primaryGroup)) return { kind: 'assign', agentId: last.agentId, groupId: primaryGroup, reason: 'sticky' };
    }
  }

  const fromGroup = leastLoaded(candidates, primaryGroup, shopId, exclude);
  if (fromGroup) return { kind: 'assign', agentId: fromGroup.agentId, groupId: primaryGroup, reason: 'group' };

  for (const groupId of input.borrowedGroups ?? []) {
    if (groupId === primaryGroup) continue;
    const lent = leastLoaded(candidates, groupId, shopId, exclude);
    if (lent) return { kind: 'assign', agentId: lent.agentId, groupId, reason: 'borrowed' };
  }

  const backupGroup = routing.backupGroup;
  if (backupGroup !== undefined && backupGroup !== primaryGroup) {
    const borrowed = leastLoaded(candidates, backupGroup, shopId, exclude);
    if (borrowed) return { kind: 'assign', agentId: borrowed.agentId, groupId: backupGroup, reason: 'backup' };
  }
  return { kind: 'wait', groupId: primaryGroup };
}

/** The available candidate of a group with the lowest load; ties go to the smallest agent id. */
function leastLoaded(
  candidates: readonly AgentCandidate[],
  groupId: string,
  shopId: string,
  exclude: readonly string[] = [],
): AgentCandidate | undefined {
  let best: AgentCandidate | undefined;
  for (const agent of candidates) {
    if (!agent.groupIds.includes(groupId) || !isAvailable(agent, shopId, exclude)) continue;
    if (!best || agent.load < best.load || (agent.load === best.load && agent.agentId < best.agentId)) best = agent;
  }
  return best;
}
