/**
 * The after-sales tail (issue 7): 100,000 open cases, a few hundred due per minute, and the per-minute
 * deadline sweep's DynamoDB cost shown to follow the cases due, not the cases open. Runs the production
 * sweep (shared/after-sales/sweep-case-deadlines.ts) against DynamoDB Local, minute after minute on its
 * own clock (the sweep takes `now` from its input), metering every call with ReturnConsumedCapacity.
 *
 * Seeding writes each case's head and its due-time entry with BatchWrite (the items writeCase puts,
 * built by the same functions; no timeline items, which the sweep never reads), because opening 100,000
 * cases one transaction at a time would take most of an hour on this machine.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cpus, loadavg } from 'node:os';
import { startEngines } from '../infra/local/engines';
import type { AfterSalesCase } from '../shared/after-sales/case';
import { sweepCaseDeadlines, sweepDependencies } from '../shared/after-sales/sweep-case-deadlines';
import { dynamo } from '../shared/runtime/clients';
import { env } from '../shared/runtime/env';
import { caseDueItem, caseHeadItem } from '../shared/store/cases';
import { awsPrices } from './aws-prices';
import { pointAtEngines, units } from './engines';
import type { Meters } from './meters';

export interface CaseSweepOptions {
  openCases: number;
  /** Cases due in each measured minute, in order (0 = a quiet minute). */
  duePerMinute: number[];
}

export const defaultCaseSweepOptions: CaseSweepOptions = { openCases: 100_000, duePerMinute: [0, 100, 200, 300, 400, 200, 0, 300] };

export interface CaseSweepMinute {
  minute: string;
  due: number;
  entriesRead: number;
  warningsPushed: number;
  billedReadUnits: number;
  billedWriteUnits: number;
  dynamoCalls: number;
  ms: number;
}

export interface CaseSweepResult {
  scenario: 'case-sweep';
  measuredAt: string;
  machine: { cpus: number; cpuModel: string | undefined; loadAverage: number };
  openCases: number;
  seedSeconds: number;
  minutes: CaseSweepMinute[];
  /** Second run for a minute already swept (row 25): what it cost. */
  repeatRun: { entriesRead: number; warningsPushed: number; billedReadUnits: number; billedWriteUnits: number };
  /** Least-squares fit over the measured minutes: units = fixed + perCase x due. */
  fit: { read: { fixed: number; perCase: number }; write: { fixed: number; perCase: number } };
  costPerDay: { atDuePerMinute: number; usd: number; note: string };
  notes: string[];
}

const tenantId = 'bench-cases';
const shops = 10;
const minuteMs = 60_000;
const t0 = Date.parse('2026-11-14T00:00:00.000Z');
const minuteOf = (ms: number) => new Date(ms).toISOString().slice(0, 16);
/** Each seeded case's SLA window: its 50 % point is the minute it is due. */
const windowMs = 20 * 3_600_000;

function seededCase(index: number, dueMs: number): AfterSalesCase {
  const startsAt = new Date(dueMs - windowMs / 2).toISOString();
  const slaDueAt = new Date(dueMs + windowMs / 2).toISOString();
  const shopId = `bench-shop-${index % shops}`;
  return {
    tenantId,
    shopId,
    platform: 'taobao',
    caseId: `bench_${index.toString(36).padStart(6, '0')}`,
    type: 'refund-only',
    state: 'waiting-seller',
    stateSince: startsAt,
    origin: 'refund',
    orderId: `o${index}`,
    buyerId: `b${index}`,
    refund: { refundId: `r${index}`, kind: 'refund-only', status: 'requested', version: 1, rank: 0, messageId: `m${index}` },
    ownerId: `bench-agent-${index % 400}`,
    deadline: { dueAt: new Date(dueMs + windowMs / 2 + 3_600_000).toISOString(), slaDueAt, startsAt, source: 'platform' },
    warningsSent: [],
    openedAt: startsAt,
    updatedAt: startsAt,
    timeline: [],
  };
}

/** When each case's first warning falls: the measured minutes as asked, the rest spread over the next five days. */
function dueTimes(options: CaseSweepOptions): number[] {
  const times: number[] = [];
  options.duePerMinute.forEach((count, m) => {
    for (let i = 0; i < count; i++) times.push(t0 + (m + 1) * minuteMs - 1000 - (i % 50) * 100);
  });
  const rest = options.openCases - times.length;
  const spreadStart = t0 + (options.duePerMinute.length + 1) * minuteMs;
  for (let i = 0; i < rest; i++) times.push(spreadStart + Math.floor((i / rest) * 5 * 24 * 60) * minuteMs + 30_000);
  return times;
}

async function seed(options: CaseSweepOptions): Promise<void> {
  const table = env().TABLE_NAME;
  const items = dueTimes(options).flatMap((dueMs, index) => {
    const current = seededCase(index, dueMs);
    const dueMinute = minuteOf(Math.ceil(dueMs / minuteMs) * minuteMs);
    return [caseHeadItem(tenantId, current, { rev: 1, timelineCount: 0, dueMinute, facts: {} }), caseDueItem(tenantId, current.caseId, dueMinute)];
  });
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const chunk = items.slice(next, next + 25);
      next += 25;
      let pending: Record<string, unknown>[] | undefined = chunk.map((Item) => ({ PutRequest: { Item } }));
      while (pending && pending.length > 0) {
        const result = await dynamo().send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
        pending = result.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

function fit(xs: number[], ys: number[]): { fixed: number; perCase: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const sxy = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i]! - my), 0);
  const sxx = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  const perCase = sxx === 0 ? 0 : sxy / sxx;
  return { fixed: Number((my - perCase * mx).toFixed(2)), perCase: Number(perCase.toFixed(3)) };
}

