import { describe, expect, it, vi } from 'vitest';
import { handleOrderEvent, type AfterOrderChangedStep } from '../../shared/orders/apply-order-events';
import { defaultKefuBuyerOf, platformBuyerIdsOf } from '../../shared/orders/buyer-link';
import { stageOnOpen } from '../../shared/orders/buyer-orders';
import type { Envelope } from '../../shared/orders/envelope';
import { cardsForAssignment, maxLinesPerCardOnAssignment, maxOrderCardBytesOnAssignment } from '../../shared/orders/frames';
import { newOrderState } from '../../shared/orders/order';
import type { OrderCard } from '../../shared/orders/order-card';
import { keepsAgent, restageConversationForOrder, restageDependencies } from '../../shared/orders/restage-conversation';
import { applyOrderEvent } from '../../shared/orders/apply-order-event';
import type { OrderEventOutcome } from '../../shared/orders/apply-order-event';
import { envelopeHash } from '../../shared/store/orders';
import type { ShopRouting } from '../../shared/routing/shop';

const envelope: Envelope = {
  platform: 'taobao',
  shopId: 's1',
  messageId: 'm1',
  sourceTopic: 'test',
  occurredAt: '2026-11-11T00:00:00.000Z',
  businessVersion: 1,
  topic: 'order.updated',
  payload: { orderId: 'o1', status: 'paid' },
};
const routingConfig = (overrides: Partial<ShopRouting> = {}): ShopRouting => ({
  mode: 'by-stage',
  groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after' },
  idleCloseMinutes: 30,
  defaultAgentCap: 10,
  ...overrides,
});
const order = newOrderState({ tenantId: 't1', shopId: 's1', platform: 'taobao', orderId: 'o1' });

function run(outcome: OrderEventOutcome, steps: AfterOrderChangedStep[]) {
  return handleOrderEvent(
    { tenantId: 't1', envelope, via: 'webhook', receivedAt: '2026-11-11T00:00:00.000Z' },
    { apply: async () => ({ outcome, order }), steps, now: () => new Date('2026-11-11T00:00:01.000Z') },
  );
}

describe('the orders consumer runs the after-order steps', () => {
  it.each(['applied', 'stale', 'duplicate'] as const)('runs every step when the outcome is %s (a duplicate completes a crashed run)', async (outcome) => {
    const step = vi.fn(async () => undefined);
    await run(outcome, [{ name: 'a', run: step }, { name: 'b', run: step }]);
    expect(step).toHaveBeenCalledTimes(2);
    expect(step).toHaveBeenCalledWith({ tenantId: 't1', order, envelope, now: new Date('2026-11-11T00:00:01.000Z') });
  });

  it('runs none for an ignored reminder', async () => {
    const step = vi.fn(async () => undefined);
    await run('ignored', [{ name: 'a', run: step }]);
    expect(step).not.toHaveBeenCalled();
  });

  it('runs the other steps when one fails, then fails the record so SQS redelivers it', async () => {
    const later = vi.fn(async () => undefined);
    await expect(run('applied', [{ name: 'a', run: async () => Promise.reject(new Error('boom')) }, { name: 'b', run: later }])).rejects.toThrow('boom');
    expect(later).toHaveBeenCalledTimes(1);
  });
});

