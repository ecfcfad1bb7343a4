import { describe, expect, it } from 'vitest';
import { attributeOrder, type OrderFact, type ReceptionFact } from '../../shared/kpi/attribute';
import { defaultAttributionRule, nextRule, putAttributionRuleBody, recomputeStart, recomputeStatusOf } from '../../shared/kpi/attribution-rule';
import { figuresOf } from '../../shared/kpi/counters';
import { attributionFacts, caseExtractor, conversationExtractor, extractEffects, outreachTaskExtractor, receptionFacts, roundOutcomeExtractor, type ItemChange } from '../../shared/kpi/facts';
import { apportionLargestRemainder, unitCostsUsd, usageCsv, usageReportOf } from '../../shared/kpi/usage';
import { localHour } from '../../shared/store/kpi-aggregates';
import { planFact } from '../../shared/kpi/fact-batches';

/**
 * KPI formulas and attribution against hand-computed fixtures (issue 9; docs/kpi-design.md). The shop is
 * in Asia/Shanghai; every instant below is UTC.
 */

const dayOf = (at: string) => localHour(at, 'Asia/Shanghai').day;

describe('KPI figures from stored sums and counts', () => {
  it("follow the platforms' formulas: first response, average response, rate, reply/question, conversion, AOV, cases, coupons", () => {
    // 3 first replies taking 4 s, 10 s and 16 s → 10 s; 5 replies totalling 60 s → 12 s; 9 of 10 rounds met;
    // 12 agent messages for 8 buyer messages → 1.5; 2 of 8 inquirers paid → 0.25; ¥300 + ¥100 over 2 buyers → ¥200 (20,000 fen);
    // 2 cases resolved in 3 h and 5 h → 4 h, one of them on time → 0.5.
    const figures = figuresOf({
      firstReplyMsTotal: 30_000,
      firstReplies: 3,
      replyMsTotal: 60_000,
      replies: 5,
      roundsMet: 9,
      roundsMissed: 1,
      agentMessages: 12,
      buyerMessages: 8,
      inquiries: 8,
      convertedInquirers: 2,
      salesAmount: 40_000,
      secondarySalesAmount: 10_000,
      casesResolved: 2,
      caseResolutionSecondsTotal: 8 * 3600,
      casesResolvedOnTime: 1,
      callbackCouponsOffered: 4,
      callbackCouponsAccepted: 1,
      onlineSeconds: 7200,
    });
    expect(figures).toEqual({
      inquiries: 8,
      firstResponseSeconds: 10,
      averageResponseSeconds: 12,
      responseRate: 0.9,
      replyQuestionRatio: 1.5,
      conversionRate: 0.25,
      averageOrderValue: 20_000,
      salesAmount: 40_000,
      secondarySalesAmount: 10_000,
      caseResolutionSeconds: 4 * 3600,
      caseOnTimeRate: 0.5,
      callbackCouponAcceptance: 0.25,
      onlineSeconds: 7200,
    });
  });

  it('leave a figure without facts absent rather than 0', () => {
    expect(figuresOf({})).toEqual({});
    expect(figuresOf({ buyerMessages: 3 })).toEqual({ replyQuestionRatio: 0 });
    expect(figuresOf({ inquiries: 4 })).toEqual({ inquiries: 4, conversionRate: 0 });
  });
});

const reception = (agentId: string, at: string, extra: Partial<ReceptionFact> = {}): ReceptionFact => ({
  shopId: 'peach-glow',
  conversationId: `c-${agentId}-${at}`,
  agentId,
  buyerId: 'buyer-zhou',
  at,
  stage: 'pre-sale',
  ...extra,
});
const order: OrderFact = {
  shopId: 'peach-glow',
  platform: 'taobao',
  orderId: 'o-1',
  buyerId: 'buyer-zhou',
  placedAt: '2026-11-10T02:00:00.000Z',
  paidAt: '2026-11-12T02:00:00.000Z',
  amount: 29_900,
};

