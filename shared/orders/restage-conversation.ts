import type { RouteJob } from '../conversations/jobs';
import { sendRouteJob } from '../notify/job-queues';
import { notifyUser, type NotifyUser } from '../routing/notify';
import { ownershipDependencies } from '../routing/ownership';
import { logger } from '../runtime/observability';
import { getAgent } from '../store/agents';
import { kefuBuyerOf } from '../store/buyer-links';
import { changeConversationStage } from '../store/conversation-stage';
import { getBuyerAtShop, getRoutableConversation, type RoutableConversation } from '../store/conversation-ownership';
import { getShop } from '../store/shops';
import { ServiceUnavailableError } from '../http/errors';
import type { Shop } from '../routing/shop';
import { buyerOrdersDependencies, decidedByOrders, ordersOfBuyerAtShop, ordersReadForStage } from './buyer-orders';
import type { Envelope } from './envelope';
import type { ConversationStageFrame } from './frames';
import type { OrderState } from './order';
import { stageOf, type StageDecision } from './stage-of';

export const restageDependencies = {
  kefuBuyerOf: (tenantId: string, shopId: string, platformBuyerId: string) => kefuBuyerOf(tenantId, shopId, platformBuyerId),
  getBuyerAtShop: (tenantId: string, shopId: string, buyerId: string) => getBuyerAtShop(tenantId, shopId, buyerId),
  getConversation: (tenantId: string, conversationId: string) => getRoutableConversation(tenantId, conversationId),
  ordersOfBuyer: (tenantId: string, shopId: string, buyerId: string) => ordersOfBuyerAtShop(tenantId, shopId, buyerId, ordersReadForStage, buyerOrdersDependencies),
  getShop: (tenantId: string, shopId: string) => getShop(tenantId, shopId),
  agentGroups: async (tenantId: string, agentId: string) => (await getAgent(tenantId, agentId, { consistent: true }))?.groupIds ?? [],
  changeStage: changeConversationStage,
  sendRouteJob: (job: RouteJob) => sendRouteJob(job),
  notify: notifyUser as NotifyUser,
  /** Capacity freed for the agent a stage change took a conversation from: route the shop's waiting buyers their way. */
  drain: ownershipDependencies.drain,
};
export type RestageDependencies = typeof restageDependencies;

export type RestageOutcome =
  | { kind: 'no-conversation'; why: 'no-buyer' | 'unlinked' | 'none-open' }
  | { kind: 'unchanged'; stage: string }
  | { kind: 'changed'; from: string; to: string; move: 'waiting-line' | 'stay' | 'requeue'; decision: StageDecision };

/**
 * Whether the agent keeps a conversation whose stage changed. What agents and buyers expect: the person
 * who has been talking with the buyer keeps the chat when they can serve the new stage — in `owner` mode
 * always (one agent owns the buyer end to end), in `by-stage` mode when they are a member of the new
 * stage's group (a shop may give two stages the same group). Otherwise a pre-sale agent does not handle
 * a refund: the conversation goes to the new stage's group, at its original place in line.
 */
export function keepsAgent(routing: Shop['routing'], toStage: keyof Shop['routing']['groups'], agentGroupIds: readonly string[]): boolean {
  return routing.mode === 'owner' || agentGroupIds.includes(routing.groups[toStage]);
}

const maxTries = 3;

/**
 * "After the order changed" step (issue 7 §2): if the order's buyer has an open conversation at the
 * shop and the buyer's orders now give it another stage, move it — re-route by the stage groups, record
 * why, tell the agent and the buyer (`conversation.stage`). Idempotent: a redelivered event finds the
 * stage already right and changes nothing; a waiting conversation gets a routing job again (harmless:
 * the router skips what is no longer waiting), which completes a run that died before sending it.
 * Orders that say nothing (no orders, none recent) never move a conversation: its stage was a hint.
 */
