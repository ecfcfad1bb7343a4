import { getResponsePolicy } from '../store/response-policies';
import { getConversation } from '../store/conversations';
import { kefuBuyerOf } from '../store/buyer-links';
import {
  endOnlineSession,
  getAttributionRule,
  getOnlineSession,
  listReceptionsOfBuyer,
  localHour,
  putOnlineSession,
  putLowRating,
  putOrderFact,
  putReception,
  startRecompute,
  writeFactTransaction,
} from '../store/kpi-aggregates';
import { sendRecomputeJobs } from '../notify/job-queues';
import { env } from '../runtime/env';
import { maxTransactionItems, planFact, planTransactions, type PlannedFact } from './fact-batches';
import { defaultResponsePolicy } from '../service-clock/policy';
import { attributeOrder, type OrderFact, type ReceptionFact } from './attribute';
import { defaultAttributionRule, liveVersionsOf, maxInquiryWindowDays, monthsBack, recomputeMonths, type AttributionRuleSettings } from './attribution-rule';
import { attributionFacts, extractEffects, receptionFacts, type CountFact, type ItemChange, type KpiEffect } from './facts';

/**
 * The aggregator (docs/kpi-design.md §4): applies a stream batch's KPI effects. Every counter update
 * belongs to a claimed fact written in the same transaction, so a batch may run again (retried from a
 * record, bisected, replayed) without counting anything twice; stored facts are keyed puts.
 */

export interface TouchedShop {
  tenantId: string;
  shopId: string;
}

const zoneCache = new Map<string, { zone: string; until: number }>();
/** The shop's zone (its response policy's; Asia/Shanghai by default), cached a minute per container. */
export async function shopTimeZone(tenantId: string, shopId: string): Promise<string> {
  const id = `${tenantId}#${shopId}`;
  const cached = zoneCache.get(id);
  if (cached && cached.until > Date.now()) return cached.zone;
  const zone = (await getResponsePolicy(tenantId, shopId))?.policy.timeZone ?? defaultResponsePolicy.timeZone;
  zoneCache.set(id, { zone, until: Date.now() + 60_000 });
  return zone;
}

export const aggregateDependencies = {
  shopTimeZone,
  writeFactTransaction,
  getConversation,
  kefuBuyerOf,
  getAttributionRule,
  listReceptionsOfBuyer,
  putReception,
  putOrderFact,
  putLowRating,
  startRecompute,
  sendRecomputeJobs,
  putOnlineSession,
  getOnlineSession,
  endOnlineSession,
  /** How facts are grouped into transactions: the batch's together (merged), or one each (`per-fact`, the bench's comparison). */
  transactionPlan: (): { merge: boolean; maxItems: number } => ({ merge: env().KPI_FACT_BATCHING !== 'per-fact', maxItems: maxTransactionItems }),
};
export type AggregateDependencies = typeof aggregateDependencies;

const dayMs = 86_400_000;

async function dayOfShop(tenantId: string, shopId: string, deps: Pick<AggregateDependencies, 'shopTimeZone'>): Promise<(at: string) => string> {
  const zone = await deps.shopTimeZone(tenantId, shopId);
  return (at) => localHour(at, zone).day;
}

/**
 * When a buyer's receptions can matter to their orders under any rule: from the widest inquiry window
 * before the earliest order to the latest placement or payment. One order when it arrives; a buyer's
 * orders of a recompute page together (shared/kpi/recompute-attribution.ts).
 */
export function receptionSpanOf(orders: readonly Pick<OrderFact, 'placedAt' | 'paidAt'>[]): { from: string; to: string } {
  const first = orders.map((o) => o.placedAt ?? o.paidAt!).sort()[0]!;
  const last = orders.flatMap((o) => [o.placedAt, o.paidAt].filter((at): at is string => at !== undefined)).sort().at(-1)!;
  return { from: new Date(Date.parse(first) - maxInquiryWindowDays * dayMs).toISOString(), to: last };
}

/** The buyer's receptions that can matter to an order under any rule (the widest window before it). */
function receptionsFor(tenantId: string, order: OrderFact, deps: Pick<AggregateDependencies, 'listReceptionsOfBuyer'>): Promise<ReceptionFact[]> {
  const { from, to } = receptionSpanOf([order]);
  return deps.listReceptionsOfBuyer(tenantId, order.shopId, order.buyerId, from, to);
}

