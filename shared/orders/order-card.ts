import { z } from 'zod';
import { buyerSchema, isoTimeSchema, logisticsActions, moneySchema, orderLineSchema, orderStatusSchema, platformIdSchema, refundKinds, refundStatusSchema } from './envelope';
import { lastActivityMs } from './stage-of';
import { latestLogistics, type OrderState } from './order';

/**
 * What an agent sees of a buyer's order (issue 7 §2): status, items, amounts, where the parcels are,
 * refunds. Built only from what the platform sent, so it is never more than the platform gave and is
 * masked as the platform masks it (Taobao's nick arrives masked and the open uid is app-scoped).
 */
export const orderCardSchema = z.object({
  orderId: platformIdSchema,
  status: orderStatusSchema.optional(),
  platformStatus: z.string().optional(),
  buyer: buyerSchema.optional(),
  lines: z.array(orderLineSchema),
  total: moneySchema.optional(),
  createdAt: isoTimeSchema.optional(),
  lastActivityAt: isoTimeSchema.optional(),
  parcels: z.array(z.object({ parcelId: platformIdSchema, carrier: z.string().optional(), action: z.enum(logisticsActions), at: isoTimeSchema, description: z.string().optional() })),
  refunds: z.array(z.object({ refundId: platformIdSchema, status: refundStatusSchema, kind: z.enum(refundKinds), amount: moneySchema.optional(), deadlineAt: isoTimeSchema.optional() })),
});
export type OrderCard = z.infer<typeof orderCardSchema>;

export function orderCard(order: OrderState): OrderCard {
  const activity = lastActivityMs(order);
  return {
    orderId: order.orderId,
    ...(order.status ? { status: order.status.value.status } : {}),
    ...(order.status?.value.platformStatus ? { platformStatus: order.status.value.platformStatus } : {}),
    ...(order.buyer ? { buyer: order.buyer.value } : {}),
    lines: order.lines?.value ?? [],
    ...(order.total ? { total: order.total.value } : {}),
    ...(order.createdAt ? { createdAt: order.createdAt.value } : {}),
    ...(activity > 0 ? { lastActivityAt: new Date(activity).toISOString() } : {}),
    parcels: latestLogistics(order).map(({ parcelId, action, at }) => {
      const parcel = order.parcels[parcelId]!;
      const description = parcel.events.at(-1)?.description;
      return { parcelId, action, at, ...(parcel.carrier ? { carrier: parcel.carrier.value } : {}), ...(description ? { description } : {}) };
    }),
    refunds: Object.values(order.refunds).map(({ current: { value } }) => ({
      refundId: value.refundId,
      status: value.status,
      kind: value.kind,
      ...(value.amount ? { amount: value.amount } : {}),
      ...(value.deadline ? { deadlineAt: value.deadline.at } : {}),
    })),
  };
}

/** A buyer's most recently active orders at a shop, newest first, as cards (the card shows a handful). */
export function recentOrderCards(orders: readonly OrderState[], limit = 5): OrderCard[] {
  return [...orders]
    .sort((a, b) => lastActivityMs(b) - lastActivityMs(a) || (a.orderId < b.orderId ? -1 : 1))
    .slice(0, limit)
    .map(orderCard);
}
