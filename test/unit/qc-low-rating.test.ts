import { describe, expect, it } from 'vitest';
import { applyOrderEvent } from '../../shared/orders/apply-order-event';
import type { Envelope } from '../../shared/orders/envelope';
import { newOrderState, type OrderState } from '../../shared/orders/order';
import { extractEffects, type ItemChange } from '../../shared/kpi/facts';
import { isLowRating } from '../../shared/qc/sampling';

/**
 * QC's low-rating samples (issue 9): the orders ingestion keeps the buyer's rating (the platform's result
 * and/or 1-5 score), and the KPI aggregator's order extractor turns a low one into a stored fact the
 * cycle job reads.
 */
const key = { tenantId: 't1', shopId: 'shop-1', platform: 'douyin', orderId: 'o1' } as const;
const ordered: Envelope = {
  platform: 'douyin',
  shopId: 'shop-1',
  messageId: 'm1',
  sourceTopic: 'test',
  occurredAt: '2026-11-11T02:00:00.000Z',
  businessVersion: 1,
  topic: 'order.updated',
  payload: { orderId: 'o1', status: 'created', buyer: { buyerId: 'dy-buyer-1' } },
};
const rated = (payload: { rater: 'buyer' | 'seller'; result?: 'good' | 'neutral' | 'bad'; score?: number }): Envelope => ({
  ...ordered,
  messageId: `r-${payload.rater}-${payload.result ?? ''}${payload.score ?? ''}`,
  occurredAt: '2026-11-14T09:00:00.000Z',
  topic: 'order.rated',
  payload: { orderId: 'o1', ...payload },
});
const apply = (state: OrderState, event: Envelope) => applyOrderEvent(state, event).state;
const change = (before: OrderState, after: OrderState): ItemChange => ({
  eventName: 'MODIFY',
  tenantId: 't1',
  sequenceNumber: '7',
  at: '2026-11-14T09:00:01.000Z',
  oldImage: { entity: 'Order', state: before },
  newImage: { entity: 'Order', state: after },
});

describe('low ratings for QC samples', () => {
  it('are 2 of 5 or less, or the platform’s bad rating', () => {
    expect([1, 2, 3, 5].map((score) => isLowRating({ score }))).toEqual([true, true, false, false]);
    expect(['bad', 'neutral', 'good'].map((result) => isLowRating({ result }))).toEqual([true, false, false]);
    expect(isLowRating(undefined)).toBe(false);
  });

  it("keep the buyer's score and result on the order, not a seller's", () => {
    const placed = apply(newOrderState(key), ordered);
    expect(apply(placed, rated({ rater: 'buyer', score: 2 })).buyerRating).toEqual({ score: 2, at: '2026-11-14T09:00:00.000Z' });
    expect(apply(placed, rated({ rater: 'buyer', result: 'bad' })).buyerRating).toEqual({ result: 'bad', at: '2026-11-14T09:00:00.000Z' });
    expect(apply(placed, rated({ rater: 'seller', score: 1 })).buyerRating).toBeUndefined();
  });

  it('become one low-rating fact when the buyer rates low, none for a good rating or the same rating again', () => {
    const placed = apply(newOrderState(key), ordered);
    const low = apply(placed, rated({ rater: 'buyer', score: 1 }));
    const effects = extractEffects(change(placed, low)).filter((effect) => effect.kind === 'low-rating');
    expect(effects).toEqual([
      { kind: 'low-rating', tenantId: 't1', rating: { shopId: 'shop-1', platform: 'douyin', orderId: 'o1', platformBuyerId: 'dy-buyer-1', at: '2026-11-14T09:00:00.000Z', score: 1 } },
    ]);
    expect(extractEffects(change(low, low)).filter((effect) => effect.kind === 'low-rating')).toEqual([]);
    const good = apply(placed, rated({ rater: 'buyer', score: 4 }));
    expect(extractEffects(change(placed, good)).filter((effect) => effect.kind === 'low-rating')).toEqual([]);
  });
});