/** One order's count facts under the given rule versions. */
export async function attributionFactsOf(
  tenantId: string,
  order: OrderFact,
  versions: { version: number; settings: AttributionRuleSettings }[],
  deps: Pick<AggregateDependencies, 'shopTimeZone' | 'listReceptionsOfBuyer'>,
  receptions?: ReceptionFact[],
): Promise<CountFact[]> {
  const candidates = receptions ?? (await receptionsFor(tenantId, order, deps));
  const dayOf = await dayOfShop(tenantId, order.shopId, deps);
  return versions.flatMap(({ version, settings }) => {
    const attribution = attributeOrder(order, candidates, settings);
    return attribution ? attributionFacts(tenantId, order, attribution, version, dayOf) : [];
  });
}

/**
 * What one changed item asks for: count facts to write (in the batch's transactions), steps to run once
 * they are written (ending an online session, enqueueing a rule change's recompute), the shops it touches.
 */
interface RecordWork {
  facts: CountFact[];
  afterWrite: (() => Promise<void>)[];
  touched: TouchedShop[];
}

/**
 * A rule change's recompute, enqueued (docs/kpi-design.md §3): the first page of each of its months not
 * started yet. The work runs on the `recompute` queue (RecomputeAttribution), never in this consumer, so
 * a busy shop's months do not hold the shard. A redelivered record enqueues again; the page's progress
 * check drops the copy. A newer version meanwhile: nothing to enqueue.
 */
export async function enqueueAttributionRecompute(tenantId: string, shopId: string, version: number, at: string, deps: Pick<AggregateDependencies, 'startRecompute' | 'sendRecomputeJobs'>): Promise<number> {
  const rule = await deps.startRecompute(tenantId, shopId, version, monthsBack(new Date(at), recomputeMonths));
  if (!rule?.recompute) return 0;
  const months = rule.recompute.months.filter((month) => rule.recomputePages?.[month]?.from === undefined && !rule.recomputePages?.[month]?.done);
  await deps.sendRecomputeJobs(months.map((month) => ({ kind: 'attribution-recompute', tenantId, shopId, version, month, cursor: '' })));
  return months.length;
}

/**
 * Reads what an effect needs and stores the facts later ones read (receptions, orders: keyed puts, so
 * a retried record puts the same items), in record order, so an order sees a reception of the same batch.
 */
async function prepareEffect(effect: KpiEffect, work: RecordWork, deps: AggregateDependencies): Promise<void> {
  switch (effect.kind) {
    case 'count': {
      let fact = effect.fact;
      if (fact.shopId.startsWith('conversation:')) {
        // A message names only its conversation: its shop comes from the head.
        const head = await deps.getConversation(fact.tenantId, fact.shopId.slice('conversation:'.length));
        if (!head) return;
        fact = { ...fact, shopId: head.shopId };
      }
      work.facts.push(fact);
      work.touched.push({ tenantId: fact.tenantId, shopId: fact.shopId });
      return;
    }
    case 'reception': {
      await deps.putReception(effect.tenantId, effect.reception);
      work.facts.push(...receptionFacts(effect.tenantId, effect.reception, await dayOfShop(effect.tenantId, effect.reception.shopId, deps)));
      work.touched.push({ tenantId: effect.tenantId, shopId: effect.reception.shopId });
      return;
    }
    case 'order': {
      const { platformBuyerId, ...rest } = effect.order;
      const buyerId = await deps.kefuBuyerOf(effect.tenantId, rest.shopId, platformBuyerId);
      if (!buyerId) return;
      const order: OrderFact = { ...rest, buyerId };
      await deps.putOrderFact(effect.tenantId, order);
      const rule = (await deps.getAttributionRule(effect.tenantId, order.shopId)) ?? defaultAttributionRule;
      work.facts.push(...(await attributionFactsOf(effect.tenantId, order, liveVersionsOf(rule), deps)));
      work.touched.push({ tenantId: effect.tenantId, shopId: order.shopId });
      return;
    }
    case 'online-start':
      await deps.putOnlineSession(effect.tenantId, effect.agentId, effect.since);
      return;
    case 'online-end': {
      const since = await deps.getOnlineSession(effect.tenantId, effect.agentId);
      if (!since) return;
      const seconds = Math.max(0, Math.round((Date.parse(effect.at) - Date.parse(since)) / 1000));
      // The session counts for each shop the agent serves, at the hour it ended.
      for (const shopId of effect.shopIds) {
        work.facts.push({
          factId: `online#${effect.agentId}#${since}`,
          tenantId: effect.tenantId,
          shopId,
          updates: [
            { at: effect.at, target: { kind: 'agent', agentId: effect.agentId }, counters: { onlineSeconds: seconds } },
            { at: effect.at, target: { kind: 'shop' }, counters: { onlineSeconds: seconds } },
          ],
        });
        work.touched.push({ tenantId: effect.tenantId, shopId });
      }
      // Only once its seconds are written (conditional on `since`: a session started meanwhile stays).
      work.afterWrite.push(() => deps.endOnlineSession(effect.tenantId, effect.agentId, since));
      return;
    }
    case 'low-rating': {
      const { platformBuyerId, ...rest } = effect.rating;
      const buyerId = await deps.kefuBuyerOf(effect.tenantId, rest.shopId, platformBuyerId);
      if (buyerId) await deps.putLowRating(effect.tenantId, { ...rest, buyerId });
      return;
    }
    case 'rule-changed':
      // Only once what came before it is written; a failed enqueue retries the batch from this record.
      work.afterWrite.push(async () => {
        await enqueueAttributionRecompute(effect.tenantId, effect.shopId, effect.version, effect.at, deps);
      });
      return;
  }
}

