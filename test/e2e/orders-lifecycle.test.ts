import { describe, expect, it } from 'vitest';
import { demoTenant } from '../../infra/local/demo-data';
import type { ChatClient } from '../support/ws-client';
import { useDemoStack } from '../support/demo-stack';

/**
 * Issue 7 end to end on the local stack: the platform simulator plays Shopify for the demo shop Old Time
 * Apparel (旧时光) and sends its signed webhooks to the real public route; from there everything is the
 * real path (webhook → orders queue → orders consumer → DynamoDB Local → WebSocket). The buyer has an
 * open conversation; the order's life moves it pre-sale → in-sale → after-sale, each stage's agent gets
 * it with the order card, the after-sale agent gets the refund's case, and the deadline sweep, run
 * through the local Scheduler with a later planned time, warns the case's owner.
 *
 * Demo routing at old-time-apparel: 小美 xiaomei (pre-sale), 莉莉 lili (in-sale), 小雨 xiaoyu (after-sale).
 * Waits are on conditions with generous timeouts: the machine may be loaded; nothing asserts on a sleep.
 */
const demo = useDemoStack();
const { connect } = demo;
const shopId = 'old-time-apparel';
const buyerId = 'buyer-e2e-orders';
/** A frame's wait: the order path crosses a queue poller and several handlers, slow on a loaded machine. */
const frameWaitMs = 60_000;


/** A simulator command (what `npm run sim -- …` sends); fails the test on a non-2xx. */
async function sim(path: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${demo.stack.simulatorUrl}/sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(answer)).toBe(200);
  // Every webhook of the command was taken by kefu's route at the first attempt.
  for (const delivery of answer.deliveries as { status: unknown }[]) expect(delivery.status).toBe(200);
  return answer;
}

const online = async (client: ChatClient) => expect(await client.request({ action: 'setPresence', presence: 'online' })).toMatchObject({ type: 'ack' });

