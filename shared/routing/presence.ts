import type { Identity } from '../auth/identity';
import { sendRouteJob } from '../notify/job-queues';
import type { RouteJob } from '../conversations/jobs';
import { updatePresence } from '../store/agents';
import { listWaitingConversationIds } from '../store/waiting-line';
import { getShops } from '../store/shops';
import type { Agent, Presence } from './agent';
import { conversationStages } from './shop';

export const presenceDependencies = {
  updatePresence: (tenantId: string, agentId: string, presence: Presence) => updatePresence(tenantId, agentId, presence),
  getShops: (tenantId: string, shopIds: readonly string[]) => getShops(tenantId, shopIds),
  listWaiting: (tenantId: string, shopId: string, stage: string, limit: number) => listWaitingConversationIds(tenantId, shopId, stage, limit),
  sendRouteJob: (job: RouteJob) => sendRouteJob(job),
};
export type PresenceDependencies = typeof presenceDependencies;

/** Jobs sent per waiting line when capacity frees: enough to fill the room, bounded for one call. */
export const maxDrainPerLine = 25;

/**
 * An agent sets their own presence (the agent id is the caller's user id, never from the frame). Going
 * online drains the waiting lines of the agent's shops: see drainWaitingLines.
 */
export async function setPresence(
  identity: Identity,
  presence: Presence,
  deps: PresenceDependencies = presenceDependencies,
): Promise<{ presence: Presence; load: number; cap: number; routed: number }> {
  const agent = await deps.updatePresence(identity.tenantId, identity.userId, presence);
  const routed = presence === 'online' ? await drainWaitingLines(identity.tenantId, agent, deps) : 0;
  return { presence: agent.presence, load: agent.load, cap: agent.cap, routed };
}

/**
 * Capacity appeared (an agent came online, or closed or handed over a conversation): send a routing job
 * for the oldest waiting conversations of the agent's shops, at most as many per line as the agent has
 * room for. Jobs rather than routing here: the router stays the one place that assigns (its transaction
 * settles races with other routers), the WebSocket reply stays fast, and SQS retries what fails. A job
 * for a conversation that another agent takes first is skipped by the router. Each job names the agent
 * (`agentWithRoom`): the router reads only a sample of a large group, which in a full department would
 * rarely contain the one agent with room, so it reads the named agent too.
 *
 * @example
 * await drainWaitingLines('t1', agent, presenceDependencies, { shopIds: ['s1'] }) // → jobs sent
 */
export async function drainWaitingLines(
  tenantId: string,
  agent: Pick<Agent, 'agentId' | 'shopIds' | 'load' | 'cap' | 'presence'>,
  deps: Pick<PresenceDependencies, 'getShops' | 'listWaiting' | 'sendRouteJob'> = presenceDependencies,
  options: { shopIds?: readonly string[] } = {},
): Promise<number> {
  const room = agent.cap - agent.load;
  if (agent.presence !== 'online' || room <= 0) return 0;
  const shopIds = (options.shopIds ?? agent.shopIds).filter((shopId) => agent.shopIds.includes(shopId));
  const shops = await deps.getShops(tenantId, shopIds);
  const lines = [...shops.keys()].flatMap((shopId) => conversationStages.map((stage) => ({ shopId, stage })));
  const ids = await Promise.all(lines.map(({ shopId, stage }) => deps.listWaiting(tenantId, shopId, stage, Math.min(room, maxDrainPerLine))));
  const conversationIds = [...new Set(ids.flat())];
  await Promise.all(
    conversationIds.map((conversationId) => deps.sendRouteJob({ type: 'route', tenantId, conversationId, agentWithRoom: agent.agentId })),
  );
  return conversationIds.length;
}
