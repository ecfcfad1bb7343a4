import { beforeAll, describe, expect, it } from 'vitest';
import { caseIdForRefund } from '../../shared/after-sales/case';
import { recordRetentionByUser } from '../../shared/after-sales/case-service';
import { assignWaitingCases } from '../../shared/after-sales/change-case';
import { recordCaseChangesForOrderEvent } from '../../shared/after-sales/record-order-event-cases';
import { sweepCaseDeadlines } from '../../shared/after-sales/sweep-case-deadlines';
import { updatePresence } from '../../shared/store/agents';
import { getCaseOwnerCandidates, listCaseIdsOfOrder, putCaseSettings } from '../../shared/store/cases';
import { keys } from '../../shared/store/keys';
import { recordShopSupervisor } from '../../shared/store/shop-supervisors';
import { caseSettingsBody } from '../../shared/after-sales/case-settings';
import { createAgent, createShop, measure, routingConfig } from './routing-fixtures';
import { caseFrameRecorder, casePartition, dueEntriesOf, hours, indexedCaseIds, minutes, orderFeed, refundEvent, storedCase } from './cases-fixtures';

const tenant = 'tenant-cases-orders';
const caseLoadOf = async (agentId: string) => (await getCaseOwnerCandidates(tenant, [agentId], { consistent: true }))[0]?.caseLoad ?? 0;
const settings = (overrides: Record<string, unknown> = {}) => caseSettingsBody.parse({ safetyMarginMinutes: 60, supervisorIds: ['sup-1'], ...overrides });

