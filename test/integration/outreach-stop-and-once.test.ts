import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../shared/orders/envelope';
import { fireTask } from '../../shared/outreach/fire-task';
import type { FireJob } from '../../shared/outreach/jobs';
import { orderOutreachDependencies, planOrderOutreach } from '../../shared/outreach/order-outreach';
import { minuteStart, taskIdFor, type OutreachTask } from '../../shared/outreach/task';
import { applyOrderEventToStore } from '../../shared/store/orders';
import { dueShardOf, getTask, listDueEntries } from '../../shared/store/outreach';
import { orderEnvelope, ownOutreachQueue, recordingGateway, saveSettings, signedEnvelope } from './outreach-fixtures';
import { createShop } from './routing-fixtures';

/**
 * Issue 8's rules "stop on state change (paid, refunded, already rated)" and "one callback and one
 * invitation per order", on the real engines (DynamoDB Local, the orders store, the planner and the
 * consumer): a refund or a rating stops the queued tasks at plan time, and a task whose cancel was missed
 * (its orders step failed and waits for redelivery) is refused at send time; a FINISHED delivered twice
 * makes one review invitation, sent once. (Paid: outreach-rules, "a nudge after payment never goes out";
 * one callback: outreach-rules, "a duplicated SIGNED event makes one delivery callback".)
 */
const tenant = `outreach-stop-${randomUUID().slice(0, 8)}`;
const shopId = 'shop-st';
// 10:00 in Shanghai: outside the default quiet hours.
const morning = new Date('2026-12-05T02:00:00.000Z');
const plus = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);
const fireJob = (task: Pick<OutreachTask, 'taskId' | 'dueMinute'>): FireJob => ({ type: 'fire', tenantId: tenant, taskId: task.taskId, dueMinute: task.dueMinute, phase: 'send' });
let counter = 0;

beforeAll(async () => {
  await ownOutreachQueue('outreach-stop');
  await createShop(tenant, shopId);
  // Callbacks go to the robot here, so a refused one would otherwise be a send the recorder sees.
  await saveSettings(tenant, shopId, { deliveryCallback: { assignTo: 'robot' } });
});

async function applyAndPlan(envelope: Envelope, now: Date) {
  const applied = await applyOrderEventToStore(tenant, envelope, now);
  return planOrderOutreach({ tenantId: tenant, order: applied.order!, envelope, now }, orderOutreachDependencies);
}

/** An event about the order from the platform (a refund, a rating), at `at`. */
const orderEvent = <T extends 'refund.updated' | 'order.rated'>(topic: T, sourceTopic: string, at: Date, payload: Extract<Envelope, { topic: T }>['payload']): Envelope =>
  ({ platform: 'taobao', shopId, messageId: `${topic}-${++counter}-${payload.orderId}`, topic, sourceTopic, occurredAt: at.toISOString(), businessVersion: at.getTime(), payload }) as Envelope;
const refundRequested = (orderId: string, at: Date) =>
  orderEvent('refund.updated', 'taobao_refund_RefundCreated', at, { orderId, refundId: `${orderId}-r1`, status: 'requested', kind: 'refund-only' });
const ratedByBuyer = (orderId: string, at: Date) => orderEvent('order.rated', 'taobao_traderate_TradeRateCreated', at, { orderId, rater: 'buyer', result: 'good' });

/** An order paid, shipped and signed at `signedAt`: its delivery callback and urge to confirm are queued. */
async function signedOrder(orderId: string, signedAt: Date) {
  await applyAndPlan(orderEnvelope(shopId, orderId, 'paid', plus(signedAt, -600)), plus(signedAt, -600));
  await applyAndPlan(orderEnvelope(shopId, orderId, 'shipped', plus(signedAt, -300)), plus(signedAt, -300));
  await applyAndPlan(signedEnvelope(shopId, orderId, signedAt), signedAt);
  const callback = (await getTask(tenant, taskIdFor(shopId, 'taobao', orderId, 'delivery-callback')))!;
  const confirm = (await getTask(tenant, taskIdFor(shopId, 'taobao', orderId, 'urge-to-confirm')))!;
  expect([callback.status, confirm.status]).toEqual(['scheduled', 'scheduled']);
  return { callback, confirm };
}

/** An order paid and finished at `finishedAt`: its review invitation is queued a day later. */
async function finishedOrder(orderId: string, finishedAt: Date) {
  await applyAndPlan(orderEnvelope(shopId, orderId, 'paid', plus(finishedAt, -600)), plus(finishedAt, -600));
  await applyAndPlan(orderEnvelope(shopId, orderId, 'finished', finishedAt), finishedAt);
  const invitation = (await getTask(tenant, taskIdFor(shopId, 'taobao', orderId, 'review-invitation')))!;
  expect(invitation).toMatchObject({ status: 'scheduled', dueAt: plus(finishedAt, 24 * 60).toISOString() });
  return invitation;
}

