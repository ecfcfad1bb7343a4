import { describe, expect, it } from 'vitest';
import { applyOrderEvent } from '../../shared/orders/apply-order-event';
import type { Envelope } from '../../shared/orders/envelope';
import { newOrderState, type OrderState } from '../../shared/orders/order';
import { planOutreach, stillWanted } from '../../shared/outreach/plan-outreach';
import { isOptOut, localDayOf, nextLocalDayStart, nextSendableAt, sendableAt, smsAllowanceOn } from '../../shared/outreach/rules';
import type { Phase, Promo } from '../../shared/promo/calendar';
import { promoOutreachDeferral } from '../../shared/promo/promo-routing';
import { checkOutreachSettings, checkTemplate, chooseCouponRow, defaultOutreachSettings, outreachSettingsBody, tiesRewardToRating } from '../../shared/outreach/settings';
import { fileMinute } from '../../shared/outreach/order-outreach';
import { AppError } from '../../shared/http/errors';

const settings = defaultOutreachSettings('shop-1');
let counter = 0;
const order = (events: { topic: 'order.updated' | 'logistics.updated' | 'order.rated'; status?: string; at: string; result?: string }[]): OrderState => {
  let state = newOrderState({ tenantId: 't1', shopId: 'shop-1', platform: 'taobao', orderId: '1001' });
  for (const event of events) {
    const base = { platform: 'taobao', shopId: 'shop-1', messageId: `m${++counter}`, sourceTopic: 'x', occurredAt: event.at, businessVersion: Date.parse(event.at) } as const;
    const envelope: Envelope =
      event.topic === 'order.updated'
        ? { ...base, topic: 'order.updated', payload: { orderId: '1001', status: event.status as never, buyer: { buyerId: 'buyer-zhou' }, ...(event.status === 'created' ? { createdAt: event.at } : {}) } }
        : event.topic === 'logistics.updated'
          ? { ...base, topic: 'logistics.updated', payload: { orderId: '1001', parcelId: 'SF1', action: 'signed', at: event.at } }
          : { ...base, topic: 'order.rated', payload: { orderId: '1001', rater: 'buyer' } };
    state = applyOrderEvent(state, envelope).state;
  }
  return state;
};
// 10:00 China time = 02:00 UTC: outside the default quiet hours (22:00-08:00 Asia/Shanghai).
const t0 = '2026-11-11T02:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(t0) + minutes * 60_000).toISOString();

