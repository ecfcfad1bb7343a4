import { z } from 'zod';
import type { LogisticsAction, OrderStatus, RefundStatus } from '../envelope';
import { parseDecimalMoney } from '../money';
import { lookupTable } from './lookup-table';
import { fieldRejection, parseJson, reject, toEnvelope, type IngestResult } from './ingest-result';
import type { Headers } from './signature';
import { isoToEpochMs, toIso } from './platform-time';

/**
 * Shopify-style webhook → envelope. Dedupe on `X-Shopify-Event-Id` (the same value across subscriptions
 * means the same event), falling back to `X-Shopify-Webhook-Id`; the order's `updated_at` versions order
 * topics; `X-Shopify-Triggered-At` dates the rest (platforms.md §1.2).
 */
export const shopifyHeaders = {
  topic: 'x-shopify-topic',
  eventId: 'x-shopify-event-id',
  webhookId: 'x-shopify-webhook-id',
  triggeredAt: 'x-shopify-triggered-at',
} as const;

const numericId = z.union([z.string(), z.number().int().nonnegative()]).transform(String).pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id'));
const isoTime = z.string().refine((value) => isoToEpochMs(value) !== undefined, 'must be an ISO time with an offset');

const orderSchema = z.looseObject({
  id: numericId,
  updated_at: isoTime,
  created_at: isoTime.optional(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  financial_status: z.string().nullish(),
  fulfillment_status: z.string().nullish(),
  cancelled_at: z.string().nullish(),
  closed_at: z.string().nullish(),
  total_price: z.string().optional(),
  customer: z.looseObject({ id: numericId }).nullish(),
  line_items: z
    .array(z.looseObject({ id: numericId, title: z.string().max(256).optional(), quantity: z.number().int().positive(), price: z.string().optional(), sku: z.string().nullish() }))
    .max(500)
    .optional(),
});

const refundSchema = z.looseObject({ id: numericId, order_id: numericId, created_at: isoTime, note: z.string().nullish() });
const returnSchema = z.looseObject({ id: numericId, order: z.looseObject({ id: numericId }) });
const fulfillmentEventSchema = z.looseObject({ id: numericId, order_id: numericId, fulfillment_id: numericId, status: z.string(), happened_at: isoTime.nullish(), message: z.string().nullish() });

const orderTopics = new Set(['orders/create', 'orders/updated', 'orders/paid', 'orders/fulfilled', 'orders/partially_fulfilled', 'orders/cancelled']);
const returnTopics: Readonly<Record<string, RefundStatus>> = lookupTable({
  'returns/request': 'requested',
  'returns/approve': 'waiting-return',
  'returns/decline': 'refused',
  'returns/close': 'succeeded',
  'returns/cancel': 'closed',
});
const fulfillmentStatuses: Readonly<Record<string, LogisticsAction>> = lookupTable({
  label_printed: 'created',
  label_purchased: 'created',
  confirmed: 'consigned',
  picked_up: 'collected',
  in_transit: 'in-transit',
  ready_for_pickup: 'out-for-delivery',
  out_for_delivery: 'out-for-delivery',
  attempted_delivery: 'out-for-delivery',
  delivered: 'signed',
  failure: 'failed',
});

/** Shopify has no single status: derive kefu's from the money and fulfilment states. */
function orderStatusOf(order: z.infer<typeof orderSchema>): OrderStatus {
  const paidBefore = ['paid', 'partially_refunded', 'refunded'].includes(order.financial_status ?? '');
  if (order.cancelled_at) return paidBefore ? 'closed' : 'cancelled';
  if (order.fulfillment_status === 'fulfilled') return order.closed_at ? 'finished' : 'shipped';
  if (order.fulfillment_status === 'partial') return 'partly-shipped';
  if (paidBefore) return 'paid';
  return 'created';
}

export function adaptShopifyWebhook(rawBody: Uint8Array, headers: Headers, shopId: string): IngestResult {
  const messageId = headers[shopifyHeaders.eventId] ?? headers[shopifyHeaders.webhookId];
  if (!messageId) return reject('INVALID_FIELD', `headers.${shopifyHeaders.eventId}: required`, { field: `headers.${shopifyHeaders.eventId}` });
  const topic = headers[shopifyHeaders.topic];
  if (!topic) return reject('INVALID_FIELD', `headers.${shopifyHeaders.topic}: required`, { field: `headers.${shopifyHeaders.topic}`, messageId });
  const triggeredAt = isoToEpochMs(headers[shopifyHeaders.triggeredAt]);
  if (triggeredAt === undefined) return reject('INVALID_FIELD', `headers.${shopifyHeaders.triggeredAt}: must be an ISO time`, { field: `headers.${shopifyHeaders.triggeredAt}`, messageId });
  if (!orderTopics.has(topic) && !(topic in returnTopics) && topic !== 'refunds/create' && topic !== 'fulfillment_events/create') {
    return { kind: 'ignored', platform: 'shopify', shopId, messageId, sourceTopic: topic, reason: 'UNKNOWN_TOPIC' };
  }
  const json = parseJson(Buffer.from(rawBody).toString('utf8'), 'body');
  if (!json.ok) return { ...json.rejection, messageId };
  const base = { platform: 'shopify', shopId, messageId, sourceTopic: topic, occurredAt: toIso(triggeredAt) };

  if (orderTopics.has(topic)) {
    const parsed = orderSchema.safeParse(json.value);
    if (!parsed.success) return fieldRejection(parsed.error, 'body', messageId);
    const order = parsed.data;
    const money = (text: string | undefined) => (text === undefined ? undefined : parseDecimalMoney(text, order.currency));
    const total = money(order.total_price);
    if (order.total_price !== undefined && !total) return reject('INVALID_FIELD', 'body.total_price: not an amount', { field: 'body.total_price', messageId });
    const lines = order.line_items?.map((line) => {
      const price = money(line.price);
      return { lineId: line.id, quantity: line.quantity, ...(line.title ? { title: line.title } : {}), ...(line.sku ? { skuId: line.sku } : {}), ...(price ? { price } : {}) };
    });
    return toEnvelope(
      {
        ...base,
        topic: 'order.updated',
        businessVersion: isoToEpochMs(order.updated_at),
        payload: {
          orderId: order.id,
          status: orderStatusOf(order),
          platformStatus: [order.financial_status ?? 'none', order.fulfillment_status ?? 'unfulfilled'].join('/'),
          ...(order.customer ? { buyer: { buyerId: order.customer.id } } : {}),
          ...(lines ? { lines } : {}),
          ...(total ? { total } : {}),
          ...(order.created_at ? { createdAt: toIso(isoToEpochMs(order.created_at)!) } : {}),
        },
      },
      'body',
    );
  }
  if (topic === 'refunds/create') {
    // A Shopify refund is money already returned: it opens and succeeds at once.
    const parsed = refundSchema.safeParse(json.value);
    if (!parsed.success) return fieldRejection(parsed.error, 'body', messageId);
    return toEnvelope(
      { ...base, topic: 'refund.updated', businessVersion: isoToEpochMs(parsed.data.created_at), payload: { orderId: parsed.data.order_id, refundId: parsed.data.id, status: 'succeeded', kind: 'refund-only' } },
      'body',
    );
  }
  if (topic === 'fulfillment_events/create') {
    const parsed = fulfillmentEventSchema.safeParse(json.value);
    if (!parsed.success) return fieldRejection(parsed.error, 'body', messageId);
    const event = parsed.data;
    const at = (event.happened_at && isoToEpochMs(event.happened_at)) || triggeredAt;
    return toEnvelope(
      {
        ...base,
        topic: 'logistics.updated',
        businessVersion: at,
        payload: {
          orderId: event.order_id,
          parcelId: event.fulfillment_id,
          action: fulfillmentStatuses[event.status] ?? 'other',
          platformAction: event.status.slice(0, 64),
          ...(event.message ? { description: event.message.slice(0, 512) } : {}),
          at: toIso(at),
        },
      },
      'body',
    );
  }
  // Returns carry no updated_at: the trigger time versions them.
  const parsed = returnSchema.safeParse(json.value);
  if (!parsed.success) return fieldRejection(parsed.error, 'body', messageId);
  return toEnvelope(
    {
      ...base,
      topic: 'refund.updated',
      businessVersion: triggeredAt,
      payload: { orderId: parsed.data.order.id, refundId: `return-${parsed.data.id}`, status: returnTopics[topic], kind: 'return-and-refund' },
    },
    'body',
  );
}
