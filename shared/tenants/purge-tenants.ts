import { conversationIndexShards, keys } from '../store/keys';
import * as purgeStore from '../store/tenant-purge';
import type { IndexedConversation, PurgeMarker, SweepSegmentProgress } from '../store/tenant-purge';
import { shopSchema, groupsOfShop } from '../routing/shop';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { isThrottlingError } from '@smithy/service-error-classification';
import { logger, metrics } from '../runtime/observability';

/**
 * The scheduled purge of deleted tenants whose restore window has ended (docs/onboarding.md, "Tenant
 * deletion"), in three phases, each resumable by the next hourly run:
 *
 * 1. The conversations, from the tenant's conversation index (gsi2, a month and shard at a time from the
 *    index's first month): each conversation's partitions (head, messages, transfers, rotations, stage
 *    changes, round alerts, QC), its buyer's records at the shop, then the index entry. A run stops taking
 *    conversations at its budget and the next run carries on (what was purged is gone from the index).
 * 2. The targeted walk of the partitions it can name from the tenant's own items, each by a Query of its
 *    full partition key, children first: shops → catalogue heads → catalogue versions (products and token
 *    shards), shop libraries and settings partitions; shops' routing groups → agents (gsi1) → agent items,
 *    own libraries and connections; staff accounts (their connections, the accounts, seats: SyncUserDirectory
 *    deletes their pool users from the stream); the tenant library, audit log, promo calendar; last the
 *    shops. Cheap, and it empties the big, well-known partitions first. Recorded on the purge marker once done.
 * 3. The sweep, which makes the purge complete by construction: a parallel Scan of the whole table
 *    (sweepSegments segments) for every item left that belongs to the tenant (keys.tenantSweep: everything
 *    under `T#<tenant>#`, the shops' partition but not the tenant item, and the tenant's entries in the
 *    cross-tenant due-time partitions, webhook endpoints and connect tickets), deleted with BatchWriteItem.
 *    It finds what no walk names: orders, cases, outreach tasks and coupons, KPI buckets and facts, round
 *    outcomes, QC samples, ingestion logs and claims, promo audits, brand outreach records, conversations
 *    opened before the conversation index existed, and any record kind added later. Each segment's place
 *    (LastEvaluatedKey) is written to the purge marker after each page, conditionally, so a run cut short
 *    (its time budget, a crash) is resumed by the next and two concurrent runs never move a segment back.
 *
 * Before the first delete the tenant item moves from `deleted` to `purging` (conditionally, its version
 * bumped), so a restore racing the purge's start fails instead of restoring a half-deleted tenant.
 * Only when every segment is done is the tenant item cut down to a `purged` tombstone (its old tokens stay
 * refused) and the purge marker deleted, in that order: a run that dies between the two leaves the marker,
 * and the next run finds every segment done and finishes.
 */
export const purgeDependencies = { ...purgeStore, catalogueVersions };

/** Conversations purged at once (each is a dozen Queries and BatchWrites). */
const conversationConcurrency = 8;
/** Index entries read per Query page. */
const indexPageSize = 100;
/** Conversations one run purges at most (about 12 calls each, 8 at once: ~5 minutes at 10 ms a call, inside the 15-minute timeout). */
export const defaultConversationLimit = 20_000;

async function catalogueVersions(tenantId: string, shopId: string): Promise<number[]> {
  const [head] = await purgeStore.itemsOf(keys.catalogue(tenantId, shopId).pk, 'HEAD');
  const counter = typeof head?.versionCounter === 'number' ? head.versionCounter : 0;
  return Array.from({ length: counter }, (_, i) => i + 1);
}

