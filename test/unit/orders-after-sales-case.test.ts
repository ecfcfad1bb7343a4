import { describe, expect, it } from 'vitest';
import { addCaseEvidence, addCaseNote, assignCaseOwner, openCaseByAgent, recordRetentionAttempt } from '../../shared/after-sales/case-actions';
import { afterSalesCaseSchema, caseIdForParcelIncident, caseIdForRefund, caseStates, type AfterSalesCase } from '../../shared/after-sales/case';
import { caseChangesFor } from '../../shared/after-sales/cases-from-order-event';
import { allowedTransitions, CaseTransitionError, transitionCase } from '../../shared/after-sales/transition-case';
import { applyOrderEvent } from '../../shared/orders/apply-order-event';
import type { Envelope, RefundKind, RefundStatus } from '../../shared/orders/envelope';
import { newOrderState, type OrderState } from '../../shared/orders/order';

const agent = { kind: 'agent' as const, userId: 'agent-1' };
const supervisor = { kind: 'supervisor' as const, userId: 'sup-1' };
const at = (minute: number) => new Date(Date.UTC(2026, 10, 14, 2) + minute * 60_000).toISOString();

const agentCase = (): AfterSalesCase =>
  openCaseByAgent({ tenantId: 't1', shopId: 'shop-1', platform: 'taobao', type: 'quality-complaint', conversationId: 'c1', buyerId: 'b1', orderId: 'o1', clientRequestId: 'req-1', actor: agent, at: at(0) });

const refundEvent = (messageId: string, version: number, status: RefundStatus, kind: RefundKind = 'return-and-refund', refundId = 'R1'): Envelope => ({
  platform: 'taobao',
  shopId: 'shop-1',
  messageId,
  sourceTopic: 'test',
  occurredAt: at(version),
  businessVersion: version,
  topic: 'refund.updated',
  payload: { orderId: 'o1', refundId, status, kind, buyer: { buyerId: 'b1' } },
});

/** Applies events to the order and runs the case changes they name, as the ingest consumer will. */
function run(events: Envelope[]) {
  let order: OrderState = newOrderState({ tenantId: 't1', shopId: 'shop-1', platform: 'taobao', orderId: 'o1' });
  const cases = new Map<string, AfterSalesCase>();
  for (const event of events) {
    order = applyOrderEvent(order, event).state;
    for (const change of caseChangesFor(order, event)) {
      const next = change.apply(cases.get(change.caseId));
      if (next) cases.set(change.caseId, next);
    }
  }
  return { order, cases };
}

describe('transitionCase', () => {
  const pairs = caseStates.flatMap((from) => caseStates.filter((to) => to !== from).map((to) => [from, to] as const));
  it.each(pairs)('%s → %s follows the transition table', (from, to) => {
    const start: AfterSalesCase = { ...agentCase(), state: from, ...(from === 'resolved' || from === 'closed' ? { outcome: 'other' as const } : {}) };
    const change = { to, actor: supervisor, at: at(5), ...(to === 'resolved' || to === 'closed' ? { outcome: 'compensated' as const } : {}) };
    if (allowedTransitions[from].includes(to)) {
      const next = transitionCase(start, change);
      expect(next.state).toBe(to);
      expect(next.stateSince).toBe(at(5));
      expect(next.timeline.at(-1)).toMatchObject({ kind: 'state', from, to, actor: supervisor });
      expect(afterSalesCaseSchema.parse(next)).toEqual(next);
    } else {
      expect(() => transitionCase(start, change)).toThrow(CaseTransitionError);
    }
  });

  it('never allows resolved ↔ closed directly, only through a reopen', () => {
    expect(allowedTransitions.resolved).toEqual(['open']);
    expect(allowedTransitions.closed).toEqual(['open']);
  });

  it('requires an outcome to finish and refuses one otherwise', () => {
    expect(() => transitionCase(agentCase(), { to: 'resolved', actor: agent, at: at(1) })).toThrow(expect.objectContaining({ code: 'CASE_OUTCOME_REQUIRED', status: 409 }));
    expect(() => transitionCase(agentCase(), { to: 'waiting-buyer', actor: agent, at: at(1), outcome: 'refunded' })).toThrow(expect.objectContaining({ code: 'CASE_OUTCOME_NOT_ALLOWED' }));
  });

  it('refuses a refund outcome on a case that is not about a refund', () => {
    expect(() => transitionCase(agentCase(), { to: 'closed', actor: agent, at: at(1), outcome: 'refund-retained' })).toThrow(expect.objectContaining({ code: 'CASE_OUTCOME_NOT_ALLOWED' }));
  });

  it('lets a supervisor reopen a finished case but not an agent', () => {
    const resolved = transitionCase(agentCase(), { to: 'resolved', actor: agent, at: at(1), outcome: 'compensated' });
    expect(() => transitionCase(resolved, { to: 'open', actor: agent, at: at(2) })).toThrow(expect.objectContaining({ code: 'CASE_REOPEN_NOT_ALLOWED' }));
    const reopened = transitionCase(resolved, { to: 'open', actor: supervisor, at: at(2) });
    expect(reopened).toMatchObject({ state: 'open' });
    expect(reopened.outcome).toBeUndefined();
  });

  it('is a no-op for a move to the state the case is in', () => {
    const waiting = transitionCase(agentCase(), { to: 'waiting-buyer', actor: agent, at: at(1) });
    expect(transitionCase(waiting, { to: 'waiting-buyer', actor: agent, at: at(2) })).toBe(waiting);
  });
});

