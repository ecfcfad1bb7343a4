import { awsPrices } from './aws-prices';
import type { Meters, MeterSnapshot } from './meters';
import { distribution, round, round3 } from './stats';

/**
 * `--kpis` (issue 9): what KPI aggregation adds to a scenario. The aggregator (AggregateKpis, fed by
 * DynamoDB Local's stream through the local stream poller) is metered like every handler. Around the
 * measured window (`KpiWindow`): before it, the aggregator catches up with the earlier phases, so the
 * window pays only for its own messages; after the message path drained, the bench waits until the
 * aggregator is idle too, so its units include the catch-up its backlog needed. The lag of a message is
 * from its write (the conversation head's `lastMessageAt`) to the end of the aggregator invocation that
 * counted it — its counters are committed then, and its `kpi.updated` frame is sent inside it.
 * `--kpi-batching per-fact` runs the aggregator with one transaction per fact (before batching) to compare.
 */

export const kpiFunction = 'AggregateKpis';

/**
 * Lags (ms) recorded while the flag is on: one per conversation-head record the aggregator finished.
 * A handler thread's lags travel back with its meters (bench/meters.ts drain / merge).
 */
export const kpiLagsMs: number[] = [];

/** Called around every handler invocation (bench/meters.ts): records the aggregator's lag per head. */
export function recordKpiLag(functionName: string, event: unknown, endedAtMs: number): void {
  if (functionName !== kpiFunction) return;
  const records = (event as { Records?: { dynamodb?: { NewImage?: Record<string, { S?: string }> } }[] } | null)?.Records ?? [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    if (image?.entity?.S !== 'Conversation' || !image.lastMessageAt?.S) continue;
    kpiLagsMs.push(endedAtMs - Date.parse(image.lastMessageAt.S));
  }
}

/**
 * Write units of one function's DynamoDB calls as DynamoDB would bill them: what the meters billed for
 * every operation but TransactWriteItems, plus 2 WRU per item of the committed transactions (every KPI
 * item is < 1 KB). DynamoDB Local reports a multi-item transaction's units far below one per item, so the
 * metered figure undercounts transactions; both are reported.
 */
