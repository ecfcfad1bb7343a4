import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../shared/auth/identity';
import { sendMessage } from '../../shared/conversations/send-message';
import { handleOrderEvent, orderEventDependencies } from '../../shared/orders/apply-order-events';
import type { Envelope } from '../../shared/orders/envelope';
import { conversationStageFrame } from '../../shared/orders/frames';
import { restageConversationForOrder, restageDependencies } from '../../shared/orders/restage-conversation';
import { routeConversation, routingDependencies } from '../../shared/routing/route-conversation';
import { assignedFrame, type RoutingFrame } from '../../shared/routing/frames';
import { getAgent } from '../../shared/store/agents';
import { linkPlatformBuyer } from '../../shared/store/buyer-links';
import { keys } from '../../shared/store/keys';
import { applyOrderEventToStore } from '../../shared/store/orders';
import { ownQueues, receiveAll } from '../support/queues';
import { itemsOfPartition } from '../support/table';
import { message, orderEvent, refundEvent, signedEvent } from './orders-fixtures';
import { createAgent, createShop, frameRecorder, head, routingConfig } from './routing-fixtures';

/**
 * The conversation stage from the buyer's orders (issue 7 §2), against DynamoDB Local and the SQS
 * server: the stage a conversation opens with, and an open conversation moving pre-sale → in-sale →
 * after-sale as order events arrive through the orders consumer's steps, re-routed by the shop's stage
 * groups, with the agent and the buyer told. Frames are recorded at the notifier.
 */

const tenant = `tenant-stage-${randomUUID().slice(0, 8)}`;
const shop = 'shop-st';
const now = new Date();
const minute = (n: number) => Math.floor((now.getTime() - Date.UTC(2026, 10, 11)) / 60_000) - 600 + n;
let routingQueue: string;
const buyer = (userId: string): Identity => ({ tenantId: tenant, userId, role: 'buyer', shopIds: [] });

/** The orders consumer's handling, with the stage step's frames recorded instead of posted. */
function consumer(recorder: ReturnType<typeof frameRecorder>) {
  const deps = {
    ...orderEventDependencies,
    now: () => now,
    steps: [{ name: 'conversation-stage', run: (change: Parameters<typeof restageConversationForOrder>[0]) => restageConversationForOrder(change, { ...restageDependencies, notify: recorder.notify }) }],
  };
  return (envelope: Envelope) => handleOrderEvent(message(tenant, envelope), deps);
}

async function routeQueuedJobs(recorder: ReturnType<typeof frameRecorder>) {
  const jobs = await receiveAll(routingQueue);
  for (const job of jobs) await routeConversation(job as never, { ...routingDependencies, notify: recorder.notify });
  return jobs.length;
}

const stageFrames = (frames: RoutingFrame[]) => frames.filter((frame) => frame.type === 'conversation.stage');

beforeAll(async () => {
  routingQueue = (await ownQueues('orders-stage')).routing;
  await createShop(tenant, shop, routingConfig());
  await createAgent(tenant, 'ag-pre', { shopIds: [shop], groupIds: ['pre'] });
  await createAgent(tenant, 'ag-in', { shopIds: [shop], groupIds: ['in', 'after'] });
});

afterAll(async () => {
  await receiveAll(routingQueue);
});

describe('the stage a conversation opens with', () => {
  it("comes from the buyer's orders at the shop, whatever stage the frame asks for", async () => {
    await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId: 'o-open-1', minute: minute(1), status: 'paid', buyerId: 'buyer-paid' }));
    const ack = await sendMessage(buyer('buyer-paid'), { action: 'sendMessage', shopId: shop, clientMessageId: 'c1', text: '什么时候发货？', stage: 'pre-sale' }, now);
    expect(await head(tenant, ack.conversationId)).toMatchObject({ stage: 'in-sale', stageReason: 'in-flight', stageOrderId: 'o-open-1' });
    await receiveAll(routingQueue);
  });

  it('takes the frame\'s stage as a hint only when the buyer has no orders there', async () => {
    // An order at another shop says nothing about this one.
    await applyOrderEventToStore(tenant, orderEvent({ shopId: 'shop-elsewhere', orderId: 'o-else', minute: minute(1), status: 'paid', buyerId: 'buyer-new' }));
    const ack = await sendMessage(buyer('buyer-new'), { action: 'sendMessage', shopId: shop, clientMessageId: 'c1', text: '面霜怎么退？', stage: 'after-sale' }, now);
    expect(await head(tenant, ack.conversationId)).toMatchObject({ stage: 'after-sale', stageReason: 'hint' });
    const plain = await sendMessage(buyer('buyer-new-2'), { action: 'sendMessage', shopId: shop, clientMessageId: 'c1', text: '在吗' }, now);
    expect(await head(tenant, plain.conversationId)).toMatchObject({ stage: 'pre-sale', stageReason: 'no-orders' });
    await receiveAll(routingQueue);
  });
});

