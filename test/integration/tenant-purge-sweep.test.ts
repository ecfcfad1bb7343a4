import { describe, expect, it } from 'vitest';
import { PutCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { handler as createTenant } from '../../functions/http/create-tenant';
import type { AfterSalesCase } from '../../shared/after-sales/case';
import type { Promo } from '../../shared/promo/calendar';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { linkPlatformBuyer } from '../../shared/store/buyer-links';
import { caseDueItem, caseHeadItem } from '../../shared/store/cases';
import { mintConnectTicket } from '../../shared/store/connect-tickets';
import { recordCouponIssuance } from '../../shared/store/coupons';
import { idleCheckItem } from '../../shared/store/idle-timers';
import { keys } from '../../shared/store/keys';
import { putOrderFact, writeFactTransaction } from '../../shared/store/kpi-aggregates';
import { putMessage } from '../../shared/store/messages';
import { recordOrderEventLog } from '../../shared/store/order-event-log';
import { saveOrderIntegration } from '../../shared/store/order-integrations';
import { applyOrderEventToStore } from '../../shared/store/orders';
import { createTask, recordOptOut, takeBuyerDaySlot } from '../../shared/store/outreach';
import { savePromo } from '../../shared/store/promos';
import { freezeSample } from '../../shared/store/qc';
import { leaseMessageBlock } from '../../shared/store/rate-budgets';
import { putAnsweredRound } from '../../shared/store/round-outcomes';
import { scheduleMilitiaExpiry } from '../../shared/store/users';
import { purgeDependencies, purgeDueTenants } from '../../shared/tenants/purge-tenants';
import { callHttp } from '../support/call-http';
import { eventually } from '../support/eventually';
import { storedItem } from '../support/table';
import { orderEvent, refundEvent } from './orders-fixtures';
import { campaignTask } from './outreach-fixtures';
import { createShop } from './routing-fixtures';
import { confirmDeletionOf, operator, tenantBody } from './tenant-purge-fixtures';

/**
 * Issue 12 §1, "never leaves another tenant's data touched" and leaves none of its own: the purge's
 * sweep (a parallel Scan of the table, its last phase) deletes every item of the deleted tenant the
 * conversation index and the targeted walk cannot name — orders, refund pointers, buyer links, cases,
 * outreach tasks, coupons, brand outreach records, KPI buckets and facts, round outcomes, QC samples,
 * ingestion logs and claims, promo audits, a conversation opened before the conversation index existed,
 * and the tenant's entries in the cross-tenant partitions (idle timers, case and outreach due-time
 * entries, militia expiries, capacity asks, webhook endpoints, connect tickets) — and nothing of a
 * neighbour whose id extends the tenant's (`x` and `x2`) or of an unrelated tenant, each seeded with the
 * same kinds under the same shop, buyer, order and conversation ids (row 14). Runs cut short by a tiny
 * time budget, or killed mid-page, are resumed by the next from the pages stored on the purge marker
 * (row 3); two runs at once, as a schedule firing twice, both finish and leave nothing (row 25).
 */
const run = Date.now().toString(36);
const table = () => env().TABLE_NAME;
const shopId = 'shop-1';
const now = new Date();
const at = now.toISOString();
const day = at.slice(0, 10);
// Later than any other file's purge dates (onboarding-tenants: 30 days, conversations: 60), so their
// runs, which purge every due tenant, never take these tenants.
const restoreDays = 90;

async function put(item: Record<string, unknown>): Promise<void> {
  await dynamo().send(new PutCommand({ TableName: table(), Item: item }));
}

/**
 * Every item of each tenant, read in full by the test's own Scan (one for all of them) and recognised by
 * the test's own rule (not the purge's): under `T#<tenant>` or `T#<tenant>#`, a sort key naming
 * `#T#<tenant>#` or ending in `#T#<tenant>` (the purge marker), or a tenantId / identity.tenantId
 * attribute equal to the tenant.
 */
async function itemsOfTenants(...tenantIds: string[]): Promise<Record<string, unknown>[][]> {
  const found = tenantIds.map((): Record<string, unknown>[] => []);
  const pages = paginateScan({ client: dynamo() }, { TableName: table(), ConsistentRead: true });
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const pk = String(item.pk);
      const sk = String(item.sk);
      const identity = item.identity as { tenantId?: unknown } | undefined;
      tenantIds.forEach((tenantId, i) => {
        if (pk === `T#${tenantId}` || pk.startsWith(`T#${tenantId}#`) || sk.includes(`#T#${tenantId}#`) || sk.endsWith(`#T#${tenantId}`) || item.tenantId === tenantId || identity?.tenantId === tenantId) {
          found[i]!.push(item);
        }
      });
    }
  }
  return found.map((items) => items.sort((a, b) => `${a.pk} ${a.sk}`.localeCompare(`${b.pk} ${b.sk}`)));
}
/** Every string in a value, nested maps, lists and sets included. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) || value instanceof Set) return [...value].flatMap(stringsIn);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) return Object.values(value).flatMap(stringsIn);
  return [];
}

/**
 * Every item of the whole table with any string attribute, at any depth, that names the tenant as a
 * token (not inside a longer id: tenant ids are letters, digits, `_` and `-`), whatever its key.
 * Independent of every key rule: it would find a kind the sweep's filter and this file's own rule miss.
 */
