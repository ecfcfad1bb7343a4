import { describe, expect, it } from 'vitest';
import {
  addServiceTime,
  isInServiceHours,
  responsePolicySchema,
  responseRate,
  roundClock,
  roundOutcome,
  serviceTimeBetween,
  taobaoThreeMinutePolicy,
  type ResponsePolicy,
} from '../../shared/after-sales/response-clock';

const utc = (iso: string) => new Date(iso);
const hours = (h: number) => h * 3_600_000;
const serviceTime: ResponsePolicy = { ...taobaoThreeMinutePolicy, clock: 'service-time' };

describe('service hours in Asia/Shanghai (UTC+8, no DST), 08:00–24:00', () => {
  it.each([
    ['2026-11-10T16:30:00Z', '00:30 local on Double 11', false],
    ['2026-11-10T23:59:59Z', '07:59:59 local', false],
    ['2026-11-11T00:00:00Z', '08:00 local: opening is inside', true],
    ['2026-11-11T15:59:59Z', '23:59:59 local', true],
    ['2026-11-11T16:00:00Z', '24:00 local: closing is outside', false],
  ])('%s (%s) in hours: %s', (iso, _local, expected) => {
    expect(isInServiceHours(utc(iso), taobaoThreeMinutePolicy)).toBe(expected);
  });

  it('holds 16 hours a day, also counted across midnight', () => {
    expect(serviceTimeBetween(utc('2026-11-10T16:00:00Z'), utc('2026-11-11T16:00:00Z'), taobaoThreeMinutePolicy)).toBe(hours(16));
    expect(serviceTimeBetween(utc('2026-11-11T12:00:00Z'), utc('2026-11-12T04:00:00Z'), taobaoThreeMinutePolicy)).toBe(hours(4 + 4));
  });

  it('on the wall clock, a round opened at 23:59 is due at 00:02 and counts', () => {
    expect(roundClock(utc('2026-11-11T15:59:00Z'), taobaoThreeMinutePolicy)).toEqual({ counted: true, atRiskAt: utc('2026-11-11T16:01:00Z'), dueAt: utc('2026-11-11T16:02:00Z') });
  });

  it('on the service-time clock, the same kind of round pauses at midnight and resumes at 08:00', () => {
    // 23:58:30 local: 90 s before closing, then 90 s more from 08:00 the next morning.
    expect(roundClock(utc('2026-11-11T15:58:30Z'), serviceTime)).toEqual({ counted: true, atRiskAt: utc('2026-11-12T00:00:30Z'), dueAt: utc('2026-11-12T00:01:30Z') });
  });

  it('does not count a round opened at 00:30 local (outside service hours)', () => {
    expect(roundClock(utc('2026-11-10T16:30:00Z'), taobaoThreeMinutePolicy)).toEqual({ counted: false });
    expect(roundOutcome({ questionAt: utc('2026-11-10T16:30:00Z'), answeredAt: utc('2026-11-10T17:30:00Z') }, taobaoThreeMinutePolicy, utc('2026-11-11T00:00:00Z'))).toEqual({ status: 'not-counted' });
  });

  it('supports an overnight window (20:00–02:00)', () => {
    const night = { ...taobaoThreeMinutePolicy, serviceHours: [{ start: '20:00', end: '02:00' }] };
    expect(isInServiceHours(utc('2026-11-11T17:00:00Z'), night)).toBe(true); // 01:00 local
    expect(isInServiceHours(utc('2026-11-11T18:00:00Z'), night)).toBe(false); // 02:00 local
    expect(serviceTimeBetween(utc('2026-11-11T00:00:00Z'), utc('2026-11-12T00:00:00Z'), night)).toBe(hours(6));
  });
});