describe('order attribution by the shop rule', () => {
  // A chatted the day before placing, B the day between placing and paying, C a week earlier.
  const receptions = [reception('agent-c', '2026-11-03T02:00:00.000Z'), reception('agent-a', '2026-11-09T02:00:00.000Z'), reception('agent-b', '2026-11-11T02:00:00.000Z')];

  it('order-placed: counts at placement, credited to the last reception before it; older ones outside the window are not assists', () => {
    const result = attributeOrder(order, receptions, { mode: 'order-placed', inquiryWindowDays: 3 });
    expect(result).toMatchObject({ creditAt: order.placedAt, credited: { agentId: 'agent-a' }, assists: [] });
  });

  it('payment: counts at payment, credited to the last reception before it, with assist credit for the others in the window', () => {
    const result = attributeOrder(order, receptions, { mode: 'payment', inquiryWindowDays: 3 });
    expect(result).toMatchObject({ creditAt: order.paidAt, credited: { agentId: 'agent-b' }, assists: ['agent-a'] });
    // A 15-day window reaches agent C as well.
    expect(attributeOrder(order, receptions, { mode: 'payment', inquiryWindowDays: 15 })?.assists).toEqual(['agent-a', 'agent-c']);
  });

  it('order-first: the last reception before the order wins; with none, the first between order and payment', () => {
    expect(attributeOrder(order, receptions, { mode: 'order-first', inquiryWindowDays: 3 })).toMatchObject({ creditAt: order.paidAt, credited: { agentId: 'agent-a' }, assists: ['agent-b'] });
    const onlyAfter = [reception('agent-b', '2026-11-11T02:00:00.000Z'), reception('agent-d', '2026-11-11T05:00:00.000Z')];
    expect(attributeOrder(order, onlyAfter, { mode: 'order-first', inquiryWindowDays: 3 })).toMatchObject({ credited: { agentId: 'agent-b' }, assists: ['agent-d'] });
  });

  it('the inquiry window: a reception 2 days and 1 minute before is outside a 2-day window, inside a 3-day one', () => {
    const early = [reception('agent-a', '2026-11-08T01:59:00.000Z')];
    expect(attributeOrder(order, early, { mode: 'order-placed', inquiryWindowDays: 2 })?.credited).toBeUndefined();
    expect(attributeOrder(order, early, { mode: 'order-placed', inquiryWindowDays: 3 })?.credited?.agentId).toBe('agent-a');
  });

  it('an unpaid order does not count yet under payment modes; an order without chat is a silent sale', () => {
    expect(attributeOrder({ ...order, paidAt: undefined }, receptions, { mode: 'payment', inquiryWindowDays: 3 })).toBeUndefined();
    const silent = attributeOrder(order, [], { mode: 'payment', inquiryWindowDays: 3 })!;
    expect(silent.credited).toBeUndefined();
    expect(attributionFacts('t', order, silent, 1, dayOf)).toEqual([
      { factId: 'attr#v1#taobao#o-1', tenantId: 't', shopId: 'peach-glow', ruleVersion: 1, updates: [{ at: order.paidAt, target: { kind: 'shop' }, counters: { silentOrders: 1, silentSalesAmount: 29_900 } }] },
    ]);
  });

  it('credits sales at the inquiry, an in-sale reception as secondary sales, and the paying inquirer once per owner and day', () => {
    const inSale = [reception('agent-a', '2026-11-09T02:00:00.000Z', { stage: 'in-sale', groupId: 'g-pre' })];
    const attribution = attributeOrder(order, inSale, { mode: 'payment', inquiryWindowDays: 7 })!;
    const facts = attributionFacts('t', order, attribution, 2, dayOf);
    expect(facts.map((fact) => fact.factId)).toEqual([
      'attr#v2#taobao#o-1',
      'paid#v2#shop#2026-11-09#buyer-zhou',
      'paid#v2#agent#agent-a#2026-11-09#buyer-zhou',
      'paid#v2#group#g-pre#2026-11-09#buyer-zhou',
    ]);
    expect(facts[0]!.updates).toContainEqual({ at: '2026-11-09T02:00:00.000Z', target: { kind: 'agent', agentId: 'agent-a' }, counters: { creditedOrders: 1, salesAmount: 29_900, secondarySalesAmount: 29_900 } });
    // A second order of the same buyer from the same inquiry: new sales, the same inquirer fact ids.
    const second = attributionFacts('t', { ...order, orderId: 'o-2' }, attribution, 2, dayOf);
    expect(second.slice(1).map((fact) => fact.factId)).toEqual(facts.slice(1).map((fact) => fact.factId));
  });
});

