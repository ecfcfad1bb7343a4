import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { orderOutreachDependencies, planOrderOutreach } from '../../shared/outreach/order-outreach';
import { noticeBuyerMessage } from '../../shared/outreach/buyer-message';
import { issueCoupon, carryOutCoupon, couponDependencies } from '../../shared/outreach/coupons';
import { createFireDependencies, fireTask } from '../../shared/outreach/fire-task';
import type { Promo } from '../../shared/promo/calendar';
import { listPromos, savePromo } from '../../shared/store/promos';
import type { FireJob } from '../../shared/outreach/jobs';
import { sweepOutreach } from '../../shared/outreach/sweep-outreach';
import { outreachSettingsBody } from '../../shared/outreach/settings';
import { minuteOf, minuteStart, taskIdFor } from '../../shared/outreach/task';
import { applyOrderEventToStore } from '../../shared/store/orders';
import { getCouponIssuance, getCouponSpend } from '../../shared/store/coupons';
import { createTask, dueShardOf, getTask, listDueEntries } from '../../shared/store/outreach';
import { keys } from '../../shared/store/keys';
import { receiveAll } from '../support/queues';
import { storedItem } from '../support/table';
import { campaignTask, orderEnvelope, ownOutreachQueue, recordingGateway, saveSettings, signedEnvelope } from './outreach-fixtures';
import { createShop } from './routing-fixtures';

const tenant = `outreach-${randomUUID().slice(0, 8)}`;
let queueUrl: string;
// 10:00 in Shanghai on 2026-12-05: outside the default quiet hours.
const morning = new Date('2026-12-05T02:00:00.000Z');
const plus = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);
const fireJob = (taskId: string, dueMinute: string, phase: FireJob['phase'] = 'send'): FireJob => ({ type: 'fire', tenantId: tenant, taskId, dueMinute, phase });

beforeAll(async () => {
  queueUrl = await ownOutreachQueue('outreach-rules');
  await createShop(tenant, 'shop-a');
  await createShop(tenant, 'shop-b');
  await createShop(tenant, 'shop-p');
  await createShop(tenant, 'shop-t');
  await saveSettings(tenant, 'shop-a', { brandId: 'brand-1', dailyCapPerBuyer: 3 });
  await saveSettings(tenant, 'shop-b', { brandId: 'brand-1', dailyCapPerBuyer: 3 });
});

async function applyAndPlan(envelope: ReturnType<typeof orderEnvelope>, now: Date) {
  const applied = await applyOrderEventToStore(tenant, envelope, now);
  return planOrderOutreach({ tenantId: tenant, order: applied.order!, envelope, now }, orderOutreachDependencies);
}

