import { randomUUID } from 'node:crypto';
import type { RouteJob } from '../conversations/jobs';
import { sendRouteJob } from '../notify/job-queues';
import { closeConnection } from '../notify/post-to-connection';
import { logger } from '../runtime/observability';
import { getAgent, updatePresence } from '../store/agents';
import { deleteConnection, listConnectionsOfUser } from '../store/connections';
import { getRoutableConversation, requeueToGroup, type RoutableConversation } from '../store/conversation-ownership';
import { listOpenConversationIdsOfAgent } from '../store/conversations';
import { getShop } from '../store/shops';

export const takeOfflineDependencies = {
  getAgent: (tenantId: string, agentId: string) => getAgent(tenantId, agentId, { consistent: true }),
  setOffline: (tenantId: string, agentId: string) => updatePresence(tenantId, agentId, 'offline'),
  listConnections: (tenantId: string, userId: string) => listConnectionsOfUser(tenantId, userId),
  closeConnection: (connectionId: string) => closeConnection(connectionId),
  deleteConnection: (tenantId: string, userId: string, connectionId: string) => deleteConnection(tenantId, userId, connectionId),
  listOpenConversationIds: (tenantId: string, agentId: string, after?: string) => listOpenConversationIdsOfAgent(tenantId, agentId, { limit: 100, ...(after ? { after } : {}) }),
  getConversation: (tenantId: string, conversationId: string) => getRoutableConversation(tenantId, conversationId),
  getShop: (tenantId: string, shopId: string) => getShop(tenantId, shopId),
  requeue: (c: RoutableConversation, record: Parameters<typeof requeueToGroup>[1]) => requeueToGroup(c, record),
  sendRouteJob: (job: RouteJob) => sendRouteJob(job),
  now: () => new Date(),
};
export type TakeOfflineDependencies = typeof takeOfflineDependencies;

/** Re-reads of one conversation that changed under the re-queue (a message, a transfer). */
const maxTries = 3;

/**
 * Takes a user out of service at once: what disabling an account (manage-users.ts) and a militia
 * member's expiry (expire-militia.ts) both do, after the account itself is marked so no new ticket or
 * token is accepted. In this order, so nothing new reaches them while they are let go:
 * 1. an agent's presence goes offline (the router's assignment condition requires `online`, so no
 *    conversation is given to them from here on);
 * 2. every socket of the user is closed through the management API and its record deleted;
 * 3. every conversation assigned to them goes back to its waiting line at its original place, through
 *    the same re-queue a supervisor's reassign uses (one transaction: head waiting, their load - 1, a
 *    transfer record), and a routing job is sent, so the next agent of the group gets it with its whole
 *    history (messages are never moved; the new agent's `assigned` frame carries the newest and the
 *    history route the rest).
 * Idempotent: run again, it finds nothing left to do. A failure is thrown so the caller (an HTTP
 * request, the sweep) is retried.
 */
export async function takeUserOffline(
  tenantId: string,
  userId: string,
  byUserId: string,
  deps: TakeOfflineDependencies = takeOfflineDependencies,
): Promise<{ socketsClosed: number; conversationsRequeued: number }> {
  const agent = await deps.getAgent(tenantId, userId);
  if (agent && agent.presence !== 'offline') await deps.setOffline(tenantId, userId);

  const connections = await deps.listConnections(tenantId, userId);
  await Promise.all(
    connections.map(async ({ connectionId }) => {
      await deps.closeConnection(connectionId);
      await deps.deleteConnection(tenantId, userId, connectionId);
    }),
  );

  let requeued = 0;
  if (agent) {
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await deps.listOpenConversationIds(tenantId, userId, after);
      ids.push(...page.conversationIds);
      after = page.next;
    } while (after);
    for (const conversationId of ids) if (await requeueOne(tenantId, conversationId, userId, byUserId, deps)) requeued++;
  }
  logger.info('user taken offline', { tenantId, userId, byUserId, socketsClosed: connections.length, conversationsRequeued: requeued });
  return { socketsClosed: connections.length, conversationsRequeued: requeued };
}

async function requeueOne(tenantId: string, conversationId: string, agentId: string, byUserId: string, deps: TakeOfflineDependencies): Promise<boolean> {
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const conversation = await deps.getConversation(tenantId, conversationId);
    // Closed, waiting or someone else's by now (the open list is an index, read eventually consistent).
    if (!conversation || conversation.status !== 'assigned' || conversation.assigneeId !== agentId) return false;
    const toGroupId = conversation.requestedGroupId ?? conversation.groupId ?? (await deps.getShop(tenantId, conversation.shopId))?.routing.groups[conversation.stage];
    if (!toGroupId) return false;
    const outcome = await deps.requeue(conversation, {
      transferId: randomUUID(),
      fromAgentId: agentId,
      byUserId,
      handover: 'reassigned',
      toGroupId,
      at: deps.now().toISOString(),
    });
    if (outcome === 'applied') {
      await deps.sendRouteJob({ type: 'route', tenantId, conversationId });
      return true;
    }
  }
  throw new Error(`conversation ${conversationId} kept changing while it was re-queued`);
}