describe('service hours in zones with daylight saving time', () => {
  const newYork = (serviceHours: ResponsePolicy['serviceHours'], clock: ResponsePolicy['clock'] = 'wall'): ResponsePolicy => ({ ...taobaoThreeMinutePolicy, timeZone: 'America/New_York', serviceHours, clock });

  it('a 00:00–06:00 window lasts 5 real hours on the spring-forward night (2026-03-08)', () => {
    const policy = newYork([{ start: '00:00', end: '06:00' }]);
    expect(serviceTimeBetween(utc('2026-03-08T00:00:00Z'), utc('2026-03-09T00:00:00Z'), policy)).toBe(hours(5));
    expect(serviceTimeBetween(utc('2026-03-09T00:00:00Z'), utc('2026-03-10T00:00:00Z'), policy)).toBe(hours(6));
  });

  it('a 00:00–06:00 window lasts 7 real hours on the fall-back night in Berlin (2026-10-25)', () => {
    const policy = { ...taobaoThreeMinutePolicy, timeZone: 'Europe/Berlin', serviceHours: [{ start: '00:00', end: '06:00' }] };
    expect(serviceTimeBetween(utc('2026-10-24T12:00:00Z'), utc('2026-10-25T12:00:00Z'), policy)).toBe(hours(7));
  });

  it('a window opening in the skipped hour opens at the next real instant (02:30 → 03:30 EDT)', () => {
    const policy = newYork([{ start: '02:30', end: '05:00' }]);
    expect(serviceTimeBetween(utc('2026-03-08T05:00:00Z'), utc('2026-03-08T12:00:00Z'), policy)).toBe(hours(1.5));
  });

  it('a service-time round paused overnight resumes at 08:00 EDT, not 08:00 EST', () => {
    // 23:59 EST on 2026-03-07 = 04:59Z; 60 s before closing; the clocks spring forward overnight;
    // 08:00 EDT = 12:00Z (a fixed -05:00 offset would wrongly give 13:00Z).
    const policy = newYork([{ start: '08:00', end: '24:00' }], 'service-time');
    expect(roundClock(utc('2026-03-08T04:59:00Z'), policy)).toEqual({ counted: true, atRiskAt: utc('2026-03-08T12:01:00Z'), dueAt: utc('2026-03-08T12:02:00Z') });
  });

  it('on the wall clock a round across the jump takes its real 3 minutes: 01:59 EST → due 03:02 EDT', () => {
    const policy = newYork([{ start: '00:00', end: '06:00' }]);
    expect(roundClock(utc('2026-03-08T06:59:00Z'), policy)).toMatchObject({ dueAt: utc('2026-03-08T07:02:00Z') });
  });
});

describe('roundOutcome and responseRate', () => {
  const q = utc('2026-11-11T02:00:00Z'); // 10:00 local
  const after = (seconds: number) => new Date(q.getTime() + seconds * 1000);

  it.each([
    [{ answeredAt: after(179) }, after(300), { status: 'met', responseMs: 179_000 }],
    [{ answeredAt: after(180) }, after(300), { status: 'met', responseMs: 180_000 }],
    [{ answeredAt: after(181) }, after(300), { status: 'missed', responseMs: 181_000 }],
    [{}, after(60), { status: 'open' }],
    [{}, after(120), { status: 'at-risk' }],
    [{}, after(181), { status: 'missed' }],
  ])('%j at %s → %j', (answer, now, expected) => {
    expect(roundOutcome({ questionAt: q, ...answer }, taobaoThreeMinutePolicy, now)).toEqual({ ...expected, dueAt: after(180).toISOString() });
  });

  it('measures a service-time round on service time only', () => {
    const lateQuestion = utc('2026-11-11T15:59:00Z'); // 23:59 local: 60 s in hours, then paused
    const answeredNextMorning = utc('2026-11-12T00:01:00Z'); // 08:01 local
    expect(roundOutcome({ questionAt: lateQuestion, answeredAt: answeredNextMorning }, serviceTime, answeredNextMorning)).toMatchObject({ status: 'met', responseMs: 120_000 });
    expect(roundOutcome({ questionAt: lateQuestion, answeredAt: answeredNextMorning }, taobaoThreeMinutePolicy, answeredNextMorning)).toMatchObject({ status: 'missed' });
  });

  it('rates only finished, counted rounds against the target', () => {
    const outcomes = [...Array(9).fill({ status: 'met' }), { status: 'missed' }, { status: 'open' }, { status: 'not-counted' }];
    expect(responseRate(outcomes, taobaoThreeMinutePolicy)).toEqual({ rounds: 10, met: 9, rate: 0.9, meetsTarget: true });
    expect(responseRate([{ status: 'met' }, { status: 'missed' }], taobaoThreeMinutePolicy)).toMatchObject({ rate: 0.5, meetsTarget: false });
    expect(responseRate([], taobaoThreeMinutePolicy)).toEqual({ rounds: 0, met: 0, rate: undefined, meetsTarget: undefined });
  });
});

describe('responsePolicySchema', () => {
  it('accepts the Taobao policy and refuses unknown zones and bad times', () => {
    expect(responsePolicySchema.parse(taobaoThreeMinutePolicy)).toEqual(taobaoThreeMinutePolicy);
    expect(responsePolicySchema.safeParse({ ...taobaoThreeMinutePolicy, timeZone: 'Mars/Olympus' }).success).toBe(false);
    expect(responsePolicySchema.safeParse({ ...taobaoThreeMinutePolicy, serviceHours: [{ start: '8:00', end: '24:00' }] }).success).toBe(false);
    expect(responsePolicySchema.safeParse({ ...taobaoThreeMinutePolicy, serviceHours: [{ start: '08:00', end: '24:30' }] }).success).toBe(false);
  });
  it('refuses a policy with no service hours at all', () => {
    expect(responsePolicySchema.safeParse({ ...taobaoThreeMinutePolicy, serviceHours: [] }).success).toBe(false);
    expect(responsePolicySchema.safeParse({ ...taobaoThreeMinutePolicy, serviceHours: [{ start: '08:00', end: '08:00' }] }).success).toBe(false);
    expect(() => addServiceTime(utc('2026-11-11T00:00:00Z'), 1000, { timeZone: 'Asia/Shanghai', serviceHours: [] })).toThrow(RangeError);
  });
});
