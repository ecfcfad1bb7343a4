import { describe, expect, it } from 'vitest';
import { applyOrderEvent } from '../../shared/orders/apply-order-event';
import type { Envelope } from '../../shared/orders/envelope';
import { newOrderState, type OrderState } from '../../shared/orders/order';
import { orderCard, orderCardSchema, recentOrderCards } from '../../shared/orders/order-card';

const base = (orderId: string, messageId: string, iso: string) => ({ platform: 'taobao' as const, shopId: 'shop-1', messageId, sourceTopic: 'test', occurredAt: iso, businessVersion: Date.parse(iso) });
const build = (orderId: string, events: ((orderId: string) => Envelope)[]): OrderState =>
  events.reduce((state, make) => applyOrderEvent(state, make(orderId)).state, newOrderState({ tenantId: 't1', shopId: 'shop-1', platform: 'taobao', orderId }));

describe('orderCard', () => {
  it('shows status, items, amounts, each parcel’s position and refunds, from what the platform sent', () => {
    const order = build('o1', [
      (id) => ({ ...base(id, 'm1', '2026-11-11T00:00:00Z'), topic: 'order.updated', payload: { orderId: id, status: 'paid', platformStatus: 'WAIT_SELLER_SEND_GOODS', buyer: { buyerId: 'AAH_x9', nick: 't**1' }, lines: [{ lineId: 'l1', title: 'Lipstick #3', quantity: 2 }], total: { minor: 19990, currency: 'CNY' }, createdAt: '2026-11-10T16:00:01Z' } }),
      (id) => ({ ...base(id, 'm2', '2026-11-12T03:00:00Z'), topic: 'logistics.updated', payload: { orderId: id, parcelId: 'SF1', carrier: '顺丰', action: 'collected', description: '已揽收', at: '2026-11-12T03:00:00Z' } }),
      (id) => ({ ...base(id, 'm3', '2026-11-13T05:00:00Z'), topic: 'logistics.updated', payload: { orderId: id, parcelId: 'SF1', action: 'signed', description: '已签收', at: '2026-11-13T05:00:00Z' } }),
      (id) => ({ ...base(id, 'm4', '2026-11-14T02:00:00Z'), topic: 'refund.updated', payload: { orderId: id, refundId: 'R1', status: 'requested', kind: 'return-and-refund', amount: { minor: 9995, currency: 'CNY' }, deadline: { at: '2026-11-16T02:00:00Z' } } }),
    ]);
    const card = orderCard(order);
    expect(card).toEqual({
      orderId: 'o1',
      status: 'paid',
      platformStatus: 'WAIT_SELLER_SEND_GOODS',
      buyer: { buyerId: 'AAH_x9', nick: 't**1' },
      lines: [{ lineId: 'l1', title: 'Lipstick #3', quantity: 2 }],
      total: { minor: 19990, currency: 'CNY' },
      createdAt: '2026-11-10T16:00:01Z',
      lastActivityAt: '2026-11-14T02:00:00.000Z',
      parcels: [{ parcelId: 'SF1', carrier: '顺丰', action: 'signed', at: '2026-11-13T05:00:00Z', description: '已签收' }],
      refunds: [{ refundId: 'R1', status: 'requested', kind: 'return-and-refund', amount: { minor: 9995, currency: 'CNY' }, deadlineAt: '2026-11-16T02:00:00Z' }],
    });
    expect(orderCardSchema.parse(card)).toEqual(card);
  });

  it('lists a buyer’s orders newest activity first, at most the limit', () => {
    const order = (id: string, iso: string) => build(id, [(orderId) => ({ ...base(orderId, `m-${orderId}`, iso), topic: 'order.updated', payload: { orderId, status: 'created' } })]);
    const cards = recentOrderCards([order('a', '2026-11-01T00:00:00Z'), order('b', '2026-11-03T00:00:00Z'), order('c', '2026-11-02T00:00:00Z')], 2);
    expect(cards.map((card) => card.orderId)).toEqual(['b', 'c']);
  });
});
