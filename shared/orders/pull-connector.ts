import { adaptTaobaoMessage } from './ingest/adapt-taobao-message';
import type { OrderEventMessage } from './order-event-message';
import { sortResults, type OrderEventLogEntry } from './order-event-log';

/**
 * The Taobao-style pull connector (issue 7 §1): consume a batch from the platform's message service, adapt
 * each message, put the accepted ones on the orders queue, record the ignored and rejected ones, and
 * confirm ONLY the ids that are now safely kept (queued or recorded). Anything else stays unconfirmed, and
 * the platform hands it out again minutes later (at least once); if the function dies between the enqueue
 * and the confirm, the redelivered message is enqueued a second time and the consumer's dedupe claim
 * (platform + messageId) makes that a duplicate. Nothing is confirmed before its enqueue returned.
 */
export interface PullShop {
  tenantId: string;
  shopId: string;
  /** The seller id TMC messages carry in `user_id`. */
  platformShopId: string;
}

export interface PullDependencies {
  consume(quantity: number): Promise<unknown[]>;
  confirm(ids: readonly string[]): Promise<void>;
  send(messages: readonly OrderEventMessage[]): Promise<{ sent: string[]; failed: string[] }>;
  record(entries: readonly OrderEventLogEntry[]): Promise<void>;
}

export interface PullResult {
  consumed: number;
  enqueued: number;
  setAside: number;
  confirmed: number;
  /** Left for the platform to hand out again: the enqueue or the record failed. */
  unconfirmed: number;
}

/** TMC hands out 10–200 messages a call. */
export const pullBatchSize = 100;

export async function pullOnce(shop: PullShop, deps: PullDependencies, now: Date, batchSize = pullBatchSize): Promise<PullResult> {
  const consumed = await deps.consume(batchSize);
  if (consumed.length === 0) return { consumed: 0, enqueued: 0, setAside: 0, confirmed: 0, unconfirmed: 0 };
  const results = consumed.map((message) => adaptTaobaoMessage(message, (sellerId) => (sellerId === shop.platformShopId ? shop.shopId : undefined)));
  const { messages, logEntries } = sortResults(results, { ...shop, platform: 'taobao', via: 'pull', receivedAt: now.toISOString() });

  const { sent } = messages.length > 0 ? await deps.send(messages) : { sent: [] };
  let recorded: string[] = [];
  if (logEntries.length > 0) {
    try {
      await deps.record(logEntries);
      recorded = logEntries.flatMap((entry) => (entry.messageId ? [entry.messageId] : []));
    } catch {
      // Not recorded, so not confirmed: the platform hands them out again and the next run records them.
    }
  }
  const kept = new Set([...sent, ...recorded]);
  const toConfirm = consumed.flatMap((message) => {
    const id = messageIdOf(message);
    return id !== undefined && kept.has(id) ? [id] : [];
  });
  await deps.confirm(toConfirm);
  return { consumed: consumed.length, enqueued: sent.length, setAside: recorded.length, confirmed: toConfirm.length, unconfirmed: consumed.length - toConfirm.length };
}

/**
 * Pulls a shop until its queue is drained (a batch came back short), the run's time is up, or a batch
 * could keep nothing (the queue or the table is failing: the next run tries again).
 */
export async function pullShop(shop: PullShop, deps: PullDependencies, options: { deadline: number; now?: () => Date; batchSize?: number }): Promise<PullResult> {
  const total: PullResult = { consumed: 0, enqueued: 0, setAside: 0, confirmed: 0, unconfirmed: 0 };
  const batchSize = options.batchSize ?? pullBatchSize;
  while (Date.now() < options.deadline) {
    const result = await pullOnce(shop, deps, options.now?.() ?? new Date(), batchSize);
    for (const key of Object.keys(total) as (keyof PullResult)[]) total[key] += result[key];
    if (result.consumed < batchSize || result.confirmed === 0) break;
  }
  return total;
}

/** TMC ids arrive as numbers or strings; unsafe integers are compared as their text. */
function messageIdOf(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const id = (message as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
