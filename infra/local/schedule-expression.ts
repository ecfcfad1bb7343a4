/**
 * EventBridge Scheduler expressions, parsed and evaluated in UTC (the manifest gives no time zone):
 * `rate(5 minutes)`, `cron(0 8 ? * MON-FRI *)`, `at(2025-11-11T00:00:00)`. Rules AWS enforces are
 * enforced here too (singular unit for 1, exactly one `?` in day-of-month/day-of-week, value ranges), so a
 * schedule that would fail to deploy fails locally first. `L`, `W` and `#` are not supported.
 */
export type ScheduleExpression =
  | { kind: 'rate'; everyMs: number }
  | { kind: 'cron'; fields: CronFields }
  | { kind: 'at'; at: Date };

export interface CronFields {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  /** undefined when the field is `?`. */
  daysOfMonth: ReadonlySet<number> | undefined;
  months: ReadonlySet<number>;
  /** 1 = Sunday … 7 = Saturday, as in EventBridge; undefined when the field is `?`. */
  daysOfWeek: ReadonlySet<number> | undefined;
  years: ReadonlySet<number>;
}

export class ScheduleExpressionError extends Error {
  constructor(expression: string, reason: string) {
    super(`invalid schedule expression "${expression}": ${reason}`);
    this.name = 'ScheduleExpressionError';
  }
}

const unitMs = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const lastYear = 2199;

export function parseScheduleExpression(expression: string): ScheduleExpression {
  const fail = (reason: string): never => {
    throw new ScheduleExpressionError(expression, reason);
  };
  const outer = /^(rate|cron|at)\((.*)\)$/.exec(expression.trim());
  if (!outer) return fail('expected rate(...), cron(...) or at(...)');
  const [, kind, inner = ''] = outer;

  if (kind === 'rate') {
    const rate = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(inner.trim());
    if (!rate) return fail('expected rate(<positive integer> <minute(s)|hour(s)|day(s)>)');
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (value < 1) return fail('the value must be positive');
    const singular = !unit.endsWith('s');
    if (value === 1 && !singular) return fail(`use "1 ${unit.slice(0, -1)}" (singular for 1)`);
    if (value > 1 && singular) return fail(`use "${value} ${unit}s" (plural above 1)`);
    return { kind: 'rate', everyMs: value * unitMs[unit.replace(/s$/, '') as keyof typeof unitMs] };
  }

  if (kind === 'at') {
    const at = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(inner.trim());
    if (!at) return fail('expected at(yyyy-mm-ddThh:mm:ss)');
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [number, number, number, number, number, number];
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    const roundTrips =
      date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day &&
      date.getUTCHours() === hour && date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
    if (!roundTrips) return fail('not a real date and time');
    return { kind: 'at', at: date };
  }

  const parts = inner.trim().split(/\s+/);
  if (parts.length !== 6) return fail('cron needs 6 fields: minutes hours day-of-month month day-of-week year');
  const [minutes, hours, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) return fail('exactly one of day-of-month and day-of-week must be "?"');
  const field = (text: string, name: string, min: number, max: number, names?: string[]) => {
    try {
      return parseField(text, min, max, names);
    } catch (error) {
      return fail(`${name}: ${(error as Error).message}`);
    }
  };
  return {
    kind: 'cron',
    fields: {
      minutes: field(minutes, 'minutes', 0, 59),
      hours: field(hours, 'hours', 0, 23),
      daysOfMonth: dom === '?' ? undefined : field(dom, 'day-of-month', 1, 31),
      months: field(month, 'month', 1, 12, monthNames),
      daysOfWeek: dow === '?' ? undefined : field(dow, 'day-of-week', 1, 7, dayNames),
      years: field(year, 'year', 1970, lastYear),
    },
  };
}

/** `*`, `a`, `a-b`, `a/step`, `*\/step`, `a-b/step`, and comma lists of these; names where the field has them. */
function parseField(text: string, min: number, max: number, names?: string[]): Set<number> {
  const value = (token: string): number => {
    const index = names?.indexOf(token.toUpperCase()) ?? -1;
    if (index < 0 && /[LW#]/i.test(token)) throw new Error(`"${token}": L, W and # are not supported locally`);
    const number = index >= 0 ? index + 1 : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!Number.isInteger(number) || number < min || number > max) throw new Error(`"${token}" is not in ${min}-${max}`);
    return number;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new Error(`cannot read "${part}"`);
    const [, range = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new Error('a step must be at least 1');
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [from, to] = [value(a), value(b)];
      if (from > to) throw new Error(`range "${range}" runs backwards`);
    } else {
      from = value(range);
      // `5/15` means from 5 to the end of the field, every 15.
      to = stepText === undefined ? from : max;
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

/**
 * The first fire time strictly after `after`. A rate schedule fires every interval counted from `start`
 * (Scheduler counts from creation); an `at` schedule fires once; undefined when nothing is left.
 */
export function nextFireTime(schedule: ScheduleExpression, after: Date, start: Date = after): Date | undefined {
  switch (schedule.kind) {
    case 'rate': {
      const elapsed = after.getTime() - start.getTime();
      const periods = elapsed < 0 ? 1 : Math.floor(elapsed / schedule.everyMs) + 1;
      return new Date(start.getTime() + periods * schedule.everyMs);
    }
    case 'at':
      return schedule.at.getTime() > after.getTime() ? schedule.at : undefined;
    case 'cron':
      return nextCronTime(schedule.fields, after);
  }
}

function nextCronTime(fields: CronFields, after: Date): Date | undefined {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  // Each step skips a whole year, month, day, hour or minute that cannot match, so this stays short.
  for (let guard = 0; guard < 1_000_000; guard += 1) {
    const year = t.getUTCFullYear();
    if (year > lastYear) return undefined;
    const month = t.getUTCMonth();
    const day = t.getUTCDate();
    const hour = t.getUTCHours();
    if (!fields.years.has(year)) {
      t.setTime(Date.UTC(year + 1, 0, 1));
    } else if (!fields.months.has(month + 1)) {
      t.setTime(Date.UTC(year, month + 1, 1));
    } else if (!dayMatches(fields, t)) {
      t.setTime(Date.UTC(year, month, day + 1));
    } else if (!fields.hours.has(hour)) {
      t.setTime(Date.UTC(year, month, day, hour + 1));
    } else if (!fields.minutes.has(t.getUTCMinutes())) {
      t.setTime(t.getTime() + 60_000);
    } else {
      return t;
    }
  }
  return undefined;
}

function dayMatches(fields: CronFields, t: Date): boolean {
  if (fields.daysOfMonth) return fields.daysOfMonth.has(t.getUTCDate());
  return fields.daysOfWeek?.has(t.getUTCDay() + 1) ?? true;
}
