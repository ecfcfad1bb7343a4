import type { IndexName } from '../store/table-schema';
import { intervalMinutes } from './interval-curve';
import type { StaffingPlan } from './plan-staffing';

/**
 * What one reception and one message cost, from kefu's own measurements (docs/conversation-design.md and
 * docs/messaging.md: appending a message 3 WRU + ~1 RRU with delivery; opening and routing a
 * conversation 14 WRU, ~16 RRU) and estimates where nothing was measured (index writes per reception,
 * durations, reconnects). Each is an input, so the plan can be rerun with the benchmark's numbers.
 */
export interface TrafficAssumptions {
  /** Buyer and agent messages per reception (a pre-sale chat is a dozen lines each way or less). */
  messagesPerReception: number;
  /** The busiest second of an interval against its average: a midnight opening arrives as a step, not evenly. */
  peakSecondFactor: number;
  tableWriteUnitsPerMessage: number;
  tableReadUnitsPerMessage: number;
  tableWriteUnitsPerReception: number;
  tableReadUnitsPerReception: number;
  /** Index entries written / read per reception (keys-only indexes, items < 1 KB: 1 unit each). */
  indexWriteUnitsPerReception: Record<IndexName, number>;
  indexReadUnitsPerReception: Record<IndexName, number>;
  /** WebSocket connects per reception (the buyer's socket, plus reconnects on a flaky phone). */
  connectsPerReception: number;
  /** Mean run time of a handler invocation, seconds, for Little's law (concurrency = rate × time). */
  sendMessageSeconds: number;
  connectSeconds: number;
  /** Multiplier on every size: the forecast is an estimate, and warm throughput cannot be lowered later. */
  headroom: number;
}

export const defaultTraffic: TrafficAssumptions = {
  messagesPerReception: 12,
  peakSecondFactor: 3,
  tableWriteUnitsPerMessage: 3,
  tableReadUnitsPerMessage: 1,
  // Measured, not modelled: the midnight bench on an idle machine (2026-12-02, bench/results/midnight.json)
  // billed 39.7–40.6 WRU per reception of 2 messages; less the messages (2 × 3) and the index entries (4)
  // that leaves 30 for opening, routing, the waiting line, closing and the KPI aggregation. The first
  // model's 14 (open and route only) under-forecast warm throughput by 1.7×.
  tableWriteUnitsPerReception: 30,
  tableReadUnitsPerReception: 16,
  // gsi2: the agent-day entry, and the tenant's conversation index entry written at opening (docs/onboarding.md).
  indexWriteUnitsPerReception: { gsi1: 3, gsi2: 2 },
  indexReadUnitsPerReception: { gsi1: 3, gsi2: 0 },
  connectsPerReception: 1.5,
  sendMessageSeconds: 0.08,
  connectSeconds: 0.05,
  headroom: 1.25,
};

/**
 * Default quotas (per account and region) the forecast is compared with; a request is filed when the
 * forecast needs more than 80 % of one. As of AWS's quota pages (shared/platforms.md §5): Lambda
 * concurrent executions 1,000; API Gateway WebSocket new connections 500 per second; API Gateway account
 * throttle 10,000 requests per second; DynamoDB on-demand table maximum 40,000 RRU and 40,000 WRU per
 * second. Configuration, not truth: check the account's Service Quotas console, which may already differ.
 */
export const defaultQuotas = {
  lambdaConcurrentExecutions: 1000,
  webSocketNewConnectionsPerSecond: 500,
  apiGatewayRequestsPerSecond: 10_000,
  dynamoDbTableWriteUnitsPerSecond: 40_000,
  dynamoDbTableReadUnitsPerSecond: 40_000,
} as const;
export type QuotaName = keyof typeof defaultQuotas;

export interface InfrastructureSizes {
  peakIntervalStart: string | undefined;
  peakReceptionsPerSecond: number;
  peakMessagesPerSecond: number;
  /** Warm throughput to set on the table and on each index (units per second). */
  warmThroughput: { table: { readUnitsPerSecond: number; writeUnitsPerSecond: number } } & Record<
    IndexName,
    { readUnitsPerSecond: number; writeUnitsPerSecond: number }
  >;
  provisionedConcurrency: { sendMessage: number; connect: number };
  webSocketConnectionsPerSecond: number;
  apiRequestsPerSecond: number;
  quotaRequests: { quota: QuotaName; defaultValue: number; forecast: number; request: number }[];
}

