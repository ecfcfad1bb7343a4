import { describe, expect, it } from 'vitest';
import type { MeterSnapshot } from '../../bench/meters';
import { partialResult } from '../../bench/partial-result';

const dynamoStats = (calls: number, billedReadUnits: number, billedWriteUnits: number) => ({
  calls,
  errors: 0,
  conditionFailures: 0,
  transactionCancels: 0,
  withoutCapacity: 0,
  reportedReadUnits: billedReadUnits,
  reportedWriteUnits: billedWriteUnits,
  reportedIndexWriteUnits: 0,
  billedReadUnits,
  billedWriteUnits,
  estimatedReadUnits: 0,
  estimatedWriteUnits: 0,
});

const snapshot = (startedAt: number, endedAt: number, durationsMs: number[]): MeterSnapshot => ({
  startedAt,
  endedAt,
  dynamo: { WsSendMessage: { PutItem: dynamoStats(3, 0, 3), GetItem: dynamoStats(2, 1, 0) } },
  sqs: { WsSendMessage: { 'SendMessage delivery': { requests: 3, billedRequests: 3, messages: 3, emptyReceives: 0, errors: 1 } } },
  posts: { DeliverMessages: { posts: 4, gone: 1, errors: 0, billedMessages: 4, bytes: 400 } },
  invocations: { WsSendMessage: { invocations: durationsMs.length, errors: 0, records: 0, memoryMb: 256, totalMs: 0, billedMs: 0, durationsMs } },
});

describe('partialResult: a benchmark that runs out of time writes what it measured, with the reason', () => {
  it('marks the result not completed, keeps each finished phase and the one in progress as totals without raw samples', () => {
    const result = partialResult({
      scenario: 'double11',
      description: 'burst',
      reason: 'no result within 150 s (in phase measure); worker stopped',
      phases: { connect: snapshot(0, 2000, [5, 7]), routing: snapshot(2000, 12_000, [9]) },
      inProgress: { phase: 'measure', snapshot: snapshot(12_000, 150_000, [10, 20, 30, 40]) },
      ceilings: { dynamoWritesPerSecond: 900, wsEchoRoundTripsPerSecond: 5000, dynamoSamples: [900], wsEchoSamples: [5000], measuredAt: 'x' },
      loadAverage: [3.14159, 7.5],
      elapsedSeconds: 151.234,
    });
    expect(result).toMatchObject({ scenario: 'double11', completed: false, reason: 'no result within 150 s (in phase measure); worker stopped', elapsedSeconds: 151.2 });
    expect(result.phasesCompleted).toEqual(['connect', 'routing']);
    expect(result.loadAverage).toEqual([3.14, 7.5]);
    expect(result.inProgress).toEqual({
      phase: 'measure',
      seconds: 138,
      invocations: { WsSendMessage: { invocations: 4, errors: 0, records: 0, durationMs: { count: 4, p50: 20, p95: 40, p99: 40, max: 40, mean: 25 } } },
      dynamo: { WsSendMessage: { calls: 5, errors: 0, billedReadUnits: 1, billedWriteUnits: 3 } },
      sqs: { WsSendMessage: { requests: 3, messages: 3, errors: 1 } },
      posts: { DeliverMessages: { posts: 4, gone: 1, errors: 0, billedMessages: 4, bytes: 400 } },
    });
    expect((result.phases as Record<string, { seconds: number }>).routing?.seconds).toBe(10);
    // Totals only: no per-invocation duration arrays in the JSON.
    expect(JSON.stringify(result)).not.toContain('durationsMs');
  });
});