describe('attribution rules', () => {
  it('take a window of 2 to 15 days and one of three modes', () => {
    expect(putAttributionRuleBody.safeParse({ mode: 'payment', inquiryWindowDays: 2 }).success).toBe(true);
    expect(putAttributionRuleBody.safeParse({ mode: 'payment', inquiryWindowDays: 15 }).success).toBe(true);
    expect(putAttributionRuleBody.safeParse({ mode: 'payment', inquiryWindowDays: 1 }).error?.issues[0]?.path).toEqual(['inquiryWindowDays']);
    expect(putAttributionRuleBody.safeParse({ mode: 'payment', inquiryWindowDays: 16 }).error?.issues[0]?.path).toEqual(['inquiryWindowDays']);
    expect(putAttributionRuleBody.safeParse({ mode: 'last-click', inquiryWindowDays: 3 }).error?.issues[0]?.path).toEqual(['mode']);
  });

  it("show their recompute's status: pending until a page ran, running, then done once the version is active", () => {
    const months = ['2026-09', '2026-10', '2026-11'];
    const changed = { ...nextRule({ mode: 'order-placed', inquiryWindowDays: 5 }, undefined), ...recomputeStart(1, months) };
    expect(recomputeStatusOf(changed)).toEqual({ version: 1, state: 'pending', monthsDone: 0, monthsTotal: 3, ordersDone: 0 });
    const running = { ...changed, recomputePages: { ...changed.recomputePages, '2026-09': { next: '', from: '', by: 'm1', done: true, orders: 40 }, '2026-10': { next: 'taobao#o9', from: '', by: 'm2', orders: 250 } } };
    expect(recomputeStatusOf(running)).toEqual({ version: 1, state: 'running', monthsDone: 1, monthsTotal: 3, ordersDone: 290 });
    expect(recomputeStatusOf({ ...running, activeVersion: 1 })).toMatchObject({ state: 'done', monthsDone: 3, monthsTotal: 3 });
    // A rule never changed has nothing to recompute.
    expect(recomputeStatusOf(defaultAttributionRule)).toEqual({ version: 0, state: 'done', monthsDone: 0, monthsTotal: 0, ordersDone: 0 });
  });

  it('keep the active version and its settings until the new version is recomputed', () => {
    const first = nextRule({ mode: 'order-placed', inquiryWindowDays: 5 }, undefined);
    expect(first).toMatchObject({ version: 1, activeVersion: 0, active: { mode: 'payment', inquiryWindowDays: 3 } });
    const second = nextRule({ mode: 'order-first', inquiryWindowDays: 7 }, { ...first, activeVersion: 1 });
    expect(second).toMatchObject({ version: 2, activeVersion: 1, active: { mode: 'order-placed', inquiryWindowDays: 5 } });
  });
});

const head = (facts: Record<string, number>, extra: Record<string, unknown> = {}) => ({
  entity: 'Conversation',
  conversationId: 'c-1',
  shopId: 'peach-glow',
  buyerId: 'buyer-zhou',
  stage: 'pre-sale',
  assigneeId: 'xiaomei',
  groupId: 'g-pre',
  lastMessageAt: '2026-11-11T02:00:30.000Z',
  responseFacts: { questions: 0, replies: 0, responseMsTotal: 0, responseCount: 0, ...facts },
  ...extra,
});
const change = (oldImage: Record<string, unknown> | undefined, newImage: Record<string, unknown>, sequenceNumber = '100'): ItemChange => ({
  eventName: oldImage ? 'MODIFY' : 'INSERT',
  tenantId: 't',
  oldImage,
  newImage,
  at: '2026-11-11T02:00:31.000Z',
  sequenceNumber,
});

