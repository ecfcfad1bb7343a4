import type { KpiFigures, KpiName, KpiReport, KpiUpdatedFrame } from './contracts';

/**
 * The wall's KPI strip (issue 11): one shop's figures for its shop-local today, from
 * `GET /v1/shops/{shopId}/kpis` on open and after each reconnect, then from `kpi.updated` frames.
 */
export const wallKpiNames = ['inquiries', 'firstResponseSeconds', 'averageResponseSeconds', 'replyQuestionRatio', 'conversionRate'] as const satisfies readonly KpiName[];
export type WallKpiName = (typeof wallKpiNames)[number];

export interface ShopDayKpis {
  shopId: string;
  /** The shop-local day (`YYYY-MM-DD`) the figures are of. */
  day: string;
  figures: KpiFigures;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A range of UTC days that holds today in every zone (UTC−12 … UTC+14): the day before to the day after. */
export function todayRange(now: Date = new Date()): { from: string; to: string } {
  return { from: dayOf(now.getTime() - 86_400_000), to: dayOf(now.getTime() + 86_400_000) };
}

export function kpiPath(shopId: string, now: Date = new Date()): string {
  const { from, to } = todayRange(now);
  return `/v1/shops/${encodeURIComponent(shopId)}/kpis?from=${from}&to=${to}&granularity=day`;
}

/** Today (`YYYY-MM-DD`) in an IANA zone. */
export function localDay(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** The shop-local today out of a day-granularity report; a day without facts has no figures. */
export function todayFromReport(report: KpiReport, now: Date = new Date()): ShopDayKpis {
  const day = localDay(report.timeZone, now);
  return { shopId: report.shopId, day, figures: report.periods.find((p) => p.period === day)?.figures ?? {} };
}

/** A pushed frame replaces the day it names; a frame of an earlier day (late, out of order) changes nothing. */
export function applyKpiFrame(current: ShopDayKpis | undefined, frame: KpiUpdatedFrame): ShopDayKpis {
  if (current && frame.day < current.day) return current;
  return { shopId: frame.shopId, day: frame.day, figures: frame.figures };
}

/** When to send `kpis.watch` again: a minute before `watchingUntil`, or halfway there when less than two minutes are left, at least 1 s on. */
export function renewDelayMs(watchingUntil: string, now: number = Date.now()): number {
  const left = Date.parse(watchingUntil) - now;
  if (!Number.isFinite(left)) return 60_000;
  return Math.max(1000, left - 60_000, left / 2);
}

/** A figure for display: absent is "—" (never 0); times in whole seconds, the ratio to two places, conversion in percent. */
export function formatKpi(name: WallKpiName, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  switch (name) {
    case 'inquiries':
      return String(Math.round(value));
    case 'firstResponseSeconds':
    case 'averageResponseSeconds':
      return String(Math.round(value));
    case 'replyQuestionRatio':
      return value.toFixed(2);
    case 'conversionRate':
      return `${(value * 100).toFixed(1)}%`;
  }
}