/**
 * Infrastructure sizes from the same forecast as the staffing plan: the busiest half hour's receptions
 * (all shops and stages) per second, times the peak-second factor, give receptions and messages per
 * second; units per second for the table and each index follow from the per-reception and per-message
 * costs; provisioned concurrency from Little's law; everything times the headroom and rounded up.
 */
export function sizeInfrastructure(plan: Pick<StaffingPlan, 'intervals'>, traffic: TrafficAssumptions = defaultTraffic): InfrastructureSizes {
  const byInterval = new Map<string, number>();
  for (const row of plan.intervals) byInterval.set(row.intervalStart, (byInterval.get(row.intervalStart) ?? 0) + row.receptions);
  let peakIntervalStart: string | undefined;
  let peak = 0;
  for (const [start, receptions] of byInterval) {
    if (receptions > peak || (receptions === peak && peakIntervalStart !== undefined && start < peakIntervalStart)) {
      peak = receptions;
      peakIntervalStart = start;
    }
  }
  const receptionsPerSecond = (peak / (intervalMinutes * 60)) * traffic.peakSecondFactor;
  const messagesPerSecond = receptionsPerSecond * traffic.messagesPerReception;
  const size = (value: number) => Math.ceil(round9(value * traffic.headroom));

  const warmThroughput = {
    table: {
      writeUnitsPerSecond: size(messagesPerSecond * traffic.tableWriteUnitsPerMessage + receptionsPerSecond * traffic.tableWriteUnitsPerReception),
      readUnitsPerSecond: size(messagesPerSecond * traffic.tableReadUnitsPerMessage + receptionsPerSecond * traffic.tableReadUnitsPerReception),
    },
    gsi1: {
      writeUnitsPerSecond: size(receptionsPerSecond * traffic.indexWriteUnitsPerReception.gsi1),
      readUnitsPerSecond: size(receptionsPerSecond * traffic.indexReadUnitsPerReception.gsi1),
    },
    gsi2: {
      writeUnitsPerSecond: size(receptionsPerSecond * traffic.indexWriteUnitsPerReception.gsi2),
      readUnitsPerSecond: size(receptionsPerSecond * traffic.indexReadUnitsPerReception.gsi2),
    },
  };
  const connectsPerSecond = receptionsPerSecond * traffic.connectsPerReception;
  const provisionedConcurrency = {
    sendMessage: size(messagesPerSecond * traffic.sendMessageSeconds),
    connect: size(connectsPerSecond * traffic.connectSeconds),
  };
  const webSocketConnectionsPerSecond = size(connectsPerSecond);
  const apiRequestsPerSecond = size(messagesPerSecond + connectsPerSecond);
  const lambdaConcurrency = provisionedConcurrency.sendMessage + provisionedConcurrency.connect;

  const forecasts: Record<QuotaName, number> = {
    lambdaConcurrentExecutions: lambdaConcurrency,
    webSocketNewConnectionsPerSecond: webSocketConnectionsPerSecond,
    apiGatewayRequestsPerSecond: apiRequestsPerSecond,
    dynamoDbTableWriteUnitsPerSecond: warmThroughput.table.writeUnitsPerSecond,
    dynamoDbTableReadUnitsPerSecond: warmThroughput.table.readUnitsPerSecond,
  };
  const quotaRequests = (Object.keys(defaultQuotas) as QuotaName[])
    .filter((quota) => forecasts[quota] > 0.8 * defaultQuotas[quota])
    // Ask for twice the forecast: quota increases take days to weeks, and a second request mid-promo is too late.
    .map((quota) => ({ quota, defaultValue: defaultQuotas[quota], forecast: forecasts[quota], request: 2 * forecasts[quota] }));

  return {
    peakIntervalStart,
    peakReceptionsPerSecond: round9(receptionsPerSecond),
    peakMessagesPerSecond: round9(messagesPerSecond),
    warmThroughput,
    provisionedConcurrency,
    webSocketConnectionsPerSecond,
    apiRequestsPerSecond,
    quotaRequests,
  };
}

/** Floating-point noise off (9.666…67 × 3 = 29.000000000000004 must size as 29, not 30). */
function round9(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
