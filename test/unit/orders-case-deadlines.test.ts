import { describe, expect, it } from 'vitest';
import type { AfterSalesCase } from '../../shared/after-sales/case';
import { openCaseByAgent } from '../../shared/after-sales/case-actions';
import { transitionCase } from '../../shared/after-sales/transition-case';
import { applyDeadline, deadlineFor, defaultDeadlineTable, deadlineTableSchema, type DeadlinePolicy } from '../../shared/after-sales/deadlines';
import { defaultWarningPolicy, nextWarningAt, warningsDue } from '../../shared/after-sales/warnings-due';
import type { RefundStatus } from '../../shared/orders/envelope';

const start = '2026-11-14T02:00:00.000Z';
const plus = (hours: number) => new Date(Date.parse(start) + hours * 3_600_000).toISOString();
const policy: DeadlinePolicy = { table: defaultDeadlineTable, safetyMarginMinutes: 120 };

type CaseShape = Pick<AfterSalesCase, 'platform' | 'type' | 'state' | 'stateSince' | 'refund'>;
const refundCase = (type: AfterSalesCase['type'], state: AfterSalesCase['state'], status: RefundStatus, platform: AfterSalesCase['platform'] = 'taobao'): CaseShape => ({
  platform,
  type,
  state,
  stateSince: start,
  refund: { refundId: 'R1', kind: type === 'exchange' ? 'exchange' : type === 'return-and-refund' ? 'return-and-refund' : 'refund-only', status, version: 1, rank: 0, messageId: 'm1' },
});

describe('deadlineFor', () => {
  it('uses the platform’s own deadline when it gave one, whatever the table says', () => {
    expect(deadlineFor(refundCase('refund-only', 'waiting-seller', 'requested'), { platformDueAt: plus(30), orderShipped: true }, policy)).toEqual({
      dueAt: plus(30),
      slaDueAt: plus(28),
      startsAt: start,
      source: 'platform',
    });
  });

  it.each<[string, CaseShape, boolean | undefined, string, number]>([
    ['Taobao refund on an unshipped order: 24 h', refundCase('refund-only', 'waiting-seller', 'requested'), false, 'tb-refund-unshipped', 24],
    ['Taobao refund-only after shipping: 36 h', refundCase('refund-only', 'waiting-seller', 'requested'), true, 'tb-refund-only-shipped', 36],
    ['Taobao return request after shipping: 48 h', refundCase('return-and-refund', 'waiting-seller', 'requested'), true, 'tb-return-request', 48],
    ['Taobao returned goods to confirm: 10 days', refundCase('return-and-refund', 'waiting-seller', 'returned'), true, 'tb-confirm-return', 240],
    ['Taobao buyer after a refusal: 5 days', refundCase('refund-only', 'waiting-buyer', 'refused'), true, 'tb-buyer-after-refusal', 120],
    ['Douyin refund: kefu default 48 h (no verified rule)', refundCase('refund-only', 'waiting-seller', 'requested', 'douyin'), true, 'any-case', 48],
    ['urge shipping on Taobao: 24 h, not the refund rule', { platform: 'taobao', type: 'urge-shipping', state: 'waiting-seller', stateSince: start }, false, 'any-urge-shipping', 24],
    ['quality complaint: 48 h', { platform: 'shopify', type: 'quality-complaint', state: 'open', stateSince: start }, undefined, 'any-quality', 48],
  ])('%s', (_name, caseShape, orderShipped, ruleId, hours) => {
    expect(deadlineFor(caseShape, { orderShipped }, policy)).toEqual({
      dueAt: plus(hours),
      slaDueAt: plus(hours - 2),
      startsAt: start,
      source: 'rule',
      ruleId,
      tableVersion: defaultDeadlineTable.version,
    });
  });

  it('lets a shop rule beat the table, and a more specific shop rule beat a general one', () => {
    const shopPolicy: DeadlinePolicy = {
      ...policy,
      shopRules: [
        { id: 'shop-all', platform: '*', caseType: '*', state: '*', hours: 12 },
        { id: 'shop-refunds', platform: 'taobao', caseType: 'refund-only', state: '*', hours: 6 },
      ],
    };
    expect(deadlineFor(refundCase('refund-only', 'waiting-seller', 'requested'), { orderShipped: true }, shopPolicy)).toMatchObject({ source: 'shop-rule', ruleId: 'shop-refunds', dueAt: plus(6) });
    expect(deadlineFor(refundCase('exchange', 'waiting-seller', 'requested'), { orderShipped: true }, shopPolicy)).toMatchObject({ source: 'shop-rule', ruleId: 'shop-all', dueAt: plus(12) });
  });

  it('has no deadline for a finished case', () => {
    expect(deadlineFor(refundCase('refund-only', 'resolved', 'succeeded'), {}, policy)).toBeUndefined();
    expect(deadlineFor(refundCase('refund-only', 'closed', 'closed'), {}, policy)).toBeUndefined();
  });

  it('puts the SLA at the step’s start when the deadline is closer than the safety margin', () => {
    expect(deadlineFor(refundCase('refund-only', 'waiting-seller', 'requested'), { platformDueAt: plus(1) }, policy)).toMatchObject({ slaDueAt: start });
  });

  it('ships a table that its own schema accepts', () => {
    expect(deadlineTableSchema.parse(defaultDeadlineTable)).toEqual(defaultDeadlineTable);
  });
});