describe('stop on state change, and one of each per order (DynamoDB Local)', () => {
  it('stop on state change — refunded: a refund requested after SIGNED cancels the queued callback and urge to confirm; a callback whose cancel was missed is refused at send time (refund-open)', async () => {
    const gateway = recordingGateway();
    // The orders step runs: both queued tasks are stopped, and their jobs find nothing to do.
    const planned = await signedOrder('7000000000000088001', morning);
    expect((await applyAndPlan(refundRequested('7000000000000088001', plus(morning, 30)), plus(morning, 30))).stopped).toBe(2);
    expect(await getTask(tenant, planned.callback.taskId)).toMatchObject({ status: 'cancelled', reason: 'refund-open' });
    expect(await getTask(tenant, planned.confirm.taskId)).toMatchObject({ status: 'cancelled', reason: 'refund-open' });
    expect(await fireTask(fireJob(planned.callback), minuteStart(planned.callback.dueMinute), gateway.deps)).toBe('stale');

    // The refund is stored but its orders step has not run yet: the consumer reads the order and refuses.
    const missed = await signedOrder('7000000000000088002', morning);
    await applyOrderEventToStore(tenant, refundRequested('7000000000000088002', plus(morning, 30)), plus(morning, 30));
    expect(await fireTask(fireJob(missed.callback), minuteStart(missed.callback.dueMinute), gateway.deps)).toBe('cancelled');
    expect(await getTask(tenant, missed.callback.taskId)).toMatchObject({ status: 'cancelled', reason: 'refund-open' });
    expect(gateway.sent).toHaveLength(0);
  });

  it('stop on state change — already rated: the buyer\'s rating cancels the queued review invitation; one whose cancel was missed is refused at send time (already-rated)', async () => {
    const gateway = recordingGateway();
    const planned = await finishedOrder('7000000000000088003', morning);
    expect((await applyAndPlan(ratedByBuyer('7000000000000088003', plus(morning, 60)), plus(morning, 60))).stopped).toBe(1);
    expect(await getTask(tenant, planned.taskId)).toMatchObject({ status: 'cancelled', reason: 'already-rated' });
    expect(await fireTask(fireJob(planned), minuteStart(planned.dueMinute), gateway.deps)).toBe('stale');

    const missed = await finishedOrder('7000000000000088004', morning);
    await applyOrderEventToStore(tenant, ratedByBuyer('7000000000000088004', plus(morning, 60)), plus(morning, 60));
    expect(await fireTask(fireJob(missed), minuteStart(missed.dueMinute), gateway.deps)).toBe('cancelled');
    expect(await getTask(tenant, missed.taskId)).toMatchObject({ status: 'cancelled', reason: 'already-rated' });
    expect(gateway.sent).toHaveLength(0);
  });

  it('one invitation per order: FINISHED delivered twice (another message id) and replayed, planned at once, makes one review invitation, and its job fired twice at once sends it once', async () => {
    const orderId = '7000000000000088005';
    const finishedAt = morning;
    await applyAndPlan(orderEnvelope(shopId, orderId, 'paid', plus(finishedAt, -600)), plus(finishedAt, -600));
    const first = orderEnvelope(shopId, orderId, 'finished', finishedAt);
    const again = { ...first, messageId: `${first.messageId}-again` };
    await Promise.all([first, again, first].map((envelope) => applyAndPlan(envelope, finishedAt)));
    const taskId = taskIdFor(shopId, 'taobao', orderId, 'review-invitation');
    const invitation = (await getTask(tenant, taskId))!;
    expect(invitation).toMatchObject({ kind: 'review-invitation', status: 'scheduled' });
    const bucket = await listDueEntries(invitation.dueMinute, dueShardOf(tenant, taskId), 500);
    expect(bucket.entries.filter((entry) => entry.taskId === taskId)).toHaveLength(1);

    const gateway = recordingGateway();
    const at = plus(minuteStart(invitation.dueMinute), 0.1);
    const outcomes = await Promise.all([fireTask(fireJob(invitation), at, gateway.deps), fireTask(fireJob(invitation), at, gateway.deps)]);
    expect(outcomes.filter((outcome) => outcome === 'sent')).toHaveLength(1);
    expect(gateway.to(taskId)).toHaveLength(1);
    expect((await getTask(tenant, taskId))?.status).toBe('sent');
    // Planned again later (a reconciliation replay): still the one task, not revived or re-filed.
    await applyAndPlan({ ...first, messageId: `${first.messageId}-replay` }, plus(finishedAt, 5));
    expect((await getTask(tenant, taskId))?.status).toBe('sent');
  });
});
