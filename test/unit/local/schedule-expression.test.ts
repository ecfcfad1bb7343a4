import { describe, expect, it } from 'vitest';
import { nextFireTime, parseScheduleExpression, ScheduleExpressionError } from '../../../infra/local/schedule-expression';

const utc = (text: string) => new Date(`${text}Z`);
const next = (expression: string, after: string, start?: string) =>
  nextFireTime(parseScheduleExpression(expression), utc(after), start ? utc(start) : undefined)?.toISOString();

describe('EventBridge Scheduler expressions', () => {
  it('fires rate schedules every interval counted from the start', () => {
    expect(next('rate(1 minute)', '2025-11-11T00:00:30', '2025-11-11T00:00:30')).toBe('2025-11-11T00:01:30.000Z');
    expect(next('rate(5 minutes)', '2025-11-11T00:12:00', '2025-11-11T00:00:00')).toBe('2025-11-11T00:15:00.000Z');
    expect(next('rate(2 hours)', '2025-11-11T02:00:00', '2025-11-11T00:00:00')).toBe('2025-11-11T04:00:00.000Z');
    expect(next('rate(1 day)', '2025-11-11T00:00:00')).toBe('2025-11-12T00:00:00.000Z');
  });

  it('evaluates cron in UTC with *, ?, /, lists, ranges and names', () => {
    // The overnight shift's start, every day.
    expect(next('cron(0 0 * * ? *)', '2025-11-10T23:59:00')).toBe('2025-11-11T00:00:00.000Z');
    // Every 15 minutes from minute 5.
    expect(next('cron(5/15 * * * ? *)', '2025-11-11T08:21:00')).toBe('2025-11-11T08:35:00.000Z');
    expect(next('cron(*/20 * * * ? *)', '2025-11-11T08:41:00')).toBe('2025-11-11T09:00:00.000Z');
    // Weekdays at 08:00 and 20:00; 2025-11-14 is a Friday, so the next run after Friday 20:00 is Monday.
    expect(next('cron(0 8,20 ? * MON-FRI *)', '2025-11-14T20:00:00')).toBe('2025-11-17T08:00:00.000Z');
    expect(next('cron(0 8 ? * 2-6 *)', '2025-11-14T20:00:00')).toBe('2025-11-17T08:00:00.000Z');
    // Day 31 skips the months without one.
    expect(next('cron(0 12 31 * ? *)', '2025-11-01T00:00:00')).toBe('2025-12-31T12:00:00.000Z');
    // Double 11 and 618, in a given year range.
    expect(next('cron(0 0 11 NOV ? 2026-2027)', '2025-11-12T00:00:00')).toBe('2026-11-11T00:00:00.000Z');
    expect(next('cron(0 0 18 JUN ? 2025)', '2025-06-18T00:00:00')).toBeUndefined();
    // Sunday is 1.
    expect(next('cron(30 9 ? * 1 *)', '2025-11-11T00:00:00')).toBe('2025-11-16T09:30:00.000Z');
    // Leap day.
    expect(next('cron(0 0 29 FEB ? *)', '2025-03-01T00:00:00')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('fires at() once, at the given UTC time', () => {
    expect(next('at(2025-11-11T00:00:00)', '2025-11-10T12:00:00')).toBe('2025-11-11T00:00:00.000Z');
    expect(next('at(2025-11-11T00:00:00)', '2025-11-11T00:00:00')).toBeUndefined();
  });

  it.each([
    'rate(0 minutes)',
    'rate(1 minutes)',
    'rate(5 minute)',
    'rate(5 weeks)',
    'cron(0 8 * * * *)',
    'cron(0 8 ? * ? *)',
    'cron(0 8 * *)',
    'cron(60 8 * * ? *)',
    'cron(0 24 * * ? *)',
    'cron(0 8 L * ? *)',
    'cron(0 8 ? * 6#3 *)',
    'cron(0 8 15W * ? *)',
    'cron(0 8 ? * FOO *)',
    'cron(0 8 10-5 * ? *)',
    'at(2025-02-30T00:00:00)',
    'at(2025-11-11 00:00:00)',
    'every 5 minutes',
  ])('refuses %s, as AWS would', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(ScheduleExpressionError);
  });
});