async function itemsNaming(tenantId: string): Promise<string[]> {
  const token = new RegExp(`(?<![A-Za-z0-9_-])${tenantId}(?![A-Za-z0-9_-])`);
  const found: string[] = [];
  for await (const page of paginateScan({ client: dynamo() }, { TableName: table(), ConsistentRead: true })) {
    for (const item of page.Items ?? []) if (stringsIn(item).some((text) => token.test(text))) found.push(`${item.pk} ${item.sk}`);
  }
  return found.sort();
}
const keysOf = (items: readonly Record<string, unknown>[]) => items.map((item) => `${item.pk} ${item.sk}`);

function afterSalesCase(tenantId: string): AfterSalesCase {
  return {
    tenantId,
    shopId,
    platform: 'taobao',
    caseId: 'case-1',
    type: 'refund-only',
    state: 'waiting-seller',
    stateSince: at,
    origin: 'refund',
    orderId: 'o-1',
    buyerId: 'buyer-1',
    refund: { refundId: 'r-1', kind: 'refund-only', status: 'requested', version: 1, rank: 0, messageId: 'm-r-1' },
    ownerId: 'agent-1',
    deadline: { dueAt: new Date(now.getTime() + 48 * 3_600_000).toISOString(), slaDueAt: new Date(now.getTime() + 24 * 3_600_000).toISOString(), startsAt: at, source: 'platform' },
    warningsSent: [],
    openedAt: at,
    updatedAt: at,
    timeline: [],
  };
}

