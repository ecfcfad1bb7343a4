import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOrderEvent, compareRegisters, OrderEventMismatchError, type OrderEventOutcome } from '../../shared/orders/apply-order-event';
import { logisticsActions, orderStatuses, refundKinds, refundStatuses, type Envelope } from '../../shared/orders/envelope';
import { isSigned, newOrderState, openRefundsOf, orderStatusOf, orderStateSchema, type OrderState } from '../../shared/orders/order';

const key = { tenantId: 't1', shopId: 'shop-1', platform: 'taobao', orderId: 'o1' } as const;
const at = (version: number) => new Date(Date.UTC(2026, 10, 11) + version * 60_000).toISOString();
const base = (messageId: string, version: number) => ({ platform: 'taobao' as const, shopId: 'shop-1', messageId, sourceTopic: 'test', occurredAt: at(version), businessVersion: version });

const order = (messageId: string, version: number, status: (typeof orderStatuses)[number], extra: Partial<Extract<Envelope, { topic: 'order.updated' }>['payload']> = {}): Envelope => ({
  ...base(messageId, version),
  topic: 'order.updated',
  payload: { orderId: 'o1', status, ...extra },
});
const refund = (messageId: string, version: number, refundId: string, status: (typeof refundStatuses)[number], kind: (typeof refundKinds)[number] = 'refund-only'): Envelope => ({
  ...base(messageId, version),
  topic: 'refund.updated',
  payload: { orderId: 'o1', refundId, status, kind },
});
const trace = (messageId: string, minute: number, parcelId: string, action: (typeof logisticsActions)[number]): Envelope => ({
  ...base(messageId, minute),
  topic: 'logistics.updated',
  payload: { orderId: 'o1', parcelId, action, at: at(minute) },
});

function applyAll(events: readonly Envelope[], start: OrderState = newOrderState(key)) {
  const outcomes: OrderEventOutcome[] = [];
  const state = events.reduce((current, event) => {
    const { state: next, outcome } = applyOrderEvent(current, event);
    outcomes.push(outcome);
    return next;
  }, start);
  return { state, outcomes };
}

