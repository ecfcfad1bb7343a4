import { describe, expect, it } from 'vitest';
import { taobaoThreeMinutePolicy } from '../../shared/after-sales/response-clock';
import type { ValidationError } from '../../shared/http/errors';
import { parseOrThrow } from '../../shared/http/zod-errors';
import { overlappingWindows, putResponsePolicyBody } from '../../shared/service-clock/policy';

/** The fields a 400 would name (the HTTP middleware's own parse). */
const issuesOf = (body: unknown) => {
  try {
    parseOrThrow(putResponsePolicyBody, body);
    return [];
  } catch (error) {
    return (error as ValidationError).details.map((detail) => ({ path: detail.field, message: detail.message }));
  }
};

describe('a shop response policy body', () => {
  it("accepts Taobao's policy and two day windows with a lunch break", () => {
    expect(issuesOf(taobaoThreeMinutePolicy)).toEqual([]);
    expect(issuesOf({ ...taobaoThreeMinutePolicy, serviceHours: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '23:00' }] })).toEqual([]);
  });

  it.each([
    ['an unknown zone', { timeZone: 'Asia/Beijing' }, 'timeZone'],
    ['an offset instead of a zone name', { timeZone: '+08:00' }, 'timeZone'],
    ['25:00', { serviceHours: [{ start: '08:00', end: '25:00' }] }, 'serviceHours.0.end'],
    ['a window of no length', { serviceHours: [{ start: '08:00', end: '08:00' }] }, 'serviceHours.0'],
    ['no window', { serviceHours: [] }, 'serviceHours'],
    ['an at-risk point at the target', { atRiskSeconds: 180 }, 'atRiskSeconds'],
    ['a rate above 1', { targetRate: 90 }, 'targetRate'],
    ['an unknown clock', { clock: 'business' }, 'clock'],
    ['a tenantId in the body (row 16)', { tenantId: 'other' }, 'tenantId'],
    ['a field inside a window', { serviceHours: [{ start: '08:00', end: '12:00', day: 'mon' }] }, 'serviceHours.0.day'],
  ])('refuses %s, naming the field', (_what, change, field) => {
    const issues = issuesOf({ ...taobaoThreeMinutePolicy, ...change });
    expect(issues.map((issue) => issue.path)).toContain(field);
  });
});

describe('overlapping service windows', () => {
  it.each([
    ['disjoint day windows', [['09:00', '12:00'], ['13:00', '18:00']], []],
    ['touching windows (one ends as the next starts)', [['09:00', '12:00'], ['12:00', '18:00']], []],
    ['a window inside another', [['08:00', '24:00'], ['09:00', '10:00']], [[0, 1]]],
    ["an overnight window's tail over the next morning's window", [['20:00', '02:00'], ['01:00', '03:00']], [[0, 1]]],
    ['an overnight window ending as the morning one starts', [['20:00', '08:00'], ['08:00', '12:00']], []],
    ['an evening window under an overnight one', [['22:00', '06:00'], ['18:00', '23:00']], [[0, 1]]],
  ])('%s', (_what, windows, expected) => {
    expect(overlappingWindows(windows.map(([start, end]) => ({ start: start!, end: end! })))).toEqual(expected);
  });
});
