import type { MeterSnapshot } from './meters';
import type { Ceilings, ScenarioResult } from './report';
import { distribution, round } from './stats';

/**
 * What a scenario stopped before its end had measured: each phase it finished and the one it was in,
 * as per-function totals (no raw samples), with `completed: false` and the reason. A run that runs out of
 * time on a busy machine still leaves evidence of how far it got and what that cost.
 */
export function partialResult(input: {
  scenario: string;
  description: string;
  reason: string;
  /** Snapshots of the phases that ended, by name (connect, routing, measure, disconnect, step-1 …). */
  phases: Record<string, MeterSnapshot>;
  /** The phase running when the scenario was stopped, and what the meters had counted in it. */
  inProgress?: { phase: string; snapshot: MeterSnapshot };
  ceilings: Ceilings;
  loadAverage: number[];
  elapsedSeconds: number;
}): ScenarioResult {
  return {
    scenario: input.scenario,
    description: input.description,
    measuredAt: new Date().toISOString(),
    completed: false,
    reason: input.reason,
    elapsedSeconds: round(input.elapsedSeconds),
    phasesCompleted: Object.keys(input.phases),
    phases: Object.fromEntries(Object.entries(input.phases).map(([name, snapshot]) => [name, summarize(snapshot)])),
    ...(input.inProgress ? { inProgress: { phase: input.inProgress.phase, ...summarize(input.inProgress.snapshot) } } : {}),
    ceilings: input.ceilings,
    loadAverage: input.loadAverage.map((value) => round(value, 2)),
  };
}

/** Per-function totals of one phase: invocations with their durations, DynamoDB units, SQS requests, @connections posts. */
export function summarize(snapshot: MeterSnapshot) {
  const sum = <T>(records: Record<string, T>, pick: (value: T) => number) => Object.values(records).reduce((total, value) => total + pick(value), 0);
  return {
    seconds: round((snapshot.endedAt - snapshot.startedAt) / 1000),
    invocations: Object.fromEntries(
      Object.entries(snapshot.invocations).map(([fn, stats]) => [
        fn,
        { invocations: stats.invocations, errors: stats.errors, records: stats.records, durationMs: distribution(stats.durationsMs) },
      ]),
    ),
    dynamo: Object.fromEntries(
      Object.entries(snapshot.dynamo).map(([fn, operations]) => [
        fn,
        {
          calls: sum(operations, (s) => s.calls),
          errors: sum(operations, (s) => s.errors),
          billedReadUnits: round(sum(operations, (s) => s.billedReadUnits), 2),
          billedWriteUnits: round(sum(operations, (s) => s.billedWriteUnits), 2),
        },
      ]),
    ),
    sqs: Object.fromEntries(
      Object.entries(snapshot.sqs).map(([fn, calls]) => [
        fn,
        { requests: sum(calls, (s) => s.requests), messages: sum(calls, (s) => s.messages), errors: sum(calls, (s) => s.errors) },
      ]),
    ),
    posts: snapshot.posts,
  };
}