describe('rules of the order-driven stage', () => {
  it('keeps the agent in owner mode, or when they are in the new stage\'s group; otherwise the conversation moves', () => {
    const byStage = routingConfig();
    expect(keepsAgent(byStage, 'in-sale', ['pre'])).toBe(false);
    expect(keepsAgent(byStage, 'in-sale', ['pre', 'in'])).toBe(true);
    expect(keepsAgent(routingConfig({ groups: { 'pre-sale': 'one', 'in-sale': 'one', 'after-sale': 'after' } }), 'in-sale', ['one'])).toBe(true);
    expect(keepsAgent(routingConfig({ mode: 'owner' }), 'after-sale', ['pre'])).toBe(true);
  });

  it('takes the frame\'s stage only when the orders say nothing', () => {
    expect(stageOnOpen([], new Date(), 'after-sale')).toEqual({ stage: 'after-sale', reason: 'hint' });
    expect(stageOnOpen([], new Date(), undefined)).toEqual({ stage: 'pre-sale', reason: 'no-orders' });
  });

  it('maps a platform buyer to the kefu buyer of the same id only when that id is a valid kefu id', () => {
    expect(defaultKefuBuyerOf('buyer-zhou')).toBe('buyer-zhou');
    expect(defaultKefuBuyerOf('gid://shopify/Customer/1')).toBeUndefined();
    expect(platformBuyerIdsOf('b1', ['tb-9'], undefined)).toEqual(['b1', 'tb-9']);
    // b1's own id is linked to someone else: not b1's orders.
    expect(platformBuyerIdsOf('b1', ['tb-9'], 'b2')).toEqual(['tb-9']);
  });

  it('bounds the cards an assigned frame carries: lines per card and bytes in all, newest kept', () => {
    const card = (orderId: string, lines: number): OrderCard => ({
      orderId,
      lines: Array.from({ length: lines }, (_, i) => ({ lineId: `l${i}`, title: '长'.repeat(256), quantity: 1 })),
      parcels: [],
      refunds: [],
    });
    const cards = cardsForAssignment([card('o1', 50), card('o2', 50), card('o3', 50), card('o4', 50), card('o5', 50), card('o6', 1)]);
    expect(cards[0]).toMatchObject({ orderId: 'o1', lineCount: 50 });
    expect(cards[0]?.lines).toHaveLength(maxLinesPerCardOnAssignment);
    expect(Buffer.byteLength(JSON.stringify(cards))).toBeLessThanOrEqual(maxOrderCardBytesOnAssignment + 16);
    expect(cards.length).toBeGreaterThan(0);
    expect(cards.map((c) => c.orderId)).toEqual(['o1', 'o2', 'o3'].slice(0, cards.length));
  });

  it('hashes an envelope independently of its key order, and differently for other content', () => {
    const reordered = Object.fromEntries(Object.entries(envelope).reverse()) as Envelope;
    expect(envelopeHash(reordered)).toBe(envelopeHash(envelope));
    expect(envelopeHash({ ...envelope, businessVersion: 2 })).not.toBe(envelopeHash(envelope));
  });
});

describe('re-staging reads the buyer index eventually consistently', () => {
  it('decides on the order this event just wrote, not on the older copy the index returned', async () => {
    const at = new Date().toISOString();
    const created = applyOrderEvent(order, { ...envelope, occurredAt: at, payload: { orderId: 'o1', status: 'created', buyer: { buyerId: 'b1' } } }).state;
    const paid = applyOrderEvent(created, { ...envelope, messageId: 'm2', occurredAt: at, businessVersion: 2, payload: { orderId: 'o1', status: 'paid' } }).state;
    const changeStage = vi.fn(async () => 'applied' as const);
    const head = { conversationId: 'c1', tenantId: 't1', shopId: 's1', buyerId: 'b1', stage: 'pre-sale', status: 'waiting', openedAt: at, lastSeq: 1, lastMessageAt: at, buyerReadSeq: 1, agentReadSeq: 0, responseFacts: { questions: 1, replies: 0, responseMsTotal: 0, responseCount: 0 } } as const;
    const outcome = await restageConversationForOrder(
      { tenantId: 't1', order: paid, envelope, now: new Date() },
      {
        ...restageDependencies,
        kefuBuyerOf: async () => 'b1',
        getBuyerAtShop: async () => ({ openConversationId: 'c1' }),
        getConversation: async () => ({ ...head }),
        // The index still has the order as created.
        ordersOfBuyer: async () => [created],
        changeStage,
        sendRouteJob: async () => undefined,
        notify: async () => undefined,
      },
    );
    expect(outcome).toMatchObject({ kind: 'changed', from: 'pre-sale', to: 'in-sale' });
    expect(changeStage).toHaveBeenCalledWith(expect.objectContaining({ toStage: 'in-sale', reason: 'in-flight', orderId: 'o1' }));
  });
});