export async function restageConversationForOrder(
  input: { tenantId: string; order: OrderState | undefined; envelope: Envelope; now: Date },
  deps: RestageDependencies = restageDependencies,
): Promise<RestageOutcome> {
  const { tenantId, order, now } = input;
  const platformBuyerId = order?.buyer?.value.buyerId;
  if (!order || !platformBuyerId) return { kind: 'no-conversation', why: 'no-buyer' };
  const buyerId = await deps.kefuBuyerOf(tenantId, order.shopId, platformBuyerId);
  if (!buyerId) return { kind: 'no-conversation', why: 'unlinked' };

  for (let attempt = 0; attempt < maxTries; attempt++) {
    const pointer = await deps.getBuyerAtShop(tenantId, order.shopId, buyerId);
    const conversation = pointer.openConversationId ? await deps.getConversation(tenantId, pointer.openConversationId) : undefined;
    if (!conversation || conversation.status === 'closed') return { kind: 'no-conversation', why: 'none-open' };

    // The buyer index (a GSI) and the order reads are eventually consistent: the order this event just
    // wrote may not show there yet, so the stored order handed in replaces whatever copy was read.
    const others = (await deps.ordersOfBuyer(tenantId, order.shopId, buyerId)).filter((o) => o.orderId !== order.orderId || o.platform !== order.platform);
    const decision = stageOf([order, ...others], now);
    if (!decidedByOrders(decision) || decision.stage === conversation.stage) {
      if (conversation.status === 'waiting') await deps.sendRouteJob({ type: 'route', tenantId, conversationId: conversation.conversationId });
      return { kind: 'unchanged', stage: conversation.stage };
    }

    const move = await moveFor(conversation, decision, deps);
    const outcome = await deps.changeStage({ conversation, toStage: decision.stage, reason: decision.reason, orderId: decision.orderId, move, now });
    if (outcome !== 'applied') continue;
    await announce(conversation, decision, move, deps);
    return { kind: 'changed', from: conversation.stage, to: decision.stage, move: conversation.status === 'waiting' ? 'waiting-line' : move, decision };
  }
  throw new ServiceUnavailableError('the conversation kept changing while its stage was updated; will be retried');
}

async function moveFor(conversation: RoutableConversation, decision: StageDecision, deps: RestageDependencies): Promise<'stay' | 'requeue'> {
  if (conversation.status !== 'assigned' || !conversation.assigneeId) return 'stay';
  const shop = await deps.getShop(conversation.tenantId, conversation.shopId);
  if (!shop) return 'stay';
  return keepsAgent(shop.routing, decision.stage, await deps.agentGroups(conversation.tenantId, conversation.assigneeId)) ? 'stay' : 'requeue';
}

async function announce(conversation: RoutableConversation, decision: StageDecision, move: 'stay' | 'requeue', deps: RestageDependencies) {
  const { tenantId, conversationId } = conversation;
  const moved = conversation.status === 'assigned' && move === 'requeue';
  const frame: ConversationStageFrame = {
    type: 'conversation.stage',
    conversationId,
    shopId: conversation.shopId,
    stage: decision.stage,
    previousStage: conversation.stage,
    reason: decision.reason,
    ...(decision.orderId !== undefined ? { orderId: decision.orderId } : {}),
    moved,
  };
  logger.info('conversation stage changed by orders', { conversationId, from: conversation.stage, to: decision.stage, reason: decision.reason, orderId: decision.orderId, moved });
  await Promise.all([
    deps.notify(tenantId, conversation.buyerId, frame),
    conversation.assigneeId ? deps.notify(tenantId, conversation.assigneeId, frame) : undefined,
  ]);
  if (moved && conversation.assigneeId) await deps.notify(tenantId, conversation.assigneeId, { type: 'unassigned', conversationId, reason: 'stage-changed' });
  if (conversation.status === 'waiting' || moved) await deps.sendRouteJob({ type: 'route', tenantId, conversationId });
  // The agent now has room: without a drain, a buyer waiting in their groups would wait for the agent's next
  // routing event. Best effort: the stage change is stored and announced; a later event drains anyway.
  if (moved && conversation.assigneeId) {
    await deps.drain(tenantId, conversation.assigneeId, conversation.shopId).catch((error: unknown) => logger.warn('drain after a stage change failed', { conversationId, error }));
  }
}
