import { describe, expect, it } from 'vitest';
import { applyOrderEvent } from '../../shared/orders/apply-order-event';
import type { Envelope, LogisticsAction, OrderStatus, RefundStatus } from '../../shared/orders/envelope';
import { hasShipped, newOrderState, type OrderState } from '../../shared/orders/order';
import { stageOf, type StageDecision } from '../../shared/orders/stage-of';

const now = new Date('2026-11-20T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();

interface OrderSpec {
  id: string;
  status?: OrderStatus;
  /** Days since the status event. */
  age?: number;
  refund?: RefundStatus;
  parcel?: LogisticsAction;
}

function build(spec: OrderSpec): OrderState {
  const age = spec.age ?? 1;
  const common = (messageId: string) => ({ platform: 'taobao' as const, shopId: 'shop-1', messageId, sourceTopic: 'test', occurredAt: daysAgo(age), businessVersion: Date.parse(daysAgo(age)) });
  const events: Envelope[] = [];
  if (spec.status) events.push({ ...common(`${spec.id}-s`), topic: 'order.updated', payload: { orderId: spec.id, status: spec.status } });
  if (spec.parcel) events.push({ ...common(`${spec.id}-p`), topic: 'logistics.updated', payload: { orderId: spec.id, parcelId: 'SF1', action: spec.parcel, at: daysAgo(age) } });
  if (spec.refund) events.push({ ...common(`${spec.id}-r`), topic: 'refund.updated', payload: { orderId: spec.id, refundId: `${spec.id}-R`, status: spec.refund, kind: 'refund-only' } });
  return events.reduce((state, event) => applyOrderEvent(state, event).state, newOrderState({ tenantId: 't1', shopId: 'shop-1', platform: 'taobao', orderId: spec.id }));
}

describe('stageOf', () => {
  it.each<[string, OrderSpec[], StageDecision]>([
    ['no orders', [], { stage: 'pre-sale', reason: 'no-orders' }],
    ['only a cancelled (never paid) order', [{ id: 'o1', status: 'cancelled' }], { stage: 'pre-sale', reason: 'no-orders' }],
    ['an unpaid order', [{ id: 'o1', status: 'created' }], { stage: 'pre-sale', reason: 'unpaid', orderId: 'o1' }],
    ['a presale deposit with the final payment due', [{ id: 'o1', status: 'deposit-paid' }], { stage: 'pre-sale', reason: 'unpaid', orderId: 'o1' }],
    ['a paid order waiting to ship', [{ id: 'o1', status: 'paid' }], { stage: 'in-sale', reason: 'in-flight', orderId: 'o1' }],
    ['a partly shipped order', [{ id: 'o1', status: 'partly-shipped' }], { stage: 'in-sale', reason: 'in-flight', orderId: 'o1' }],
    ['a shipped order on its way', [{ id: 'o1', status: 'shipped', parcel: 'out-for-delivery' }], { stage: 'in-sale', reason: 'in-flight', orderId: 'o1' }],
    ['a shipped order whose parcel was signed for', [{ id: 'o1', status: 'shipped', parcel: 'signed' }], { stage: 'after-sale', reason: 'received', orderId: 'o1' }],
    ['a COD order signed for', [{ id: 'o1', status: 'signed' }], { stage: 'after-sale', reason: 'received', orderId: 'o1' }],
    ['a finished order', [{ id: 'o1', status: 'finished' }], { stage: 'after-sale', reason: 'received', orderId: 'o1' }],
    ['an order closed after a refund', [{ id: 'o1', status: 'closed' }], { stage: 'after-sale', reason: 'received', orderId: 'o1' }],
    ['a paid order with an open refund (on-sale refund)', [{ id: 'o1', status: 'paid', refund: 'requested' }], { stage: 'after-sale', reason: 'open-refund', orderId: 'o1' }],
    ['a refund the buyer must answer is still open', [{ id: 'o1', status: 'finished', refund: 'refused' }], { stage: 'after-sale', reason: 'open-refund', orderId: 'o1' }],
    ['a paid order whose refund succeeded is in flight again', [{ id: 'o1', status: 'paid', refund: 'succeeded' }], { stage: 'in-sale', reason: 'in-flight', orderId: 'o1' }],
    ['a refund known before its order', [{ id: 'o1', refund: 'waiting-return' }], { stage: 'after-sale', reason: 'open-refund', orderId: 'o1' }],
    ['a finished order past the 15-day window', [{ id: 'o1', status: 'finished', age: 16 }], { stage: 'pre-sale', reason: 'no-recent-order' }],
    ['an open refund outlives the window', [{ id: 'o1', status: 'finished', age: 40, refund: 'platform-intervening' }], { stage: 'after-sale', reason: 'open-refund', orderId: 'o1' }],
    ['a parcel in transit beats a finished order', [{ id: 'old', status: 'finished', age: 2 }, { id: 'new', status: 'shipped', age: 3 }], { stage: 'in-sale', reason: 'in-flight', orderId: 'new' }],
    ['an open refund beats a parcel in transit', [{ id: 'a', status: 'shipped' }, { id: 'b', status: 'finished', age: 9, refund: 'returned' }], { stage: 'after-sale', reason: 'open-refund', orderId: 'b' }],
    ['a new unpaid order after a finished one: the newest decides', [{ id: 'old', status: 'finished', age: 5 }, { id: 'new', status: 'created', age: 0 }], { stage: 'pre-sale', reason: 'unpaid', orderId: 'new' }],
    ['a finished order after an abandoned unpaid one', [{ id: 'cart', status: 'created', age: 6 }, { id: 'done', status: 'finished', age: 2 }], { stage: 'after-sale', reason: 'received', orderId: 'done' }],
  ])('%s', (_name, specs, expected) => {
    expect(stageOf(specs.map(build), now)).toEqual(expected);
  });

  it('uses the shop’s window', () => {
    const order = build({ id: 'o1', status: 'finished', age: 20 });
    expect(stageOf([order], now, { afterSaleWindowDays: 30 })).toMatchObject({ stage: 'after-sale' });
    expect(stageOf([order], now, { afterSaleWindowDays: 15 })).toMatchObject({ stage: 'pre-sale' });
  });

  it('does not depend on the order the store returns the orders in', () => {
    const orders = [build({ id: 'a', status: 'paid', age: 1 }), build({ id: 'b', status: 'shipped', age: 1 })];
    expect(stageOf(orders, now)).toEqual(stageOf([...orders].reverse(), now));
  });
});

describe('hasShipped', () => {
  it.each<[OrderSpec, boolean]>([
    [{ id: 'o1', status: 'paid' }, false],
    [{ id: 'o1', status: 'paid', parcel: 'created' }, false],
    [{ id: 'o1', status: 'paid', parcel: 'collected' }, true],
    [{ id: 'o1', status: 'partly-shipped' }, true],
    [{ id: 'o1', status: 'finished' }, true],
    [{ id: 'o1', status: 'cancelled' }, false],
  ])('%j → %s', (spec, expected) => {
    expect(hasShipped(build(spec))).toBe(expected);
  });
});