/** One item (at least) of every kind, through the production store functions where they exist. */
async function seedTenant(tenantId: string): Promise<void> {
  expect((await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body: tenantBody(tenantId, restoreDays) })).status).toBe(201);
  await createShop(tenantId, shopId);
  // Orders, their ingestion claims and platform-buyer index, a refund pointer, a buyer link, an ingestion log.
  await applyOrderEventToStore(tenantId, orderEvent({ shopId, orderId: 'o-1', minute: 1, status: 'paid', buyerId: 'tb-1' }));
  await applyOrderEventToStore(tenantId, refundEvent({ shopId, orderId: 'o-1', minute: 2, refundId: 'r-1', status: 'requested', buyerId: 'tb-1' }));
  await linkPlatformBuyer({ tenantId, shopId, platform: 'taobao', platformBuyerId: 'tb-1', buyerId: 'buyer-1' });
  await recordOrderEventLog(tenantId, shopId, [{ outcome: 'ignored', platform: 'taobao', via: 'simulator', receivedAt: at, messageId: 'm-ignored', reason: 'UNKNOWN_TOPIC' }]);
  await saveOrderIntegration({
    tenantId,
    shopId,
    platform: 'taobao',
    platformShopId: 'tb-shop-1',
    endpointId: `endpoint-${tenantId}`,
    active: true,
    rotationPeriodMinutes: 60,
    webhookSecrets: [{ sealed: 'sealed-secret', setAt: at }],
    createdAt: at,
    updatedAt: at,
    rev: 0,
  }, undefined);
  // An after-sales case (head, a timeline entry) and its entry in the cross-tenant due-time index.
  const dueMinute = new Date(now.getTime() + 3_600_000).toISOString().slice(0, 16);
  await put(caseHeadItem(tenantId, afterSalesCase(tenantId), { rev: 1, timelineCount: 1, dueMinute, facts: {} }));
  await put({ ...keys.caseTimelineEntry(tenantId, 'case-1', 0), entity: 'CaseTimelineEntry', at });
  await put(caseDueItem(tenantId, 'case-1', dueMinute));
  // Outreach: a task (and its due-time entry), a coupon, the buyer's day and opt-out under a brand.
  expect(await createTask(campaignTask(tenantId, shopId, 'task-1', 'buyer-1', new Date(now.getTime() + 3_600_000), 'brand-1'))).toBe('created');
  expect(
    await recordCouponIssuance(
      { tenantId, shopId, platform: 'taobao', couponId: 'coupon-1', buyerId: 'buyer-1', taskId: 'task-1', kind: 'coupon', amountMinor: 500, currency: 'CNY', rewardFor: 'callback', day, status: 'pending', createdAt: at, updatedAt: at },
      100_000,
    ),
  ).toBe('recorded');
  expect(await takeBuyerDaySlot(tenantId, 'brand-1', 'buyer-1', day, 'task-1', 3)).toBe('taken');
  await recordOptOut(tenantId, 'brand-1', 'buyer-2', shopId, now);
  // KPIs: a bucket with its fact claim, an order fact.
  const bucket = { tenantId, shopId, day, hour: '10', owner: 'SHOP', counters: { buyerMessages: 1 } };
  await writeFactTransaction({ facts: [{ factId: 'conv#conv-old#1', tenantId, shopId, record: 0, buckets: [bucket] }], buckets: [bucket] }, now);
  await putOrderFact(tenantId, { shopId, platform: 'taobao', orderId: 'o-1', buyerId: 'buyer-1', paidAt: at, amount: 9900 });
  await putAnsweredRound(tenantId, { shopId, conversationId: 'conv-old', day, questionAt: at, status: 'met', responseMs: 1000, answeredAt: at, recordedAt: at });
  expect(await freezeSample(tenantId, shopId, { cycle: '2026-W49', window: { from: at, to: at }, frozenAt: at, plans: [], entries: 1 }, [{ conversationId: 'conv-old', agentId: 'agent-1', kind: 'random', reasons: [] }])).toBe(true);
  // A promo with an infrastructure phase: the calendar, its audit entry, a capacity ask in the region's partition.
  const promo: Promo = {
    promoId: 'double-11',
    name: '双11',
    zone: 'Asia/Shanghai',
    shopIds: [shopId],
    phases: [{ phaseId: 'peak', kind: 'peak', startsAt: at, endsAt: new Date(now.getTime() + 3_600_000).toISOString(), infrastructure: { preset: 'promo' } }],
    triggered: {},
    version: 1,
    createdAt: at,
    updatedAt: at,
    updatedBy: 'ops-1',
  };
  await savePromo(promo, tenantId, undefined, 'ops-1');
  // A conversation opened before the conversation index existed: its head and a message, no buyer-list entry.
  await put({ ...keys.conversation(tenantId, 'conv-old'), entity: 'Conversation', conversationId: 'conv-old', shopId, buyerId: 'buyer-1', status: 'assigned', openedAt: '2026-10-01T00:00:00.000Z' });
  await putMessage(tenantId, { conversationId: 'conv-old', seq: 1, senderId: 'buyer-1', senderRole: 'buyer', clientMessageId: 'm-1', text: '你好', createdAt: at });
  await put(idleCheckItem(tenantId, 'conv-old', new Date(now.getTime() + 600_000)));
  // People: a militia expiry, a connect ticket, a message budget.
  await scheduleMilitiaExpiry(tenantId, 'boss', new Date(now.getTime() + 86_400_000).toISOString());
  await mintConnectTicket({ tenantId, userId: 'boss', role: 'admin', shopIds: [] }, now);
  expect(await leaseMessageBlock({ tenantId, userId: 'boss', windowStartSeconds: Math.floor(now.getTime() / 1000), windowSeconds: 60, block: 10, limit: 100 })).toBe(true);
}

