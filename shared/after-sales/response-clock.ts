import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

/**
 * Platform service clocks (issue 7 §4): Taobao's 3-minute response rate, measured per round from the
 * buyer's first unanswered question to the first answer, inside service hours in the shop's time zone,
 * with a target rate (platforms.md §2: 08:00–24:00 or 09:00–23:00, ≥ 90 %, by source and year: all of
 * it configuration). Times are UTC instants; only service hours are read on the shop's wall clock.
 *
 * luxon turns a shop's local "08:00 on 2026-03-08" into an instant with the zone's real rules (DST gaps
 * and overlaps included); Intl alone can format an instant in a zone but not go back, and hand-rolled
 * offset arithmetic is exactly the code that breaks twice a year.
 */

const wallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:mm (24:00 allowed as an end)');

export const responsePolicySchema = z.object({
  timeZone: z.string().refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone, e.g. Asia/Shanghai'),
  /** Daily windows; an end before its start runs past midnight (an overnight shift, 20:00–02:00). */
  serviceHours: z
    .array(z.object({ start: wallTime, end: wallTime }).refine((window) => window.start !== window.end, 'a window must not start and end at the same time'))
    .min(1)
    .max(8),
  targetSeconds: z.number().int().positive().max(86_400),
  /** When the assignee and supervisors are told a round is about to miss (e.g. 120 of 180 s). */
  atRiskSeconds: z.number().int().positive().max(86_400),
  targetRate: z.number().min(0).max(1),
  /**
   * `wall`: a round that starts in service hours runs on the wall clock (a question at 23:59 is due at
   * 00:02), as the published definitions read. `service-time`: the clock stops outside service hours
   * and resumes at the next opening, for shops whose platform or contract counts that way.
   */
  clock: z.enum(['wall', 'service-time']),
  /**
   * Whether the FAQ robot's answers count as responses for the clock (issue 8 §3). Off by default: a
   * round the robot answered stays open until a person replies, as platforms that exclude robot replies
   * from the response rate count it. On: the robot's answer closes the round like an agent's.
   */
  robotAnswersCount: z.boolean().optional(),
});
export type ResponsePolicy = z.infer<typeof responsePolicySchema>;

/** Taobao's 3-minute rate as most sources state it. */
export const taobaoThreeMinutePolicy: ResponsePolicy = {
  timeZone: 'Asia/Shanghai',
  serviceHours: [{ start: '08:00', end: '24:00' }],
  targetSeconds: 180,
  atRiskSeconds: 120,
  targetRate: 0.9,
  clock: 'wall',
};

/** [start, end) in epoch ms. */
export type Interval = readonly [number, number];

/**
 * The service-hour intervals that overlap [from, to), merged, in UTC. A window is laid on every local
 * date around the range, so overnight windows and zones far from UTC are covered; a window edge in a
 * DST gap moves to the next real instant (luxon's rule), so 02:30 on a spring-forward night opens at 03:30.
 */
export function serviceIntervals(from: Date, to: Date, policy: Pick<ResponsePolicy, 'timeZone' | 'serviceHours'>): Interval[] {
  const startMs = from.getTime();
  const endMs = to.getTime();
  if (endMs <= startMs) return [];
  const zone = policy.timeZone;
  let day = DateTime.fromMillis(startMs, { zone }).startOf('day').minus({ days: 1 });
  const lastDay = DateTime.fromMillis(endMs, { zone }).startOf('day');
  const raw: [number, number][] = [];
  while (day <= lastDay) {
    const date = day.toISODate()!;
    for (const window of policy.serviceHours) {
      const open = localInstant(date, window.start, zone);
      let close = localInstant(date, window.end, zone);
      if (close < open) close = localInstant(day.plus({ days: 1 }).toISODate()!, window.end, zone);
      const clipped: [number, number] = [Math.max(open, startMs), Math.min(close, endMs)];
      if (clipped[0] < clipped[1]) raw.push(clipped);
    }
    day = day.plus({ days: 1 });
  }
  return merge(raw);
}

