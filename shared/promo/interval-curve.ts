import { DateTime } from 'luxon';

/** Planning works in half hours: the grain the seeds schedule shifts in and the one the benchmark reports. */
export const intervalMinutes = 30;
export const intervalsPerDay = (24 * 60) / intervalMinutes;

/**
 * Relative reception volume per local half hour of the day (index 0 = 00:00–00:30): 48 non-negative
 * weights, not necessarily summing to 1. Only ratios matter: a phase's volume is spread over its
 * intervals in proportion to the weight of each interval's local time.
 */
export type IntervalCurve = readonly number[];

/**
 * The default promo-day curve when a shop has no history: the midnight opening carries the day (Double 11
 * sales open at 00:00, the seeds' firms staff an overnight 00:00–08:00 shift "to catch the 00–02 and 06–08
 * buyers"), a second wave 06:00–08:00, daytime plateau, an evening rise towards 22:00–24:00 as buyers
 * queue for the next opening. Estimates, not measured: replace them with last year's curve when it exists.
 * The first four intervals are 8 : 6 : 4 : 2, i.e. 40 / 30 / 20 / 10 % of a 00:00–02:00 peak phase.
 */
export const defaultPromoCurve: IntervalCurve = [
  8, 6, 4, 2, // 00:00–02:00: the opening
  1.5, 1.5, 1, 1, 1, 1, 1, 1, // 02:00–06:00: night
  1.5, 1.5, 1.5, 1.5, // 06:00–08:00: early buyers
  2, 2, 2.5, 2.5, 3, 3, 3, 3, // 08:00–12:00
  2.5, 2.5, 2.5, 2.5, 3, 3, 3, 3, 3, 3, 3, 3, // 12:00–18:00
  3, 3, 3.5, 3.5, 4, 4, 4, 4, 4.5, 4.5, 5, 5, // 18:00–24:00: evening rise
];

/**
 * The after-sales tail's day: buyers write about returns and refunds in the daytime and evening, and
 * there is no opening rush. Estimates, like the promo curve.
 */
export const defaultAfterSalesCurve: IntervalCurve = [
  1, 1, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, // 00:00–06:00
  0.5, 0.5, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, // 06:00–12:00
  2.5, 2.5, 3, 3, 3, 3, 3, 3, 3, 3, 2.5, 2.5, // 12:00–18:00
  2.5, 2.5, 3, 3, 3, 3, 2.5, 2.5, 2, 2, 1.5, 1.5, // 18:00–24:00
];

/**
 * A curve from history: how many conversations opened in each local half hour of a past promo. kefu keeps
 * every conversation head with its `openedAt`, but no index lists a shop's conversations by time, so the
 * history is not read from the table today; a caller that has the timestamps (an export, last year's
 * numbers from the platform) passes them here. Fewer than `minimumSample` timestamps give no curve: the
 * default is better than a handful of points.
 */
export function curveFromHistory(openedAt: readonly string[], zone: string, minimumSample = 1000): IntervalCurve | undefined {
  if (openedAt.length < minimumSample) return undefined;
  const counts = new Array<number>(intervalsPerDay).fill(0);
  for (const time of openedAt) {
    const index = localIntervalIndex(time, zone);
    if (index !== undefined) counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

/** Which half hour of the local day an instant falls in (0 … 47), or undefined for an unreadable time. */
export function localIntervalIndex(isoTime: string, zone: string): number | undefined {
  const local = DateTime.fromISO(isoTime, { zone: 'utc' }).setZone(zone);
  if (!local.isValid) return undefined;
  return local.hour * 2 + (local.minute >= intervalMinutes ? 1 : 0);
}

/** The half-hour interval starts (UTC ISO) from `startsAt` up to, not including, `endsAt`. */
export function intervalStarts(startsAt: string, endsAt: string): string[] {
  const starts: string[] = [];
  const end = Date.parse(endsAt);
  for (let t = Date.parse(startsAt); t < end; t += intervalMinutes * 60_000) starts.push(new Date(t).toISOString());
  return starts;
}

/**
 * Spreads `total` over the intervals of a window in proportion to each interval's weight on the curve
 * (by local time in `zone`). Unrounded: receptions are expectations, and agents are rounded up later.
 */
export function spreadOverIntervals(total: number, window: { startsAt: string; endsAt: string }, curve: IntervalCurve, zone: string) {
  const starts = intervalStarts(window.startsAt, window.endsAt);
  const weights = starts.map((start) => curve[localIntervalIndex(start, zone) ?? 0] ?? 0);
  const sum = weights.reduce((a, b) => a + b, 0);
  return starts.map((intervalStart, i) => ({
    intervalStart,
    receptions: sum === 0 ? total / starts.length : (total * (weights[i] ?? 0)) / sum,
  }));
}
