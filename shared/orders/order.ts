import { z } from 'zod';
import { idSchema } from '../auth/identity';
import {
  buyerSchema,
  isoTimeSchema,
  logisticsActions,
  moneySchema,
  orderLineSchema,
  orderStatusSchema,
  openRefundStatuses,
  platformIdSchema,
  platformSchema,
  refundKinds,
  refundPhases,
  refundStatusSchema,
  type LogisticsAction,
  type OrderStatus,
  type RefundStatus,
} from './envelope';

/**
 * The order aggregate kefu keeps per tenant + shop + platform order: the platform's view, rebuilt from
 * events that arrive late, twice and out of order (docs/orders-design.md "State and versions").
 *
 * Every part is either a *register* (the value from the greatest (version, rank, messageId) seen) or a
 * *set* of facts kept sorted. Both merges are commutative, associative and idempotent, so any arrival
 * order of the same events, duplicates included, gives the same state; this is what makes
 * applyOrderEvent out-of-order and duplicate safe without locks.
 */

const versionSchema = z.number().int().nonnegative();

/** A last-writer-wins register: `value` came from the greatest (version, rank, messageId) seen. */
const versioned = <T extends z.ZodType>(value: T) =>
  z.object({
    value,
    version: versionSchema,
    /** Breaks ties between equal versions by lifecycle (a later step wins), then by messageId. */
    rank: z.number().int().nonnegative(),
    messageId: z.string(),
    occurredAt: isoTimeSchema,
  });
export type Versioned<T> = { value: T; version: number; rank: number; messageId: string; occurredAt: string };

const historyEntry = <T extends z.ZodType>(status: T) => z.object({ status, version: versionSchema, occurredAt: isoTimeSchema });

export const refundSnapshotSchema = z.object({
  refundId: platformIdSchema,
  lineId: platformIdSchema.optional(),
  status: refundStatusSchema,
  kind: z.enum(refundKinds),
  phase: z.enum(refundPhases).optional(),
  amount: moneySchema.optional(),
  reason: z.string().optional(),
  deadline: z.object({ at: isoTimeSchema, remindType: z.string().optional() }).optional(),
});
export type RefundSnapshot = z.infer<typeof refundSnapshotSchema>;

export const refundStateSchema = z.object({
  current: versioned(refundSnapshotSchema),
  /** Every status this refund was seen in, by version: its timeline. */
  history: z.array(historyEntry(refundStatusSchema)),
});
export type RefundState = z.infer<typeof refundStateSchema>;

export const logisticsFactSchema = z.object({
  action: z.enum(logisticsActions),
  platformAction: z.string().optional(),
  description: z.string().optional(),
  at: isoTimeSchema,
});
export type LogisticsFact = z.infer<typeof logisticsFactSchema>;

export const parcelSchema = z.object({
  carrier: versioned(z.string()).optional(),
  /** Trace events, oldest first; the last is where the parcel is. */
  events: z.array(logisticsFactSchema),
});
export type Parcel = z.infer<typeof parcelSchema>;

export const orderStateSchema = z.object({
  tenantId: idSchema,
  shopId: idSchema,
  platform: platformSchema,
  orderId: platformIdSchema,
  buyer: versioned(buyerSchema).optional(),
  status: versioned(z.object({ status: orderStatusSchema, platformStatus: z.string().optional() })).optional(),
  /** Each detail is its own register: TMC trade messages carry a status and a payment, a full read carries lines. */
  lines: versioned(z.array(orderLineSchema)).optional(),
  total: versioned(moneySchema).optional(),
  shippingFee: versioned(moneySchema).optional(),
  createdAt: versioned(isoTimeSchema).optional(),
  paidAt: versioned(isoTimeSchema).optional(),
  timeoutActionAt: versioned(isoTimeSchema).optional(),
  /** Every status the order was seen in, by version: the status timeline, including late-arriving steps. */
  statusHistory: z.array(historyEntry(orderStatusSchema)),
  refunds: z.record(z.string(), refundStateSchema),
  parcels: z.record(z.string(), parcelSchema),
  ratedBy: z.array(z.enum(['buyer', 'seller', 'unknown'])),
  /** The buyer's rating as the platform reported it (its result and/or 1-5 score): QC's low-rating samples. */
  buyerRating: z.object({ result: z.enum(['good', 'neutral', 'bad']).optional(), score: z.number().int().min(1).max(5).optional(), at: isoTimeSchema }).optional(),
  /** Message ids applied to this order (the store's dedupe record, kept ≥ 7 days, is the first guard). */
  seenMessageIds: z.array(z.string()),
});
export type OrderState = z.infer<typeof orderStateSchema>;

export interface OrderKey {
  tenantId: string;
  shopId: string;
  platform: OrderState['platform'];
  orderId: string;
}

export const newOrderState = ({ tenantId, shopId, platform, orderId }: OrderKey): OrderState => ({
  tenantId,
  shopId,
  platform,
  orderId,
  statusHistory: [],
  refunds: {},
  parcels: {},
  ratedBy: [],
  seenMessageIds: [],
});

/** The order's current status; undefined while only refund or logistics events have arrived. */
export const orderStatusOf = (order: OrderState): OrderStatus | undefined => order.status?.value.status;

export const openRefundsOf = (order: OrderState): RefundSnapshot[] =>
  Object.values(order.refunds)
    .map((refund) => refund.current.value)
    .filter((refund) => openRefundStatuses.has(refund.status as RefundStatus));

/** Where each parcel is now: its newest trace event. */
export const latestLogistics = (order: OrderState): { parcelId: string; action: LogisticsAction; at: string }[] =>
  Object.entries(order.parcels).flatMap(([parcelId, parcel]) => {
    const last = parcel.events.at(-1);
    return last ? [{ parcelId, action: last.action, at: last.at }] : [];
  });

/**
 * Delivered (signed for): the platform says so, or every known parcel's newest event is SIGNED. There is
 * no "delivered" trade topic on Taobao; SIGNED comes as a logistics event (platforms.md §1.1).
 */
export function isSigned(order: OrderState): boolean {
  const status = orderStatusOf(order);
  if (status === 'signed' || status === 'finished') return true;
  const parcels = latestLogistics(order);
  return parcels.length > 0 && parcels.every((parcel) => parcel.action === 'signed');
}

const shippedStatuses: ReadonlySet<OrderStatus> = new Set(['partly-shipped', 'shipped', 'signed', 'finished']);

/** Whether the goods left the seller: refund clocks differ before and after (platforms.md §2). */
export function hasShipped(order: OrderState): boolean {
  const status = orderStatusOf(order);
  if (status !== undefined && shippedStatuses.has(status)) return true;
  return Object.values(order.parcels).some((parcel) => parcel.events.some((event) => event.action !== 'created'));
}
