import type { Stage } from '../conversations/conversation';
import { listOrdersOfPlatformBuyer } from '../store/orders';
import { platformBuyerIdsOfBuyer } from '../store/buyer-links';
import { lastActivityMs, stageOf, type StageDecision } from './stage-of';
import type { OrderState } from './order';

/**
 * A kefu buyer's orders at one shop and the stage they give (issue 7 §2). The orders of every platform
 * buyer id linked to the buyer (buyer-link.ts), newest activity first.
 */
export const buyerOrdersDependencies = {
  platformBuyerIds: (tenantId: string, shopId: string, buyerId: string) => platformBuyerIdsOfBuyer(tenantId, shopId, buyerId),
  listOrders: (tenantId: string, shopId: string, platformBuyerId: string, limit: number) => listOrdersOfPlatformBuyer(tenantId, shopId, platformBuyerId, limit),
};
export type BuyerOrdersDependencies = typeof buyerOrdersDependencies;

/**
 * Orders read to decide a stage. The stage needs every open refund and in-flight order; a buyer with
 * more than 20 orders active more recently than an open refund is past what a chat's stage can show
 * (the card and the case list still have it).
 */
export const ordersReadForStage = 20;

export async function ordersOfBuyerAtShop(
  tenantId: string,
  shopId: string,
  buyerId: string,
  limit: number,
  deps: BuyerOrdersDependencies = buyerOrdersDependencies,
): Promise<OrderState[]> {
  const ids = await deps.platformBuyerIds(tenantId, shopId, buyerId);
  const lists = await Promise.all(ids.map((id) => deps.listOrders(tenantId, shopId, id, limit)));
  return lists
    .flat()
    .sort((a, b) => lastActivityMs(b) - lastActivityMs(a) || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0))
    .slice(0, limit);
}

/** Reasons under which the buyer's orders say nothing about this chat, so a frame's stage may stand. */
const ordersSilent = new Set(['no-orders', 'no-recent-order']);

export type ConversationStageDecision = Omit<StageDecision, 'reason'> & { reason: StageDecision['reason'] | 'hint' };

/**
 * The stage of a conversation the buyer opens now: from their orders at the shop; the frame's stage is
 * only a hint, taken when the orders say nothing (no orders, or none active in the after-sale window:
 * a buyer back about a months-old appliance may well mean after-sale).
 */
export function stageOnOpen(orders: readonly OrderState[], now: Date, hint: Stage | undefined): ConversationStageDecision {
  const decision = stageOf(orders, now);
  if (hint !== undefined && ordersSilent.has(decision.reason)) return { stage: hint, reason: 'hint' };
  return decision;
}

/** Whether a decision comes from the orders (and so may move a conversation) or leaves its stage alone. */
export const decidedByOrders = (decision: StageDecision): boolean => !ordersSilent.has(decision.reason);