/** What the seeding must have produced for each tenant before the purge: every kind named in the issue. */
const seededKinds = [
  /#SHOP#shop-1#ORDER#taobao#o-1 ORDER$/,
  /#SHOP#shop-1#REFUND#taobao#r-1 REFUND$/,
  /#SHOP#shop-1#PBUYER#tb-1 LINK$/,
  /#INGEST#taobao#/,
  /#SHOP#shop-1#INGESTLOG#/,
  /#CASE#case-1 CASE$/,
  /#CASE#case-1 TL#/,
  /^CASEDUE#/,
  /#OUTREACH#task-1 TASK$/,
  /^OUTDUE#/,
  /#COUPON#coupon-1 COUPON$/,
  /#BRAND#brand-1#BUYER#buyer-1#OUTREACH DAY#/,
  /#BRAND#brand-1#BUYER#buyer-2#OUTREACH OPTOUT$/,
  /#SHOP#shop-1#KPI#\d{4}-\d\d-\d\d SHOP#H10$/,
  /#SHOP#shop-1#KPIFACT#/,
  /#SHOP#shop-1#KPIORDERS#/,
  /#SHOP#shop-1#ROUNDS#/,
  /#SHOP#shop-1#QCSAMPLE#2026-W49 HEAD$/,
  /#PROMO#double-11#AUDIT AUDIT#/,
  /^REGION#CAPACITY ASK#T#/,
  /#CONV#conv-old CONV$/,
  /#CONV#conv-old MSG#/,
  /^IDLE#/,
  /^MILITIA-EXPIRY /,
  /^WEBHOOK#endpoint-/,
  /^TICKET#/,
  /#USER#boss RATE#MSG#/,
];

/** The purge, seeing only the given tenants' markers (other files' due tenants share the table). */
const only = (tenantIds: readonly string[], deps = purgeDependencies) => ({
  ...deps,
  duePurges: async (due: Date, limit: number) => (await deps.duePurges(due, 1000)).filter((m) => tenantIds.includes(m.tenantId)).slice(0, limit),
});

const pagesStored = async (tenantId: string, purgeAt: Date) => {
  const [marker] = await only([tenantId]).duePurges(purgeAt, 1);
  return marker ? Object.values(marker.sweep).reduce((sum, segment) => sum + segment.pages, 0) : undefined;
};

