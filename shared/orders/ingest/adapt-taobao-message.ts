import { z } from 'zod';
import type { LogisticsAction, OrderStatus, RefundKind, RefundStatus } from '../envelope';
import { parseDecimalMoney } from '../money';
import { lookupTable } from './lookup-table';
import { fieldRejection, parseJson, reject, toEnvelope, type IngestResult } from './ingest-result';
import { chinaTimeToEpochMs, toIso } from './platform-time';

/**
 * Taobao/Tmall message service (TMC) → envelope. TMC is pulled, not pushed: the pull connector (or a relay
 * inside the platform's cloud, through kefu's own format) hands each consumed message here. Topics and
 * fields: shared/platforms.md §1.1. `content` is a JSON string; its ids are 19-digit numbers.
 */

/** An id that arrives as a JSON number or string (unsafe integers are kept as text by parseJson). */
const tmcId = z.union([z.string(), z.number().int().nonnegative()]).transform(String).pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a platform id'));

export const tmcMessageSchema = z.object({
  id: tmcId,
  topic: z.string().min(1).max(128),
  pub_time: z.union([z.string(), z.number()]),
  /** The seller the message is about. */
  user_id: tmcId,
  user_nick: z.string().optional(),
  pub_app_key: z.string().optional(),
  content: z.string().max(256 * 1024),
});
export type TmcMessage = z.input<typeof tmcMessageSchema>;

const TOPIC = {
  trade: 'taobao_trade_',
  refund: 'taobao_refund_',
  logistics: 'taobao_logistics_LogsticDetailTrace',
} as const;

/** Trade `status` strings (platforms.md §1.1) → kefu statuses. */
export const tradeStatuses: Readonly<Record<string, OrderStatus>> = lookupTable({
  TRADE_NO_CREATE_PAY: 'created',
  WAIT_BUYER_PAY: 'created',
  PAY_PENDING: 'created',
  WAIT_PRE_AUTH_CONFIRM: 'created',
  WAIT_SELLER_SEND_GOODS: 'paid',
  SELLER_CONSIGNED_PART: 'partly-shipped',
  WAIT_BUYER_CONFIRM_GOODS: 'shipped',
  TRADE_BUYER_SIGNED: 'signed',
  TRADE_FINISHED: 'finished',
  TRADE_CLOSED: 'closed',
  TRADE_CLOSED_BY_TAOBAO: 'cancelled',
});

/** Trade topics that move the order; `status` in the content wins when present, except for a deposit. */
const tradeTopicStatus: Readonly<Record<string, OrderStatus | undefined>> = lookupTable({
  TradeCreate: 'created',
  TradeBuyerPay: 'paid',
  TradeBuyerStepPay: 'deposit-paid',
  TradeSellerShip: 'shipped',
  TradePartlySellerShip: 'partly-shipped',
  TradeSuccess: 'finished',
  TradeClose: 'closed',
  // Changes that carry the current status; without one they are hints for the reconciliation sweep.
  TradeChanged: undefined,
  TradeModifyFee: undefined,
  TradeLogisticsAddressChanged: undefined,
  TradeDelayConfirmPay: undefined,
});

/** Known trade/refund topics kefu deliberately does not turn into state (recorded as ignored). */
const notModelled = new Set([
  'TradeMemoModified',
  'TradeCloseAndModifyDetailOrder',
  'TradePartlyRefund',
  'TradePartlyConfirmPay',
  'RefundCreateMessage',
]);

const refundTopicStatus: Readonly<Record<string, RefundStatus | ((kind: RefundKind) => RefundStatus)>> = lookupTable({
  RefundCreated: 'requested',
  RefundBuyerModifyAgreement: 'requested',
  RefundSellerAgreeAgreement: (kind) => (kind === 'refund-only' ? 'agreed' : 'waiting-return'),
  RefundSellerRefuseAgreement: 'refused',
  RefundBuyerReturnGoods: 'returned',
  TaobaoInterApplied: 'platform-intervening',
  TaobaoIntervened: 'platform-intervening',
  RefundSuccess: 'succeeded',
  RefundClosed: 'closed',
});

export const billTypes: Readonly<Record<string, RefundKind>> = lookupTable({ refund_bill: 'refund-only', return_bill: 'return-and-refund', replace_bill: 'exchange' });

