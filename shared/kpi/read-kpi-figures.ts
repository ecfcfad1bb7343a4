import { DateTime } from 'luxon';
import type { Identity } from '../auth/identity';
import { servesShop } from '../auth/identity';
import { ForbiddenError, NotFoundError } from '../http/errors';
import { supervisesShop } from '../routing/access';
import { getShop } from '../store/shops';
import { getAttributionRule, listBucketsOfDay, type StoredBucket } from '../store/kpi-aggregates';
import { shopTimeZone } from './aggregate-changes';
import { defaultAttributionRule, type AttributionRule } from './attribution-rule';
import { addCounters, attributedCounters, figuresOf, type Counters } from './counters';
import type { KpiFigures, KpiPeriod, KpiScope, ReadKpiFigures } from './figures';
import { assertDayRange, type KpiQuery, type KpiReport } from './frames';

/** The KPI read model: buckets of a shop's local days, summed per hour or day for one owner. */

export const readDependencies = { listBucketsOfDay, getAttributionRule, shopTimeZone, getShop };

export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = DateTime.fromISO(from, { zone: 'utc' }); day.toISODate()! <= to; day = day.plus({ days: 1 })) days.push(day.toISODate()!);
  return days;
}

const ownerOfScope = (scope: { agentId?: string | undefined; groupId?: string | undefined }) =>
  scope.agentId ? `AGENT#${scope.agentId}` : scope.groupId ? `GROUP#${scope.groupId}` : 'SHOP';

/** The owner's counters from a day's buckets: plain counters, and attributed ones of the active rule version only. */
export function countersOf(buckets: readonly StoredBucket[], owner: string, activeVersion: number): Map<string, Counters> {
  const byHour = new Map<string, Counters>();
  for (const bucket of buckets) {
    if (bucket.owner !== owner) continue;
    if (bucket.ruleVersion !== undefined && bucket.ruleVersion !== activeVersion) continue;
    const counters = Object.fromEntries(
      Object.entries(bucket.counters).filter(([name]) => (bucket.ruleVersion === undefined) !== attributedCounters.has(name as never)),
    ) as Counters;
    byHour.set(bucket.hour, addCounters(byHour.get(bucket.hour) ?? {}, counters));
  }
  return byHour;
}

/** Conversion of a period is final once the inquiry window after its end has passed. */
export function conversionStatus(counters: Counters, periodEnd: DateTime, rule: Pick<AttributionRule, 'inquiryWindowDays'>, now: Date) {
  if (!counters.inquiries) return 'none' as const;
  return periodEnd.plus({ days: rule.inquiryWindowDays }).toMillis() <= now.getTime() ? ('final' as const) : ('provisional' as const);
}

interface Range {
  tenantId: string;
  shopId: string;
  from: string;
  to: string;
  granularity: 'hour' | 'day';
  agentId?: string | undefined;
  groupId?: string | undefined;
}

export async function buildKpiReport(range: Range, now: Date = new Date(), deps = readDependencies): Promise<KpiReport> {
  const [zone, stored] = await Promise.all([deps.shopTimeZone(range.tenantId, range.shopId), deps.getAttributionRule(range.tenantId, range.shopId)]);
  const rule = stored ?? defaultAttributionRule;
  const days = daysBetween(range.from, range.to);
  const owner = ownerOfScope(range);
  const perDay: Map<string, Counters>[] = [];
  for (let start = 0; start < days.length; start += 8) {
    perDay.push(...(await Promise.all(days.slice(start, start + 8).map(async (day) => countersOf(await deps.listBucketsOfDay(range.tenantId, range.shopId, day, owner), owner, rule.activeVersion)))));
  }
  const periods: KpiReport['periods'] = [];
  const total: Counters = {};
  days.forEach((day, index) => {
    const hours = perDay[index]!;
    const dayCounters: Counters = {};
    for (const [hour, counters] of [...hours.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      addCounters(dayCounters, counters);
      if (range.granularity === 'hour') {
        const end = DateTime.fromISO(`${day}T${hour}:00`, { zone }).plus({ hours: 1 });
        periods.push({ period: `${day}T${hour}`, conversion: conversionStatus(counters, end, rule, now), figures: figuresOf(counters), counters });
      }
    }
    addCounters(total, dayCounters);
    if (range.granularity === 'day') {
      const end = DateTime.fromISO(day, { zone }).plus({ days: 1 });
      periods.push({ period: day, conversion: conversionStatus(dayCounters, end, rule, now), figures: figuresOf(dayCounters), counters: dayCounters });
    }
  });
  const lastEnd = DateTime.fromISO(range.to, { zone }).plus({ days: 1 });
  return {
    shopId: range.shopId,
    timeZone: zone,
    granularity: range.granularity,
    from: range.from,
    to: range.to,
    ...(range.agentId ? { agentId: range.agentId } : {}),
    ...(range.groupId ? { groupId: range.groupId } : {}),
    rule: { mode: rule.active && rule.activeVersion !== rule.version ? rule.active.mode : rule.mode, inquiryWindowDays: rule.active && rule.activeVersion !== rule.version ? rule.active.inquiryWindowDays : rule.inquiryWindowDays, version: rule.activeVersion },
    periods,
    total: { conversion: conversionStatus(total, lastEnd, rule, now), figures: figuresOf(total), counters: total },
  };
}

/**
 * GET /v1/shops/{shopId}/kpis: admins and the shop's supervisors read the shop, a group or any agent;
 * an agent reads only their own figures (no agentId means their own). Another shop, another tenant's
 * shop or a colleague's figures are the same 404 as a missing shop.
 */
export async function shopKpis(identity: Identity, shopId: string, query: KpiQuery, now: Date = new Date(), deps = readDependencies): Promise<KpiReport> {
  assertDayRange(query);
  let agentId = query.agentId;
  if (!supervisesShop(identity, shopId)) {
    if (identity.role !== 'agent' || !servesShop(identity, shopId)) throw new NotFoundError('shop');
    if (query.groupId) throw new ForbiddenError('agents read only their own figures', [{ field: 'groupId', message: 'agents read only their own figures' }]);
    if (agentId && agentId !== identity.userId) throw new NotFoundError('agent');
    agentId = identity.userId;
  }
  if (!(await deps.getShop(identity.tenantId, shopId))) throw new NotFoundError('shop');
  return buildKpiReport({ tenantId: identity.tenantId, shopId, from: query.from, to: query.to, granularity: query.granularity, agentId, groupId: query.groupId }, now, deps);
}

/** The figures contract for scorecards (shared/kpi/figures.ts): one scope's totals over whole local days. */
export const readKpiFigures: ReadKpiFigures = async (scope: KpiScope, period: KpiPeriod): Promise<KpiFigures> =>
  (await buildKpiReport({ tenantId: scope.tenantId, shopId: scope.shopId, from: period.from, to: period.to, granularity: 'day', agentId: scope.agentId })).total.figures;
