/**
 * HTTP parameters, WebSocket frames and pushed frames of the order card and the order-driven stage
 * (issue 7 §2). Exported by name so the OpenAPI / AsyncAPI generator reads the schemas the handlers
 * validate with. Strict: a body or frame naming a tenant, a role or anything undeclared is refused.
 */
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { stageSchema } from '../conversations/conversation';
import { echoedRefSchema, refSchema } from '../conversations/frames';
import { platformIdSchema, platformSchema, refundKinds, refundPhases, refundStatusSchema } from './envelope';
import { orderCardSchema, type OrderCard } from './order-card';

export const stageReasons = ['no-orders', 'open-refund', 'in-flight', 'received', 'unpaid', 'no-recent-order', 'hint'] as const;

/** Cards an agent gets at once: the `assigned` frame, the `orders` action, the HTTP list's default. */
export const maxOrderCards = 5;
/** The HTTP list may ask for more, up to this. */
export const maxOrderCardsListed = 20;
/**
 * Bytes of cards an `assigned` frame carries at most: with its ≤ 96 KB of messages the frame stays under
 * API Gateway's 128 KB post. Cards past the budget are left out (newest kept); `orders` fetches them.
 */
export const maxOrderCardBytesOnAssignment = 24 * 1024;
/** Lines shown per card in the `assigned` frame; the card says how many there are in all. */
export const maxLinesPerCardOnAssignment = 10;

// ---- HTTP ----

export const buyerOrdersPath = z.strictObject({ shopId: idSchema, buyerId: idSchema });
export const buyerOrdersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(maxOrderCardsListed).optional(),
});
export const orderPath = z.strictObject({ shopId: idSchema, platform: platformSchema, orderId: platformIdSchema });
export const refundPath = z.strictObject({ shopId: idSchema, platform: platformSchema, refundId: platformIdSchema });

export const orderCardsResponse = z.object({
  shopId: idSchema,
  buyerId: idSchema,
  /** The stage the buyer's orders give (what a conversation opened now would get). */
  stage: stageSchema,
  stageReason: z.enum(stageReasons),
  /** Newest activity first. */
  orders: z.array(orderCardSchema),
});
export type OrderCardsResponse = z.infer<typeof orderCardsResponse>;

export const orderResponse = z.object({ shopId: idSchema, platform: platformSchema, order: orderCardSchema });

/** A refund as the platform last stated it, with its timeline and the order's card. */
export const refundResponse = z.object({
  shopId: idSchema,
  platform: platformSchema,
  refund: z.object({
    refundId: platformIdSchema,
    orderId: platformIdSchema,
    lineId: platformIdSchema.optional(),
    status: refundStatusSchema,
    kind: z.enum(refundKinds),
    phase: z.enum(refundPhases).optional(),
    amount: z.object({ minor: z.number().int(), currency: z.string() }).optional(),
    reason: z.string().optional(),
    deadlineAt: z.string().optional(),
    history: z.array(z.object({ status: refundStatusSchema, version: z.number().int(), occurredAt: z.string() })),
  }),
  order: orderCardSchema,
});

// ---- WebSocket ----

export const ordersFrame = z.strictObject({ action: z.literal('orders'), conversationId: idSchema, ref: refSchema });
export type OrdersFrame = z.infer<typeof ordersFrame>;

/** A card as the `assigned` frame carries it: lines cut to a few, with how many there are. */
export const assignmentOrderCardSchema = orderCardSchema.extend({
  /** All lines of the order, when the card shows fewer. */
  lineCount: z.number().int().nonnegative().optional(),
});
export type AssignmentOrderCard = z.infer<typeof assignmentOrderCardSchema>;

/** Reply to `orders`: the buyer's newest orders at the conversation's shop. */
export const orderCardsFrame = z.object({
  type: z.literal('order.cards'),
  ref: echoedRefSchema,
  conversationId: idSchema,
  shopId: idSchema,
  buyerId: idSchema,
  stage: stageSchema,
  orders: z.array(orderCardSchema).max(maxOrderCards),
});
export type OrderCardsFrame = z.infer<typeof orderCardsFrame>;

/**
 * Pushed when order events changed an open conversation's stage. `moved: true`: the conversation went
 * back to the waiting line of the new stage's group (the agent also gets `unassigned`).
 */
export const conversationStageFrame = z
  .object({
    type: z.literal('conversation.stage'),
    conversationId: idSchema,
    shopId: idSchema,
    stage: stageSchema,
    previousStage: stageSchema,
    reason: z.enum(stageReasons),
    /** The platform order that decided it. */
    orderId: platformIdSchema.optional(),
    moved: z.boolean(),
  })
  .meta({
    description:
      "The buyer's orders moved the conversation to another stage (pre-sale → in-sale after payment, → after-sale on " +
      'delivery or a refund). Agent: show the new stage and why; if `moved`, the conversation is being handed to the ' +
      "new stage's group. Buyer: nothing to do.",
  });
export type ConversationStageFrame = z.infer<typeof conversationStageFrame>;

/**
 * The cards for an `assigned` frame: at most maxOrderCards, each with at most maxLinesPerCardOnAssignment
 * lines, newest kept while they fit maxOrderCardBytesOnAssignment.
 */
export function cardsForAssignment(cards: readonly OrderCard[]): AssignmentOrderCard[] {
  const out: AssignmentOrderCard[] = [];
  let bytes = 0;
  for (const card of cards.slice(0, maxOrderCards)) {
    const cut: AssignmentOrderCard =
      card.lines.length > maxLinesPerCardOnAssignment ? { ...card, lines: card.lines.slice(0, maxLinesPerCardOnAssignment), lineCount: card.lines.length } : card;
    const size = Buffer.byteLength(JSON.stringify(cut), 'utf8');
    if (bytes + size > maxOrderCardBytesOnAssignment) break;
    bytes += size;
    out.push(cut);
  }
  return out;
}