const logisticsActions: Readonly<Record<string, LogisticsAction>> = lookupTable({
  CREATE: 'created',
  CONSIGN: 'consigned',
  GOT: 'collected',
  ARRIVAL: 'in-transit',
  DEPARTURE: 'in-transit',
  SENT_CITY: 'in-transit',
  TO_EMS: 'in-transit',
  SENT_SCAN: 'out-for-delivery',
  SIGNED: 'signed',
  FAILED: 'failed',
  LOST: 'lost',
  OTHER: 'other',
});

const buyerOf = (content: Record<string, unknown>) => {
  const buyerId = content.buyer_open_uid ?? content.buyer_id;
  if (typeof buyerId !== 'string' && typeof buyerId !== 'number') return undefined;
  const nick = typeof content.buyer_nick === 'string' ? content.buyer_nick : undefined;
  return { buyerId: String(buyerId), ...(nick ? { nick } : {}) };
};

const idOf = (value: unknown): string | undefined => (typeof value === 'string' || typeof value === 'number' ? String(value) : undefined);

/**
 * @param shopOfSeller maps the message's seller (TMC `user_id`) to kefu's shop id; undefined = not a shop
 * of this deployment, which is rejected (UNKNOWN_SHOP), never guessed.
 */
export function adaptTaobaoMessage(message: unknown, shopOfSeller: (sellerId: string) => string | undefined): IngestResult {
  const parsed = tmcMessageSchema.safeParse(message);
  if (!parsed.success) return fieldRejection(parsed.error, 'message');
  const tmc = parsed.data;
  const messageId = tmc.id;
  const shopId = shopOfSeller(tmc.user_id);
  if (!shopId) return reject('UNKNOWN_SHOP', `seller ${tmc.user_id} is not a shop here`, { field: 'message.user_id', messageId });

  const pubTime = chinaTimeToEpochMs(tmc.pub_time);
  if (pubTime === undefined) return reject('INVALID_FIELD', 'message.pub_time: not a time', { field: 'message.pub_time', messageId });

  const ignored = (reason: 'UNKNOWN_TOPIC' | 'NOT_MODELLED'): IngestResult => ({
    kind: 'ignored',
    platform: 'taobao',
    shopId,
    messageId,
    sourceTopic: tmc.topic,
    reason,
  });
  const family = familyOf(tmc.topic);
  if (!family) return ignored('UNKNOWN_TOPIC');
  if (notModelled.has(family.name)) return ignored('NOT_MODELLED');

  const json = parseJson(tmc.content, 'message.content');
  if (!json.ok) return { ...json.rejection, messageId };
  if (typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) {
    return reject('INVALID_FIELD', 'message.content: must be a JSON object', { field: 'message.content', messageId });
  }
  const content = json.value as Record<string, unknown>;
  const base = { platform: 'taobao', shopId, messageId, sourceTopic: tmc.topic, occurredAt: toIso(pubTime) };
  const missing = (name: string) => reject('INVALID_FIELD', `message.content.${name}: required`, { field: `message.content.${name}`, messageId });

  const orderId = idOf(content.tid);
  if (!orderId) return missing('tid');
  const buyer = buyerOf(content);

  if (family.kind === 'trade') {
    if (!(family.name in tradeTopicStatus) && family.name !== 'TradeRated' && family.name !== 'TradeTimeoutRemind') return ignored('UNKNOWN_TOPIC');
    // modified is the order's own change time; pub_time is when TMC published it. Either orders this order's events.
    const version = chinaTimeToEpochMs(content.modified) ?? pubTime;
    if (family.name === 'TradeRated') {
      const rater = content.rater === 'buyer' || content.rater === 'seller' ? content.rater : 'unknown';
      // Taobao's rate result (good / neutral / bad) when the relay or message carries it: review repair (issue 8).
      const result = content.result === 'good' || content.result === 'neutral' || content.result === 'bad' ? content.result : undefined;
      return toEnvelope({ ...base, topic: 'order.rated', businessVersion: version, payload: { orderId, rater, ...(result ? { result } : {}) } }, 'message.content');
    }
    if (family.name === 'TradeTimeoutRemind') {
      return toEnvelope({ ...base, topic: 'order.reminded', businessVersion: version, payload: { orderId } }, 'message.content');
    }
    const platformStatus = typeof content.status === 'string' ? content.status : undefined;
    if (platformStatus !== undefined && !(platformStatus in tradeStatuses)) {
      return reject('INVALID_FIELD', `message.content.status: unknown trade status ${platformStatus}`, { field: 'message.content.status', messageId });
    }
    const status = family.name === 'TradeBuyerStepPay' ? 'deposit-paid' : (platformStatus ? tradeStatuses[platformStatus] : tradeTopicStatus[family.name]);
    if (!status) return ignored('NOT_MODELLED');
    const total = content.payment === undefined ? undefined : parseDecimalMoney(content.payment, 'CNY');
    if (content.payment !== undefined && !total) return reject('INVALID_FIELD', 'message.content.payment: not an amount', { field: 'message.content.payment', messageId });
    return toEnvelope(
      {
        ...base,
        topic: 'order.updated',
        businessVersion: version,
        payload: { orderId, status, ...(platformStatus ? { platformStatus } : {}), ...(buyer ? { buyer } : {}), ...(total ? { total } : {}) },
      },
      'message.content',
    );
  }

  if (family.kind === 'refund') {
    const statusRule = refundTopicStatus[family.name];
    if (!statusRule) return ignored('UNKNOWN_TOPIC');
    const refundId = idOf(content.refund_id);
    if (!refundId) return missing('refund_id');
    const kind = typeof content.bill_type === 'string' ? billTypes[content.bill_type] : undefined;
    if (!kind) return reject('INVALID_FIELD', 'message.content.bill_type: must be refund_bill, return_bill or replace_bill', { field: 'message.content.bill_type', messageId });
    const amount = content.refund_fee === undefined ? undefined : parseDecimalMoney(content.refund_fee, 'CNY');
    if (content.refund_fee !== undefined && !amount) return reject('INVALID_FIELD', 'message.content.refund_fee: not an amount', { field: 'message.content.refund_fee', messageId });
    const phase = content.refund_phase === 'onsale' ? 'on-sale' : content.refund_phase === 'aftersale' ? 'after-sale' : undefined;
    const lineId = idOf(content.oid);
    // refund_version (from the refund API, forwarded by a relay) is the platform's own version; else modified.
    const version = chinaTimeToEpochMs(content.refund_version) ?? chinaTimeToEpochMs(content.modified) ?? pubTime;
    const deadlineMs = remindTimeoutOf(content.refund_remind_timeout);
    return toEnvelope(
      {
        ...base,
        topic: 'refund.updated',
        businessVersion: version,
        payload: {
          orderId,
          refundId,
          status: typeof statusRule === 'function' ? statusRule(kind) : statusRule,
          kind,
          ...(lineId ? { lineId } : {}),
          ...(phase ? { phase } : {}),
          ...(amount ? { amount } : {}),
          ...(buyer ? { buyer } : {}),
          ...(deadlineMs ? { deadline: { at: toIso(deadlineMs.at), ...(deadlineMs.remindType ? { remindType: deadlineMs.remindType } : {}) } } : {}),
        },
      },
      'message.content',
    );
  }

  const parcelId = idOf(content.out_sid);
  if (!parcelId) return missing('out_sid');
  const platformAction = typeof content.action === 'string' ? content.action : '';
  const at = chinaTimeToEpochMs(content.time) ?? pubTime;
  return toEnvelope(
    {
      ...base,
      topic: 'logistics.updated',
      businessVersion: at,
      payload: {
        orderId,
        parcelId,
        action: logisticsActions[platformAction] ?? 'other',
        ...(platformAction ? { platformAction } : {}),
        ...(typeof content.company_name === 'string' ? { carrier: content.company_name } : {}),
        ...(typeof content.desc === 'string' ? { description: content.desc.slice(0, 512) } : {}),
        at: toIso(at),
      },
    },
    'message.content',
  );
}

function familyOf(topic: string): { kind: 'trade' | 'refund' | 'logistics'; name: string } | undefined {
  if (topic === TOPIC.logistics) return { kind: 'logistics', name: topic };
  if (topic.startsWith(TOPIC.trade)) return { kind: 'trade', name: topic.slice(TOPIC.trade.length) };
  if (topic.startsWith(TOPIC.refund)) return { kind: 'refund', name: topic.slice(TOPIC.refund.length) };
  return undefined;
}

/** refund_remind_timeout {remind_type, exist_timeout, timeout}: only a deadline when exist_timeout is true. */
export function remindTimeoutOf(value: unknown): { at: number; remindType?: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { exist_timeout: exists, timeout, remind_type: remindType } = value as Record<string, unknown>;
  if (exists !== true && exists !== 'true') return undefined;
  const at = chinaTimeToEpochMs(timeout);
  return at === undefined ? undefined : { at, ...(remindType !== undefined ? { remindType: String(remindType) } : {}) };
}