describe('applyOrderEvent', () => {
  it('moves an order through its life and keeps the status timeline', () => {
    const { state, outcomes } = applyAll([
      order('m1', 1, 'created', { buyer: { buyerId: 'b1' }, total: { minor: 19990, currency: 'CNY' } }),
      order('m2', 2, 'paid'),
      order('m3', 3, 'shipped'),
      trace('m4', 4, 'SF1', 'signed'),
      order('m5', 5, 'finished'),
    ]);
    expect(outcomes).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    expect(orderStatusOf(state)).toBe('finished');
    expect(state.statusHistory.map((entry) => entry.status)).toEqual(['created', 'paid', 'shipped', 'finished']);
    expect(state.buyer?.value).toEqual({ buyerId: 'b1' });
    expect(state.total?.value).toEqual({ minor: 19990, currency: 'CNY' });
    expect(isSigned(state)).toBe(true);
    expect(orderStateSchema.parse(state)).toEqual(state);
  });

  it('keeps the newer status when an older event arrives late, and still puts the late step in the timeline', () => {
    const { state, outcomes } = applyAll([order('m3', 3, 'shipped'), order('m2', 2, 'paid'), order('m1', 1, 'created')]);
    expect(outcomes).toEqual(['applied', 'stale', 'stale']);
    expect(orderStatusOf(state)).toBe('shipped');
    expect(state.statusHistory.map((entry) => entry.status)).toEqual(['created', 'paid', 'shipped']);
  });

  it('lets a stale status event still fill a detail nobody sent yet (each detail is its own register)', () => {
    const { state, outcomes } = applyAll([order('m3', 3, 'shipped'), order('m1', 1, 'created', { lines: [{ lineId: 'l1', quantity: 1 }] })]);
    expect(outcomes).toEqual(['applied', 'applied']);
    expect(orderStatusOf(state)).toBe('shipped');
    expect(state.lines?.value).toEqual([{ lineId: 'l1', quantity: 1 }]);
  });

  it('reports a redelivered message as a duplicate and returns the state unchanged', () => {
    const first = applyAll([order('m1', 1, 'paid')]).state;
    const again = applyOrderEvent(first, order('m1', 1, 'paid'));
    expect(again.outcome).toBe('duplicate');
    expect(again.state).toBe(first);
  });

  it('breaks a version tie by lifecycle, whichever arrives first', () => {
    const a = applyAll([order('mA', 7, 'paid'), order('mB', 7, 'shipped')]).state;
    const b = applyAll([order('mB', 7, 'shipped'), order('mA', 7, 'paid')]).state;
    expect(orderStatusOf(a)).toBe('shipped');
    expect(b).toEqual(a);
  });

  it('versions each refund on its own: a refund with small versions is not stale against the order', () => {
    const { state, outcomes } = applyAll([order('m1', 1_000, 'shipped'), refund('r-a', 5, 'R1', 'requested'), refund('r-b', 3, 'R2', 'requested'), refund('r-c', 4, 'R1', 'refused')]);
    expect(outcomes).toEqual(['applied', 'applied', 'applied', 'stale']);
    expect(state.refunds.R1?.current.value.status).toBe('requested');
    expect(state.refunds.R1?.history.map((entry) => entry.status)).toEqual(['refused', 'requested']);
    expect(openRefundsOf(state).map((r) => r.refundId).sort()).toEqual(['R1', 'R2']);
  });

  it('accepts a refund before the order itself is known, and takes the buyer from it', () => {
    const event: Envelope = { ...base('r1', 9), topic: 'refund.updated', payload: { orderId: 'o1', refundId: 'R1', status: 'requested', kind: 'return-and-refund', buyer: { buyerId: 'b7' } } };
    const { state, outcomes } = applyAll([event]);
    expect(outcomes).toEqual(['applied']);
    expect(orderStatusOf(state)).toBeUndefined();
    expect(state.buyer?.value.buyerId).toBe('b7');
  });

  it('keeps logistics as facts: an older trace is history, not the parcel’s position', () => {
    const { state, outcomes } = applyAll([trace('l2', 20, 'SF1', 'out-for-delivery'), trace('l1', 10, 'SF1', 'collected'), trace('l3', 20, 'SF1', 'out-for-delivery')]);
    expect(outcomes).toEqual(['applied', 'stale', 'stale']);
    expect(state.parcels.SF1?.events.map((event) => event.action)).toEqual(['collected', 'out-for-delivery']);
    expect(isSigned(state)).toBe(false);
  });

  it('counts an order as signed only when every parcel is', () => {
    const { state } = applyAll([order('m1', 1, 'shipped'), trace('l1', 2, 'SF1', 'signed'), trace('l2', 2, 'SF2', 'in-transit')]);
    expect(isSigned(state)).toBe(false);
    expect(isSigned(applyOrderEvent(state, trace('l3', 3, 'SF2', 'signed')).state)).toBe(true);
  });

  it('records a rating once and a timeout reminder as ignored', () => {
    const rated: Envelope = { ...base('x1', 1), topic: 'order.rated', payload: { orderId: 'o1', rater: 'buyer' } };
    const remind: Envelope = { ...base('x3', 1), topic: 'order.reminded', payload: { orderId: 'o1' } };
    const { state, outcomes } = applyAll([rated, { ...rated, messageId: 'x2' }, remind]);
    expect(outcomes).toEqual(['applied', 'stale', 'ignored']);
    expect(state.ratedBy).toEqual(['buyer']);
    expect(state.seenMessageIds).toEqual(['x1', 'x2', 'x3']);
  });

  it('refuses an event for another shop, platform or order (tenant and shop isolation)', () => {
    const start = newOrderState(key);
    expect(() => applyOrderEvent(start, { ...order('m', 1, 'paid'), shopId: 'shop-2' })).toThrow(OrderEventMismatchError);
    expect(() => applyOrderEvent(start, { ...order('m', 1, 'paid'), platform: 'douyin' })).toThrow(OrderEventMismatchError);
    expect(() => applyOrderEvent(start, order('m', 1, 'paid', { orderId: 'o2' }))).toThrow(OrderEventMismatchError);
  });
});

/**
 * The "Done when": any permutation of an order's events, with duplicates, ends in the same state.
 * Versions are drawn from a small range so ties are common; refunds and parcels share ids so their
 * histories interleave.
 */
