import { getResponsePolicy } from '../store/response-policies';
import { getConversation } from '../store/conversations';
import { kefuBuyerOf } from '../store/buyer-links';
import {
  activateRuleVersion,
  endOnlineSession,
  getAttributionRule,
  getOnlineSession,
  listOrderFactsOfMonth,
  listReceptionsOfBuyer,
  localHour,
  putOnlineSession,
  putLowRating,
  putOrderFact,
  putReception,
  writeFactTransaction,
} from '../store/kpi-aggregates';
import { env } from '../runtime/env';
import { maxTransactionItems, planFact, planTransactions, type PlannedFact } from './fact-batches';
import { defaultResponsePolicy } from '../service-clock/policy';
import { attributeOrder, type OrderFact, type ReceptionFact } from './attribute';
import { defaultAttributionRule, liveVersionsOf, maxInquiryWindowDays, type AttributionRuleSettings } from './attribution-rule';
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
  listOrderFactsOfMonth,
  activateRuleVersion,
  putOnlineSession,
  getOnlineSession,
  endOnlineSession,
  /** How facts are grouped into transactions: the batch's together (merged), or one each (`per-fact`, the bench's comparison). */
  transactionPlan: (): { merge: boolean; maxItems: number } => ({ merge: env().KPI_FACT_BATCHING !== 'per-fact', maxItems: maxTransactionItems }),
};
export type AggregateDependencies = typeof aggregateDependencies;

const dayMs = 86_400_000;

async function dayOfShop(tenantId: string, shopId: string, deps: AggregateDependencies): Promise<(at: string) => string> {
  const zone = await deps.shopTimeZone(tenantId, shopId);
  return (at) => localHour(at, zone).day;
}

/** The buyer's receptions that can matter to an order under any rule (the widest window before it). */
function receptionsFor(tenantId: string, order: OrderFact, deps: AggregateDependencies): Promise<ReceptionFact[]> {
  const first = order.placedAt ?? order.paidAt!;
  const last = order.paidAt && order.paidAt > first ? order.paidAt : first;
  const from = new Date(Date.parse(first) - maxInquiryWindowDays * dayMs).toISOString();
  return deps.listReceptionsOfBuyer(tenantId, order.shopId, order.buyerId, from, last);
}

/** One order's count facts under the given rule versions. */
async function attributionFactsOf(
  tenantId: string,
  order: OrderFact,
  versions: { version: number; settings: AttributionRuleSettings }[],
  deps: AggregateDependencies,
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
 * they are written (ending an online session), the shops it touches, and whether the batch must be
 * written before it (a rule change recomputes from stored facts and counts on its own).
 */
interface RecordWork {
  facts: CountFact[];
  afterWrite: (() => Promise<void>)[];
  touched: TouchedShop[];
  recompute?: { tenantId: string; shopId: string; version: number };
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
      work.recompute = { tenantId: effect.tenantId, shopId: effect.shopId, version: effect.version };
      work.touched.push({ tenantId: effect.tenantId, shopId: effect.shopId });
      return;
  }
}

/** Count facts planned for writing, each with the index of the record it came from. */
async function planFacts(facts: readonly { fact: CountFact; record: number }[], deps: AggregateDependencies): Promise<PlannedFact[]> {
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
async function writeFacts(planned: readonly PlannedFact[], deps: AggregateDependencies, now: Date): Promise<{ failedAt?: number; error?: unknown }> {
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
 * A rule change writes what came before it, then recomputes. When something fails, the outcome says from
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
    if (work.recompute) {
      const written = await flush();
      if (written.failedAt !== undefined) return { appliedThrough: written.failedAt, touched, error: written.error };
      try {
        await recomputeAttribution(work.recompute.tenantId, work.recompute.shopId, work.recompute.version, deps, now);
      } catch (error) {
        return { appliedThrough: record, touched, error };
      }
    }
  }
  const written = await flush();
  return { appliedThrough: written.failedAt ?? changes.length, touched, ...(written.error ? { error: written.error } : {}) };
}

/** Months a recompute covers: the current UTC month and the two before (orders older than that are settled). */
export const recomputeMonths = 3;

export function monthsBack(now: Date, count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - index, 1));
    return d.toISOString().slice(0, 7);
  }).reverse();
}

/**
 * After a rule change: attribute every stored order of the shop's last months again under the new
 * version (fact ids carry the version, so a rerun after a crash only adds what is missing), then make
 * the version active. A newer change meanwhile leaves this one inactive.
 */
export async function recomputeAttribution(
  tenantId: string,
  shopId: string,
  version: number,
  deps: AggregateDependencies = aggregateDependencies,
  now: Date = new Date(),
): Promise<{ orders: number; activated: boolean }> {
  const rule = await deps.getAttributionRule(tenantId, shopId);
  if (!rule || rule.version !== version) return { orders: 0, activated: false };
  let count = 0;
  for (const month of monthsBack(now, recomputeMonths)) {
    const orders = await deps.listOrderFactsOfMonth(tenantId, shopId, month);
    const byBuyer = new Map<string, OrderFact[]>();
    for (const order of orders) byBuyer.set(order.buyerId, [...(byBuyer.get(order.buyerId) ?? []), order]);
    // A few buyers at a time: each buyer's receptions are read once for all their orders of the month,
    // and the facts of the slice are written together (merged transactions, like a stream batch).
    const buyers = [...byBuyer.entries()];
    for (let start = 0; start < buyers.length; start += 16) {
      const facts = await Promise.all(
        buyers.slice(start, start + 16).map(async ([buyerId, own]) => {
          const first = own.map((o) => o.placedAt ?? o.paidAt!).sort()[0]!;
          const last = own.map((o) => o.paidAt ?? o.placedAt!).sort().at(-1)!;
          const from = new Date(Date.parse(first) - maxInquiryWindowDays * dayMs).toISOString();
          const receptions = await deps.listReceptionsOfBuyer(tenantId, shopId, buyerId, from, last);
          const ofBuyer: CountFact[] = [];
          for (const order of own) ofBuyer.push(...(await attributionFactsOf(tenantId, order, [{ version, settings: rule }], deps, receptions)));
          return ofBuyer;
        }),
      );
      const written = await writeFacts(await planFacts(facts.flat().map((fact) => ({ fact, record: 0 })), deps), deps, now);
      if (written.error) throw written.error;
    }
    count += orders.length;
  }
  const activated = await deps.activateRuleVersion(tenantId, shopId, version, now.toISOString());
  return { orders: count, activated };
}