describe('fact extractors', () => {
  it("count a message's change of the head for the shop, group and assignee at the message's time, and the first answer as a reception", () => {
    const effects = conversationExtractor.extract(change(head({ questions: 1 }), head({ questions: 1, replies: 1, responseCount: 1, responseMsTotal: 30_000, firstResponseMs: 30_000 })));
    expect(effects[0]).toEqual({
      kind: 'count',
      fact: {
        factId: 'conv#c-1#100',
        tenantId: 't',
        shopId: 'peach-glow',
        updates: ['shop', 'group', 'agent'].map((kind) => ({
          at: '2026-11-11T02:00:30.000Z',
          target: kind === 'shop' ? { kind } : kind === 'group' ? { kind, groupId: 'g-pre' } : { kind, agentId: 'xiaomei' },
          counters: { agentMessages: 1, replyMsTotal: 30_000, replies: 1, firstReplyMsTotal: 30_000, firstReplies: 1 },
        })),
      },
    });
    expect(effects[1]).toMatchObject({ kind: 'reception', reception: { agentId: 'xiaomei', buyerId: 'buyer-zhou', at: '2026-11-11T02:00:30.000Z' } });
  });

  it("filter receptions: an agent's monologue, an after-sale chat and a later answer are none", () => {
    const monologue = conversationExtractor.extract(change(head({}), head({ replies: 1 })));
    expect(monologue.some((effect) => effect.kind === 'reception')).toBe(false);
    const afterSale = conversationExtractor.extract(change(head({ questions: 1 }, { stage: 'after-sale' }), head({ questions: 1, replies: 1, responseCount: 1 }, { stage: 'after-sale' })));
    expect(afterSale.some((effect) => effect.kind === 'reception')).toBe(false);
    const later = conversationExtractor.extract(change(head({ questions: 2, replies: 1, responseCount: 1 }), head({ questions: 2, replies: 2, responseCount: 2 })));
    expect(later.some((effect) => effect.kind === 'reception')).toBe(false);
  });

  it('count an inquirer once per owner and shop-local day (18:00 UTC is the next day in Shanghai)', () => {
    const facts = receptionFacts('t', reception('agent-a', '2026-11-10T18:00:00.000Z', { groupId: 'g' }), dayOf);
    expect(facts.map((fact) => fact.factId)).toEqual(['inq#shop#2026-11-11#buyer-zhou', 'inq#agent#agent-a#2026-11-11#buyer-zhou', 'inq#group#g#2026-11-11#buyer-zhou']);
  });

  it("count a round's outcome once it changes, on its question's time, and a late answer replacing `missed` not twice", () => {
    const round = { entity: 'RoundOutcome', shopId: 'peach-glow', questionAt: '2026-11-11T02:00:00.000Z', status: 'missed', agentId: 'xiaomei' };
    expect(roundOutcomeExtractor.extract(change(undefined, round))[0]).toMatchObject({ kind: 'count', fact: { updates: [{ counters: { roundsMissed: 1 } }, { counters: { roundsMissed: 1 } }] } });
    expect(roundOutcomeExtractor.extract(change(round, { ...round, responseMs: 400_000 }))).toEqual([]);
  });

  it('count a case opened, then resolved with its resolution time and whether it met the SLA', () => {
    const opened = { entity: 'AfterSalesCase', shopId: 'peach-glow', state: 'open', openedAt: '2026-11-11T00:00:00.000Z', ownerId: 'lili', deadline: { slaDueAt: '2026-11-11T12:00:00.000Z' } };
    expect(caseExtractor.extract(change(undefined, opened))[0]).toMatchObject({ fact: { updates: [{ counters: { casesOpened: 1 } }, { target: { agentId: 'lili' } }] } });
    const resolved = { ...opened, state: 'resolved', stateSince: '2026-11-11T03:00:00.000Z' };
    expect(caseExtractor.extract(change(opened, resolved))[0]).toMatchObject({
      fact: { updates: [{ at: '2026-11-11T03:00:00.000Z', counters: { casesResolved: 1, caseResolutionSecondsTotal: 10_800, casesResolvedOnTime: 1 } }, {}] },
    });
  });

  it('count an outreach task once when first sent (a review invitation also as one sent), and a concluded callback as offered, accepted on coupon-accepted', () => {
    const scheduled = { entity: 'OutreachTask', shopId: 'peach-glow', kind: 'review-invitation', status: 'scheduled', updatedAt: '2026-11-20T01:00:00.000Z' };
    const sent = { ...scheduled, status: 'sent', reach: { channel: 'chat', sentAt: '2026-11-20T02:00:00.000Z' } };
    expect(outreachTaskExtractor.extract(change(scheduled, sent))).toMatchObject([
      { kind: 'count', fact: { shopId: 'peach-glow', updates: [{ at: '2026-11-20T02:00:00.000Z', target: { kind: 'shop' }, counters: { outreachSent: 1, reviewInvitationsSent: 1 } }] } },
    ]);
    // Read later on the same reach: no second count.
    expect(outreachTaskExtractor.extract(change(sent, { ...sent, reach: { ...sent.reach, readAt: '2026-11-20T03:00:00.000Z' } }))).toEqual([]);

    const assigned = { entity: 'OutreachTask', shopId: 'peach-glow', kind: 'delivery-callback', status: 'assigned', assigneeId: 'xiaoyu', updatedAt: '2026-11-20T04:00:00.000Z' };
    const accepted = { ...assigned, status: 'done', outcome: 'coupon-accepted', updatedAt: '2026-11-20T05:00:00.000Z' };
    const [effect] = outreachTaskExtractor.extract(change(assigned, accepted));
    expect(effect).toMatchObject({ fact: { updates: [{ target: { kind: 'shop' }, counters: { callbackCouponsOffered: 1, callbackCouponsAccepted: 1 } }, { target: { agentId: 'xiaoyu' } }] } });
    const [declined] = outreachTaskExtractor.extract(change(assigned, { ...accepted, outcome: 'declined' }));
    expect(declined).toMatchObject({ fact: { updates: [{ counters: { callbackCouponsOffered: 1 } }, {}] } });
    expect((declined as { fact: { updates: { counters: object }[] } }).fact.updates[0]!.counters).not.toHaveProperty('callbackCouponsAccepted');
    expect(figuresOf({ callbackCouponsOffered: 10, callbackCouponsAccepted: 1 }).callbackCouponAcceptance).toBe(0.1);
  });

  it('count an outreach task stopped after a takeover whose first attempt may have gone (maybeSentOn) as maybe sent, apart from sent and from a plain cancel', () => {
    const sending = { entity: 'OutreachTask', shopId: 'peach-glow', kind: 'campaign', status: 'sending', maybeSentOn: '2026-11-20', updatedAt: '2026-11-20T02:00:00.000Z' };
    const stopped = { ...sending, status: 'cancelled', reason: 'opted-out', updatedAt: '2026-11-20T02:03:00.000Z' };
    expect(outreachTaskExtractor.extract(change(sending, stopped))).toMatchObject([
      { kind: 'count', fact: { updates: [{ at: '2026-11-20T02:03:00.000Z', target: { kind: 'shop' }, counters: { outreachMaybeSent: 1 } }] } },
    ]);
    expect(JSON.stringify(outreachTaskExtractor.extract(change(sending, stopped)))).not.toContain('outreachSent');
    // A plain cancel (nothing went) and a later change of the stopped task count nothing.
    const { maybeSentOn: _unset, ...plain } = stopped;
    expect(outreachTaskExtractor.extract(change({ ...plain, status: 'scheduled' }, plain))).toEqual([]);
    expect(outreachTaskExtractor.extract(change(stopped, { ...stopped, updatedAt: '2026-11-20T03:00:00.000Z' }))).toEqual([]);
  });

  it('ignore entities they do not read', () => {
    expect(extractEffects(change(undefined, { entity: 'QuickReply' }))).toEqual([]);
  });
});