export async function purgeTenant(tenantId: string, deps = purgeDependencies): Promise<number> {
  let deleted = 0;
  const tenantPk = keys.tenant(tenantId).pk;
  const shops = (await deps.itemsOf(tenantPk, 'SHOP#')).map((item) => shopSchema.parse(item));
  const agentIds = new Set<string>();
  for (const shop of shops) {
    for (const version of await deps.catalogueVersions(tenantId, shop.shopId)) {
      deleted += await deps.deletePartition(keys.productsOfVersion(tenantId, shop.shopId, version).pk);
      for (const pk of keys.tokenPartitionsOfVersion(tenantId, shop.shopId, version)) deleted += await deps.deletePartition(pk);
    }
    deleted += await deps.deletePartition(keys.catalogue(tenantId, shop.shopId).pk);
    deleted += await deps.deletePartition(keys.quickRepliesOfScope(tenantId, keys.quickReplyScope({ kind: 'shop', shopId: shop.shopId })).pk);
    // Its webhook endpoint before the order integration, the item that names it: deliveries stop finding the shop.
    for (const integration of await deps.itemsOf(keys.orderIntegration(tenantId, shop.shopId).pk)) {
      if (typeof integration.endpointId === 'string') await deps.deleteWebhookEndpoint(tenantId, integration.endpointId);
    }
    for (const pk of keys.settingsPartitionsOfShop(tenantId, shop.shopId)) deleted += await deps.deletePartition(pk);
    for (const groupId of groupsOfShop(shop.routing)) for (const agentId of await deps.agentIdsOfGroup(tenantId, groupId)) agentIds.add(agentId);
  }
  // Staff accounts (issue 12 §2). Each person's own partitions once, agent, account or both: sockets and
  // account record; then what only agents have, the agent item (which names them in its groups) last.
  const userIds = (await deps.itemsOf(keys.usersOfTenant(tenantId).pk, keys.usersOfTenant(tenantId).skPrefix)).map((user) => String(user.userId));
  for (const personId of new Set([...agentIds, ...userIds])) {
    deleted += await deps.deletePartition(keys.connectionsOfUser(tenantId, personId).pk);
    deleted += await deps.deletePartition(keys.account(tenantId, personId).pk);
  }
  for (const agentId of agentIds) {
    deleted += await deps.deletePartition(keys.quickRepliesOfScope(tenantId, keys.quickReplyScope({ kind: 'agent', agentId })).pk);
    deleted += await deps.deletePartition(keys.kpiOnlineSession(tenantId, agentId).pk);
    deleted += await deps.deletePartition(keys.agent(tenantId, agentId).pk);
  }
  // Then the accounts, seat count and import markers.
  deleted += await deps.deletePartition(keys.usersOfTenant(tenantId).pk);
  deleted += await deps.deletePartition(keys.quickRepliesOfScope(tenantId, keys.quickReplyScope({ kind: 'tenant' })).pk);
  deleted += await deps.deletePartition(keys.auditLog(tenantId).pk);
  deleted += await deps.deletePartition(keys.promo(tenantId, '').pk);
  deleted += await deps.deletePartition(tenantPk, undefined, 'SHOP#');
  return deleted;
}

/** The UTC months from `from` to `to` (`yyyy-mm`), both included. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [year, month] = from.split('-').map(Number) as [number, number];
  for (let current = from; current <= to; current = `${year}-${String(month).padStart(2, '0')}`) {
    months.push(current);
    [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
  }
  return months;
}

/** Deletes one conversation, children first: its partitions, its buyer's records at the shop, last its index entry. */
async function purgeConversation(tenantId: string, entry: IndexedConversation, deps: typeof purgeDependencies): Promise<number> {
  let deleted = 0;
  for (const pk of keys.partitionsOfConversation(tenantId, entry.conversationId)) deleted += await deps.deletePartition(pk);
  deleted += await deps.deletePartition(keys.buyerAtShop(tenantId, entry.shopId, entry.buyerId).pk);
  deleted += await deps.deletePartition(keys.kpiReceptionsOfBuyer(tenantId, entry.shopId, entry.buyerId).pk);
  await deps.deleteItem(entry.entryKey);
  return deleted + 1;
}

/**
 * The first month of the conversation index: nothing before it has an entry. The walk starts here for
 * every tenant, not at the tenant's creation (an account older than its tenant item would be missed); an
 * empty month costs its 4 shard Queries, 2 RRU.
 */
export const conversationIndexSince = '2026-12';

/**
 * Purges the tenant's indexed conversations, month by month from conversationIndexSince to `now`, at most
 * `budget` of them. `finished` only when every month shard was read to its end with budget to spare.
 */
export async function purgeConversationsOfTenant(tenantId: string, now: Date, budget: number, deps = purgeDependencies, stopAt = Number.POSITIVE_INFINITY) {
  let conversations = 0;
  let itemsDeleted = 0;
  for (const month of monthsBetween(conversationIndexSince, now.toISOString().slice(0, 7))) {
    for (let shard = 0; shard < conversationIndexShards; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        // Out of conversations or out of time (the invocation's own limit): the next run carries on.
        if (conversations >= budget || Date.now() >= stopAt) return { conversations, itemsDeleted, finished: false };
        const page = await deps.conversationIndexPage(tenantId, month, shard, { limit: Math.min(indexPageSize, budget - conversations), startKey });
        for (let i = 0; i < page.entries.length; i += conversationConcurrency) {
          const counts = await Promise.all(page.entries.slice(i, i + conversationConcurrency).map((entry) => purgeConversation(tenantId, entry, deps)));
          itemsDeleted += counts.reduce((sum, n) => sum + n, 0);
        }
        conversations += page.entries.length;
        startKey = page.next;
      } while (startKey);
    }
  }
  return { conversations, itemsDeleted, finished: true };
}