export async function runCaseSweep(meters: Meters, options: CaseSweepOptions = defaultCaseSweepOptions): Promise<CaseSweepResult> {
  const engines = await startEngines({ restart: false });
  try {
    pointAtEngines(engines);
    const seedStarted = Date.now();
    await seed(options);
    const seedSeconds = Math.round((Date.now() - seedStarted) / 1000);
    console.log(`[case-sweep] seeded ${options.openCases} open cases in ${seedSeconds} s`);

    meters.instrumentDynamo(dynamo());
    // Nobody is connected in the benchmark: each warning still costs the Query of the owner's connections.
    const deps = sweepDependencies;
    const cursor = 'BENCH';
    await sweepCaseDeadlines(new Date(t0), deps, { cursor, firstLookbackMinutes: 1 });
    const minutes: CaseSweepMinute[] = [];
    for (let m = 1; m <= options.duePerMinute.length; m++) {
      meters.reset();
      const started = performance.now();
      const report = await sweepCaseDeadlines(new Date(t0 + m * minuteMs), deps, { cursor });
      const ms = Math.round(performance.now() - started);
      const measured = units(meters);
      minutes.push({
        minute: minuteOf(t0 + m * minuteMs),
        due: options.duePerMinute[m - 1]!,
        entriesRead: report.entriesRead,
        warningsPushed: report.warningsPushed,
        billedReadUnits: Number(measured.read.toFixed(1)),
        billedWriteUnits: Number(measured.write.toFixed(1)),
        dynamoCalls: measured.calls,
        ms,
      });
      const row = minutes.at(-1)!;
      console.log(`[case-sweep] ${row.minute}: due ${row.due}, read ${row.entriesRead}, pushed ${row.warningsPushed}, ${row.billedReadUnits} RRU, ${row.billedWriteUnits} WRU, ${row.dynamoCalls} calls, ${row.ms} ms`);
    }
    meters.reset();
    const repeat = await sweepCaseDeadlines(new Date(t0 + options.duePerMinute.length * minuteMs), deps, { cursor });
    const repeatUnits = units(meters);
    const readFit = fit(minutes.map((m) => m.due), minutes.map((m) => m.billedReadUnits));
    const writeFit = fit(minutes.map((m) => m.due), minutes.map((m) => m.billedWriteUnits));
    const atDue = 300;
    const perMinuteUsd = (readFit.fixed + readFit.perCase * atDue) * awsPrices.dynamoReadRequestUnit + (writeFit.fixed + writeFit.perCase * atDue) * awsPrices.dynamoWriteRequestUnit;
    return {
      scenario: 'case-sweep',
      measuredAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), loadAverage: Number(loadavg()[0]!.toFixed(2)) },
      openCases: options.openCases,
      seedSeconds,
      minutes,
      repeatRun: {
        entriesRead: repeat.entriesRead,
        warningsPushed: repeat.warningsPushed,
        billedReadUnits: Number(repeatUnits.read.toFixed(1)),
        billedWriteUnits: Number(repeatUnits.write.toFixed(1)),
      },
      fit: { read: readFit, write: writeFit },
      costPerDay: {
        atDuePerMinute: atDue,
        usd: Number((perMinuteUsd * 24 * 60).toFixed(4)),
        note: `DynamoDB on-demand list prices (${awsPrices.region}, ${awsPrices.asOf}); Lambda and API Gateway posts not included`,
      },
      notes: [
        'Billed units = DynamoDB Local\'s ConsumedCapacity plus bench/meters.ts corrections (0.5 RRU minimum per empty Query, transactions at 2x).',
        'Each due case: its head read (consistent), one transaction (head put, due entry delete + put), one Query of the owner\'s connections (nobody connected).',
        `Open cases stay ~${options.openCases} throughout: the fit's fixed part is the 16 shard Queries + cursor read/advance, the per-case part does not depend on the open count.`,
      ],
    };
  } finally {
    await engines.stop();
  }
}

export function formatCaseSweep(result: CaseSweepResult): string {
  const lines = [
    `case-sweep: ${result.openCases} open cases (seeded in ${result.seedSeconds} s), per-minute sweep on DynamoDB Local`,
    'minute             due  read  pushed    RRU     WRU  calls     ms',
    ...result.minutes.map(
      (m) =>
        `${m.minute}  ${String(m.due).padStart(4)}  ${String(m.entriesRead).padStart(4)}  ${String(m.warningsPushed).padStart(6)}  ${String(m.billedReadUnits).padStart(6)}  ${String(m.billedWriteUnits).padStart(6)}  ${String(m.dynamoCalls).padStart(5)}  ${String(m.ms).padStart(5)}`,
    ),
    `fit: RRU = ${result.fit.read.fixed} + ${result.fit.read.perCase} x due; WRU = ${result.fit.write.fixed} + ${result.fit.write.perCase} x due`,
    `repeat run of the last minute (row 25): read ${result.repeatRun.entriesRead} entries, pushed ${result.repeatRun.warningsPushed}, ${result.repeatRun.billedReadUnits} RRU, ${result.repeatRun.billedWriteUnits} WRU`,
    `DynamoDB per day at ${result.costPerDay.atDuePerMinute} due a minute: US$${result.costPerDay.usd} (${result.costPerDay.note})`,
  ];
  return lines.join('\n');
}