describe('outreach planning from the stored order', () => {
  it('schedules up to three urge-to-pay nudges while unpaid, at the configured minutes', () => {
    const plan = planOutreach(order([{ topic: 'order.updated', status: 'created', at: t0 }]), settings, new Date(at(1)));
    expect(plan.schedule.filter((item) => item.kind === 'urge-to-pay').map((item) => [item.nudge, item.dueAt.toISOString()])).toEqual([
      [0, at(30)],
      [1, at(240)],
      // 1,200 minutes after 10:00 is 06:00 China time, inside quiet hours: moved to their end, 08:00.
      [2, '2026-11-12T00:00:00.000Z'],
    ]);
  });

  it('a nudge after payment never goes out: paying stops all three, and a late check refuses them', () => {
    const paid = order([
      { topic: 'order.updated', status: 'created', at: t0 },
      { topic: 'order.updated', status: 'paid', at: at(10) },
    ]);
    const plan = planOutreach(paid, settings, new Date(at(11)));
    expect(plan.schedule.some((item) => item.kind === 'urge-to-pay')).toBe(false);
    expect(plan.stop.filter((item) => item.kind === 'urge-to-pay')).toEqual([0, 1, 2].map((nudge) => ({ kind: 'urge-to-pay', nudge, reason: 'order-paid' })));
    expect(stillWanted('urge-to-pay', 0, paid, settings, new Date(at(30)))).toEqual({ wanted: false, reason: 'order-paid' });
  });

  it('a closed order stops its nudges with the reason order-closed', () => {
    const closed = order([
      { topic: 'order.updated', status: 'created', at: t0 },
      { topic: 'order.updated', status: 'cancelled', at: at(5) },
    ]);
    expect(planOutreach(closed, settings, new Date(at(6))).stop[0]).toEqual({ kind: 'urge-to-pay', nudge: 0, reason: 'order-closed' });
  });

  it('SIGNED plans one delivery callback after the shop delay and the urge to confirm; the same order planned twice plans the same', () => {
    const signed = order([
      { topic: 'order.updated', status: 'paid', at: t0 },
      { topic: 'order.updated', status: 'shipped', at: at(60) },
      { topic: 'logistics.updated', at: at(300) },
    ]);
    const first = planOutreach(signed, settings, new Date(at(301)));
    expect(first.schedule.filter((item) => item.kind === 'delivery-callback')).toEqual([{ kind: 'delivery-callback', nudge: 0, dueAt: new Date(at(300 + 120)), assignTo: 'agents' }]);
    expect(first.schedule.some((item) => item.kind === 'urge-to-confirm')).toBe(true);
    expect(planOutreach(signed, settings, new Date(at(301)))).toEqual(first);
  });

  it('review invitation only inside the platform review window after the trade finished; none once rated', () => {
    const finished = order([
      { topic: 'order.updated', status: 'paid', at: t0 },
      { topic: 'order.updated', status: 'finished', at: at(60) },
    ]);
    expect(planOutreach(finished, settings, new Date(at(61))).schedule.find((item) => item.kind === 'review-invitation')?.dueAt).toEqual(new Date(at(60 + 24 * 60)));
    const late = new Date(Date.parse(at(60)) + 16 * 86_400_000);
    expect(planOutreach(finished, settings, late).schedule.some((item) => item.kind === 'review-invitation')).toBe(false);
    expect(stillWanted('review-invitation', 0, finished, settings, late)).toEqual({ wanted: false, reason: 'review-window-closed' });
    const rated = order([
      { topic: 'order.updated', status: 'paid', at: t0 },
      { topic: 'order.updated', status: 'finished', at: at(60) },
      { topic: 'order.rated', at: at(70) },
    ]);
    expect(planOutreach(rated, settings, new Date(at(71))).stop).toContainEqual({ kind: 'review-invitation', nudge: 0, reason: 'already-rated' });
  });

  it('files a task due now in the next minute, never in one the sweep may have drained', () => {
    expect(fileMinute(new Date('2026-11-11T02:00:30Z'), new Date('2026-11-11T02:00:40Z'))).toBe('2026-11-11T02:01');
    expect(fileMinute(new Date('2026-11-11T02:07:30Z'), new Date('2026-11-11T02:00:40Z'))).toBe('2026-11-11T02:07');
  });
});

describe('quiet hours defer, not drop', () => {
  it('moves a time inside 22:00-08:00 shop time to 08:00, leaves other times alone', () => {
    // 23:10 China time = 15:10 UTC → 08:00 China = 00:00 UTC next day.
    expect(nextSendableAt(new Date('2026-11-11T15:10:00Z'), settings).toISOString()).toBe('2026-11-12T00:00:00.000Z');
    // 03:00 China time = 19:00 UTC the day before → 08:00 China the same local day.
    expect(nextSendableAt(new Date('2026-11-11T19:00:00Z'), settings).toISOString()).toBe('2026-11-12T00:00:00.000Z');
    expect(nextSendableAt(new Date(t0), settings).toISOString()).toBe(t0);
  });

  it('plans an urge whose time falls in quiet hours at their end', () => {
    const late = '2026-11-11T13:50:00.000Z'; // 21:50 China: the 30-minute nudge would be 22:20
    const plan = planOutreach(order([{ topic: 'order.updated', status: 'created', at: late }]), settings, new Date(late));
    expect(plan.schedule[0]!.dueAt.toISOString()).toBe('2026-11-12T00:00:00.000Z');
  });

  it('a capped task waits for the next local day past quiet hours; days count in the shop zone', () => {
    expect(localDayOf(new Date('2026-11-11T17:00:00Z'), 'Asia/Shanghai')).toBe('2026-11-12');
    expect(nextLocalDayStart(new Date(t0), settings).toISOString()).toBe('2026-11-12T00:00:00.000Z');
  });
});