/** Count facts planned for writing, each with the index of the record it came from. */
export async function planFacts(facts: readonly { fact: CountFact; record: number }[], deps: Pick<AggregateDependencies, 'shopTimeZone'>): Promise<PlannedFact[]> {
  const planned: PlannedFact[] = [];
  for (const { fact, record } of facts) {
    const one = planFact(fact, await deps.shopTimeZone(fact.tenantId, fact.shopId), record);
    if (one) planned.push(one);
  }
  return planned;
}

/**
 * Writes planned facts in record order. Returns the record of the first fact not written when a
 * transaction fails (everything before it is written), or undefined when all are.
 */
export async function writeFacts(planned: readonly PlannedFact[], deps: Pick<AggregateDependencies, 'transactionPlan' | 'writeFactTransaction'>, now: Date): Promise<{ failedAt?: number; error?: unknown }> {
  for (const transaction of planTransactions(planned, deps.transactionPlan())) {
    try {
      await deps.writeFactTransaction(transaction, now);
    } catch (error) {
      return { failedAt: transaction.facts[0]!.record, error };
    }
  }
  return {};
}

export interface BatchOutcome {
  /** The records before this index are applied; a retry starts here. Equal to the batch's length when all are. */
  appliedThrough: number;
  /** The shops whose figures may have changed (for `kpi.updated`). */
  touched: TouchedShop[];
  error?: unknown;
}

/**
 * Applies one stream batch (records of one shard, in order; docs/kpi-design.md §4). Each record's effects
 * are prepared in order (reads; stored facts are keyed puts), then the batch's count facts are written
 * together: claims and merged bucket counters in as few transactions as fit (shared/kpi/fact-batches.ts).
 * A rule change only enqueues its recompute, after the write. When something fails, the outcome says from
 * which record the batch must be retried: everything before it is written; what follows may be partly
 * written, and its claims make the retry skip those facts — so every fact counts once however the batch
 * is redelivered, bisected or replayed.
 */
export async function aggregateBatch(changes: readonly ItemChange[], deps: AggregateDependencies = aggregateDependencies, now: Date = new Date()): Promise<BatchOutcome> {
  const touched: TouchedShop[] = [];
  let pending: { fact: CountFact; record: number }[] = [];
  let pendingWork: { record: number; work: RecordWork }[] = [];
  /** Writes what is pending; returns the record to retry from when that failed. */
  const flush = async (): Promise<{ failedAt?: number; error?: unknown }> => {
    const written = await writeFacts(await planFacts(pending, deps), deps, now);
    const done = pendingWork.filter(({ record }) => written.failedAt === undefined || record < written.failedAt);
    pending = [];
    pendingWork = [];
    for (const { record, work } of done) {
      try {
        for (const step of work.afterWrite) await step();
      } catch (error) {
        return { failedAt: record, error };
      }
      touched.push(...work.touched);
    }
    return written;
  };
  for (let record = 0; record < changes.length; record++) {
    const work: RecordWork = { facts: [], afterWrite: [], touched: [] };
    try {
      for (const effect of extractEffects(changes[record]!)) await prepareEffect(effect, work, deps);
    } catch (error) {
      const written = await flush();
      return { appliedThrough: written.failedAt ?? record, touched, error: written.error ?? error };
    }
    pending.push(...work.facts.map((fact) => ({ fact, record })));
    pendingWork.push({ record, work });
  }
  const written = await flush();
  return { appliedThrough: written.failedAt ?? changes.length, touched, ...(written.error ? { error: written.error } : {}) };
}