export function modelledWriteUnits(operations: Record<string, { billedWriteUnits: number; transactionItems?: number }>): number {
  return Object.entries(operations).reduce((sum, [operation, stats]) => sum + (operation === 'TransactWriteItems' ? 2 * (stats.transactionItems ?? 0) : stats.billedWriteUnits), 0);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `progress` (invocations finished, records delivered) has not moved for `quietMs` (bounded). */
export async function quietFor(progress: () => number, quietMs: number, maxMs: number): Promise<{ idle: boolean; lastActivityAt: number }> {
  const until = Date.now() + maxMs;
  let count = progress();
  let lastActivityAt = Date.now();
  while (Date.now() < until) {
    await sleep(250);
    const now = progress();
    if (now !== count) (count = now), (lastActivityAt = Date.now());
    else if (Date.now() - lastActivityAt >= quietMs) return { idle: true, lastActivityAt };
  }
  return { idle: false, lastActivityAt };
}

interface AggregatorUsage {
  /** Modelled (modelledWriteUnits); `meteredWriteUnits` is what DynamoDB Local reported, corrected as the meters do. */
  writeUnits: number;
  meteredWriteUnits: number;
  readUnits: number;
  invocations: number;
  records: number;
  gbSeconds: number;
  transactions: number;
}

function aggregatorUsage(snapshot: MeterSnapshot): AggregatorUsage {
  const operations = snapshot.dynamo[kpiFunction] ?? {};
  const calls = snapshot.invocations[kpiFunction];
  return {
    writeUnits: modelledWriteUnits(operations),
    meteredWriteUnits: Object.values(operations).reduce((sum, stats) => sum + stats.billedWriteUnits, 0),
    readUnits: Object.values(operations).reduce((sum, stats) => sum + stats.billedReadUnits, 0),
    invocations: calls?.invocations ?? 0,
    records: calls?.records ?? 0,
    gbSeconds: calls ? (calls.billedMs / 1000) * (calls.memoryMb / 1024) : 0,
    transactions: operations.TransactWriteItems?.calls ?? 0,
  };
}

/** The aggregator around one measured window: settle before it, catch up after it. */
export class KpiWindow {
  private windowEnd?: { at: number; usage: AggregatorUsage };
  private caughtUp?: { idle: boolean; afterMs: number; usage: AggregatorUsage };
  settledBeforeMs = 0;

  /** Before the window: the aggregator finishes the earlier phases' records (bounded), then lags restart. */
  async beforeWindow(meters: Meters): Promise<void> {
    const started = Date.now();
    await quietFor(() => meters.invocationCount(kpiFunction), 3000, 120_000);
    this.settledBeforeMs = Date.now() - started;
    kpiLagsMs.length = 0;
  }

  /** When the message path drained (the window's end): what the aggregator did by then, then until it is idle. */
  async afterWindow(meters: Meters): Promise<void> {
    this.windowEnd = { at: Date.now(), usage: aggregatorUsage(meters.snapshot()) };
    // A per-fact batch of 100 records can take seconds locally: idle means nothing finished for 8 s.
    const { idle, lastActivityAt } = await quietFor(() => meters.invocationCount(kpiFunction), 8000, 300_000);
    this.caughtUp = { idle, afterMs: Math.max(0, lastActivityAt - this.windowEnd.at), usage: aggregatorUsage(meters.snapshot()) };
  }

  report(messages: number, batching: string) {
    const perMessage = (usage: AggregatorUsage) => {
      const n = Math.max(1, messages);
      const wru = usage.writeUnits / n;
      const rru = usage.readUnits / n;
      const usd = {
        dynamo: (wru * awsPrices.dynamoWriteRequestUnit + rru * awsPrices.dynamoReadRequestUnit) * 1e6,
        lambdaRequests: (usage.invocations / n) * awsPrices.lambdaRequest * 1e6,
        lambdaCompute: (usage.gbSeconds / n) * awsPrices.lambdaArmGbSecond * 1e6,
      };
      return {
        writeUnitsPerMessage: round3(wru),
        meteredWriteUnitsPerMessage: round3(usage.meteredWriteUnits / n),
        readUnitsPerMessage: round3(rru),
        invocationsPerMessage: round3(usage.invocations / n),
        recordsPerMessage: round3(usage.records / n),
        transactionsPerRecord: usage.records ? round3(usage.transactions / usage.records) : 0,
        usdPerMillionMessages: { dynamo: round(usd.dynamo, 3), lambdaRequests: round(usd.lambdaRequests, 3), lambdaCompute: round(usd.lambdaCompute, 3), total: round(usd.dynamo + usd.lambdaRequests + usd.lambdaCompute, 2) },
      };
    };
    const end = this.windowEnd?.usage;
    const all = this.caughtUp?.usage;
    return {
      note: 'WRU modelled at 2 per committed transaction item (DynamoDB Local under-reports multi-item transactions; metered kept beside). Per message acked in the window, AggregateKpis alone (stream reads are free for Lambda event source mappings). withCatchUp: until the aggregator was idle after the window. Lag: message written → the aggregator invocation that counted it ended.',
      batching,
      settledBeforeWindowMs: this.settledBeforeMs,
      inWindow: end ? perMessage(end) : undefined,
      withCatchUp: all ? perMessage(all) : undefined,
      backlogAtWindowEnd: {
        records: end && all ? all.records - end.records : undefined,
        catchUpSeconds: this.caughtUp ? round(this.caughtUp.afterMs / 1000, 1) : undefined,
        keptUp: end && all ? all.records - end.records <= Math.max(10, 0.02 * all.records) : undefined,
        idleAtEnd: this.caughtUp?.idle,
      },
      lagMs: distribution(kpiLagsMs),
    };
  }
}