describe('applyOrderEvent under reordering and redelivery (fast-check)', () => {
  const version = fc.integer({ min: 0, max: 6 });
  const money = fc.record({ minor: fc.nat({ max: 100_000 }), currency: fc.constant('CNY') });
  const eventArb = fc.oneof(
    fc.record({
      kind: fc.constant('order' as const),
      version,
      status: fc.constantFrom(...orderStatuses),
      total: fc.option(money, { nil: undefined }),
      buyer: fc.option(fc.constantFrom('b1', 'b2'), { nil: undefined }),
      lines: fc.option(fc.array(fc.record({ lineId: fc.constantFrom('l1', 'l2'), quantity: fc.integer({ min: 1, max: 3 }) }), { maxLength: 2 }), { nil: undefined }),
    }),
    fc.record({ kind: fc.constant('refund' as const), version, refundId: fc.constantFrom('R1', 'R2'), status: fc.constantFrom(...refundStatuses), refundKind: fc.constantFrom(...refundKinds), buyer: fc.option(fc.constantFrom('b1', 'b3'), { nil: undefined }) }),
    fc.record({ kind: fc.constant('trace' as const), version, parcelId: fc.constantFrom('SF1', 'SF2'), action: fc.constantFrom(...logisticsActions), carrier: fc.option(fc.constantFrom('SF', 'YTO'), { nil: undefined }) }),
    fc.record({ kind: fc.constant('rated' as const), version, rater: fc.constantFrom('buyer', 'seller') }),
    fc.record({ kind: fc.constant('remind' as const), version }),
  );

  type Spec = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;
  const toEnvelope = (spec: Spec, index: number): Envelope => {
    const id = `msg-${index}`;
    switch (spec.kind) {
      case 'order':
        return order(id, spec.version, spec.status, {
          ...(spec.total ? { total: spec.total } : {}),
          ...(spec.buyer ? { buyer: { buyerId: spec.buyer } } : {}),
          ...(spec.lines ? { lines: spec.lines } : {}),
        });
      case 'refund':
        return { ...base(id, spec.version), topic: 'refund.updated', payload: { orderId: 'o1', refundId: spec.refundId, status: spec.status, kind: spec.refundKind, ...(spec.buyer ? { buyer: { buyerId: spec.buyer } } : {}) } };
      case 'trace':
        return { ...base(id, spec.version), topic: 'logistics.updated', payload: { orderId: 'o1', parcelId: spec.parcelId, action: spec.action, at: at(spec.version), ...(spec.carrier ? { carrier: spec.carrier } : {}) } };
      case 'rated':
        return { ...base(id, spec.version), topic: 'order.rated', payload: { orderId: 'o1', rater: spec.rater } };
      default:
        return { ...base(id, spec.version), topic: 'order.reminded', payload: { orderId: 'o1' } };
    }
  };

  /** The events of one order, then a delivery of them: every event at least once, some twice or thrice, any order. */
  const historyAndDelivery = fc
    .array(eventArb, { minLength: 1, maxLength: 25 })
    .map((specs) => specs.map(toEnvelope))
    .chain((events) =>
      fc
        .tuple(fc.subarray(events), fc.subarray(events))
        .chain(([again, thrice]) => {
          const all = [...events, ...again, ...thrice];
          return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
        })
        .map((delivery) => ({ events, delivery })),
    );

  it('ends in the same state for any permutation with duplicates', () => {
    fc.assert(
      fc.property(historyAndDelivery, ({ events, delivery }) => {
        const inOrder = applyAll(events).state;
        const { state, outcomes } = applyAll(delivery);
        expect(state).toEqual(inOrder);
        // Each message is applied (or judged stale/ignored) once; every redelivery is a duplicate.
        expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(delivery.length - events.length);
      }),
      { numRuns: 400 },
    );
  });

  it('ends with the status of the greatest (version, lifecycle, message id), and each refund likewise in its own space', () => {
    fc.assert(
      fc.property(historyAndDelivery, ({ events, delivery }) => {
        const { state } = applyAll(delivery);
        const registerOf = (event: Envelope, rank: number) => ({ version: event.businessVersion, rank, messageId: event.messageId });
        const greatest = <T extends Envelope>(candidates: T[], rankOf: (event: T) => number) =>
          candidates.reduce<T | undefined>((best, event) => (!best || compareRegisters(registerOf(best, rankOf(best)), registerOf(event, rankOf(event))) < 0 ? event : best), undefined);

        const orderEvents = events.filter((event): event is Extract<Envelope, { topic: 'order.updated' }> => event.topic === 'order.updated');
        expect(orderStatusOf(state)).toBe(greatest(orderEvents, (event) => orderStatuses.indexOf(event.payload.status))?.payload.status);
        for (const refundId of ['R1', 'R2']) {
          const refundEvents = events.filter((event): event is Extract<Envelope, { topic: 'refund.updated' }> => event.topic === 'refund.updated' && event.payload.refundId === refundId);
          expect(state.refunds[refundId]?.current.value.status).toBe(greatest(refundEvents, (event) => refundStatuses.indexOf(event.payload.status))?.payload.status);
        }
        expect(state.seenMessageIds).toHaveLength(events.length);
        expect(orderStateSchema.safeParse(state).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
