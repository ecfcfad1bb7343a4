import { z } from 'zod';
import { idSchema } from '../auth/identity';

/**
 * kefu's one ingestion contract (issue 7 §1). Every adapter, webhook or pull connector, turns a platform's
 * message into an envelope whose payload is already platform-neutral, so the order reducer, the stage
 * rule and the after-sales cases never branch on a platform. The platform's own topic stays in
 * `sourceTopic` for audit and for the ignored-events record.
 */

export const platforms = ['taobao', 'douyin', 'shopify', 'jd', 'pinduoduo'] as const;
export type Platform = (typeof platforms)[number];
export const platformSchema = z.enum(platforms);

/**
 * A platform's own id (order, line, refund, parcel, buyer). Digits on Taobao, numbers or GIDs elsewhere.
 * `#` is refused because it separates the parts of a DynamoDB key; the length stays well inside a sort key.
 */
export const platformIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:/=+-]{1,128}$/, 'must be 1-128 letters, digits or _.:/=+-');

export const isoTimeSchema = z.string().datetime({ offset: true });

/** Money in minor units (fen, cents): integer arithmetic only, never floats. */
export const moneySchema = z.object({
  minor: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
});
export type Money = z.infer<typeof moneySchema>;

/** What the platform tells us about the buyer, masked as the platform masks it (Taobao: open uid, masked nick). */
export const buyerSchema = z.object({
  buyerId: platformIdSchema,
  nick: z.string().max(128).optional(),
});
export type Buyer = z.infer<typeof buyerSchema>;

export const orderLineSchema = z.object({
  lineId: platformIdSchema,
  title: z.string().max(256).optional(),
  skuId: platformIdSchema.optional(),
  quantity: z.number().int().positive().max(100_000),
  price: moneySchema.optional(),
});
export type OrderLine = z.infer<typeof orderLineSchema>;

/**
 * Platform-neutral order statuses, in lifecycle order (the rank breaks ties between equal versions).
 * Taobao: WAIT_BUYER_PAY → created, FRONT_PAID_FINAL_NOPAID → deposit-paid, WAIT_SELLER_SEND_GOODS → paid,
 * SELLER_CONSIGNED_PART → partly-shipped, WAIT_BUYER_CONFIRM_GOODS → shipped, TRADE_BUYER_SIGNED → signed,
 * TRADE_FINISHED → finished, TRADE_CLOSED (after payment) → closed, TRADE_CLOSED_BY_TAOBAO → cancelled.
 */
export const orderStatuses = [
  'created',
  'deposit-paid',
  'paid',
  'partly-shipped',
  'shipped',
  'signed',
  'finished',
  'cancelled',
  'closed',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];
export const orderStatusSchema = z.enum(orderStatuses);

/** Refund statuses in step order. `agreed` = seller agreed to a refund-only; the money is on its way. */
export const refundStatuses = [
  'requested',
  'refused',
  'platform-intervening',
  'agreed',
  'waiting-return',
  'returned',
  'succeeded',
  'closed',
] as const;
export type RefundStatus = (typeof refundStatuses)[number];
export const refundStatusSchema = z.enum(refundStatuses);
export const openRefundStatuses: ReadonlySet<RefundStatus> = new Set(refundStatuses.filter((s) => s !== 'succeeded' && s !== 'closed'));

/** Taobao's bill_type: refund_bill / return_bill / replace_bill. */
export const refundKinds = ['refund-only', 'return-and-refund', 'exchange'] as const;
export type RefundKind = (typeof refundKinds)[number];

/** Taobao's refund_phase: onsale (售中, before receipt) / aftersale (售后). */
export const refundPhases = ['on-sale', 'after-sale'] as const;

/** Taobao's logistics actions, grouped: SIGNED = delivered, FAILED = refused by the buyer, LOST. */
export const logisticsActions = ['created', 'consigned', 'collected', 'in-transit', 'out-for-delivery', 'signed', 'failed', 'lost', 'other'] as const;
export type LogisticsAction = (typeof logisticsActions)[number];