describe('opt-out words', () => {
  it.each(['退订', '退 订', 'TD', 'td', '回复TD退订', '不要再发了', '别再发消息了', 'unsubscribe', 'STOP', '取消订阅！'])('"%s" opts out', (text) => {
    expect(isOptOut(text)).toBe(true);
  });
  it.each(['怎么退订单', '请问发货了吗', '我要退货', 'stop by tomorrow?'.replace('stop', 'drop'), ''])('"%s" does not', (text) => {
    expect(isOptOut(text)).toBe(false);
  });
});

describe('compliance: a reward tied to a positive rating is refused', () => {
  it.each(['好评返现5元', '五星好评送红包', '全5分返优惠券', '给5星好评领现金', 'Leave a 5-star review for cashback'])('"%s" ties a reward to the rating', (text) => {
    expect(tiesRewardToRating(text)).toBe(true);
    expect(() => checkTemplate('body.reviewInvitation.template', text, false)).toThrowError(expect.objectContaining({ status: 422, code: 'REWARD_TIED_TO_RATING' }));
  });
  it.each(['期待您的真实评价', '回访有礼：送您一张3元券', '评价即送优惠券，任何评价都可以'])('"%s" does not', (text) => {
    expect(tiesRewardToRating(text)).toBe(false);
  });

  it('refuses a strategy row whose reward is for a positive review, naming the field', () => {
    const body = outreachSettingsBody.parse({ coupons: { strategy: [{ when: 'steady', kind: 'cash', amountMinor: 500, rewardFor: 'positive-review' }] } });
    try {
      checkOutreachSettings(body);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('REWARD_TIED_TO_RATING');
      expect((error as AppError).details[0]!.field).toBe('body.coupons.strategy.0.rewardFor');
    }
  });
});

describe('templates', () => {
  it('refuses an unknown placeholder and a template over the platform length, naming the field', () => {
    expect(() => checkTemplate('body.urgeToPay.template', '亲{nickname}', false)).toThrowError(expect.objectContaining({ code: 'UNKNOWN_PLACEHOLDER', details: [expect.objectContaining({ field: 'body.urgeToPay.template' })] }));
    expect(() => checkTemplate('body.urgeToPay.template', '亲'.repeat(250), true)).toThrowError(expect.objectContaining({ code: 'TEMPLATE_TOO_LONG' }));
    expect(() => checkTemplate('body.urgeToPay.template', '亲'.repeat(250), false)).not.toThrow();
  });
});

describe('coupons by DSR', () => {
  const coupons = outreachSettingsBody.parse({
    coupons: {
      dsr: 4.9,
      dailyBudgetMinor: 1000,
      launchAt: '2026-11-20T00:00:00Z',
      strategy: [
        { when: 'dsr-below', dsrBelow: 4.7, kind: 'cash', amountMinor: 1000 },
        { when: 'steady', kind: 'coupon', amountMinor: 300 },
        { when: 'before-launch', launchWithinDays: 7, kind: 'coupon', amountMinor: 2000 },
      ],
    },
  }).coupons;
  it('low DSR → cash, steady → small, before a launch → larger', () => {
    expect(chooseCouponRow({ ...coupons, dsr: 4.5 }, new Date('2026-11-01T00:00:00Z'))?.kind).toBe('cash');
    expect(chooseCouponRow(coupons, new Date('2026-11-01T00:00:00Z'))?.amountMinor).toBe(300);
    expect(chooseCouponRow(coupons, new Date('2026-11-15T00:00:00Z'))?.amountMinor).toBe(2000);
  });
  it('SMS ramp: start × growth per day, capped', () => {
    const sms = { enabled: true, startPerDay: 100, growth: 2, maxPerDay: 1000, rampStartedOn: '2026-11-01' };
    expect([smsAllowanceOn('2026-11-01', sms), smsAllowanceOn('2026-11-03', sms), smsAllowanceOn('2026-11-10', sms)]).toEqual([100, 400, 1000]);
    expect(smsAllowanceOn('2026-11-10', { ...sms, enabled: false })).toBe(0);
  });
});

