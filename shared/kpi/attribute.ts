import type { AttributionRule } from './attribution-rule';
import type { Stage } from '../conversations/conversation';

/**
 * Order attribution as a pure function of stored facts and the shop's rule (docs/kpi-design.md §3), so
 * the live aggregator and the recompute after a rule change give the same answer for the same facts.
 */

/** An agent received a buyer: replied in a conversation the buyer had asked in (the reception filters). */
export interface ReceptionFact {
  shopId: string;
  conversationId: string;
  agentId: string;
  /** The kefu buyer. */
  buyerId: string;
  /** The agent's first reply that made it a reception (UTC ISO). */
  at: string;
  stage: Stage;
  groupId?: string | undefined;
}

/** What attribution needs of a platform order. */
export interface OrderFact {
  shopId: string;
  platform: string;
  orderId: string;
  /** The kefu buyer (the platform buyer mapped through the shop's buyer links). */
  buyerId: string;
  placedAt?: string | undefined;
  paidAt?: string | undefined;
  /** Minor units (fen). */
  amount: number;
}

export interface Attribution {
  /** The instant the order counts at (placement or payment by the mode). */
  creditAt: string;
  /** The reception credited with the order; absent for a silent sale (静默销售). */
  credited?: ReceptionFact;
  /** Other agents who received the buyer within the window: assist credit (协助服务). */
  assists: string[];
  /** Sold by an agent to a buyer already in the in-sale stage (二次销售). */
  secondary: boolean;
}

const dayMs = 86_400_000;
const ms = (iso: string) => Date.parse(iso);

/** The attribution of an order under a rule, or undefined while the order has not reached its credit event. */
export function attributeOrder(order: OrderFact, receptions: readonly ReceptionFact[], rule: Pick<AttributionRule, 'mode' | 'inquiryWindowDays'>): Attribution | undefined {
  const placedAt = order.placedAt ?? order.paidAt;
  const creditAt = rule.mode === 'order-placed' ? placedAt : order.paidAt;
  if (!creditAt || !placedAt) return undefined;
  const mine = receptions.filter((r) => r.buyerId === order.buyerId && r.shopId === order.shopId).sort((a, b) => ms(a.at) - ms(b.at));
  const windowMs = rule.inquiryWindowDays * dayMs;
  // The window is counted back from the order's placement for order-first, from the credit instant otherwise.
  const anchor = rule.mode === 'order-first' ? placedAt : creditAt;
  const inWindow = mine.filter((r) => ms(r.at) >= ms(anchor) - windowMs && ms(r.at) <= ms(anchor));
  let credited = inWindow.at(-1);
  let eligible = inWindow;
  if (rule.mode === 'order-first' && !credited) {
    // Nobody before the order: the first agent who received the buyer between placing and paying.
    const between = mine.filter((r) => ms(r.at) > ms(placedAt) && ms(r.at) <= ms(creditAt));
    credited = between[0];
    eligible = between;
  } else if (rule.mode === 'order-first') {
    eligible = mine.filter((r) => ms(r.at) >= ms(anchor) - windowMs && ms(r.at) <= ms(creditAt));
  }
  const assists = [...new Set(eligible.map((r) => r.agentId))].filter((agentId) => agentId !== credited?.agentId).sort();
  return { creditAt, ...(credited ? { credited } : {}), assists, secondary: credited?.stage === 'in-sale' };
}