/**
 * Segments of the sweep's parallel Scan, all read at once by one run. Eight: each segment reads about
 * 1 MB (128 RRU) a page, so eight in flight read some 40-80 MB/s, 5,000-10,000 RRU/s, a quarter of an
 * on-demand table's default 40,000 RRU/s, leaving the live traffic its headroom (estimates: a 1 MB page
 * taking 100-200 ms). A 1 TB table then takes 3.8-7.6 hours of Scan, 17-33 hourly runs of 14 minutes: about
 * a day, after a restore window of weeks; 100 GB takes two to four runs. More segments would sweep
 * faster but take more of the table's throughput from the live paths. Progress is kept per segment, so
 * the count is stored on the marker with the sweep's first progress write, and a sweep under way keeps its
 * stored count whatever this constant says after a deploy.
 */
export const sweepSegments = 8;

/** A segment the sweep has not started. */
export const segmentNotStarted: SweepSegmentProgress = { pages: 0, done: false };

/** A segment's progress after one more page, which ended at `next` (none: the segment is read to its end). */
export function progressAfterPage(current: SweepSegmentProgress, next: Record<string, unknown> | undefined): SweepSegmentProgress {
  return next ? { pages: current.pages + 1, done: false, next } : { pages: current.pages + 1, done: true };
}

/** Whether a run may take another page: not once its time budget is reached (epoch ms; the next run resumes). */
export function mayTakePage(nowMs: number, stopAt: number): boolean {
  return nowMs < stopAt;
}

type SegmentOutcome = { done: boolean; itemsDeleted: number; markerGone: boolean };

/**
 * Reads one segment page by page from its stored place, deleting the tenant's items of each page before
 * recording the page as done, so a run killed between the two only rereads that page. When the record
 * fails, another run moved the segment on (or finished the tenant and deleted the marker): this one
 * carries on from the stored place, or stops.
 */
async function sweepSegment(marker: PurgeMarker, segment: number, total: number, stopAt: number, deps: typeof purgeDependencies, pageLimit: number | undefined): Promise<SegmentOutcome> {
  let progress = marker.sweep[segment] ?? segmentNotStarted;
  let itemsDeleted = 0;
  while (!progress.done) {
    if (!mayTakePage(Date.now(), stopAt)) return { done: false, itemsDeleted, markerGone: false };
    const page = await deps.sweepPage(marker.tenantId, segment, total, { startKey: progress.next, limit: pageLimit });
    await deps.deleteKeys(page.keys);
    itemsDeleted += page.keys.length;
    const next = progressAfterPage(progress, page.next);
    if (await deps.recordSweepProgress(marker.key, segment, progress.pages, next, total)) {
      progress = next;
      continue;
    }
    const stored = await deps.purgeMarker(marker.key);
    if (!stored) return { done: true, itemsDeleted, markerGone: true };
    // A run of another segmentation stored its count first: this run stops; the next reads the stored count.
    if (stored.sweepSegments !== undefined && stored.sweepSegments !== total) return { done: false, itemsDeleted, markerGone: false };
    progress = stored.sweep[segment] ?? segmentNotStarted;
  }
  return { done: true, itemsDeleted, markerGone: false };
}

/**
 * The sweep of one tenant: every segment at once, each until it is read to its end or the run reaches
 * `stopAt`. `finished` when every segment is done; `markerGone` when another run finished the tenant.
 */
export async function sweepTenant(marker: PurgeMarker, stopAt: number, deps = purgeDependencies, pageLimit?: number) {
  // The stored segmentation if the sweep has begun (a deploy may have changed sweepSegments since), else this build's.
  const total = marker.sweepSegments ?? sweepSegments;
  // Settled, not all: a segment that fails (throttled, most likely) leaves the others reading to their budget;
  // its stored place is safe and the next run resumes it. Only when every segment failed is the run's error raised.
  const settled = await Promise.allSettled(Array.from({ length: total }, (_, segment) => sweepSegment(marker, segment, total, stopAt, deps, pageLimit)));
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) {
    const throttled = failures.filter((error) => isThrottlingError(error as never)).length;
    metrics.addMetric('TenantSweepSegmentsFailed', MetricUnit.Count, failures.length);
    metrics.addMetric('TenantSweepSegmentsThrottled', MetricUnit.Count, throttled);
    logger.warn('tenant sweep segments failed; the next run resumes them', { tenantId: marker.tenantId, failed: failures.length, throttled, segments: total, error: String(failures[0]) });
    if (failures.length === settled.length) throw failures[0];
  }
  const outcomes = settled.map((result): SegmentOutcome => (result.status === 'fulfilled' ? result.value : { done: false, itemsDeleted: 0, markerGone: false }));
  return {
    finished: outcomes.every((outcome) => outcome.done),
    markerGone: outcomes.some((outcome) => outcome.markerGone),
    itemsDeleted: outcomes.reduce((sum, outcome) => sum + outcome.itemsDeleted, 0),
  };
}

