import { servesShop, type Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import { getConversation } from '../store/conversations';
import { getOrder, getOrderOfRefund } from '../store/orders';
import { ordersOfBuyerAtShop, buyerOrdersDependencies, ordersReadForStage } from './buyer-orders';
import type { Platform } from './envelope';
import { maxOrderCards, type OrderCardsFrame, type OrderCardsResponse } from './frames';
import { orderCard, recentOrderCards } from './order-card';
import { stageOf } from './stage-of';

/**
 * The order card on request (issue 7 §2): HTTP and the `orders` action. Only staff serving the shop
 * (its agents and supervisors, the tenant's admins) read a shop's orders; a shop outside the caller's
 * scope, and another tenant's, is reported exactly like a missing one. Cards carry only what the platform
 * sent, masked as it masked it.
 */
export const readOrdersDependencies = {
  ordersOfBuyer: (tenantId: string, shopId: string, buyerId: string, limit: number) => ordersOfBuyerAtShop(tenantId, shopId, buyerId, limit, buyerOrdersDependencies),
  getOrder: (tenantId: string, shopId: string, platform: Platform, orderId: string) => getOrder({ tenantId, shopId, platform, orderId }),
  getOrderOfRefund: (tenantId: string, shopId: string, platform: Platform, refundId: string) => getOrderOfRefund(tenantId, shopId, platform, refundId),
  getConversation: (tenantId: string, conversationId: string) => getConversation(tenantId, conversationId),
  now: () => new Date(),
};
export type ReadOrdersDependencies = typeof readOrdersDependencies;

function assertServesShop(identity: Identity, shopId: string): void {
  if (!servesShop(identity, shopId)) throw new NotFoundError('shop');
}

/** A buyer's newest orders at a shop as cards, and the stage they give. */
export async function readBuyerOrders(
  identity: Identity,
  shopId: string,
  buyerId: string,
  limit = maxOrderCards,
  deps: ReadOrdersDependencies = readOrdersDependencies,
): Promise<OrderCardsResponse> {
  assertServesShop(identity, shopId);
  // The stage needs more than the cards show (an open refund on an older order still counts).
  const orders = await deps.ordersOfBuyer(identity.tenantId, shopId, buyerId, Math.max(limit, ordersReadForStage));
  const decision = stageOf(orders, deps.now());
  return { shopId, buyerId, stage: decision.stage, stageReason: decision.reason, orders: recentOrderCards(orders, limit) };
}

export async function readOrder(identity: Identity, shopId: string, platform: Platform, orderId: string, deps: ReadOrdersDependencies = readOrdersDependencies) {
  assertServesShop(identity, shopId);
  const order = await deps.getOrder(identity.tenantId, shopId, platform, orderId);
  if (!order) throw new NotFoundError('order');
  return { shopId, platform, order: orderCard(order) };
}

export async function readRefund(identity: Identity, shopId: string, platform: Platform, refundId: string, deps: ReadOrdersDependencies = readOrdersDependencies) {
  assertServesShop(identity, shopId);
  const order = await deps.getOrderOfRefund(identity.tenantId, shopId, platform, refundId);
  const refund = order?.refunds[refundId];
  if (!order || !refund) throw new NotFoundError('refund');
  const { value } = refund.current;
  return {
    shopId,
    platform,
    refund: {
      refundId,
      orderId: order.orderId,
      ...(value.lineId ? { lineId: value.lineId } : {}),
      status: value.status,
      kind: value.kind,
      ...(value.phase ? { phase: value.phase } : {}),
      ...(value.amount ? { amount: value.amount } : {}),
      ...(value.reason ? { reason: value.reason } : {}),
      ...(value.deadline ? { deadlineAt: value.deadline.at } : {}),
      history: refund.history,
    },
    order: orderCard(order),
  };
}

/** The `orders` action: the cards of a conversation's buyer at its shop, for staff serving the shop. */
export async function orderCardsOfConversation(
  identity: Identity,
  conversationId: string,
  deps: ReadOrdersDependencies = readOrdersDependencies,
): Promise<Omit<OrderCardsFrame, 'ref'>> {
  const conversation = await deps.getConversation(identity.tenantId, conversationId);
  if (!conversation || !servesShop(identity, conversation.shopId)) throw new NotFoundError('conversation');
  const orders = await deps.ordersOfBuyer(identity.tenantId, conversation.shopId, conversation.buyerId, maxOrderCards);
  return {
    type: 'order.cards',
    conversationId,
    shopId: conversation.shopId,
    buyerId: conversation.buyerId,
    stage: conversation.stage,
    orders: recentOrderCards(orders, maxOrderCards),
  };
}