describe('hour buckets', () => {
  it("file updates under the shop's local day and hour, merged per owner", () => {
    const planned = planFact(
      {
        factId: 'f',
        tenantId: 't',
        shopId: 's',
        updates: [
          { at: '2026-11-10T16:30:00.000Z', target: { kind: 'shop' }, counters: { buyerMessages: 1 } },
          { at: '2026-11-10T16:40:00.000Z', target: { kind: 'shop' }, counters: { buyerMessages: 2 } },
        ],
      },
      'Asia/Shanghai',
    );
    expect(planned?.buckets).toEqual([{ tenantId: 't', shopId: 's', day: '2026-11-11', hour: '00', owner: 'SHOP', counters: { buyerMessages: 3 } }]);
  });
});

describe('usage export', () => {
  it('splits the total by the largest remainder, so the lines sum to the total exactly', () => {
    expect(apportionLargestRemainder([1.4, 1.4, 1.2])).toEqual({ parts: [2, 1, 1], total: 4 });
    expect(apportionLargestRemainder([0.5, 0.5, 0.5])).toEqual({ parts: [1, 1, 0], total: 2 });
    const shares = Array.from({ length: 7 }, (_, i) => (i + 1) / 3);
    const { parts, total } = apportionLargestRemainder(shares);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
  });

  it('costs KPI aggregation at the measured units of the steady --kpis run (US$3.94 per million messages), and lines at the unit costs', () => {
    // By hand: 6.033 WRU × 0.625 + 0.097 RRU × 0.125 + 0.065 invocations × 0.2 + 0.0107 GB-s × 13.3334 (US$ per million)
    // = 3.770625 + 0.012125 + 0.013 + 0.14266738 = 3.93841738 per million.
    expect(unitCostsUsd.kpiAggregationPerMessage * 1e6).toBeCloseTo(3.93841738, 8);
    // peach-glow: 2,000,000 messages × (7.03 + 3.93841738) / 1e6 = 21.93683476 + 200,000 conversations × 32.1 / 1e6 = 6.42
    // + 60 agent minutes × 0.25 / 1e6 → US$28.35684976 = 2,835.68 cents; cloud-mist-tea: 10 messages × 10.96841738 / 1e6
    // + 1 case × 4 × 17.71 / 1e6 → 0.018 cents. Total 2,835.70 → 2,836; the largest remainder (.68) gives peach-glow the cent.
    const report = usageReportOf('2026-11-11', '2026-11-11', [
      { day: '2026-11-11', shopId: 'peach-glow', counters: { buyerMessages: 1_000_000, agentMessages: 1_000_000, conversations: 200_000, onlineSeconds: 3600 } },
      { day: '2026-11-11', shopId: 'cloud-mist-tea', counters: { buyerMessages: 10, casesOpened: 1 } },
    ]);
    expect(report.totalCostUsdCents).toBe(2836);
    expect(report.lines.map((line) => [line.shopId, line.costUsdCents])).toEqual([
      ['cloud-mist-tea', 0],
      ['peach-glow', 2836],
    ]);
  });

  it('writes CSV as UTF-8 with a BOM, a header, the lines and a TOTAL row', () => {
    const report = usageReportOf('2026-11-11', '2026-11-11', [
      { day: '2026-11-11', shopId: 'peach-glow', counters: { buyerMessages: 1_000_000, agentMessages: 1_000_000, conversations: 200_000, onlineSeconds: 3600 } },
      { day: '2026-11-11', shopId: 'cloud-mist-tea', counters: { buyerMessages: 10, casesOpened: 1 } },
    ]);
    expect(report.lines.reduce((sum, line) => sum + line.costUsdCents, 0)).toBe(report.totalCostUsdCents);
    const csv = usageCsv(report);
    expect(csv.startsWith('\ufeffday,shopId,conversations,messagesIn,messagesOut,robotAnswers,outreachSent,cases,agentMinutes,costUsdCents\r\n')).toBe(true);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[1]).toMatch(/^2026-11-11,cloud-mist-tea,0,10,0,0,0,1,0,\d+$/);
    expect(rows.at(-1)).toBe(`TOTAL,,200000,1000010,1000000,0,0,1,60,${report.totalCostUsdCents}`);
  });
});