describe('an open conversation following the buyer\'s orders', () => {
  it('moves pre-sale → in-sale → after-sale as events arrive: re-routed by stage group, recorded, the agent and the buyer told once', async () => {
    const recorder = frameRecorder();
    const apply = consumer(recorder);
    const buyerId = 'buyer-zhou';
    const orderId = 'o-zhou-1';

    const ack = await sendMessage(buyer(buyerId), { action: 'sendMessage', shopId: shop, clientMessageId: 'z1', text: '这款适合干皮吗？' }, now);
    const conversationId = ack.conversationId;
    expect(await routeQueuedJobs(recorder)).toBe(1);
    const first = recorder.of('ag-pre').find((frame) => frame.type === 'assigned');
    expect(assignedFrame.parse(first)).toMatchObject({ stage: 'pre-sale', orders: [] });

    // Placed, not paid: still pre-sale; nobody is told anything.
    await apply(orderEvent({ shopId: shop, orderId, minute: minute(1), status: 'created', buyerId, lines: 2 }));
    expect(stageFrames(recorder.frames.map((f) => f.frame))).toEqual([]);
    expect(await head(tenant, conversationId)).toMatchObject({ stage: 'pre-sale', status: 'assigned', assigneeId: 'ag-pre' });

    // Paid: in-sale. The pre-sale agent is not in the in-sale group: the conversation goes to it.
    const paid = orderEvent({ shopId: shop, orderId, minute: minute(2), status: 'paid' });
    await apply(paid);
    const told = { stage: 'in-sale', previousStage: 'pre-sale', reason: 'in-flight', orderId, moved: true };
    expect(recorder.of('ag-pre').filter((f) => f.type !== 'assigned')).toEqual([
      conversationStageFrame.parse({ type: 'conversation.stage', conversationId, shopId: shop, ...told }),
      { type: 'unassigned', conversationId, reason: 'stage-changed' },
    ]);
    expect(stageFrames(recorder.of(buyerId))).toMatchObject([told]);
    expect(await head(tenant, conversationId)).toMatchObject({ stage: 'in-sale', status: 'waiting', stageReason: 'in-flight', stageOrderId: orderId });
    expect((await getAgent(tenant, 'ag-pre', { consistent: true }))?.load).toBe(0);

    // The in-sale agent gets it, with the order card. (The queue also holds the drain toward the pre-sale
    // agent's freed seat: the buyers earlier tests left waiting at this shop.)
    expect(await routeQueuedJobs(recorder)).toBeGreaterThanOrEqual(1);
    const second = assignedFrame.parse(recorder.of('ag-in').find((frame) => frame.type === 'assigned'));
    expect(second).toMatchObject({ conversationId, stage: 'in-sale', orders: [{ orderId, status: 'paid', total: { minor: 19800, currency: 'CNY' }, buyer: { buyerId, nick: 'z**u' } }] });
    expect(second.orders?.[0]?.lines).toHaveLength(2);

    // The paid event redelivered: a duplicate, nothing changes, nobody is told again (row 1).
    const before = recorder.frames.length;
    expect((await apply(paid)).outcome).toBe('duplicate');
    expect(recorder.frames.length).toBe(before);

    // Signed for: after-sale. The in-sale agent is in the after-sale group too: they keep the buyer.
    await apply(orderEvent({ shopId: shop, orderId, minute: minute(3), status: 'shipped' }));
    await apply(signedEvent({ shopId: shop, orderId, minute: minute(4), parcelId: 'SF100' }));
    expect(stageFrames(recorder.of('ag-in'))).toMatchObject([{ stage: 'after-sale', previousStage: 'in-sale', reason: 'received', orderId, moved: false }]);
    expect(await head(tenant, conversationId)).toMatchObject({ stage: 'after-sale', status: 'assigned', assigneeId: 'ag-in', stageReason: 'received' });

    // A refund keeps it after-sale: no change, no frame.
    await apply(refundEvent({ shopId: shop, orderId, minute: minute(5), refundId: 'rf-zhou-1', status: 'requested' }));
    expect(stageFrames(recorder.of('ag-in'))).toHaveLength(1);

    // Why each change happened is recorded, in order.
    const records = await itemsOfPartition(keys.conversationStageChange(tenant, conversationId, 0).pk);
    expect(records.map((r) => [r.fromStage, r.toStage, r.reason, r.orderId, r.move])).toEqual([
      ['pre-sale', 'in-sale', 'in-flight', orderId, 'requeue'],
      ['in-sale', 'after-sale', 'received', orderId, 'stay'],
    ]);
    // Nobody else heard of the stage (buyers behind in a waiting line do get their new places: routing's).
    const aboutStage = recorder.frames.filter((f) => f.frame.type === 'conversation.stage' || f.frame.type === 'unassigned');
    expect(new Set(aboutStage.map((f) => f.userId))).toEqual(new Set(['ag-pre', 'ag-in', buyerId]));
  });

  it('drains the waiting line toward the agent a stage change freed: a buyer waiting for that full agent gets them at once', async () => {
    const recorder = frameRecorder();
    const apply = consumer(recorder);
    const drainShop = 'shop-st-drain';
    await createShop(tenant, drainShop, routingConfig());
    await createAgent(tenant, 'ag-pre-full', { shopIds: [drainShop], groupIds: ['pre'], cap: 1 });

    const first = await sendMessage(buyer('buyer-first'), { action: 'sendMessage', shopId: drainShop, clientMessageId: 'f1', text: '在吗' }, now);
    expect(await routeQueuedJobs(recorder)).toBe(1);
    expect(await head(tenant, first.conversationId)).toMatchObject({ status: 'assigned', assigneeId: 'ag-pre-full' });
    const second = await sendMessage(buyer('buyer-second'), { action: 'sendMessage', shopId: drainShop, clientMessageId: 's1', text: '有优惠吗' }, now);
    await routeQueuedJobs(recorder);
    expect(await head(tenant, second.conversationId)).toMatchObject({ status: 'waiting' });

    // The first buyer pays: in-sale, which the full pre-sale agent does not serve. Their seat goes to the buyer behind.
    await apply(orderEvent({ shopId: drainShop, orderId: 'o-first', minute: minute(2), status: 'paid', buyerId: 'buyer-first' }));
    expect(await head(tenant, first.conversationId)).toMatchObject({ stage: 'in-sale', status: 'waiting' });
    await routeQueuedJobs(recorder);
    expect(await head(tenant, second.conversationId)).toMatchObject({ status: 'assigned', assigneeId: 'ag-pre-full' });
    expect(recorder.of('ag-pre-full').filter((f) => f.type === 'assigned').map((f) => (f as { conversationId: string }).conversationId)).toEqual([first.conversationId, second.conversationId]);
  });

  it('completes a run that died after the order write: the redelivery (a duplicate) still moves the conversation', async () => {
    const recorder = frameRecorder();
    const buyerId = 'buyer-crash';
    const ack = await sendMessage(buyer(buyerId), { action: 'sendMessage', shopId: shop, clientMessageId: 'k1', text: '你好' }, now);
    await receiveAll(routingQueue);
    const paid = orderEvent({ shopId: shop, orderId: 'o-crash', minute: minute(2), status: 'paid', buyerId });
    // The first run stored the order and died before its steps.
    await applyOrderEventToStore(tenant, paid, now);
    const redelivered = await consumer(recorder)(paid);
    expect(redelivered.outcome).toBe('duplicate');
    expect(await head(tenant, ack.conversationId)).toMatchObject({ stage: 'in-sale', stageOrderId: 'o-crash' });
    expect(stageFrames(recorder.of(buyerId))).toHaveLength(1);
    // Waiting, so it was sent to routing for the in-sale line.
    expect((await receiveAll(routingQueue)).map((job) => job.conversationId)).toEqual([ack.conversationId]);
  });

  it('follows an explicit link from a platform buyer to a kefu buyer, and never the platform id the link moved away', async () => {
    const recorder = frameRecorder();
    await linkPlatformBuyer({ tenantId: tenant, shopId: shop, platform: 'taobao', platformBuyerId: 'tb-open-uid-7', buyerId: 'buyer-linked' });
    const linked = await sendMessage(buyer('buyer-linked'), { action: 'sendMessage', shopId: shop, clientMessageId: 'l1', text: '在吗' }, now);
    // Someone whose kefu id happens to equal the platform id: not them.
    const namesake = await sendMessage(buyer('tb-open-uid-7'), { action: 'sendMessage', shopId: shop, clientMessageId: 'l1', text: '在吗' }, now);
    await receiveAll(routingQueue);
    await consumer(recorder)(orderEvent({ shopId: shop, orderId: 'o-linked', minute: minute(2), status: 'paid', buyerId: 'tb-open-uid-7' }));
    expect(await head(tenant, linked.conversationId)).toMatchObject({ stage: 'in-sale', stageOrderId: 'o-linked' });
    expect(await head(tenant, namesake.conversationId)).toMatchObject({ stage: 'pre-sale' });
    expect(recorder.of('tb-open-uid-7')).toEqual([]);
    await receiveAll(routingQueue);
  });

  it('leaves other tenants\' conversations alone: the same buyer and shop ids in another tenant are not touched (row 14)', async () => {
    const other = `${tenant}-other`;
    await createShop(other, shop, routingConfig());
    const otherBuyer: Identity = { tenantId: other, userId: 'buyer-twin', role: 'buyer', shopIds: [] };
    const theirs = await sendMessage(otherBuyer, { action: 'sendMessage', shopId: shop, clientMessageId: 't1', text: '在吗' }, now);
    await sendMessage(buyer('buyer-twin'), { action: 'sendMessage', shopId: shop, clientMessageId: 't1', text: '在吗' }, now);
    await receiveAll(routingQueue);
    const recorder = frameRecorder();
    await consumer(recorder)(orderEvent({ shopId: shop, orderId: 'o-twin', minute: minute(2), status: 'paid', buyerId: 'buyer-twin' }));
    expect(await head(other, theirs.conversationId)).toMatchObject({ stage: 'pre-sale' });
    expect(recorder.frames.every((f) => f.userId === 'buyer-twin')).toBe(true);
    await receiveAll(routingQueue);
  });
});
