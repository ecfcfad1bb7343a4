import type { Presence } from '../routing/agent';

/** What choosing a case owner needs to know about an agent; `caseLoad` counts their unfinished cases. */
export interface CaseOwnerCandidate {
  agentId: string;
  presence: Presence;
  shopIds: readonly string[];
  groupIds: readonly string[];
  caseLoad: number;
}

/**
 * The owner for a shop's case from its after-sale group: online, serving the shop, in the group, under
 * the shop's case cap and not excluded (one whose assignment just failed); the least case-loaded wins,
 * ties to the smallest id so two writers given the same facts choose the same agent. Undefined: the case
 * waits unowned until an agent of the group frees up or comes online, or a supervisor assigns it.
 * Cases count against their own cap, not the chat cap: a case is days of slow work, a chat minutes of
 * fast work, and an agent at the chat cap at a promo's peak must still get the refunds of their shop.
 *
 * @example
 * chooseCaseOwner(candidates, { shopId: 's1', groupId: 'after', cap: 50 }) // → 'agent-2'
 */
export function chooseCaseOwner(
  candidates: readonly CaseOwnerCandidate[],
  rule: { shopId: string; groupId: string; cap: number; exclude?: readonly string[] },
): string | undefined {
  let best: CaseOwnerCandidate | undefined;
  for (const agent of candidates) {
    if (agent.presence !== 'online' || !agent.shopIds.includes(rule.shopId) || !agent.groupIds.includes(rule.groupId)) continue;
    if (agent.caseLoad >= rule.cap || rule.exclude?.includes(agent.agentId)) continue;
    if (!best || agent.caseLoad < best.caseLoad || (agent.caseLoad === best.caseLoad && agent.agentId < best.agentId)) best = agent;
  }
  return best?.agentId;
}