describe('outreach deferred out of a promo peak (issue 10 §2)', () => {
  const phase = (phaseId: string, startsAt: string, endsAt: string, deferOutreach?: boolean): Phase => ({
    phaseId,
    kind: 'peak',
    startsAt,
    endsAt,
    routing: { stageBorrowing: [], ...(deferOutreach === undefined ? {} : { deferOutreach }) },
  });
  const promo = (promoId: string, shopIds: string[], phases: Phase[], triggered: Record<string, string> = {}): Promo => ({
    promoId,
    name: promoId,
    zone: 'Asia/Shanghai',
    shopIds,
    phases,
    triggered,
    version: 1,
    createdAt: 'x',
    updatedAt: 'x',
    updatedBy: 'ops',
  });
  // 11-11 00:00–02:00 Shanghai is 11-10 16:00–18:00 UTC.
  const peak = phase('peak', '2026-11-10T16:00:00.000Z', '2026-11-10T18:00:00.000Z', true);
  const inPeak = new Date('2026-11-10T16:30:00.000Z');

  it('the end of the latest-ending phase in force that defers outreach, for the promo\'s shops only', () => {
    const longer = promo('brand-day', ['shop-1'], [phase('all-night', '2026-11-10T15:00:00.000Z', '2026-11-10T20:00:00.000Z', true)]);
    const notDeferring = promo('618', ['shop-1'], [phase('late', '2026-11-10T16:00:00.000Z', '2026-11-10T23:00:00.000Z')]);
    expect(promoOutreachDeferral([promo('d11', ['shop-1'], [peak])], 'shop-1', inPeak)).toBe('2026-11-10T18:00:00.000Z');
    expect(promoOutreachDeferral([promo('d11', ['shop-1'], [peak]), longer, notDeferring], 'shop-1', inPeak)).toBe('2026-11-10T20:00:00.000Z');
    expect(promoOutreachDeferral([promo('d11', ['shop-2'], [peak])], 'shop-1', inPeak)).toBeUndefined();
    expect(promoOutreachDeferral([notDeferring], 'shop-1', inPeak)).toBeUndefined();
    // Before the start, at the end (exclusive): not in force; an ops trigger brings the start forward.
    expect(promoOutreachDeferral([promo('d11', ['shop-1'], [peak])], 'shop-1', new Date('2026-11-10T15:59:00.000Z'))).toBeUndefined();
    expect(promoOutreachDeferral([promo('d11', ['shop-1'], [peak])], 'shop-1', new Date('2026-11-10T18:00:00.000Z'))).toBeUndefined();
    expect(promoOutreachDeferral([promo('d11', ['shop-1'], [peak], { peak: '2026-11-10T15:30:00.000Z' })], 'shop-1', new Date('2026-11-10T15:45:00.000Z'))).toBe('2026-11-10T18:00:00.000Z');
  });

  it('non-urgent kinds wait for the phase end (then quiet hours), urges to pay and campaigns go at once, quiet hours still apply to all', () => {
    const shop = { timeZone: 'Asia/Shanghai', quietHours: { start: '22:00', end: '08:00' } };
    const end = '2026-11-10T18:00:00.000Z';
    for (const kind of ['shipping-notice', 'urge-to-confirm', 'delivery-callback', 'review-invitation'] as const) {
      expect(sendableAt(kind, inPeak, { ...shop, quietHours: { start: '00:00', end: '00:00' } }, end)).toEqual({ at: new Date(end), reason: 'promo-peak' });
      // A phase ending at 23:00 local, inside the quiet hours: the task waits for the quiet hours' end too.
      expect(sendableAt(kind, new Date('2026-11-10T13:00:00.000Z'), shop, '2026-11-10T15:00:00.000Z')).toEqual({ at: new Date('2026-11-11T00:00:00.000Z'), reason: 'promo-peak' });
    }
    for (const kind of ['urge-to-pay', 'campaign'] as const) {
      expect(sendableAt(kind, inPeak, { ...shop, quietHours: { start: '00:00', end: '00:00' } }, end)).toEqual({ at: inPeak, reason: 'quiet-hours' });
    }
    // No phase in force: quiet hours alone.
    expect(sendableAt('review-invitation', inPeak, shop, undefined)).toEqual({ at: new Date('2026-11-11T00:00:00.000Z'), reason: 'quiet-hours' });
  });
});
