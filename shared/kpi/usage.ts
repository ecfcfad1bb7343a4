import { awsPrices } from '../../bench/aws-prices';
import type { Identity } from '../auth/identity';
import { ForbiddenError } from '../http/errors';
import { listBucketsOfDay } from '../store/kpi-aggregates';
import { listShopIdsOfTenant } from '../store/shops';
import { addCounters, type Counters } from './counters';
import { assertDayRange, type UsageLine, type UsageQuery, type UsageReport } from './frames';
import { daysBetween } from './read-kpi-figures';

/**
 * Per-shop usage and cost for invoicing client shops (issue 9 §4; docs/kpi-design.md §6). Usage comes
 * from the shops' KPI buckets (counters the aggregator keeps from the stream); the cost of each line is
 * its usage times the unit costs the benchmark measured, and the firm's total is split over the lines
 * in whole cents by the largest remainder, so the lines add up to the total exactly.
 */

/**
 * The KPI aggregator's measured units per message (the AggregateKpis function alone, merged writes):
 * `npm run bench -- --scenario steady --kpis --rate 50 --seconds 20`, 2026-12-02 01:24 UTC on an idle
 * machine (load 0.8), 998 messages, `kpiAggregation.withCatchUp` of bench/results/steady.json
 * (docs/kpi-design.md §5): 6.033 WRU (modelled, 2 per transaction item), 0.097 RRU, 0.065 invocations,
 * and US$0.143 per million of compute, which is 0.0107 GB-s at the arm64 price. Stream reads are free.
 */
export const kpiAggregationUnitsPerMessage = { writeUnits: 6.033, readUnits: 0.097, invocations: 0.065, lambdaGbSeconds: 0.0107 } as const;

/**
 * US$ per unit, from the benchmark's measurements at list prices (bench/README.md, bench/aws-prices.ts):
 * a message (stored, delivered, acked; `steady`, 2026-11-25: 3 WRU + 1 RRU, frames, SQS, Lambda) US$7.03
 * per million; a conversation's setup (connect, open, route, disconnect) (10.24 - 7.03) x 10 messages per
 * million; KPI aggregation per message, the measured units above at list prices (US$3.94 per million); a
 * case about one order event's handling (`orders` scenario, US$17.71 per million events) times the ~4
 * events of a case's life; an agent minute one WebSocket connection minute.
 */
export const unitCostsUsd = {
  message: 7.03e-6,
  kpiAggregationPerMessage:
    kpiAggregationUnitsPerMessage.writeUnits * awsPrices.dynamoWriteRequestUnit +
    kpiAggregationUnitsPerMessage.readUnits * awsPrices.dynamoReadRequestUnit +
    kpiAggregationUnitsPerMessage.invocations * awsPrices.lambdaRequest +
    kpiAggregationUnitsPerMessage.lambdaGbSeconds * awsPrices.lambdaArmGbSecond,
  conversation: ((10.24 - 7.03) * 10) / 1e6,
  robotAnswer: 7.03e-6,
  outreachSent: 7.03e-6,
  case: 4 * 17.71e-6,
  agentMinute: awsPrices.webSocketConnectionMinute,
} as const;

export interface ShopDayUsage {
  day: string;
  shopId: string;
  counters: Counters;
}

/** Exact US$ of one line's usage. */
export function lineCostUsd(counters: Counters): number {
  const messages = (counters.buyerMessages ?? 0) + (counters.agentMessages ?? 0);
  return (
    messages * (unitCostsUsd.message + unitCostsUsd.kpiAggregationPerMessage) +
    (counters.conversations ?? 0) * unitCostsUsd.conversation +
    (counters.robotAnswers ?? 0) * unitCostsUsd.robotAnswer +
    (counters.outreachSent ?? 0) * unitCostsUsd.outreachSent +
    (counters.casesOpened ?? 0) * unitCostsUsd.case +
    ((counters.onlineSeconds ?? 0) / 60) * unitCostsUsd.agentMinute
  );
}

/**
 * Whole units (cents) for exact shares that sum to round(Σ shares): each gets its floor, then the units
 * left go to the largest fractional remainders (ties to the earlier line, so the result is stable).
 */