describe('warningsDue', () => {
  // A 24 h deadline with a 4 h margin: the SLA window is 20 h, so 50 % = +10 h, 80 % = +16 h, overdue = +20 h.
  const deadline = { dueAt: plus(24), slaDueAt: plus(20), startsAt: start, source: 'rule' as const };
  const caseAt = (state: AfterSalesCase['state'] = 'waiting-seller', warningsSent: string[] = []) => ({ state, deadline, warningsSent });
  const at = (hours: number) => new Date(plus(hours));

  it.each<[number, number[]]>([
    [9.99, []],
    [10, [0.5]],
    [15.9, [0.5]],
    [16, [0.5, 0.8]],
    [20, [0.5, 0.8, 1]],
    [100, [0.5, 0.8, 1]],
  ])('at +%f h owes the points %j', (hours, points) => {
    expect(warningsDue(caseAt(), defaultWarningPolicy, at(hours)).map((warning) => warning.point)).toEqual(points);
  });

  it('marks all but the latest due point superseded, so a late sweep pushes one alert', () => {
    expect(warningsDue(caseAt(), defaultWarningPolicy, at(21)).map((warning) => [warning.kind, warning.superseded])).toEqual([
      ['warning', true],
      ['warning', true],
      ['overdue', false],
    ]);
  });

  it('owes nothing already sent: a sweep that runs twice warns once (row 25)', () => {
    const first = warningsDue(caseAt(), defaultWarningPolicy, at(16));
    const afterFirst = caseAt('waiting-seller', first.map((warning) => warning.key));
    expect(warningsDue(afterFirst, defaultWarningPolicy, at(16))).toEqual([]);
    expect(warningsDue(afterFirst, defaultWarningPolicy, at(20)).map((warning) => warning.point)).toEqual([1]);
  });

  it('re-arms when the deadline changes (a new refund step)', () => {
    const sent = warningsDue(caseAt(), defaultWarningPolicy, at(20)).map((warning) => warning.key);
    const nextStep = { state: 'waiting-seller' as const, warningsSent: sent, deadline: { ...deadline, dueAt: plus(48), slaDueAt: plus(44), startsAt: plus(24) } };
    expect(warningsDue(nextStep, defaultWarningPolicy, at(34)).map((warning) => warning.point)).toEqual([0.5]);
  });

  it('does not warn while the buyer or the platform has the move, nor for a finished case', () => {
    for (const state of ['waiting-buyer', 'waiting-platform', 'resolved', 'closed'] as const) {
      expect(warningsDue(caseAt(state), defaultWarningPolicy, at(30))).toEqual([]);
      expect(nextWarningAt(caseAt(state), defaultWarningPolicy)).toBeUndefined();
    }
  });

  it('uses the shop’s points', () => {
    expect(warningsDue(caseAt(), { points: [0.25, 1] }, at(6)).map((warning) => warning.point)).toEqual([0.25]);
  });

  it('tells the due-time index when the case next needs the sweep', () => {
    expect(nextWarningAt(caseAt(), defaultWarningPolicy)).toBe(plus(10));
    const sentHalf = caseAt('waiting-seller', [`${deadline.dueAt}@0.5`]);
    expect(nextWarningAt(sentHalf, defaultWarningPolicy)).toBe(plus(16));
    const sentAll = caseAt('waiting-seller', [0.5, 0.8, 1].map((point) => `${deadline.dueAt}@${point}`));
    expect(nextWarningAt(sentAll, defaultWarningPolicy)).toBeUndefined();
  });
});

describe('applyDeadline', () => {
  const opened = openCaseByAgent({ tenantId: 't1', shopId: 'shop-1', platform: 'taobao', type: 'urge-shipping', conversationId: 'c1', buyerId: 'b1', clientRequestId: 'q1', actor: { kind: 'agent', userId: 'a1' }, at: start });

  it('sets the step’s deadline once, with a timeline entry, and is a no-op when nothing changed', () => {
    const withDeadline = applyDeadline(opened, { orderShipped: false }, policy, start);
    expect(withDeadline.deadline).toMatchObject({ dueAt: plus(24), ruleId: 'any-urge-shipping' });
    expect(withDeadline.timeline.at(-1)).toMatchObject({ kind: 'deadline', actor: { kind: 'system' }, dueAt: plus(24) });
    expect(applyDeadline(withDeadline, { orderShipped: false }, policy, plus(1))).toBe(withDeadline);
  });

  it('drops the deadline when the case ends', () => {
    const withDeadline = applyDeadline(opened, {}, policy, start);
    const resolved = transitionCase(withDeadline, { to: 'resolved', actor: { kind: 'agent', userId: 'a1' }, at: plus(2), outcome: 'reshipped' });
    const after = applyDeadline(resolved, {}, policy, plus(2));
    expect(after.deadline).toBeUndefined();
    expect(after.timeline.at(-1)).toMatchObject({ kind: 'deadline', text: 'no deadline' });
  });
});
