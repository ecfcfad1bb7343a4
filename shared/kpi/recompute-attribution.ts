import { activateRuleVersion, advanceRecomputePage, getAttributionRule, listOrderFactsPage, listReceptionsOfBuyer, writeFactTransaction } from '../store/kpi-aggregates';
import { sendRecomputeJobs } from '../notify/job-queues';
import { aggregateDependencies, attributionFactsOf, planFacts, receptionSpanOf, shopTimeZone, writeFacts } from './aggregate-changes';
import type { AttributionRule, AttributionRuleSettings } from './attribution-rule';
import type { OrderFact } from './attribute';
import type { CountFact } from './facts';
import type { RecomputeJob } from './recompute-job';
import { notifyRuleRecomputed } from './watch-kpis';

/**
 * The attribution recompute after a rule change, one page per queue message (docs/kpi-design.md §3).
 * A page re-attributes up to `pageSize` stored orders of one UTC month under the new version, then
 * advances the month's progress on the rule item (conditional: only the page to do advances it) and
 * enqueues the next page; the last page of the last month activates the version. Bounded: one page is
 * a Query, one receptions Query per buyer and a few ≤ 100-item transactions — seconds, not minutes.
 * Exactly once in effect: every fact is claimed (its id carries the version), so a redelivered page
 * counts nothing twice; a copy of a page already advanced, or a job of a superseded version, does nothing.
 */

export const recomputeDependencies = {
  getAttributionRule,
  listOrderFactsPage,
  listReceptionsOfBuyer,
  shopTimeZone,
  writeFactTransaction,
  transactionPlan: aggregateDependencies.transactionPlan,
  advanceRecomputePage,
  activateRuleVersion,
  sendRecomputeJobs,
  notifyRuleRecomputed,
  /** Orders per page: at the local rate (~30 orders/s through the queue on a loaded DynamoDB Local) ≈ 10 s, far inside the consumer's 60 s. */
  pageSize: 250,
};
export type RecomputeDependencies = typeof recomputeDependencies;

export type RecomputeOutcome =
  /** The shop's rule is at another version now (or this one is already active): the job is dropped. */
  | 'superseded'
  /** Another copy of this page already advanced the month: nothing to do. */
  | 'duplicate'
  /** The page is counted and the next one enqueued. */
  | 'next-page'
  /** The month is done; others are still running. */
  | 'month-done'
  /** The last month finished: the version is the one reads use. */
  | 'activated';

/**
 * Attributes a page's orders under one version, grouped by buyer (each buyer's receptions read once for
 * their orders of the page), a few buyers at a time, their facts written together in merged transactions.
 */
async function attributeOrders(tenantId: string, version: number, settings: AttributionRuleSettings, orders: readonly OrderFact[], deps: RecomputeDependencies, now: Date): Promise<void> {
  const byBuyer = new Map<string, OrderFact[]>();
  for (const order of orders) byBuyer.set(order.buyerId, [...(byBuyer.get(order.buyerId) ?? []), order]);
  const buyers = [...byBuyer.entries()];
  for (let start = 0; start < buyers.length; start += 16) {
    const facts = await Promise.all(
      buyers.slice(start, start + 16).map(async ([buyerId, own]) => {
        const { from, to } = receptionSpanOf(own);
        const receptions = await deps.listReceptionsOfBuyer(tenantId, own[0]!.shopId, buyerId, from, to);
        const ofBuyer: CountFact[] = [];
        for (const order of own) ofBuyer.push(...(await attributionFactsOf(tenantId, order, [{ version, settings }], deps, receptions)));
        return ofBuyer;
      }),
    );
    const written = await writeFacts(await planFacts(facts.flat().map((fact) => ({ fact, record: 0 })), deps), deps, now);
    if (written.error) throw written.error;
  }
}

/** After a page advanced its month: the next page, or, when every month is done, the version activated. */
async function carryOn(job: RecomputeJob, rule: AttributionRule, deps: RecomputeDependencies, now: Date): Promise<RecomputeOutcome> {
  const state = rule.recomputePages?.[job.month];
  if (state && !state.done) {
    await deps.sendRecomputeJobs([{ ...job, cursor: state.next }]);
    return 'next-page';
  }
  const months = rule.recompute?.months ?? [];
  if (!months.every((month) => rule.recomputePages?.[month]?.done)) return 'month-done';
  // Only the call that activated it tells the watchers (a redelivery finds it active: no second frame).
  if (await deps.activateRuleVersion(job.tenantId, job.shopId, job.version, now.toISOString())) await deps.notifyRuleRecomputed(job.tenantId, job.shopId, rule, now);
  return 'activated';
}

/**
 * Runs one page of a recompute. `messageId` is the queue message's (the same on every redelivery of it):
 * a redelivery of the message that advanced the month finishes what it started (enqueue, activate) —
 * its first attempt may have failed after advancing — while any other copy of the page is a duplicate.
 */
export async function recomputeAttributionPage(job: RecomputeJob, messageId: string, deps: RecomputeDependencies = recomputeDependencies, now: Date = new Date()): Promise<RecomputeOutcome> {
  const rule = await deps.getAttributionRule(job.tenantId, job.shopId);
  if (!rule || rule.version !== job.version || rule.activeVersion === job.version || rule.recompute?.version !== job.version) return 'superseded';
  const state = rule.recomputePages?.[job.month];
  if (!state) return 'superseded';
  if (state.from === job.cursor && state.by === messageId) return carryOn(job, rule, deps, now);
  if (state.done || state.next !== job.cursor) return 'duplicate';

  const page = await deps.listOrderFactsPage(job.tenantId, job.shopId, job.month, job.cursor, deps.pageSize);
  await attributeOrders(job.tenantId, job.version, { mode: rule.mode, inquiryWindowDays: rule.inquiryWindowDays }, page.orders, deps, now);
  const advanced = await deps.advanceRecomputePage(job.tenantId, job.shopId, job.version, job.month, job.cursor, {
    next: page.next ?? job.cursor,
    from: job.cursor,
    by: messageId,
    orders: state.orders + page.orders.length,
    ...(page.next === undefined ? { done: true } : {}),
  });
  // Another copy advanced it meanwhile (its facts and ours are the same claims), or a newer version came.
  if (!advanced) return 'duplicate';
  return carryOn(job, advanced, deps, now);
}