beforeAll(async () => {
  await createShop(tenant, 'shop-a', routingConfig({ groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after-a' } }));
  await createAgent(tenant, 'after-1', { shopIds: ['shop-a'], groupIds: ['after-a'] });
  await putCaseSettings(tenant, 'shop-a', settings(), new Date());
});

describe('cases from order events (the reducer + DynamoDB Local)', () => {
  it('opens one case per platform refund: a redelivered or concurrent "requested" still makes one, owned, on the platform\'s deadline', async () => {
    const rec = caseFrameRecorder();
    const t0 = new Date('2018-01-10T00:00:00.000Z');
    const feed = orderFeed(tenant, 'shop-a', 'o-1', rec.deps);
    const requested = refundEvent({ shopId: 'shop-a', orderId: 'o-1', refundId: 'r-1', status: 'requested', version: 1, at: t0, buyerId: 'b-1', deadline: new Date(t0.getTime() + hours(24)) });
    const loadBefore = await caseLoadOf('after-1');
    await feed.apply(requested, t0);
    await feed.apply(requested, new Date(t0.getTime() + minutes(3)));
    await Promise.all([0, 1].map(() => recordCaseChangesForOrderEvent({ tenantId: tenant, order: feed.order, envelope: requested, now: t0 }, rec.deps)));

    const caseId = caseIdForRefund('taobao', 'shop-a', 'r-1');
    const stored = await storedCase(tenant, caseId);
    expect(stored?.case).toMatchObject({ state: 'waiting-seller', ownerId: 'after-1', orderId: 'o-1', buyerId: 'b-1', type: 'refund-only', origin: 'refund' });
    expect(stored?.case.deadline).toMatchObject({ source: 'platform', dueAt: '2018-01-11T00:00:00.000Z', slaDueAt: '2018-01-10T23:00:00.000Z' });
    // Head + opened, deadline and owner entries; nothing more for the duplicates.
    const partition = await casePartition(tenant, caseId);
    expect(partition.map((item) => item.sk)).toEqual(['CASE', 'TL#000000', 'TL#000001', 'TL#000002']);
    expect(partition.slice(1).map((item) => (item.entry as { kind: string }).kind)).toEqual(['opened', 'deadline', 'owner']);
    expect(rec.of('after-1', 'case.opened')).toHaveLength(1);
    expect(rec.frames).toHaveLength(1);
    expect(await caseLoadOf('after-1')).toBe(loadBefore + 1);
    expect(await listCaseIdsOfOrder(tenant, 'shop-a', 'taobao', 'o-1')).toEqual([caseId]);
    expect(await indexedCaseIds('gsi1', keys.casesOfOwner(tenant, 'after-1').gsi1pk)).toContain(caseId);
    // Filed at its first warning: half of the 23 h SLA window.
    expect(stored?.dueMinute).toBe('2018-01-10T11:30');
    expect(await dueEntriesOf(tenant, caseId, '2018-01-10T11:30')).toHaveLength(1);
  });

  it('resolves the case with its outcome when the refund succeeds, releasing the owner and the due-time entry', async () => {
    const rec = caseFrameRecorder();
    const t0 = new Date('2018-02-10T00:00:00.000Z');
    const feed = orderFeed(tenant, 'shop-a', 'o-2', rec.deps);
    const loadBefore = await caseLoadOf('after-1');
    await feed.apply(refundEvent({ shopId: 'shop-a', orderId: 'o-2', refundId: 'r-2', status: 'requested', version: 1, at: t0 }), t0);
    expect(await caseLoadOf('after-1')).toBe(loadBefore + 1);
    const t1 = new Date(t0.getTime() + hours(2));
    await feed.apply(refundEvent({ shopId: 'shop-a', orderId: 'o-2', refundId: 'r-2', status: 'succeeded', version: 2, at: t1 }), t1);

    const caseId = caseIdForRefund('taobao', 'shop-a', 'r-2');
    const stored = await storedCase(tenant, caseId);
    expect(stored?.case).toMatchObject({ state: 'resolved', outcome: 'refunded', ownerId: 'after-1' });
    expect(stored?.case.deadline).toBeUndefined();
    expect(stored?.dueMinute).toBeUndefined();
    expect(await dueEntriesOf(tenant, caseId, '2018-02-10T12:00')).toEqual([]);
    expect(await caseLoadOf('after-1')).toBe(loadBefore);
    expect(await indexedCaseIds('gsi1', keys.casesOfOwner(tenant, 'after-1').gsi1pk)).not.toContain(caseId);
    expect(await indexedCaseIds('gsi2', keys.casesOfShopInState(tenant, 'shop-a', 'resolved').gsi2pk)).toContain(caseId);
    expect(rec.of('after-1', 'case.updated').at(-1)).toMatchObject({ case: { caseId, state: 'resolved', outcome: 'refunded' } });
    // The older "requested" arriving late moves nothing back.
    await feed.apply(refundEvent({ shopId: 'shop-a', orderId: 'o-2', refundId: 'r-2', status: 'requested', version: 1, at: t0, messageId: 'late-requested' }), t1);
    expect((await storedCase(tenant, caseId))?.rev).toBe(stored?.rev);
  });

  it('closes as refund-retained when the buyer closes the refund after a retention attempt, as withdrawn without one', async () => {
    const rec = caseFrameRecorder();
    const t0 = new Date('2018-03-10T00:00:00.000Z');
    const feed = orderFeed(tenant, 'shop-a', 'o-3', rec.deps);
    await feed.apply(refundEvent({ shopId: 'shop-a', orderId: 'o-3', refundId: 'r-3', status: 'requested', version: 1, at: t0, kind: 'return-and-refund' }), t0);
    await feed.apply(refundEvent({ shopId: 'shop-a', orderId: 'o-3', refundId: 'r-4', status: 'requested', version: 1, at: t0 }), t0);
    const retained = caseIdForRefund('taobao', 'shop-a', 'r-3');
    const agent = { tenantId: tenant, userId: 'after-1', role: 'agent' as const, shopIds: ['shop-a'] };
    await recordRetentionByUser(agent, retained, '送10元券，买家考虑', new Date(t0.getTime() + hours(1)));

    const t1 = new Date(t0.getTime() + hours(3));
    await feed.apply(refundEvent({ shopId: 'shop-a', orderId: 'o-3', refundId: 'r-3', status: 'closed', version: 2, at: t1, kind: 'return-and-refund' }), t1);
    await feed.apply(refundEvent({ shopId: 'shop-a', orderId: 'o-3', refundId: 'r-4', status: 'closed', version: 2, at: t1 }), t1);
    expect((await storedCase(tenant, retained))?.case).toMatchObject({ state: 'closed', outcome: 'refund-retained', retentionBy: 'after-1' });
    expect((await storedCase(tenant, caseIdForRefund('taobao', 'shop-a', 'r-4')))?.case).toMatchObject({ state: 'closed', outcome: 'withdrawn' });
  });

  it('opens one case per parcel the buyer refused (FAILED) or the carrier lost, however often the trace comes', async () => {
    const rec = caseFrameRecorder();
    const t0 = new Date('2018-03-20T00:00:00.000Z');
    const feed = orderFeed(tenant, 'shop-a', 'o-parcel', rec.deps);
    const trace = (action: 'in-transit' | 'failed' | 'lost', parcelId: string, messageId: string) => ({
      platform: 'taobao' as const,
      shopId: 'shop-a',
      messageId,
      topic: 'logistics.updated' as const,
      sourceTopic: 'taobao_logistics_LogsticDetailTrace',
      occurredAt: t0.toISOString(),
      businessVersion: 1,
      payload: { orderId: 'o-parcel', parcelId, action, at: t0.toISOString() },
    });
    await feed.apply(trace('in-transit', 'SF1', 'lg-1'), t0);
    await feed.apply(trace('failed', 'SF1', 'lg-2'), t0);
    await feed.apply(trace('failed', 'SF1', 'lg-2'), t0);
    await feed.apply(trace('lost', 'SF2', 'lg-3'), t0);
    const ids = await listCaseIdsOfOrder(tenant, 'shop-a', 'taobao', 'o-parcel');
    expect(ids).toHaveLength(2);
    const cases = await Promise.all(ids.map((id) => storedCase(tenant, id)));
    expect(cases.map((c) => [c?.case.parcelId, c?.case.type, c?.case.state, c?.case.origin]).sort()).toEqual([
      ['SF1', 'other', 'waiting-seller', 'logistics'],
      ['SF2', 'missing-or-damaged', 'waiting-seller', 'logistics'],
    ]);
    expect(rec.of('after-1', 'case.opened')).toHaveLength(2);
  });

  it('leaves a case unowned while nobody of the after-sale group is free, and gives it to an agent who comes online or frees up', async () => {
    await createShop(tenant, 'shop-b', routingConfig({ groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after-b' } }));
    await putCaseSettings(tenant, 'shop-b', settings({ agentCaseCap: 1 }), new Date());
    await createAgent(tenant, 'after-b1', { shopIds: ['shop-b'], groupIds: ['after-b'], presence: 'offline' });
    const rec = caseFrameRecorder();
    const t0 = new Date('2018-04-10T00:00:00.000Z');
    const feed = orderFeed(tenant, 'shop-b', 'o-5', rec.deps);
    await feed.apply(refundEvent({ shopId: 'shop-b', orderId: 'o-5', refundId: 'r-5', status: 'requested', version: 1, at: t0 }), t0);
    const first = caseIdForRefund('taobao', 'shop-b', 'r-5');
    expect((await storedCase(tenant, first))?.case.ownerId).toBeUndefined();
    expect(await indexedCaseIds('gsi1', keys.unownedCasesOfShop(tenant, 'shop-b').gsi1pk)).toEqual([first]);

    await updatePresence(tenant, 'after-b1', 'online');
    expect(await assignWaitingCases(tenant, 'after-b1', t0, rec.deps)).toBe(1);
    expect((await storedCase(tenant, first))?.case.ownerId).toBe('after-b1');
    expect(rec.of('after-b1', 'case.updated')).toHaveLength(1);

    // At the shop's case cap (1), the next case waits…
    await feed.apply(refundEvent({ shopId: 'shop-b', orderId: 'o-5', refundId: 'r-6', status: 'requested', version: 1, at: t0 }), t0);
    const second = caseIdForRefund('taobao', 'shop-b', 'r-6');
    expect((await storedCase(tenant, second))?.case.ownerId).toBeUndefined();
    // …until the first ends and frees the agent, who gets it at once.
    await feed.apply(refundEvent({ shopId: 'shop-b', orderId: 'o-5', refundId: 'r-5', status: 'succeeded', version: 2, at: t0 }), t0);
    expect((await storedCase(tenant, second))?.case.ownerId).toBe('after-b1');
    expect(await caseLoadOf('after-b1')).toBe(1);
    expect(await indexedCaseIds('gsi1', keys.unownedCasesOfShop(tenant, 'shop-b').gsi1pk)).toEqual([]);
  });
});

describe('the deadline sweep (DynamoDB Local)', () => {
  it('warns at 50, 80 and 100 % once each, to the owner and the supervisors, even when it runs twice for a minute or twice at once (row 25)', async () => {
    const rec = caseFrameRecorder();
    const t0 = new Date('2018-05-10T00:00:00.000Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const feed = orderFeed(tenant, 'shop-a', 'o-10', rec.deps);
    // Platform deadline 10 h, margin 60 min: SLA window 9 h; points at 4.5 h, 7.2 h, 9 h.
    await feed.apply(refundEvent({ shopId: 'shop-a', orderId: 'o-10', refundId: 'r-10', status: 'requested', version: 1, at: t0, deadline: at(hours(10)) }), t0);
    const cursor = 'test-sweep-once';
    const sweep = (now: Date) => sweepCaseDeadlines(now, rec.sweepDeps, { cursor, firstLookbackMinutes: 5 });

    expect(await sweep(at(minutes(1)))).toMatchObject({ entriesRead: 0, warningsPushed: 0 });
    expect(await sweep(at(hours(4)))).toMatchObject({ entriesRead: 0, warningsPushed: 0 });
    expect(await sweep(at(hours(4.5)))).toMatchObject({ entriesRead: 1, warningsPushed: 1 });
    expect(await sweep(at(hours(4.5)))).toMatchObject({ alreadySwept: true, entriesRead: 0, warningsPushed: 0 });
    const twice = await Promise.all([sweep(at(hours(7.2) + minutes(1))), sweep(at(hours(7.2) + minutes(1)))]);
    expect(twice[0]!.warningsPushed + twice[1]!.warningsPushed).toBe(1);
    expect(await sweep(at(hours(9)))).toMatchObject({ warningsPushed: 1 });
    expect(await sweep(at(hours(9)))).toMatchObject({ alreadySwept: true });
    expect(await sweep(at(hours(12)))).toMatchObject({ entriesRead: 0, warningsPushed: 0 });

    for (const user of ['after-1', 'sup-1']) {
      const warnings = rec.of(user, 'case.warning') as { point: number; kind: string }[];
      expect(warnings.map((w) => [w.point, w.kind])).toEqual([
        [0.5, 'warning'],
        [0.8, 'warning'],
        [1, 'overdue'],
      ]);
    }
    const caseId = caseIdForRefund('taobao', 'shop-a', 'r-10');
    const stored = await storedCase(tenant, caseId);
    expect(stored?.case.warningsSent).toHaveLength(3);
    expect(stored?.dueMinute).toBeUndefined();
    // Warnings are not case changes: no case.updated frames came with them.
    expect(rec.of('after-1', 'case.updated')).toEqual([]);
  });

  it("warns the shop's connected supervisors too, as the service clock alerts them, once each, and not another shop's", async () => {
    const rec = caseFrameRecorder();
    const t0 = new Date('2018-05-20T00:00:00.000Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const feed = orderFeed(tenant, 'shop-a', 'o-12', rec.deps);
    await feed.apply(refundEvent({ shopId: 'shop-a', orderId: 'o-12', refundId: 'r-12', status: 'requested', version: 1, at: t0, deadline: at(hours(10)) }), t0);
    // Connected shortly before the 50 % point: a supervisor of shop-a (also listed in the settings), one of another shop.
    await recordShopSupervisor(tenant, 'sup-live', ['shop-a'], at(hours(4)));
    await recordShopSupervisor(tenant, 'sup-1', ['shop-a'], at(hours(4)));
    await recordShopSupervisor(tenant, 'sup-elsewhere', ['shop-b'], at(hours(4)));
    const cursor = 'test-sweep-live-supervisors';
    await sweepCaseDeadlines(at(minutes(1)), rec.sweepDeps, { cursor, firstLookbackMinutes: 5 });
    expect(await sweepCaseDeadlines(at(hours(4.5)), rec.sweepDeps, { cursor })).toMatchObject({ warningsPushed: 1 });
    expect(rec.of('sup-live', 'case.warning')).toHaveLength(1);
    expect(rec.of('sup-1', 'case.warning')).toHaveLength(1);
    expect(rec.of('sup-elsewhere', 'case.warning')).toEqual([]);
  });

  it('after a delay pushes only the latest point due, recording the earlier ones as sent', async () => {
    const rec = caseFrameRecorder();
    const t0 = new Date('2018-06-10T00:00:00.000Z');
    const feed = orderFeed(tenant, 'shop-a', 'o-11', rec.deps);
    await feed.apply(refundEvent({ shopId: 'shop-a', orderId: 'o-11', refundId: 'r-11', status: 'requested', version: 1, at: t0, deadline: new Date(t0.getTime() + hours(10)) }), t0);
    const report = await sweepCaseDeadlines(new Date(t0.getTime() + hours(9.5)), rec.sweepDeps, { cursor: 'test-sweep-late', firstLookbackMinutes: 24 * 60 });
    expect(report).toMatchObject({ entriesRead: 1, casesWarned: 1, warningsPushed: 1, warningsSuperseded: 2 });
    expect((rec.of('after-1', 'case.warning') as { kind: string }[]).map((w) => w.kind)).toEqual(['overdue']);
  });

  it('reads only the entries due: the same read units whether 0 or 60 other cases are filed for later (issue 7: cost grows with cases due)', async () => {
    await createShop(tenant, 'shop-c', routingConfig({ groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after-c' } }));
    await putCaseSettings(tenant, 'shop-c', settings({ safetyMarginMinutes: 0, warningPoints: [1], supervisorIds: [] }), new Date());
    const rec = caseFrameRecorder();
    const runEra = async (t0: Date, notDue: number, label: string) => {
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const feed = orderFeed(tenant, 'shop-c', `o-${label}`, rec.deps);
      for (let i = 0; i < 3; i++) {
        await feed.apply(refundEvent({ shopId: 'shop-c', orderId: `o-${label}`, refundId: `${label}-due-${i}`, status: 'requested', version: 1, at: t0, deadline: at(minutes(30)) }), t0);
      }
      for (let i = 0; i < notDue; i++) {
        // Later in the same hour partition, and days ahead.
        const deadline = i % 2 === 0 ? at(minutes(50)) : at(hours(72));
        await feed.apply(refundEvent({ shopId: 'shop-c', orderId: `o-${label}`, refundId: `${label}-later-${i}`, status: 'requested', version: 1, at: t0, deadline }), t0);
      }
      const cursor = `test-sweep-cost-${label}`;
      await sweepCaseDeadlines(at(minutes(1)), rec.sweepDeps, { cursor, firstLookbackMinutes: 5 });
      return measure(() => sweepCaseDeadlines(at(minutes(31)), rec.sweepDeps, { cursor }));
    };
    const alone = await runEra(new Date('2018-07-10T00:00:00.000Z'), 0, 'alone');
    const crowded = await runEra(new Date('2018-08-10T00:00:00.000Z'), 60, 'crowded');
    expect(alone.result).toMatchObject({ entriesRead: 3, casesWarned: 3 });
    expect(crowded.result).toMatchObject({ entriesRead: 3, casesWarned: 3 });
    expect(crowded.rru).toBe(alone.rru);
    expect(crowded.wru).toBe(alone.wru);
  }, 120_000);
});