describe('outreach rules on DynamoDB Local', () => {
  it('a duplicated SIGNED event makes one delivery callback, even when both copies are planned at once', async () => {
    const orderId = '7000000000000000001';
    await applyAndPlan(orderEnvelope('shop-a', orderId, 'paid', plus(morning, -600)), plus(morning, -600));
    await applyAndPlan(orderEnvelope('shop-a', orderId, 'shipped', plus(morning, -300)), plus(morning, -300));
    // The platform sends SIGNED twice under different message ids; both arrive together.
    const results = await Promise.all([signedEnvelope('shop-a', orderId, morning, 'sg-a'), signedEnvelope('shop-a', orderId, morning, 'sg-b'), signedEnvelope('shop-a', orderId, morning, 'sg-a')].map((e) => applyAndPlan(e, morning)));
    const taskId = taskIdFor('shop-a', 'taobao', orderId, 'delivery-callback');
    const created = results.reduce((sum, result) => sum + result.created, 0);
    // The callback and the urge-to-confirm, each created once across the three runs.
    expect(created).toBe(2);
    const task = await getTask(tenant, taskId);
    expect(task).toMatchObject({ kind: 'delivery-callback', status: 'scheduled', assignTo: 'agents', dueAt: plus(morning, 120).toISOString() });
    const bucket = await listDueEntries(task!.dueMinute, dueShardOf(tenant, taskId), 100);
    expect(bucket.entries.filter((entry) => entry.taskId === taskId)).toHaveLength(1);
  });

  it('a nudge after payment never goes out: paying cancels the queued nudges, and a nudge whose cancel was missed is refused at send time', async () => {
    const orderId = '7000000000000000002';
    const created = plus(morning, -40);
    await applyAndPlan(orderEnvelope('shop-a', orderId, 'created', created), created);
    const nudge0 = taskIdFor('shop-a', 'taobao', orderId, 'urge-to-pay', 0);
    const nudge1 = taskIdFor('shop-a', 'taobao', orderId, 'urge-to-pay', 1);
    expect((await getTask(tenant, nudge0))?.status).toBe('scheduled');
    // Paid while nudge 0 is already on the queue.
    const paidAt = plus(morning, -5);
    const applied = await applyOrderEventToStore(tenant, orderEnvelope('shop-a', orderId, 'paid', paidAt), paidAt);
    const gateway = recordingGateway();
    // The fire comes before the orders step ran (a step that failed and waits for redelivery): still refused.
    const task0 = (await getTask(tenant, nudge0))!;
    expect(await fireTask(fireJob(nudge0, task0.dueMinute), morning, gateway.deps)).toBe('cancelled');
    expect(await getTask(tenant, nudge0)).toMatchObject({ status: 'cancelled', reason: 'order-paid' });
    // Then the step runs: the other nudges are cancelled too.
    const plan = await planOrderOutreach({ tenantId: tenant, order: applied.order!, envelope: orderEnvelope('shop-a', orderId, 'paid', paidAt), now: paidAt });
    expect(plan.stopped).toBe(2);
    const task1 = (await getTask(tenant, nudge1))!;
    expect(await fireTask(fireJob(nudge1, task1.dueMinute), plus(morning, 240), gateway.deps)).toBe('stale');
    expect(gateway.sent).toHaveLength(0);
  });

  it('quiet hours defer, not drop: a task due at 23:30 shop time is re-filed at 08:00 and sent then', async () => {
    const night = new Date('2026-12-05T15:30:00.000Z'); // 23:30 Shanghai
    const task = campaignTask(tenant, 'shop-a', `ot_quiet_${randomUUID().slice(0, 8)}`, 'buyer-night', night, 'brand-1');
    await createTask(task);
    const gateway = recordingGateway();
    expect(await fireTask(fireJob(task.taskId, task.dueMinute), night, gateway.deps)).toBe('deferred-quiet');
    const deferred = (await getTask(tenant, task.taskId))!;
    expect(deferred).toMatchObject({ status: 'scheduled', dueMinute: '2026-12-06T00:00', reason: 'quiet-hours', deferrals: 1 });
    // Filed in the 08:00 bucket; the old copy of the job is now stale.
    const bucket = await listDueEntries('2026-12-06T00:00', dueShardOf(tenant, task.taskId), 100);
    expect(bucket.entries.map((entry) => entry.taskId)).toContain(task.taskId);
    expect(await fireTask(fireJob(task.taskId, task.dueMinute), night, gateway.deps)).toBe('stale');
    expect(gateway.sent).toHaveLength(0);
    expect(await fireTask(fireJob(task.taskId, '2026-12-06T00:00'), new Date('2026-12-06T00:00:05Z'), gateway.deps)).toBe('sent');
    expect(gateway.to(task.taskId)).toHaveLength(1);
    expect((await getTask(tenant, task.taskId))?.status).toBe('sent');
  });

  it('the daily cap per buyer across the brand\'s shops holds under concurrent triggers', async () => {
    const buyer = `buyer-cap-${randomUUID().slice(0, 6)}`;
    const tasks = Array.from({ length: 10 }, (_, index) => campaignTask(tenant, index % 2 ? 'shop-a' : 'shop-b', `ot_cap_${index}_${randomUUID().slice(0, 6)}`, buyer, morning, 'brand-1'));
    await Promise.all(tasks.map((task) => createTask(task)));
    const gateway = recordingGateway();
    const outcomes = await Promise.all(tasks.map((task) => fireTask(fireJob(task.taskId, task.dueMinute), morning, gateway.deps)));
    expect(outcomes.filter((outcome) => outcome === 'sent')).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome === 'deferred-cap')).toHaveLength(7);
    expect(gateway.sent).toHaveLength(3);
    // The capped ones wait for the next local day (08:00 after quiet hours), not dropped.
    const capped = await Promise.all(tasks.map((task) => getTask(tenant, task.taskId)));
    expect(capped.filter((task) => task?.status === 'scheduled').every((task) => task!.dueMinute === '2026-12-06T00:00')).toBe(true);
    const day = await storedItem(keys.outreachBuyerDay(tenant, 'brand-1', buyer, '2026-12-05'));
    expect((day?.taskIds as Set<string>).size).toBe(3);
  });

  it('opt-out stops queued tasks: 退订 from the buyer cancels what is already on the queue, at once', async () => {
    const buyer = `buyer-optout-${randomUUID().slice(0, 6)}`;
    const task = campaignTask(tenant, 'shop-b', `ot_optout_${randomUUID().slice(0, 6)}`, buyer, plus(morning, 3), 'brand-1');
    await createTask(task);
    // Swept onto the queue...
    const report = await sweepOutreach(plus(morning, 3), undefined, { cursor: `optout-${randomUUID()}`, firstLookbackMinutes: 1 });
    expect(report.queued).toBeGreaterThanOrEqual(1);
    const jobs = (await receiveAll(queueUrl)) as FireJob[];
    const job = jobs.find((item) => item.taskId === task.taskId)!;
    expect(job).toBeDefined();
    // ...then the buyer writes 退订 at the other shop of the brand.
    expect(await noticeBuyerMessage({ tenantId: tenant, shopId: 'shop-a', buyerId: buyer, text: '退订' }, plus(morning, 3))).toBe(true);
    const gateway = recordingGateway();
    expect(await fireTask(job, plus(morning, 3), gateway.deps)).toBe('cancelled');
    expect(await getTask(tenant, task.taskId)).toMatchObject({ status: 'cancelled', reason: 'opted-out' });
    expect(gateway.sent).toHaveLength(0);
    // Any other message records nothing.
    expect(await noticeBuyerMessage({ tenantId: tenant, shopId: 'shop-a', buyerId: 'someone', text: '怎么退订单' }, morning)).toBe(false);
  });

  it('a double sweep of one minute sends once: two concurrent sweeps and a repeat, every copy fired', async () => {
    const minute = plus(morning, 30);
    const tasks = Array.from({ length: 40 }, (_, index) => campaignTask(tenant, 'shop-a', `ot_dbl_${index}_${randomUUID().slice(0, 6)}`, `buyer-dbl-${index}`, minute, 'brand-1'));
    await Promise.all(tasks.map((task) => createTask(task)));
    await receiveAll(queueUrl);
    const cursor = `double-${randomUUID()}`;
    // Two runs for the same minute at once, then Scheduler's at-least-once repeat.
    const [first, second] = await Promise.all([sweepOutreach(minute, undefined, { cursor, firstLookbackMinutes: 1 }), sweepOutreach(minute, undefined, { cursor, firstLookbackMinutes: 1 })]);
    const third = await sweepOutreach(minute, undefined, { cursor });
    expect(third.alreadySwept).toBe(true);
    expect(first.queued + second.queued).toBeGreaterThanOrEqual(40);
    const jobs = ((await receiveAll(queueUrl)) as FireJob[]).filter((job) => tasks.some((task) => task.taskId === job.taskId));
    expect(jobs.length).toBeGreaterThanOrEqual(40);
    const gateway = recordingGateway();
    // Every copy is fired, duplicates concurrently with their originals.
    const outcomes = await Promise.all([...jobs, ...jobs].map((job) => fireTask(job, minute, gateway.deps)));
    // Past the shop's 50 sends a second, the bucket puts jobs back on the queue a second later: fire those too.
    let later = 1;
    for (let round = 0; outcomes.includes('throttled') && round < 20; round++) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const requeued = (await receiveAll(queueUrl)) as FireJob[];
      if (requeued.length === 0) continue;
      const again = await Promise.all(requeued.map((job) => fireTask(job, new Date(minute.getTime() + 1000 * later++), gateway.deps)));
      if (!again.includes('throttled')) break;
    }
    for (const task of tasks) expect(gateway.to(task.taskId)).toHaveLength(1);
    expect(gateway.sent).toHaveLength(40);
  });

  it('a sweeper down for 10 minutes catches up: every minute drained, nothing lost', async () => {
    const start = plus(morning, 60);
    const tasks = Array.from({ length: 10 }, (_, index) => campaignTask(tenant, 'shop-b', `ot_catch_${index}_${randomUUID().slice(0, 6)}`, `buyer-catch-${index}`, plus(start, index), 'brand-1'));
    await Promise.all(tasks.map((task) => createTask(task)));
    await receiveAll(queueUrl);
    const cursor = `catchup-${randomUUID()}`;
    await sweepOutreach(plus(start, -1), undefined, { cursor, firstLookbackMinutes: 0 });
    // Down from start to start+9; the run at start+10 walks all ten minutes.
    const report = await sweepOutreach(plus(start, 10), undefined, { cursor });
    expect(report).toMatchObject({ from: minuteOf(start), to: minuteOf(plus(start, 10)), minutes: 11 + 2 });
    const jobs = (await receiveAll(queueUrl)) as FireJob[];
    for (const task of tasks) expect(jobs.filter((job) => job.taskId === task.taskId)).toHaveLength(1);
    // Drained buckets are empty.
    for (const task of tasks) expect((await listDueEntries(task.dueMinute, dueShardOf(tenant, task.taskId), 10)).entries.find((e) => e.taskId === task.taskId)).toBeUndefined();
  });

  it('unread after N hours → one resend on the other channel (SMS within the shop ramp), never a second', async () => {
    await saveSettings(tenant, 'shop-sms', { channels: { resendAfterHours: 2, sms: { enabled: true, startPerDay: 1, growth: 1 } }, quietHours: { start: '00:00', end: '00:00' } });
    const first = campaignTask(tenant, 'shop-sms', `ot_reach_${randomUUID().slice(0, 6)}`, 'buyer-reach-1', morning);
    const second = campaignTask(tenant, 'shop-sms', `ot_reach_${randomUUID().slice(0, 6)}`, 'buyer-reach-2', morning);
    await Promise.all([createTask(first), createTask(second)]);
    const gateway = recordingGateway();
    expect(await fireTask(fireJob(first.taskId, first.dueMinute), morning, gateway.deps)).toBe('sent');
    expect(await fireTask(fireJob(second.taskId, second.dueMinute), morning, gateway.deps)).toBe('sent');
    expect(gateway.sent.map((item) => item.channel)).toEqual(['chat', 'chat']);
    const reachMinute = minuteOf(plus(morning, 120));
    const reachBucket = await listDueEntries(reachMinute, dueShardOf(tenant, first.taskId), 500);
    expect(reachBucket.entries).toContainEqual(expect.objectContaining({ taskId: first.taskId, phase: 'reach' }));
    const later = plus(morning, 121);
    const [a, b] = await Promise.all([fireTask(fireJob(first.taskId, reachMinute, 'reach'), later, gateway.deps), fireTask(fireJob(first.taskId, reachMinute, 'reach'), later, gateway.deps)]);
    expect([a, b].sort()).toEqual(['nothing-to-do', 'resent']);
    expect(gateway.to(first.taskId).map((item) => item.channel)).toEqual(['chat', 'sms']);
    expect((await getTask(tenant, first.taskId))?.reach).toMatchObject({ channel: 'chat', resentOn: 'sms' });
    // The shop's ramp allows one SMS today: the second buyer gets no resend.
    expect(await fireTask(fireJob(second.taskId, reachMinute, 'reach'), later, gateway.deps)).toBe('nothing-to-do');
    expect(gateway.to(second.taskId)).toHaveLength(1);
  });

  it('the coupon budget is never overspent by 50 concurrent issuances; a retried issuance spends once', async () => {
    const settings = { shopId: 'shop-a', ...outreachSettingsBody.parse({ coupons: { dailyBudgetMinor: 1000, strategy: [{ when: 'steady', kind: 'coupon', amountMinor: 300 }] } }) };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => issueCoupon({ tenantId: tenant, shopId: 'shop-a', platform: 'taobao', buyerId: `buyer-c${index}`, reason: `budget-${index}` }, settings, morning)),
    );
    const recorded = results.filter((result) => result.outcome === 'recorded');
    expect(recorded).toHaveLength(3);
    expect(results.filter((result) => result.outcome === 'over-budget')).toHaveLength(47);
    const day = '2026-12-05';
    expect(await getCouponSpend(tenant, 'shop-a', day)).toEqual({ spentMinor: 900, issued: 3 });
    const again = await issueCoupon({ tenantId: tenant, shopId: 'shop-a', platform: 'taobao', buyerId: 'x', reason: `budget-${results.indexOf(recorded[0]!)}` }, settings, morning);
    expect(again.outcome).toBe('exists');
    expect((await getCouponSpend(tenant, 'shop-a', day)).spentMinor).toBe(900);
    // The async command carries it out once through the platform adapter, with the issuance's own key.
    const gateway = recordingGateway();
    const deps = { ...couponDependencies, gateway: gateway.gateway };
    const job = { tenantId: tenant, couponId: recorded[0]!.couponId! };
    expect(await Promise.all([carryOutCoupon(job, morning, deps), carryOutCoupon(job, morning, deps)].map((p) => p.catch(() => 'error')))).toContain('issued');
    expect(await carryOutCoupon(job, morning, deps)).toBe('already-settled');
    expect(new Set(gateway.coupons.map((c) => c.idempotencyKey))).toEqual(new Set([job.couponId]));
    expect((await getCouponIssuance(tenant, job.couponId))?.status).toBe('issued');
  });

  it('a promo phase that defers outreach moves a shipping notice to the phase end (deferred, not dropped), while an urge to pay still goes in the peak (issue 10 §2)', async () => {
    const at = new Date().toISOString();
    const phaseEnd = plus(morning, 360);
    const promo: Promo = {
      promoId: 'double-11',
      name: '双11',
      zone: 'Asia/Shanghai',
      shopIds: ['shop-p'],
      phases: [{ phaseId: 'peak', kind: 'peak', startsAt: plus(morning, -10).toISOString(), endsAt: phaseEnd.toISOString(), routing: { stageBorrowing: [], deferOutreach: true } }],
      triggered: {},
      version: 1,
      createdAt: at,
      updatedAt: at,
      updatedBy: 'ops-1',
    };
    await savePromo(promo, tenant, undefined, 'ops-1');
    const gateway = recordingGateway();
    // The calendar as stored now (the consumer's own read is cached per instance for 30 s).
    const deps = { ...gateway.deps, promos: (tenantId: string) => listPromos(tenantId) };

    const shippedOrder = '7000000000000000090';
    await applyAndPlan(orderEnvelope('shop-p', shippedOrder, 'paid', plus(morning, -60)), plus(morning, -60));
    await applyAndPlan(orderEnvelope('shop-p', shippedOrder, 'shipped', morning), morning);
    const noticeId = taskIdFor('shop-p', 'taobao', shippedOrder, 'shipping-notice');
    const notice = (await getTask(tenant, noticeId))!;
    const firedAt = minuteStart(notice.dueMinute);
    expect(await fireTask(fireJob(noticeId, notice.dueMinute), firedAt, deps)).toBe('deferred-promo');
    expect(await getTask(tenant, noticeId)).toMatchObject({ status: 'scheduled', dueMinute: minuteOf(phaseEnd), reason: 'promo-peak', deferrals: 1 });
    expect((await listDueEntries(minuteOf(phaseEnd), dueShardOf(tenant, noticeId), 500)).entries).toContainEqual(expect.objectContaining({ taskId: noticeId, phase: 'send' }));
    // The old minute's copy does nothing; at the phase's end it goes.
    expect(await fireTask(fireJob(noticeId, notice.dueMinute), firedAt, deps)).toBe('stale');
    expect(gateway.to(noticeId)).toHaveLength(0);
    expect(await fireTask(fireJob(noticeId, minuteOf(phaseEnd)), phaseEnd, deps)).toBe('sent');
    expect(gateway.to(noticeId)).toHaveLength(1);

    // An urge to pay in the same phase is revenue-critical: sent at its time.
    const unpaidOrder = '7000000000000000091';
    await applyAndPlan(orderEnvelope('shop-p', unpaidOrder, 'created', morning), morning);
    const nudgeId = taskIdFor('shop-p', 'taobao', unpaidOrder, 'urge-to-pay', 0);
    const nudge = (await getTask(tenant, nudgeId))!;
    expect(minuteStart(nudge.dueMinute).getTime()).toBeLessThan(phaseEnd.getTime());
    expect(await fireTask(fireJob(nudgeId, nudge.dueMinute), minuteStart(nudge.dueMinute), deps)).toBe('sent');
    expect(gateway.to(nudgeId)).toHaveLength(1);
  });

  it('one batch fired together through one coalescing store: every copy of a duplicated job sends once, and the shop bucket (5/s) grants exactly 5 of 12 in one second', async () => {
    await saveSettings(tenant, 'shop-t', { brandId: 'brand-t', sendPerSecond: 5, quietHours: { start: '00:00', end: '00:00' } });
    const minute = plus(morning, 400);
    const tasks = Array.from({ length: 12 }, (_, index) => campaignTask(tenant, 'shop-t', `ot_batch_${index}_${randomUUID().slice(0, 6)}`, `buyer-batch-${index}`, minute, 'brand-t'));
    await Promise.all(tasks.map((task) => createTask(task)));
    await receiveAll(queueUrl);
    const gateway = recordingGateway();
    // One consumer instance (its own store), the batch's records concurrently, each job twice.
    const deps = { ...createFireDependencies(), gateway: gateway.gateway };
    const jobs = tasks.map((task) => fireJob(task.taskId, task.dueMinute));
    const outcomes = await Promise.all([...jobs, ...jobs].map((job) => fireTask(job, minute, deps)));
    // The second's counter holds exactly the shop's 5 (one block lease, the refused rest one by one), and only token holders sent.
    const second = Math.floor(minute.getTime() / 1000);
    expect((await storedItem(keys.outreachShopRate(tenant, 'shop-t', second)))?.leased).toBe(5);
    const sent = outcomes.filter((outcome) => outcome === 'sent').length;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(5);
    expect(outcomes.filter((outcome) => outcome === 'throttled')).toHaveLength(24 - 5);
    for (const task of tasks) expect(gateway.to(task.taskId).length).toBeLessThanOrEqual(1);
    // The throttled ones come back a second later, again as one batch, until every task went once.
    for (let later = 1; later <= 8 && tasks.some((task) => gateway.to(task.taskId).length === 0); later++) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const requeued = ((await receiveAll(queueUrl)) as FireJob[]).filter((job) => tasks.some((task) => task.taskId === job.taskId));
      await Promise.all(requeued.map((job) => fireTask(job, new Date(minute.getTime() + later * 1000), deps)));
    }
    for (const task of tasks) expect(gateway.to(task.taskId)).toHaveLength(1);
    // Each sent task has its reach check filed (the batched due-entry write) and is `sent`.
    for (const task of tasks) {
      const stored = await getTask(tenant, task.taskId);
      expect(stored).toMatchObject({ status: 'sent', reach: { channel: 'chat' } });
      expect(stored!.claimedAt).toBeUndefined();
    }
  });

  it('a lagging replica is not trusted to drop a job: a task the batched read misses is read again strongly consistent and sent', async () => {
    const task = campaignTask(tenant, 'shop-t', `ot_lag_${randomUUID().slice(0, 6)}`, 'buyer-lag', plus(morning, 500), 'brand-t');
    await createTask(task);
    const gateway = recordingGateway();
    // The eventually consistent read answers as a replica that has not seen the new task yet.
    const deps = { ...gateway.deps, getTask: async () => undefined };
    expect(await fireTask(fireJob(task.taskId, task.dueMinute), plus(morning, 500), deps)).toBe('sent');
    expect(gateway.to(task.taskId)).toHaveLength(1);
  });
});