const orderUpdatedPayload = z.object({
  orderId: platformIdSchema,
  status: orderStatusSchema,
  /** The platform's own status string, kept for the order card and audit. */
  platformStatus: z.string().max(64).optional(),
  buyer: buyerSchema.optional(),
  lines: z.array(orderLineSchema).max(500).optional(),
  total: moneySchema.optional(),
  shippingFee: moneySchema.optional(),
  createdAt: isoTimeSchema.optional(),
  paidAt: isoTimeSchema.optional(),
  /** Taobao's timeout_action_time: when the platform acts on its own (auto-confirm, auto-close). */
  timeoutActionAt: isoTimeSchema.optional(),
});

const refundUpdatedPayload = z.object({
  orderId: platformIdSchema,
  refundId: platformIdSchema,
  lineId: platformIdSchema.optional(),
  status: refundStatusSchema,
  kind: z.enum(refundKinds),
  phase: z.enum(refundPhases).optional(),
  amount: moneySchema.optional(),
  buyer: buyerSchema.optional(),
  reason: z.string().max(512).optional(),
  /** The platform's deadline for the current refund step (Taobao refund_remind_timeout), when it gave one. */
  deadline: z.object({ at: isoTimeSchema, remindType: z.string().max(64).optional() }).optional(),
});

const logisticsUpdatedPayload = z.object({
  orderId: platformIdSchema,
  /** The tracking number (Taobao out_sid); one order may ship in several parcels. */
  parcelId: platformIdSchema,
  carrier: z.string().max(64).optional(),
  action: z.enum(logisticsActions),
  platformAction: z.string().max(64).optional(),
  description: z.string().max(512).optional(),
  at: isoTimeSchema,
});

const orderRatedPayload = z.object({
  orderId: platformIdSchema,
  rater: z.enum(['buyer', 'seller', 'unknown']),
  /** The rating given, when the platform says (Taobao traderate `result`): a low one starts review repair. */
  result: z.enum(['good', 'neutral', 'bad']).optional(),
  /** The score given, on platforms that rate 1-5 (Douyin, JD shop ratings); QC samples low ones (issue 9). */
  score: z.number().int().min(1).max(5).optional(),
});

/** Taobao's TradeTimeoutRemind and the like: a nudge for outreach, not order state. */
const orderRemindedPayload = z.object({
  orderId: platformIdSchema,
  remindType: z.string().max(64).optional(),
});

const envelopeBase = {
  platform: platformSchema,
  shopId: idSchema,
  /** The platform's message id (TMC id, Douyin Msg-Id, X-Shopify-Event-Id): the dedupe key with `platform`. */
  messageId: z.string().min(1).max(256),
  /** The platform's topic as received, e.g. `taobao_trade_TradeBuyerPay`. */
  sourceTopic: z.string().min(1).max(128),
  occurredAt: isoTimeSchema,
  /**
   * Orders the events of one versioned thing (an order, one refund): epoch milliseconds of the platform's
   * modified / refund_version / pub_time / updated_at. Only a newer version moves the current state.
   */
  businessVersion: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
};

export const envelopeSchema = z.discriminatedUnion('topic', [
  z.object({ ...envelopeBase, topic: z.literal('order.updated'), payload: orderUpdatedPayload }),
  z.object({ ...envelopeBase, topic: z.literal('refund.updated'), payload: refundUpdatedPayload }),
  z.object({ ...envelopeBase, topic: z.literal('logistics.updated'), payload: logisticsUpdatedPayload }),
  z.object({ ...envelopeBase, topic: z.literal('order.rated'), payload: orderRatedPayload }),
  z.object({ ...envelopeBase, topic: z.literal('order.reminded'), payload: orderRemindedPayload }),
]);
export type Envelope = z.infer<typeof envelopeSchema>;
export type Topic = Envelope['topic'];
export type EnvelopeOf<T extends Topic> = Extract<Envelope, { topic: T }>;
export type OrderUpdated = z.infer<typeof orderUpdatedPayload>;
export type RefundUpdated = z.infer<typeof refundUpdatedPayload>;
export type LogisticsUpdated = z.infer<typeof logisticsUpdatedPayload>;
