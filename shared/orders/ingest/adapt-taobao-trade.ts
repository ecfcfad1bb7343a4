import { z } from 'zod';
import type { RefundStatus } from '../envelope';
import { parseDecimalMoney } from '../money';
import { billTypes, remindTimeoutOf, tradeStatuses } from './adapt-taobao-message';
import { fieldRejection, reject, toEnvelope, type IngestResult } from './ingest-result';
import { lookupTable } from './lookup-table';
import { chinaTimeToEpochMs, toIso } from './platform-time';

/**
 * A Taobao order as its order API returns it (taobao.trade.fullinfo.get / trades.sold.increment.get, with
 * its refunds from taobao.refund.get) → envelopes, for the reconciliation sweep (issue 7 §1). The versions
 * are the API's own (`modified`, `refund_version`), so a read and the events it overlaps compare in the same
 * space; the message ids are derived from the order (or refund) and its version, so reading the same
 * window twice produces the same messages, which the consumer's dedupe drops (reliability row 25).
 */
const apiId = z.union([z.string(), z.number().int().nonnegative()]).transform(String).pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a platform id'));

const tradeSchema = z.looseObject({
  tid: apiId,
  status: z.string(),
  modified: z.string(),
  created: z.string().optional(),
  pay_time: z.string().optional(),
  payment: z.string().optional(),
  buyer_open_uid: z.string().max(128).optional(),
  buyer_nick: z.string().max(128).optional(),
  orders: z.array(z.looseObject({ oid: apiId, title: z.string().max(256).optional(), num: z.number().int().positive(), price: z.string().optional() })).max(500).optional(),
  refunds: z
    .array(
      z.looseObject({
        refund_id: apiId,
        oid: apiId.optional(),
        status: z.string(),
        bill_type: z.string(),
        refund_fee: z.string().optional(),
        refund_version: z.union([z.string(), z.number()]).optional(),
        modified: z.string().optional(),
        refund_remind_timeout: z.unknown().optional(),
      }),
    )
    .max(100)
    .optional(),
});

/** taobao.refund.get `status` → kefu's refund status. */
const refundApiStatuses: Readonly<Record<string, RefundStatus>> = lookupTable({
  WAIT_SELLER_AGREE: 'requested',
  WAIT_BUYER_RETURN_GOODS: 'waiting-return',
  WAIT_SELLER_CONFIRM_GOODS: 'returned',
  SELLER_REFUSE_BUYER: 'refused',
  CLOSED: 'closed',
  SUCCESS: 'succeeded',
});

export const reconciliationTopics = { trade: 'taobao.trade.fullinfo.get', refund: 'taobao.refund.get' } as const;

export function adaptTaobaoTrade(trade: unknown, shopId: string, readAt: Date): IngestResult[] {
  const parsed = tradeSchema.safeParse(trade);
  if (!parsed.success) return [fieldRejection(parsed.error, 'trade')];
  const t = parsed.data;
  const version = chinaTimeToEpochMs(t.modified);
  if (version === undefined) return [reject('INVALID_FIELD', 'trade.modified: not a time', { field: 'trade.modified' })];
  const status = tradeStatuses[t.status];
  if (!status) return [reject('INVALID_FIELD', `trade.status: unknown trade status ${t.status}`, { field: 'trade.status' })];
  const total = t.payment === undefined ? undefined : parseDecimalMoney(t.payment, 'CNY');
  const lines = t.orders?.map((line) => {
    const price = line.price === undefined ? undefined : parseDecimalMoney(line.price, 'CNY');
    return { lineId: line.oid, quantity: line.num, ...(line.title ? { title: line.title } : {}), ...(price ? { price } : {}) };
  });
  const created = chinaTimeToEpochMs(t.created);
  const paid = chinaTimeToEpochMs(t.pay_time);
  const buyer = t.buyer_open_uid ? { buyerId: t.buyer_open_uid, ...(t.buyer_nick ? { nick: t.buyer_nick } : {}) } : undefined;
  const occurredAt = readAt.toISOString();
  const results: IngestResult[] = [
    toEnvelope(
      {
        platform: 'taobao',
        shopId,
        messageId: `recon:trade:${t.tid}:${version}`,
        sourceTopic: reconciliationTopics.trade,
        topic: 'order.updated',
        occurredAt,
        businessVersion: version,
        payload: {
          orderId: t.tid,
          status,
          platformStatus: t.status,
          ...(buyer ? { buyer } : {}),
          ...(lines ? { lines } : {}),
          ...(total ? { total } : {}),
          ...(created ? { createdAt: toIso(created) } : {}),
          ...(paid ? { paidAt: toIso(paid) } : {}),
        },
      },
      'trade',
    ),
  ];
  for (const [index, refund] of (t.refunds ?? []).entries()) {
    const field = `trade.refunds.${index}`;
    const refundVersion = chinaTimeToEpochMs(refund.refund_version) ?? chinaTimeToEpochMs(refund.modified);
    const refundStatus = refundApiStatuses[refund.status];
    const kind = billTypes[refund.bill_type];
    if (refundVersion === undefined) {
      results.push(reject('INVALID_FIELD', `${field}.refund_version: not a time`, { field: `${field}.refund_version` }));
      continue;
    }
    if (!refundStatus || !kind) {
      results.push(reject('INVALID_FIELD', `${field}: unknown status or bill type`, { field: refundStatus ? `${field}.bill_type` : `${field}.status` }));
      continue;
    }
    const amount = refund.refund_fee === undefined ? undefined : parseDecimalMoney(refund.refund_fee, 'CNY');
    const deadline = remindTimeoutOf(refund.refund_remind_timeout);
    results.push(
      toEnvelope(
        {
          platform: 'taobao',
          shopId,
          messageId: `recon:refund:${refund.refund_id}:${refundVersion}`,
          sourceTopic: reconciliationTopics.refund,
          topic: 'refund.updated',
          occurredAt,
          businessVersion: refundVersion,
          payload: {
            orderId: t.tid,
            refundId: refund.refund_id,
            status: refundStatus,
            kind,
            ...(refund.oid ? { lineId: refund.oid } : {}),
            ...(amount ? { amount } : {}),
            ...(buyer ? { buyer } : {}),
            ...(deadline ? { deadline: { at: toIso(deadline.at), ...(deadline.remindType ? { remindType: deadline.remindType } : {}) } } : {}),
          },
        },
        field,
      ),
    );
  }
  return results;
}
