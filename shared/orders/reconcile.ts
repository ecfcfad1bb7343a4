import { ServiceUnavailableError } from '../http/errors';
import { adaptShopifyWebhook, shopifyHeaders } from './ingest/adapt-shopify-webhook';
import { adaptTaobaoTrade } from './ingest/adapt-taobao-trade';
import type { IngestResult } from './ingest/ingest-result';
import { isoToEpochMs } from './ingest/platform-time';
import type { OrderEventMessage } from './order-event-message';
import { sortResults, type OrderEventLogEntry } from './order-event-log';

/**
 * The reconciliation sweep (issue 7 §1): every 15 minutes, per active shop with an integration, re-read the
 * orders the platform says changed in the window and feed them in as `order.updated` / `refund.updated`
 * envelopes carrying the API's own versions, to repair events that never arrived (Douyin promises no
 * delivery; Shopify gives up after 4 hours). Overlap with events is harmless: the reducer keeps the
 * greatest version. A second run over the same window (Scheduler retrying, two runs overlapping) reads the
 * same orders into the same message ids, which the consumer's dedupe drops (reliability row 25).
 */
export const reconciliationIntervalMinutes = 15;
/** Each window reaches 5 minutes further back than the interval, so a late write at an edge is read twice rather than never. */
export const reconciliationWindowMinutes = 20;

export interface ReconcileShop {
  tenantId: string;
  shopId: string;
  platform: 'taobao' | 'shopify';
}

/** Platforms whose order API has a reader: Taobao's trades (with refunds), Shopify's orders. */
export const reconciledPlatforms: readonly string[] = ['taobao', 'shopify'];

export interface ReconcileDependencies {
  changedTrades(from: Date, to: Date): Promise<unknown[]>;
  send(messages: readonly OrderEventMessage[]): Promise<{ sent: string[]; failed: string[] }>;
  record(entries: readonly OrderEventLogEntry[]): Promise<void>;
}

export interface ReconcileResult {
  orders: number;
  enqueued: number;
  failed: number;
  setAside: number;
}

/** The window a run fired at `scheduledTime` reads: [scheduledTime − 20 min, scheduledTime). */
export function reconciliationWindow(scheduledTime: Date): { from: Date; to: Date } {
  return { from: new Date(scheduledTime.getTime() - reconciliationWindowMinutes * 60_000), to: scheduledTime };
}

export async function reconcileShop(shop: ReconcileShop, window: { from: Date; to: Date }, deps: ReconcileDependencies, now: Date): Promise<ReconcileResult> {
  const trades = await deps.changedTrades(window.from, window.to);
  const results = trades.flatMap((trade) => (shop.platform === 'taobao' ? adaptTaobaoTrade(trade, shop.shopId, now) : [adaptShopifyOrderRead(trade, shop.shopId, now)]));
  const { messages, logEntries } = sortResults(results, { ...shop, via: 'reconciliation', receivedAt: now.toISOString() });
  const { sent, failed } = messages.length > 0 ? await deps.send(messages) : { sent: [], failed: [] };
  if (logEntries.length > 0) await deps.record(logEntries);
  // Not all queued: the shop's run fails, the schedule is retried over the same window (harmless, row 25).
  if (failed.length > 0) throw new ServiceUnavailableError(`${failed.length} reconciled events could not be queued`);
  return { orders: trades.length, enqueued: sent.length, failed: failed.length, setAside: logEntries.length };
}

/**
 * A Shopify order read from its Admin API is the body an `orders/updated` webhook carries: the webhook
 * adapter reads it, with a message id derived from the order and its `updated_at` (the same read twice is
 * the same message). Shopify refunds and returns are not re-read yet.
 */
export function adaptShopifyOrderRead(order: unknown, shopId: string, readAt: Date): IngestResult {
  const record = (typeof order === 'object' && order !== null ? order : {}) as { id?: unknown; updated_at?: unknown };
  const version = isoToEpochMs(record.updated_at);
  return adaptShopifyWebhook(
    Buffer.from(JSON.stringify(order)),
    {
      [shopifyHeaders.topic]: 'orders/updated',
      [shopifyHeaders.eventId]: `recon:order:${String(record.id)}:${version ?? 'unversioned'}`,
      [shopifyHeaders.triggeredAt]: readAt.toISOString(),
    },
    shopId,
  );
}
