import type { ScenarioResult } from './report';

/**
 * `--handler-threads 0,1,0,1`: the same scenarios on the same stack with handlers in the stack's thread
 * and in worker threads, alternated so a change in the shared machine's load hits both modes alike. Each
 * mode's figures are the medians over its runs.
 */
export interface ThreadRun {
  scenario: string;
  handlerThreads: number;
  messagesPerSecond: number;
  buyerToAgent: { p50: number; p99: number; medianOfWindowsP99: number | undefined };
  ackP99: number;
  stackThreadBusy: number;
  eventLoopDelayP99Ms: number;
  lost: number;
  gaps: number;
  dynamoWritesPerSecondCeiling: number;
}

export interface ThreadComparison {
  runs: ThreadRun[];
  /** Runs that produced no result (e.g. the load generator's 150 s watchdog), by mode. */
  failures: { scenario: string; handlerThreads: number; error: string }[];
  /** scenario → handler threads → medians over that mode's runs */
  medians: Record<string, Record<string, Omit<ThreadRun, 'scenario' | 'handlerThreads'> & { runs: number }>>;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The middle value, or the mean of the middle two: with two runs per mode, both count. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function compareHandlerThreads(
  results: (ScenarioResult & { handlerThreads: number })[],
  failures: ThreadComparison['failures'] = [],
): ThreadComparison {
  const runs: ThreadRun[] = results.map((result) => {
    const r = result as Json;
    const b2a = r.latencyMs.buyerToAgent;
    return {
      scenario: result.scenario,
      handlerThreads: result.handlerThreads,
      messagesPerSecond: r.throughput.messagesPerSecond,
      buyerToAgent: { p50: b2a.p50, p99: b2a.p99, medianOfWindowsP99: b2a.medianOfWindows?.p99 },
      ackP99: r.latencyMs.ack.p99,
      stackThreadBusy: r.threads.stack.utilization,
      eventLoopDelayP99Ms: r.threads.stack.eventLoopDelayMs.p99,
      lost: r.correctness.lost,
      gaps: r.correctness.stored.gaps,
      dynamoWritesPerSecondCeiling: Math.round(r.ceilings.dynamoWritesPerSecond),
    };
  });
  const medians: ThreadComparison['medians'] = {};
  for (const run of runs) {
    const key = String(run.handlerThreads);
    if (medians[run.scenario]?.[key]) continue;
    const same = runs.filter((other) => other.scenario === run.scenario && other.handlerThreads === run.handlerThreads);
    const m = (pick: (r: ThreadRun) => number | undefined) => {
      const values = same.map(pick).filter((v): v is number => typeof v === 'number');
      return values.length ? Math.round(median(values) * 100) / 100 : NaN;
    };
    (medians[run.scenario] ??= {})[key] = {
      runs: same.length,
      messagesPerSecond: m((r) => r.messagesPerSecond),
      buyerToAgent: { p50: m((r) => r.buyerToAgent.p50), p99: m((r) => r.buyerToAgent.p99), medianOfWindowsP99: m((r) => r.buyerToAgent.medianOfWindowsP99) },
      ackP99: m((r) => r.ackP99),
      stackThreadBusy: m((r) => r.stackThreadBusy),
      eventLoopDelayP99Ms: m((r) => r.eventLoopDelayP99Ms),
      lost: same.reduce((sum, r) => sum + r.lost, 0),
      gaps: same.reduce((sum, r) => sum + r.gaps, 0),
      dynamoWritesPerSecondCeiling: m((r) => r.dynamoWritesPerSecondCeiling),
    };
  }
  return { runs, failures, medians };
}

export function formatHandlerThreadComparison(comparison: ThreadComparison): string {
  const lines = [
    'Handlers in the stack\'s thread (0) vs worker threads, same stack and engines, runs alternated; medians over runs:',
    '',
    '| scenario | handler threads | runs | msgs/s | buyer→agent p50 / p99 ms (median of windows p99) | ack p99 ms | stack thread busy / loop delay p99 | lost / gaps | DynamoDB Local PutItem/s |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [scenario, modes] of Object.entries(comparison.medians)) {
    for (const [threads, m] of Object.entries(modes)) {
      lines.push(
        `| ${scenario} | ${threads} | ${m.runs} | ${m.messagesPerSecond} | ${m.buyerToAgent.p50} / ${m.buyerToAgent.p99} (${m.buyerToAgent.medianOfWindowsP99}) | ${m.ackP99} | ` +
          `${Math.round(m.stackThreadBusy * 100)} % / ${m.eventLoopDelayP99Ms} ms | ${m.lost} / ${m.gaps} | ${m.dynamoWritesPerSecondCeiling} |`,
      );
    }
  }
  lines.push('', 'Each run: ' + comparison.runs.map((r) => `${r.scenario}@${r.handlerThreads}: p99 ${r.buyerToAgent.p99} ms`).join(', '));
  for (const failure of comparison.failures) lines.push(`Failed: ${failure.scenario}@${failure.handlerThreads}: ${failure.error}`);
  return lines.join('\n');
}