export interface PurgeRunOptions {
  /** Due tenants read per run. */
  limit?: number;
  /** Conversations one run purges at most, across its tenants. */
  conversationLimit?: number;
  /** Epoch ms after which no conversation is taken (the handler leaves time for the walk). */
  stopTakingConversationsAt?: number;
  /** Epoch ms after which the sweep takes no page (the handler leaves time for the page in flight). */
  stopSweepingAt?: number;
  /** Items a sweep page evaluates at most (tests; unset, a page is DynamoDB's 1 MB). */
  sweepPageLimit?: number;
}

/**
 * One run: purges due tenants one after another, each finished by its tombstone and then the deletion of
 * its purge marker. A tenant not finished in this run (conversations left at the budget, or the sweep out
 * of time) keeps its marker with its progress, and the run ends: the next run carries on where it stopped.
 * A tenant whose marker another run deleted meanwhile was finished by that run and is skipped.
 */
export async function purgeDueTenants(now: Date, options: PurgeRunOptions = {}, deps = purgeDependencies) {
  const due = await deps.duePurges(now, options.limit ?? 5);
  const purged: { tenantId: string; itemsDeleted: number; conversations: number; sweptItems: number }[] = [];
  let budget = options.conversationLimit ?? defaultConversationLimit;
  for (const marker of due) {
    let conversations = 0;
    let itemsDeleted = 0;
    // Nothing is deleted before the tenant is `purging`: a restore racing this start fails, or wins and this stops.
    const state = await deps.beginTenantPurge(marker.tenantId, now);
    if (state === 'not-due') {
      logger.warn('tenant purge skipped: the tenant is not deleted past its restore window (restored meanwhile?)', { tenantId: marker.tenantId });
      continue;
    }
    if (state === 'purged') {
      // A run died between the tombstone and the marker's deletion: only the marker is left to delete.
      await deps.deleteItem(marker.key);
      continue;
    }
    if (!marker.walkedAt) {
      const purgedConversations = await purgeConversationsOfTenant(marker.tenantId, now, budget, deps, options.stopTakingConversationsAt);
      budget -= purgedConversations.conversations;
      conversations = purgedConversations.conversations;
      if (!purgedConversations.finished) {
        logger.info('tenant purge continues next run', { tenantId: marker.tenantId, conversationsPurged: conversations });
        return { purged, continuing: { tenantId: marker.tenantId, conversations, itemsDeleted: purgedConversations.itemsDeleted } };
      }
      itemsDeleted = purgedConversations.itemsDeleted + (await purgeTenant(marker.tenantId, deps));
      if (!(await deps.recordWalkDone(marker.key, now))) continue;
    }
    const sweep = await sweepTenant(marker, options.stopSweepingAt ?? Number.POSITIVE_INFINITY, deps, options.sweepPageLimit);
    if (sweep.markerGone) continue;
    if (!sweep.finished) {
      logger.info('tenant sweep continues next run', { tenantId: marker.tenantId, sweptItems: sweep.itemsDeleted });
      return { purged, continuing: { tenantId: marker.tenantId, conversations, itemsDeleted, sweptItems: sweep.itemsDeleted } };
    }
    if (!(await deps.markTenantPurged(marker.tenantId, now))) {
      // Another run tombstoned it first (and deletes the marker), or the tenant left `purging` some other way: the marker stays for a look.
      logger.warn('tenant not tombstoned: it is no longer purging', { tenantId: marker.tenantId });
      continue;
    }
    await deps.deleteItem(marker.key);
    // The record that the purge happened: the tenant's own audit log is among what it deleted. A structured
    // line in the schedule's log group (and a metric); the tombstone keeps purgedAt. Items the sweep found were
    // missed by the walk, or written after it: a number worth watching.
    metrics.addMetric('TenantsPurged', MetricUnit.Count, 1);
    logger.info('tenant purged', { event: 'tenant.purged', tenantId: marker.tenantId, purgeAfter: marker.purgeAfter, purgedAt: now.toISOString(), itemsDeleted, conversations, sweptItems: sweep.itemsDeleted });
    purged.push({ tenantId: marker.tenantId, itemsDeleted, conversations, sweptItems: sweep.itemsDeleted });
  }
  return { purged };
}
