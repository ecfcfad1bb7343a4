import { z } from 'zod';
import type { LogisticsAction, OrderStatus, RefundKind, RefundStatus } from '../envelope';
import { lookupTable } from './lookup-table';
import { fieldRejection, parseJson, reject, toEnvelope, type IngestResult } from './ingest-result';
import type { Headers } from './signature';
import { chinaTimeToEpochMs, toIso } from './platform-time';

/**
 * Douyin-style webhook → envelope. The wrapper is Douyin Open Platform's (`event`, `content` as a JSON
 * string, `log_id`; the `Msg-Id` header for dedupe; platforms.md §1.2). The order event names and content
 * fields below are kefu's Douyin-style set, which the simulator sends: the real 抖店 topic catalogue is not
 * verified (platforms.md §7), so a real integration adds its names to these tables, nothing else.
 */
export const douyinMessageIdHeader = 'msg-id';

const bodySchema = z.object({
  event: z.string().min(1).max(128),
  content: z.union([z.string().max(256 * 1024), z.record(z.string(), z.unknown())]),
  log_id: z.string().max(256).optional(),
});

const orderEvents: Readonly<Record<string, OrderStatus>> = lookupTable({
  'trade.create': 'created',
  'trade.paid': 'paid',
  'trade.shipped': 'shipped',
  'trade.success': 'finished',
  'trade.cancel': 'cancelled',
  'trade.close': 'closed',
});
const refundEvents: Readonly<Record<string, RefundStatus | ((kind: RefundKind) => RefundStatus)>> = lookupTable({
  'refund.create': 'requested',
  'refund.agree': (kind) => (kind === 'refund-only' ? 'agreed' : 'waiting-return'),
  'refund.refuse': 'refused',
  'refund.return_shipped': 'returned',
  'refund.arbitrate': 'platform-intervening',
  'refund.success': 'succeeded',
  'refund.close': 'closed',
});
const refundKinds: Readonly<Record<string, RefundKind>> = lookupTable({ refund: 'refund-only', return: 'return-and-refund', exchange: 'exchange' });
const logisticsStatuses: Readonly<Record<string, LogisticsAction>> = lookupTable({
  collected: 'collected',
  in_transit: 'in-transit',
  delivering: 'out-for-delivery',
  signed: 'signed',
  rejected: 'failed',
  lost: 'lost',
});
/** Douyin Open Platform's own URL-verification event; the handler answers its challenge before ingestion. */
const notModelled = new Set(['verify_webhook']);

const contentSchema = z.looseObject({
  order_id: z.union([z.string(), z.number()]).transform(String),
  update_time: z.union([z.string(), z.number()]),
  buyer_open_id: z.string().max(128).optional(),
  /** Amounts in fen. */
  pay_amount: z.number().int().nonnegative().optional(),
  aftersale_id: z.union([z.string(), z.number()]).transform(String).optional(),
  aftersale_type: z.string().optional(),
  refund_amount: z.number().int().nonnegative().optional(),
  tracking_no: z.string().optional(),
  logistics_status: z.string().optional(),
  company: z.string().max(64).optional(),
});

export function adaptDouyinWebhook(rawBody: Uint8Array, headers: Headers, shopId: string): IngestResult {
  const json = parseJson(Buffer.from(rawBody).toString('utf8'), 'body');
  if (!json.ok) return json.rejection;
  const body = bodySchema.safeParse(json.value);
  if (!body.success) return fieldRejection(body.error, 'body');
  const messageId = headers[douyinMessageIdHeader] ?? body.data.log_id;
  if (!messageId) return reject('INVALID_FIELD', `headers.${douyinMessageIdHeader}: required`, { field: `headers.${douyinMessageIdHeader}` });
  const { event } = body.data;
  const ignored = (reason: 'UNKNOWN_TOPIC' | 'NOT_MODELLED'): IngestResult => ({ kind: 'ignored', platform: 'douyin', shopId, messageId, sourceTopic: event, reason });
  if (notModelled.has(event)) return ignored('NOT_MODELLED');
  if (!(event in orderEvents) && !(event in refundEvents) && event !== 'logistics.trace') return ignored('UNKNOWN_TOPIC');

  let raw: unknown = body.data.content;
  if (typeof raw === 'string') {
    const inner = parseJson(raw, 'body.content');
    if (!inner.ok) return { ...inner.rejection, messageId };
    raw = inner.value;
  }
  const parsed = contentSchema.safeParse(raw);
  if (!parsed.success) return { ...fieldRejection(parsed.error, 'body.content'), messageId };
  const content = parsed.data;
  const version = chinaTimeToEpochMs(content.update_time);
  if (version === undefined) return reject('INVALID_FIELD', 'body.content.update_time: not a time', { field: 'body.content.update_time', messageId });
  const base = { platform: 'douyin', shopId, messageId, sourceTopic: event, occurredAt: toIso(version), businessVersion: version };
  const buyer = content.buyer_open_id ? { buyerId: content.buyer_open_id } : undefined;

  const orderStatus = orderEvents[event];
  if (orderStatus) {
    const total = content.pay_amount === undefined ? undefined : { minor: content.pay_amount, currency: 'CNY' };
    return toEnvelope({ ...base, topic: 'order.updated', payload: { orderId: content.order_id, status: orderStatus, ...(buyer ? { buyer } : {}), ...(total ? { total } : {}) } }, 'body.content');
  }
  const refundRule = refundEvents[event];
  if (refundRule) {
    const kind = content.aftersale_type ? refundKinds[content.aftersale_type] : undefined;
    if (!kind) return reject('INVALID_FIELD', 'body.content.aftersale_type: must be refund, return or exchange', { field: 'body.content.aftersale_type', messageId });
    if (!content.aftersale_id) return reject('INVALID_FIELD', 'body.content.aftersale_id: required', { field: 'body.content.aftersale_id', messageId });
    const amount = content.refund_amount === undefined ? undefined : { minor: content.refund_amount, currency: 'CNY' };
    return toEnvelope(
      {
        ...base,
        topic: 'refund.updated',
        payload: {
          orderId: content.order_id,
          refundId: content.aftersale_id,
          status: typeof refundRule === 'function' ? refundRule(kind) : refundRule,
          kind,
          ...(amount ? { amount } : {}),
          ...(buyer ? { buyer } : {}),
        },
      },
      'body.content',
    );
  }
  if (!content.tracking_no) return reject('INVALID_FIELD', 'body.content.tracking_no: required', { field: 'body.content.tracking_no', messageId });
  const platformAction = content.logistics_status ?? '';
  return toEnvelope(
    {
      ...base,
      topic: 'logistics.updated',
      payload: {
        orderId: content.order_id,
        parcelId: content.tracking_no,
        action: logisticsStatuses[platformAction] ?? 'other',
        ...(platformAction ? { platformAction } : {}),
        ...(content.company ? { carrier: content.company } : {}),
        at: toIso(version),
      },
    },
    'body.content',
  );
}
