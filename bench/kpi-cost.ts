import { awsPrices } from './aws-prices';
import { distribution, round, round3 } from './stats';

/**
 * `--kpis` (issue 9): what KPI aggregation adds to a scenario. The aggregator (AggregateKpis, fed by
 * DynamoDB Local's stream through the local stream poller) is metered like every handler; this reads its
 * units out of the scenario's result and prices them, and measures the lag from a message's write (the
 * conversation head's `lastMessageAt`) to the end of the aggregator invocation that counted it.
 */

export const kpiFunction = 'AggregateKpis';

/** Lags (ms) recorded while the flag is on: one per conversation-head record the aggregator finished. */
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

interface UnitStats {
  billedWriteUnits: number;
  billedReadUnits: number;
}

export function kpiAggregationReport(result: {
  throughput: { messages: number };
  dynamodb: { byFunction: Record<string, Record<string, UnitStats>> };
  invocations: { byFunction: Record<string, { invocations: number; gbSecondsPerMessage: number }> };
}) {
  const messages = Math.max(1, result.throughput.messages);
  const operations = Object.values(result.dynamodb.byFunction[kpiFunction] ?? {});
  const wru = operations.reduce((sum, stats) => sum + stats.billedWriteUnits, 0) / messages;
  const rru = operations.reduce((sum, stats) => sum + stats.billedReadUnits, 0) / messages;
  const calls = result.invocations.byFunction[kpiFunction];
  const invocationsPerMessage = (calls?.invocations ?? 0) / messages;
  const gbSecondsPerMessage = calls?.gbSecondsPerMessage ?? 0;
  const usd = {
    dynamo: (wru * awsPrices.dynamoWriteRequestUnit + rru * awsPrices.dynamoReadRequestUnit) * 1e6,
    lambdaRequests: invocationsPerMessage * awsPrices.lambdaRequest * 1e6,
    lambdaCompute: gbSecondsPerMessage * awsPrices.lambdaArmGbSecond * 1e6,
  };
  return {
    note: 'Extra per message acked in the window, from the AggregateKpis function alone (stream reads are free for Lambda event source mappings). Lag: message written → the aggregator invocation that counted it ended.',
    writeUnitsPerMessage: round3(wru),
    readUnitsPerMessage: round3(rru),
    invocationsPerMessage: round3(invocationsPerMessage),
    usdPerMillionMessages: { dynamo: round(usd.dynamo, 3), lambdaRequests: round(usd.lambdaRequests, 3), lambdaCompute: round(usd.lambdaCompute, 3), total: round(usd.dynamo + usd.lambdaRequests + usd.lambdaCompute, 2) },
    lagMs: distribution(kpiLagsMs),
  };
}
