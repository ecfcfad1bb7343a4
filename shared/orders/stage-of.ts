import type { Stage } from '../conversations/conversation';
import { isSigned, openRefundsOf, orderStatusOf, type OrderState } from './order';

/** Why a stage was chosen; shown to the agent with the order card and kept on the re-route record. */
export type StageReason = 'no-orders' | 'open-refund' | 'in-flight' | 'received' | 'unpaid' | 'no-recent-order';

export interface StageDecision {
  stage: Stage;
  reason: StageReason;
  /** The order that decided it, when one did. */
  orderId?: string;
}

export interface StagePolicy {
  /**
   * How long after its last activity a received or refunded order still makes the buyer an after-sale
   * buyer. Past it the buyer is a returning customer (pre-sale). Taobao's review window is 15 days.
   */
  afterSaleWindowDays: number;
}

export const defaultStagePolicy: StagePolicy = { afterSaleWindowDays: 15 };

const inFlight = new Set(['paid', 'partly-shipped', 'shipped']);
const unpaid = new Set(['created', 'deposit-paid']);

/**
 * The conversation stage from the buyer's orders at one shop (issue 7 §2), in this order of precedence:
 * 1. any open refund → after-sale (the buyer is in a dispute, whatever else is going on);
 * 2. any order paid and not yet signed for → in-sale (address, size, shipping questions);
 * 3. otherwise the most recently active order within the after-sale window decides: received (signed,
 *    finished, or closed after payment) → after-sale; unpaid (incl. a presale deposit with the final
 *    payment due) → pre-sale;
 * 4. no orders, only cancelled ones, or none recent → pre-sale (a frame's stage is then only a hint).
 *
 * @example
 * const { stage, reason } = stageOf(ordersOfBuyerAtShop, new Date());
 */
export function stageOf(orders: readonly OrderState[], now: Date, policy: StagePolicy = defaultStagePolicy): StageDecision {
  const known = orders.filter((order) => orderStatusOf(order) !== 'cancelled');
  if (known.length === 0) return { stage: 'pre-sale', reason: 'no-orders' };

  const disputed = newestFirst(known.filter((order) => openRefundsOf(order).length > 0))[0];
  if (disputed) return { stage: 'after-sale', reason: 'open-refund', orderId: disputed.orderId };

  const shipping = newestFirst(known.filter((order) => inFlight.has(orderStatusOf(order) ?? '') && !isSigned(order)))[0];
  if (shipping) return { stage: 'in-sale', reason: 'in-flight', orderId: shipping.orderId };

  const windowStart = now.getTime() - policy.afterSaleWindowDays * 86_400_000;
  const recent = newestFirst(known.filter((order) => lastActivityMs(order) >= windowStart))[0];
  if (!recent) return { stage: 'pre-sale', reason: 'no-recent-order' };
  const status = orderStatusOf(recent);
  if (status !== undefined && unpaid.has(status) && !isSigned(recent)) return { stage: 'pre-sale', reason: 'unpaid', orderId: recent.orderId };
  if (isSigned(recent) || status === 'closed' || Object.keys(recent.refunds).length > 0) return { stage: 'after-sale', reason: 'received', orderId: recent.orderId };
  // Only logistics or ratings known so far: nothing says the buyer paid.
  return { stage: 'pre-sale', reason: 'unpaid', orderId: recent.orderId };
}

/** When anything last happened to the order, by the platform's clock (UTC). */
export function lastActivityMs(order: OrderState): number {
  const times = [
    order.status?.occurredAt,
    ...Object.values(order.refunds).map((refund) => refund.current.occurredAt),
    ...Object.values(order.parcels).map((parcel) => parcel.events.at(-1)?.at),
  ];
  return Math.max(0, ...times.filter((time): time is string => time !== undefined).map((time) => Date.parse(time)));
}

/** Newest activity first; the order id breaks ties so the choice never depends on the store's order. */
const newestFirst = (orders: readonly OrderState[]) =>
  [...orders].sort((a, b) => lastActivityMs(b) - lastActivityMs(a) || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
