import { DateTime } from 'luxon';
import { addCounters, nonZero, type Counters } from './counters';
import type { CountFact, KpiTarget } from './facts';

/**
 * Batched aggregation (docs/kpi-design.md §4): the facts of one stream batch, in record order, planned
 * into as few TransactWriteItems as correctness allows. Each transaction holds every fact's claim
 * (attribute_not_exists, so a fact counts once) and ONE update per bucket it touches, the sum of its
 * facts' counters — an item may appear at most once in a transaction, and merging is what makes 100
 * records a few transactions instead of a hundred. Plain functions; the store writes a plan.
 */

/** DynamoDB's TransactWriteItems limit (items); 4 MB is far away (a claim or a bucket update is < 1 KB). */
export const maxTransactionItems = 100;

/** The shop-local day and hour of an instant. */
export function localHour(at: string, timeZone: string): { day: string; hour: string } {
  const local = DateTime.fromISO(at, { zone: 'utc' }).setZone(timeZone);
  return { day: local.toFormat('yyyy-MM-dd'), hour: local.toFormat('HH') };
}

export const ownerOf = (target: KpiTarget): string =>
  target.kind === 'shop' ? 'SHOP' : target.kind === 'agent' ? `AGENT#${target.agentId}` : `GROUP#${target.groupId}`;

/** Counters to add to one bucket item: a shop-local hour of one owner, under a rule version when attributed. */
export interface BucketDelta {
  tenantId: string;
  shopId: string;
  day: string;
  hour: string;
  owner: string;
  ruleVersion?: number;
  counters: Counters;
}

const bucketId = (bucket: Omit<BucketDelta, 'counters'>) =>
  [bucket.tenantId, bucket.shopId, bucket.day, bucket.hour, bucket.owner, bucket.ruleVersion ?? ''].join('|');

/** A fact ready to write: its claim, its buckets in the shop's zone, and the stream record it came from. */
export interface PlannedFact {
  factId: string;
  tenantId: string;
  shopId: string;
  /** Index of the record in its batch (facts of a recompute use 0): where a retry must start. */
  record: number;
  buckets: BucketDelta[];
}

export const claimIdOf = (fact: Pick<PlannedFact, 'tenantId' | 'shopId' | 'factId'>) => `${fact.tenantId}|${fact.shopId}|${fact.factId}`;

/** Sums counters per bucket; buckets whose sums are all zero (a +1 and a −1) are left out. */
export function mergeBuckets(deltas: Iterable<BucketDelta>): BucketDelta[] {
  const merged = new Map<string, BucketDelta>();
  for (const delta of deltas) {
    const id = bucketId(delta);
    const into = merged.get(id);
    if (into) addCounters(into.counters, delta.counters);
    else merged.set(id, { ...delta, counters: { ...delta.counters } });
  }
  return [...merged.values()].map((bucket) => ({ ...bucket, counters: nonZero(bucket.counters) })).filter((bucket) => Object.keys(bucket.counters).length > 0);
}

/** A fact's updates as bucket deltas (one per bucket); undefined when it changes no counter. */
export function planFact(fact: CountFact, timeZone: string, record = 0): PlannedFact | undefined {
  const buckets = mergeBuckets(
    fact.updates.map((update) => ({
      tenantId: fact.tenantId,
      shopId: fact.shopId,
      ...localHour(update.at, timeZone),
      owner: ownerOf(update.target),
      ...(fact.ruleVersion === undefined ? {} : { ruleVersion: fact.ruleVersion }),
      counters: update.counters,
    })),
  );
  return buckets.length === 0 ? undefined : { factId: fact.factId, tenantId: fact.tenantId, shopId: fact.shopId, record, buckets };
}

/** One TransactWriteItems: the facts' claims, then each touched bucket once with its summed counters. */
export interface FactTransaction {
  facts: PlannedFact[];
  buckets: BucketDelta[];
}

export const transactionOf = (facts: PlannedFact[]): FactTransaction => ({ facts, buckets: mergeBuckets(facts.flatMap((fact) => fact.buckets)) });

/**
 * Plans facts (in record order) into transactions of at most `maxItems` items, keeping record order: a
 * transaction holds a run of consecutive facts, so when one fails, every fact before its first is
 * written and the batch can be retried from that fact's record. A fact id seen twice in the batch (two
 * receptions of a buyer on one day make one inquirer) is planned once, the first time. `merge: false`
 * gives the former one-transaction-per-fact plan (kept to measure against: bench --kpi-batching per-fact).
 */
export function planTransactions(facts: readonly PlannedFact[], options: { maxItems?: number; merge?: boolean } = {}): FactTransaction[] {
  const maxItems = options.maxItems ?? maxTransactionItems;
  const seen = new Set<string>();
  const transactions: FactTransaction[] = [];
  let current: PlannedFact[] = [];
  let buckets = new Set<string>();
  const close = () => {
    if (current.length > 0) transactions.push(transactionOf(current));
    current = [];
    buckets = new Set();
  };
  for (const fact of facts) {
    const claim = claimIdOf(fact);
    if (seen.has(claim)) continue;
    seen.add(claim);
    if (fact.buckets.length + 1 > maxItems) throw new Error(`KPI fact ${fact.factId} touches ${fact.buckets.length} buckets: more than a transaction holds`);
    const added = fact.buckets.map(bucketId).filter((id) => !buckets.has(id));
    if (options.merge === false || current.length + 1 + buckets.size + new Set(added).size > maxItems) close();
    current.push(fact);
    for (const bucket of fact.buckets) buckets.add(bucketId(bucket));
  }
  close();
  return transactions;
}