describe('agent actions on a case', () => {
  it('opens a case idempotently on the client request id, owned by the agent', () => {
    const first = agentCase();
    expect(agentCase().caseId).toBe(first.caseId);
    expect(first).toMatchObject({ state: 'open', origin: 'agent', ownerId: 'agent-1', timeline: [{ kind: 'opened', actor: agent }] });
    expect(afterSalesCaseSchema.parse(first)).toEqual(first);
  });
  it('records owner changes, notes and evidence with their actor', () => {
    let current = assignCaseOwner(agentCase(), 'agent-2', supervisor, at(1));
    current = addCaseNote(current, 'buyer sent photos', agent, at(2));
    current = addCaseEvidence(current, 'https://evidence.example/p/1.jpg', agent, at(3));
    expect(current.timeline.map((entry) => [entry.kind, entry.actor.userId])).toEqual([
      ['opened', 'agent-1'],
      ['owner', 'sup-1'],
      ['note', 'agent-1'],
      ['evidence', 'agent-1'],
    ]);
    expect(assignCaseOwner(current, 'agent-2', supervisor, at(4))).toBe(current);
  });
});

describe('cases from order events', () => {
  it('opens one case per platform refund, whatever the redeliveries and duplicates', () => {
    const { cases } = run([refundEvent('m1', 1, 'requested'), refundEvent('m1', 1, 'requested'), refundEvent('m1-again', 1, 'requested'), refundEvent('m2', 2, 'requested', 'refund-only', 'R2')]);
    expect([...cases.keys()].sort()).toEqual([caseIdForRefund('taobao', 'shop-1', 'R1'), caseIdForRefund('taobao', 'shop-1', 'R2')].sort());
    expect(cases.get(caseIdForRefund('taobao', 'shop-1', 'R1'))).toMatchObject({ type: 'return-and-refund', state: 'waiting-seller', origin: 'refund', buyerId: 'b1', refund: { refundId: 'R1', version: 1 } });
  });

  it('derives case ids that differ by shop and platform', () => {
    expect(caseIdForRefund('taobao', 'shop-1', 'R1')).not.toBe(caseIdForRefund('taobao', 'shop-2', 'R1'));
    expect(caseIdForRefund('taobao', 'shop-1', 'R1')).not.toBe(caseIdForRefund('douyin', 'shop-1', 'R1'));
    expect(caseIdForRefund('taobao', 'shop-1', 'R1')).toMatch(/^rf_[A-Za-z0-9_-]{22}$/);
  });

  it('follows a return through its steps to resolved, with the platform as actor', () => {
    const { cases } = run([refundEvent('m1', 1, 'requested'), refundEvent('m2', 2, 'waiting-return'), refundEvent('m3', 3, 'returned'), refundEvent('m4', 4, 'succeeded')]);
    const caseItem = cases.get(caseIdForRefund('taobao', 'shop-1', 'R1'))!;
    expect(caseItem).toMatchObject({ state: 'resolved', outcome: 'returned-and-refunded', refund: { status: 'succeeded', version: 4 } });
    expect(caseItem.timeline.map((entry) => entry.to)).toEqual(['waiting-seller', 'waiting-buyer', 'waiting-seller', 'resolved']);
    expect(caseItem.timeline.every((entry) => entry.actor.kind === 'platform')).toBe(true);
  });

  it('never moves a case back on an older refund step that arrives late', () => {
    const { cases } = run([refundEvent('m3', 3, 'returned'), refundEvent('m1', 1, 'requested'), refundEvent('m2', 2, 'waiting-return')]);
    expect(cases.get(caseIdForRefund('taobao', 'shop-1', 'R1'))).toMatchObject({ state: 'waiting-seller', refund: { status: 'returned', version: 3 } });
  });

  it.each<[string, boolean, string]>([
    ['after a retention attempt, a withdrawn refund closes as refund-retained', true, 'refund-retained'],
    ['without one, as withdrawn', false, 'withdrawn'],
  ])('%s', (_name, retained, outcome) => {
    const opened = run([refundEvent('m1', 1, 'requested', 'refund-only')]);
    const id = caseIdForRefund('taobao', 'shop-1', 'R1');
    let caseItem = opened.cases.get(id)!;
    if (retained) caseItem = recordRetentionAttempt(caseItem, agent, at(1), 'offered a coupon');
    const order = applyOrderEvent(opened.order, refundEvent('m2', 2, 'closed', 'refund-only')).state;
    const [change] = caseChangesFor(order, refundEvent('m2', 2, 'closed', 'refund-only'));
    expect(change?.apply(caseItem)).toMatchObject({ state: 'closed', outcome });
  });

  it('reopens a closed case when the platform revives its refund', () => {
    const { cases } = run([refundEvent('m1', 1, 'requested'), refundEvent('m2', 2, 'closed'), refundEvent('m3', 3, 'requested')]);
    const caseItem = cases.get(caseIdForRefund('taobao', 'shop-1', 'R1'))!;
    expect(caseItem.state).toBe('waiting-seller');
    expect(caseItem.timeline.map((entry) => entry.to)).toEqual(['waiting-seller', 'closed', 'open', 'waiting-seller']);
  });

  it('opens a resolved case for a refund first heard of as done (Shopify refunds are)', () => {
    const { cases } = run([refundEvent('m1', 1, 'succeeded', 'refund-only')]);
    expect(cases.get(caseIdForRefund('taobao', 'shop-1', 'R1'))).toMatchObject({ state: 'resolved', outcome: 'refunded' });
  });

  it.each([
    ['lost', 'missing-or-damaged'],
    ['failed', 'other'],
  ] as const)('opens one case for a parcel %s (%s), not for other trace events', (action, type) => {
    const trace = (messageId: string, minute: number, traceAction: 'in-transit' | 'failed' | 'lost'): Envelope => ({
      platform: 'taobao',
      shopId: 'shop-1',
      messageId,
      sourceTopic: 'test',
      occurredAt: at(minute),
      businessVersion: minute,
      topic: 'logistics.updated',
      payload: { orderId: 'o1', parcelId: 'SF1', action: traceAction, at: at(minute) },
    });
    const { cases } = run([trace('l1', 1, 'in-transit'), trace('l2', 2, action), trace('l3', 2, action)]);
    expect([...cases.keys()]).toEqual([caseIdForParcelIncident('taobao', 'shop-1', 'o1', 'SF1', action)]);
    expect([...cases.values()][0]).toMatchObject({ type, state: 'waiting-seller', origin: 'logistics', parcelId: 'SF1', openedAt: at(2) });
  });

  it('refuses a retention attempt on a case that is not about a refund', () => {
    expect(() => recordRetentionAttempt(agentCase(), agent, at(1))).toThrow(CaseTransitionError);
  });
});