export function apportionLargestRemainder(exact: readonly number[]): { parts: number[]; total: number } {
  const total = Math.round(exact.reduce((sum, value) => sum + value, 0));
  const parts = exact.map((value) => Math.floor(value));
  let left = total - parts.reduce((sum, value) => sum + value, 0);
  const order = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of order) {
    if (left <= 0) break;
    parts[index]! += 1;
    left -= 1;
  }
  return { parts, total };
}

export function usageReportOf(from: string, to: string, usage: readonly ShopDayUsage[]): UsageReport {
  const rows = [...usage].sort((a, b) => a.day.localeCompare(b.day) || a.shopId.localeCompare(b.shopId));
  const { parts, total } = apportionLargestRemainder(rows.map((row) => lineCostUsd(row.counters) * 100));
  const lines: UsageLine[] = rows.map((row, index) => ({
    day: row.day,
    shopId: row.shopId,
    conversations: row.counters.conversations ?? 0,
    messagesIn: row.counters.buyerMessages ?? 0,
    messagesOut: row.counters.agentMessages ?? 0,
    robotAnswers: row.counters.robotAnswers ?? 0,
    outreachSent: row.counters.outreachSent ?? 0,
    cases: row.counters.casesOpened ?? 0,
    agentMinutes: Math.round(((row.counters.onlineSeconds ?? 0) / 60) * 10) / 10,
    costUsdCents: parts[index]!,
  }));
  return { from, to, lines, totalCostUsdCents: total, unitCosts: { ...unitCostsUsd }, pricesAsOf: awsPrices.asOf };
}

const csvColumns: readonly (keyof UsageLine)[] = ['day', 'shopId', 'conversations', 'messagesIn', 'messagesOut', 'robotAnswers', 'outreachSent', 'cases', 'agentMinutes', 'costUsdCents'];

/**
 * The report as CSV: UTF-8 with a byte-order mark (so spreadsheet programs read Chinese shop ids
 * correctly), CRLF line ends, a header row, then one line per shop and day and a TOTAL line.
 */
export function usageCsv(report: UsageReport): string {
  const field = (value: string | number) => {
    const text = String(value);
    // A cell starting with = + - @ is a formula to a spreadsheet: prefixed so it stays text (ids never start so, but be safe).
    const safe = /^[=+\-@]/.test(text) && typeof value === 'string' ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const rows = [csvColumns.join(','), ...report.lines.map((line) => csvColumns.map((column) => field(line[column])).join(','))];
  rows.push(['TOTAL', '', ...csvColumns.slice(2, -1).map((column) => String(report.lines.reduce((sum, line) => sum + Number(line[column]), 0))), String(report.totalCostUsdCents)].join(','));
  return `\ufeff${rows.join('\r\n')}\r\n`;
}

export const usageDependencies = { listShopIdsOfTenant, listBucketsOfDay };

/** GET /v1/usage: tenant admins only; every shop of the tenant, every day of the range (shop-local days). */
export async function tenantUsage(identity: Identity, query: UsageQuery, deps = usageDependencies): Promise<UsageReport> {
  if (identity.role !== 'admin') throw new ForbiddenError('only a tenant admin exports usage');
  assertDayRange(query);
  const shopIds = await deps.listShopIdsOfTenant(identity.tenantId);
  const days = daysBetween(query.from, query.to);
  const cells = shopIds.flatMap((shopId) => days.map((day) => ({ shopId, day })));
  const usage: ShopDayUsage[] = [];
  for (let start = 0; start < cells.length; start += 32) {
    const chunk = await Promise.all(
      cells.slice(start, start + 32).map(async ({ shopId, day }) => {
        const counters: Counters = {};
        // Usage counters are never versioned; attributed buckets carry none of them.
        for (const bucket of await deps.listBucketsOfDay(identity.tenantId, shopId, day, 'SHOP')) if (bucket.ruleVersion === undefined) addCounters(counters, bucket.counters);
        return { shopId, day, counters };
      }),
    );
    usage.push(...chunk.filter((row) => Object.keys(row.counters).length > 0));
  }
  return usageReportOf(query.from, query.to, usage);
}