describe('an order’s life moves the buyer’s open conversation and opens its after-sales case', () => {
  let buyer: ChatClient;
  let xiaomei: ChatClient;
  let lili: ChatClient;
  let xiaoyu: ChatClient;
  let conversationId: string;
  let orderId: string;
  let caseId: string;
  let deadline: { startsAt: string; slaDueAt: string };

  it('routes the buyer’s question to the pre-sale agent, with no order card yet', async () => {
    xiaomei = await connect('xiaomei', 'agent', ['peach-glow', shopId]);
    lili = await connect('lili', 'agent', ['peach-glow', 'henggong-appliances', shopId]);
    xiaoyu = await connect('xiaoyu', 'agent', [shopId, 'peach-glow']);
    await Promise.all([online(xiaomei), online(lili), online(xiaoyu)]);

    buyer = await connect(buyerId, 'buyer');
    const ack = await buyer.request({ action: 'sendMessage', shopId, clientMessageId: 'q1', text: '这件风衣有M码吗？' });
    conversationId = String(ack.conversationId);
    const assigned = await xiaomei.next((f) => f.type === 'assigned' && f.conversationId === conversationId, frameWaitMs);
    expect(assigned).toMatchObject({ shopId, buyerId, stage: 'pre-sale', orders: [] });
  }, 120_000);

  it('moves it to in-sale when the order is paid, and the in-sale agent gets it with the order card', async () => {
    const placed = await sim('orders', { shop: shopId, buyer: buyerId, price: 399, title: '复古风衣 M' });
    orderId = String((placed.order as { orderId: string }).orderId);
    await sim(`orders/${orderId}/pay`);

    const stage = await buyer.next((f) => f.type === 'conversation.stage' && f.stage === 'in-sale', frameWaitMs);
    expect(stage).toMatchObject({ conversationId, shopId, previousStage: 'pre-sale', reason: 'in-flight', orderId });
    // 小美 is pre-sale only: the conversation leaves her for the in-sale group.
    expect(await xiaomei.next((f) => f.type === 'conversation.stage' && f.conversationId === conversationId, frameWaitMs)).toMatchObject({ stage: 'in-sale', moved: true });
    expect(await xiaomei.next((f) => f.type === 'unassigned' && f.conversationId === conversationId, frameWaitMs)).toMatchObject({ reason: 'stage-changed' });

    const assigned = await lili.next((f) => f.type === 'assigned' && f.conversationId === conversationId, frameWaitMs);
    expect(assigned).toMatchObject({ shopId, buyerId, stage: 'in-sale' });
    expect((assigned.orders as { orderId: string; status: string }[]).map((card) => [card.orderId, card.status])).toEqual([[orderId, 'paid']]);
  }, 180_000);

  it('keeps it in-sale while shipped, and moves it to after-sale once signed for', async () => {
    await sim(`orders/${orderId}/ship`);
    // On request, the card shows the parcel (the shipment applied) while the stage stays in-sale.
    await expect
      .poll(
        async () => {
          const cards = await lili.request({ action: 'orders', conversationId }, frameWaitMs);
          expect(cards).toMatchObject({ type: 'order.cards', conversationId, shopId, buyerId, stage: 'in-sale' });
          return (cards.orders as { orderId: string; status: string }[]).map((card) => [card.orderId, card.status]);
        },
        { timeout: frameWaitMs, interval: 500 },
      )
      .toEqual([[orderId, 'shipped']]);

    await sim(`orders/${orderId}/sign`);
    const stage = await buyer.next((f) => f.type === 'conversation.stage' && f.stage === 'after-sale', frameWaitMs);
    expect(stage).toMatchObject({ conversationId, previousStage: 'in-sale', reason: 'received', orderId });
    expect(await lili.next((f) => f.type === 'unassigned' && f.conversationId === conversationId, frameWaitMs)).toMatchObject({ reason: 'stage-changed' });
    const assigned = await xiaoyu.next((f) => f.type === 'assigned' && f.conversationId === conversationId, frameWaitMs);
    expect(assigned).toMatchObject({ stage: 'after-sale' });
    expect((assigned.orders as { orderId: string }[]).map((card) => card.orderId)).toEqual([orderId]);
    // The buyer saw exactly two stage changes, in order.
    expect(buyer.frames.filter((f) => f.type === 'conversation.stage').map((f) => [f.previousStage, f.stage])).toEqual([
      ['pre-sale', 'in-sale'],
      ['in-sale', 'after-sale'],
    ]);
  }, 180_000);

  it('opens a case for the refund request, owned by the after-sale agent, with a deadline', async () => {
    // On Shopify a refund request is a return request (`returns/request`); its refunds/create is money already returned.
    const refund = await sim(`orders/${orderId}/refunds`, { kind: 'return', amount: 399 });
    const refundId = String((refund.refund as { refundId: string }).refundId);

    const opened = await xiaoyu.next((f) => f.type === 'case.opened' && (f.case as { orderId?: string }).orderId === orderId, frameWaitMs);
    const head = opened.case as { caseId: string; shopId: string; ownerId?: string; state: string; refund: { refundId: string }; deadline?: typeof deadline };
    // The Shopify adapter names a return's refund `return-<id>` (a refund of the same order keeps its own id).
    expect(head).toMatchObject({ shopId, buyerId, ownerId: 'xiaoyu', refund: { refundId: `return-${refundId}` }, state: 'waiting-seller' });
    expect(head.deadline).toBeDefined();
    caseId = head.caseId;
    deadline = head.deadline!;

    const cards = await xiaoyu.request({ action: 'orders', conversationId }, frameWaitMs);
    const card = (cards.orders as { orderId: string; refunds?: { refundId: string }[] }[])[0]!;
    expect(card.orderId).toBe(orderId);
    expect(card.refunds?.map((r) => r.refundId)).toEqual([head.refund.refundId]);
    // Over HTTP too: the case as its owner reads it.
    const token = await demo.stack.issuer.sign({ userId: 'xiaoyu', tenantId: demoTenant.tenantId, role: 'agent', shopIds: [shopId] });
    const response = await fetch(`${demo.stack.httpUrl}/v1/cases/${caseId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
  }, 180_000);

  it('warns the owner once when the deadline sweep runs at a minute past the first warning point', async () => {
    const start = Date.parse(deadline.startsAt);
    const span = Date.parse(deadline.slaDueAt) - start;
    expect(span).toBeGreaterThan(0);
    // Halfway point + a minute (the 50 % warning, not yet the 80 % one): the Scheduler's planned time.
    const later = new Date(start + span * 0.5 + 60_000);
    expect(later.getTime()).toBeLessThan(start + span * 0.8);
    const report = (await demo.stack.runSchedule('SweepCaseDeadlines', later)) as { warningsPushed: number };
    expect(report.warningsPushed).toBeGreaterThanOrEqual(1);

    const warning = await xiaoyu.next((f) => f.type === 'case.warning' && f.caseId === caseId, frameWaitMs);
    expect(warning).toMatchObject({ shopId, kind: 'warning', point: 0.5, slaDueAt: deadline.slaDueAt, ownerId: 'xiaoyu' });

    // The same planned minute again (Scheduler fires at least once, row 25): nothing new is pushed.
    const again = (await demo.stack.runSchedule('SweepCaseDeadlines', later)) as { alreadySwept: boolean; warningsPushed: number };
    expect(again).toMatchObject({ alreadySwept: true, warningsPushed: 0 });
    expect(xiaoyu.frames.filter((f) => f.type === 'case.warning' && f.caseId === caseId)).toHaveLength(1);
  }, 120_000);
});