describe("the tenant purge's sweep of the table (DynamoDB Local)", () => {
  it("deletes every item of the tenant the walk cannot name, in runs cut short, killed and resumed, leaving only the tombstone; a neighbour whose id extends it and an unrelated tenant keep every item unchanged (rows 3, 14)", { timeout: 240_000 }, async () => {
    const tenantA = `sweep${run}`;
    const neighbour = `${tenantA}2`;
    const unrelated = `other${run}`;
    for (const tenantId of [tenantA, neighbour, unrelated]) await seedTenant(tenantId);
    const purgeAt = await confirmDeletionOf(tenantA);
    const [aBefore, neighbourBefore, unrelatedBefore] = await itemsOfTenants(tenantA, neighbour, unrelated);
    for (const [tenantId, items] of [[tenantA, aBefore!], [neighbour, neighbourBefore!], [unrelated, unrelatedBefore!]] as const) {
      const seeded = keysOf(items);
      for (const kind of seededKinds) expect(seeded.some((key) => kind.test(key)), `${tenantId}: ${kind}`).toBe(true);
    }
    const ours = only([tenantA]);
    const itemsNamedBefore = await itemsNaming(tenantA);
    for (const kind of seededKinds) expect(itemsNamedBefore.some((key) => kind.test(key)), `named before: ${kind}`).toBe(true);

    // A run killed mid-sweep: from the third page on, every page's deletes die, as the whole process would.
    let deletes = 0;
    const crashing = { ...ours, deleteKeys: async (itemKeys: readonly { pk: string; sk: string }[]) => {
      if (++deletes >= 3) throw new Error('killed');
      return ours.deleteKeys(itemKeys);
    } };
    await expect(purgeDueTenants(purgeAt, { sweepPageLimit: 10 }, crashing)).rejects.toThrow('killed');
    // Two pages were deleted and recorded (their records may land just after the rejection); no other page was.
    const afterCrash = await eventually(() => pagesStored(tenantA, purgeAt), (pages) => pages === 2, 5_000);
    expect(afterCrash).toBe(2);
    expect((await storedItem(keys.tenant(tenantA)))?.status).toBe('purging');

    // Runs with a tiny time budget and page: each takes a few pages, stores them and stops; the next resumes.
    const progress: number[] = [afterCrash!];
    let result: Awaited<ReturnType<typeof purgeDueTenants>> | undefined;
    const giveUpAt = Date.now() + 150_000;
    for (let runs = 1; Date.now() < giveUpAt; runs++) {
      // Five runs of 10-item pages and 25 ms each, then 1 MB pages and 10 s: the table holds every test file's items.
      result = await purgeDueTenants(purgeAt, runs <= 5 ? { sweepPageLimit: 10, stopSweepingAt: Date.now() + 25 } : { stopSweepingAt: Date.now() + 10_000 }, ours);
      if (result.purged.length > 0) break;
      expect(result.continuing).toMatchObject({ tenantId: tenantA, sweptItems: expect.any(Number) });
      progress.push((await pagesStored(tenantA, purgeAt))!);
    }
    expect(result?.purged).toEqual([{ tenantId: tenantA, conversations: 0, itemsDeleted: 0, sweptItems: expect.any(Number) }]);
    expect(progress.length).toBeGreaterThan(2);
    // Pages stored only ever grow: no run went back over what an earlier one recorded.
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    // Nothing of the tenant is left but its tombstone (no marker either); the others are exactly as they were.
    const [aAfter, neighbourAfter, unrelatedAfter] = await itemsOfTenants(tenantA, neighbour, unrelated);
    expect(keysOf(aAfter!)).toEqual([`T#${tenantA} TENANT`]);
    expect((await storedItem(keys.tenant(tenantA)))?.status).toBe('purged');
    // Nor anywhere else: no item of the whole table names the tenant in any string, at any depth, but the tombstone.
    // Before the purge the same Scan finds every seeded kind's item (checked, so the search can find them).
    expect(itemsNamedBefore.length).toBeGreaterThanOrEqual(seededKinds.length);
    expect(await itemsNaming(tenantA)).toEqual([`T#${tenantA} TENANT`]);
    expect(neighbourAfter).toEqual(neighbourBefore);
    expect(unrelatedAfter).toEqual(unrelatedBefore);
    expect(await purgeDueTenants(purgeAt, {}, ours)).toEqual({ purged: [] });
  });

  it('two runs of the same tenant at once both finish without error and leave nothing but the tombstone (row 25: the schedule firing twice)', { timeout: 120_000 }, async () => {
    const tenantC = `sweepc${run}`;
    const bystander = `sweepc${run}0`;
    for (const tenantId of [tenantC, bystander]) await seedTenant(tenantId);
    const purgeAt = await confirmDeletionOf(tenantC);
    const [bystanderBefore] = await itemsOfTenants(bystander);
    const ours = only([tenantC]);
    const both = await Promise.all([purgeDueTenants(purgeAt, { sweepPageLimit: 500 }, ours), purgeDueTenants(purgeAt, { sweepPageLimit: 500 }, ours)]);
    // Each run either purged the tenant or found it finished by the other; neither is left continuing.
    for (const outcome of both) expect(outcome.continuing).toBeUndefined();
    expect(both.flatMap((outcome) => outcome.purged.map((p) => p.tenantId))).toContain(tenantC);
    const [cAfter, bystanderAfter] = await itemsOfTenants(tenantC, bystander);
    expect(keysOf(cAfter!)).toEqual([`T#${tenantC} TENANT`]);
    expect((await storedItem(keys.tenant(tenantC)))?.status).toBe('purged');
    expect(bystanderAfter).toEqual(bystanderBefore);
  });
});