export function isInServiceHours(instant: Date, policy: Pick<ResponsePolicy, 'timeZone' | 'serviceHours'>): boolean {
  return serviceIntervals(instant, new Date(instant.getTime() + 1), policy).length > 0;
}

/** Milliseconds of service hours in [from, to). */
export function serviceTimeBetween(from: Date, to: Date, policy: Pick<ResponsePolicy, 'timeZone' | 'serviceHours'>): number {
  return serviceIntervals(from, to, policy).reduce((total, [start, end]) => total + (end - start), 0);
}

/** The instant at which `ms` of service time have passed since `from`. Looks ahead at most 14 days. */
export function addServiceTime(from: Date, ms: number, policy: Pick<ResponsePolicy, 'timeZone' | 'serviceHours'>): Date {
  let remaining = ms;
  const horizon = new Date(from.getTime() + 14 * 86_400_000);
  for (const [start, end] of serviceIntervals(from, horizon, policy)) {
    if (end - start >= remaining) return new Date(start + remaining);
    remaining -= end - start;
  }
  throw new RangeError('service hours leave no time within 14 days');
}

export type RoundClock = { counted: false } | { counted: true; atRiskAt: Date; dueAt: Date };

/**
 * The clock of a round that starts with a buyer's question at `questionAt`: not counted outside service
 * hours; otherwise when to warn (at risk) and when it misses.
 */
export function roundClock(questionAt: Date, policy: ResponsePolicy): RoundClock {
  if (!isInServiceHours(questionAt, policy)) return { counted: false };
  const after = (seconds: number) =>
    policy.clock === 'wall' ? new Date(questionAt.getTime() + seconds * 1000) : addServiceTime(questionAt, seconds * 1000, policy);
  return { counted: true, atRiskAt: after(policy.atRiskSeconds), dueAt: after(policy.targetSeconds) };
}

export type RoundStatus = 'not-counted' | 'open' | 'at-risk' | 'met' | 'missed';

/** The fact stored per round for the KPI issue: whether it counted, how it ended, how long it took on the policy's clock. */
export interface RoundOutcome {
  status: RoundStatus;
  dueAt?: string;
  responseMs?: number;
}

export function roundOutcome(round: { questionAt: Date; answeredAt?: Date }, policy: ResponsePolicy, now: Date): RoundOutcome {
  const clock = roundClock(round.questionAt, policy);
  if (!clock.counted) return { status: 'not-counted' };
  const dueAt = clock.dueAt.toISOString();
  if (round.answeredAt) {
    const responseMs =
      policy.clock === 'wall' ? Math.max(0, round.answeredAt.getTime() - round.questionAt.getTime()) : serviceTimeBetween(round.questionAt, round.answeredAt, policy);
    return { status: round.answeredAt.getTime() <= clock.dueAt.getTime() ? 'met' : 'missed', dueAt, responseMs };
  }
  if (now.getTime() > clock.dueAt.getTime()) return { status: 'missed', dueAt };
  return { status: now.getTime() >= clock.atRiskAt.getTime() ? 'at-risk' : 'open', dueAt };
}

/** The response rate over finished rounds; open and uncounted rounds are left out. */
export function responseRate(outcomes: readonly RoundOutcome[], policy: Pick<ResponsePolicy, 'targetRate'>): { rounds: number; met: number; rate: number | undefined; meetsTarget: boolean | undefined } {
  const finished = outcomes.filter((outcome) => outcome.status === 'met' || outcome.status === 'missed');
  const met = finished.filter((outcome) => outcome.status === 'met').length;
  const rate = finished.length === 0 ? undefined : met / finished.length;
  return { rounds: finished.length, met, rate, meetsTarget: rate === undefined ? undefined : rate >= policy.targetRate };
}

function localInstant(isoDate: string, time: string, zone: string): number {
  // 24:00 is the next day's midnight, which can itself be in a DST gap: let luxon resolve it.
  if (time === '24:00') return DateTime.fromISO(isoDate, { zone }).plus({ days: 1 }).startOf('day').toMillis();
  return DateTime.fromISO(`${isoDate}T${time}`, { zone }).toMillis();
}

function merge(intervals: [number, number][]): Interval[] {
  const sorted = intervals.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}
