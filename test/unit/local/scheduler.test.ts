import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FunctionSpec, ScheduleSpec } from '../../../shared/manifest';
import { startScheduler } from '../../../infra/local/scheduler';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const spec = (expression: string, input?: Record<string, unknown>): ScheduleSpec => ({
  name: 'CloseIdle',
  handler: 'functions/schedule/close-idle.ts',
  access: [],
  expression,
  input,
});

describe('local scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-11-11T07:59:30Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('invokes the handler with the input plus the planned scheduledTime, on every fire', async () => {
    const calls: unknown[] = [];
    const scheduler = startScheduler({
      schedules: [spec('cron(0/30 8 * * ? *)', { schedule: 'close-idle', batch: 50 })],
      invoke: async (_spec: FunctionSpec, event: unknown) => void calls.push(event),
      log: quiet,
    });
    expect(scheduler.status().schedules.CloseIdle?.nextRunAt).toBe('2025-11-11T08:00:00.000Z');
    await vi.advanceTimersByTimeAsync(30_000);
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(calls).toEqual([
      { schedule: 'close-idle', batch: 50, scheduledTime: '2025-11-11T08:00:00.000Z' },
      { schedule: 'close-idle', batch: 50, scheduledTime: '2025-11-11T08:30:00.000Z' },
    ]);
    expect(scheduler.status().schedules.CloseIdle).toMatchObject({ runs: 2, lastOutcome: 'ok', nextRunAt: '2025-11-12T08:00:00.000Z' });
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(calls).toHaveLength(2);
  });

  it('records a failed run and keeps the schedule going; at() fires once', async () => {
    let attempts = 0;
    const scheduler = startScheduler({
      schedules: [spec('at(2025-11-11T08:00:00)')],
      invoke: async () => {
        attempts += 1;
        throw new Error('boom');
      },
      log: quiet,
    });
    await vi.advanceTimersByTimeAsync(3 * 86_400_000);
    expect(attempts).toBe(1);
    expect(scheduler.status().schedules.CloseIdle).toMatchObject({ runs: 1, lastOutcome: 'failed', nextRunAt: null });
    await scheduler.stop();
  });

  it('refuses to start with an invalid expression, naming the schedule', () => {
    expect(() => startScheduler({ schedules: [spec('rate(1 minutes)')], invoke: async () => undefined, log: quiet })).toThrow(/CloseIdle/);
  });

  it('fires a schedule once on request with the planned time given, answers with the handler result, and keeps its regular plan', async () => {
    const calls: unknown[] = [];
    const scheduler = startScheduler({
      schedules: [spec('cron(0/30 8 * * ? *)', { schedule: 'close-idle' })],
      invoke: async (_spec: FunctionSpec, event: unknown) => (calls.push(event), { swept: 3 }),
      log: quiet,
    });
    await expect(scheduler.run('CloseIdle', new Date('2025-11-13T10:01:00Z'))).resolves.toEqual({ swept: 3 });
    expect(calls).toEqual([{ schedule: 'close-idle', scheduledTime: '2025-11-13T10:01:00.000Z' }]);
    expect(scheduler.status().schedules.CloseIdle).toMatchObject({ runs: 1, lastOutcome: 'ok', nextRunAt: '2025-11-11T08:00:00.000Z' });
    await expect(scheduler.run('NoSuchSchedule', new Date())).rejects.toThrow('no schedule NoSuchSchedule');
    await scheduler.stop();
  });
});
