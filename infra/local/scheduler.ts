import { scheduledInvocationInput } from '../../shared/schedule-input';
import type { FunctionSpec, ScheduleSpec } from '../../shared/manifest';
import type { LocalLog } from './log';
import { nextFireTime, parseScheduleExpression, type ScheduleExpression } from './schedule-expression';

export interface SchedulerOptions {
  schedules: readonly ScheduleSpec[];
  invoke: (spec: FunctionSpec, event: unknown) => Promise<unknown>;
  log: LocalLog;
}

export interface ScheduleStatus {
  expression: string;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastOutcome: 'ok' | 'failed' | null;
  runs: number;
}

export interface LocalScheduler {
  status(): { status: 'ok' | 'stopped'; schedules: Record<string, ScheduleStatus> };
  /**
   * Fires the named schedule once now, with `scheduledTime` as its planned time (Scheduler's input, as
   * a normal run gets), and resolves with the handler's result: the demo and tests run "a later minute"
   * (the deadline sweep two days on) without waiting for it. Its regular runs are not replanned.
   */
  run(name: string, scheduledTime: Date): Promise<unknown>;
  /** Cancels future runs and waits (up to 5 s) for runs in progress. */
  stop(): Promise<void>;
}

/** setTimeout's ceiling (~24.8 days); longer waits are taken in steps. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * EventBridge Scheduler on the local clock: each manifest schedule invokes its handler with the spec's
 * `input` plus `scheduledTime` (the planned time, as Scheduler's <aws.scheduler.scheduled-time>). An
 * invalid expression fails startup, naming the schedule. Runs missed while the stack was down are not
 * caught up, and a failed run is logged, not retried (Scheduler would retry, then use its DLQ).
 */
export function startScheduler(options: SchedulerOptions): LocalScheduler {
  const { log } = options;
  const startedAt = new Date();
  const running = new Set<Promise<void>>();
  let stopped = false;

  const entries = options.schedules.map((spec) => {
    let expression: ScheduleExpression;
    try {
      expression = parseScheduleExpression(spec.expression);
    } catch (error) {
      throw new Error(`schedule ${spec.name}: ${(error as Error).message}`);
    }
    const state: ScheduleStatus = { expression: spec.expression, nextRunAt: null, lastRunAt: null, lastOutcome: null, runs: 0 };
    return { spec, expression, state, timer: undefined as NodeJS.Timeout | undefined };
  });

  type Entry = (typeof entries)[number];

  function plan(entry: Entry, after: Date): void {
    if (stopped) return;
    const next = nextFireTime(entry.expression, after, startedAt);
    entry.state.nextRunAt = next?.toISOString() ?? null;
    if (!next) return;
    const arm = () => {
      const wait = next.getTime() - Date.now();
      if (wait > maxTimerMs) {
        entry.timer = setTimeout(arm, maxTimerMs);
        return;
      }
      entry.timer = setTimeout(() => fire(entry, next), Math.max(0, wait));
    };
    arm();
  }

  function fire(entry: Entry, scheduledTime: Date): void {
    if (stopped) return;
    plan(entry, scheduledTime);
    entry.state.lastRunAt = new Date().toISOString();
    entry.state.runs += 1;
    const run = options
      .invoke(entry.spec, scheduledInvocationInput(entry.spec, scheduledTime.toISOString()))
      .then(
        () => {
          entry.state.lastOutcome = 'ok';
        },
        (error: unknown) => {
          entry.state.lastOutcome = 'failed';
          log.warn(`schedule ${entry.spec.name} failed at ${scheduledTime.toISOString()}`, error);
        },
      )
      .finally(() => running.delete(run));
    running.add(run);
  }

  for (const entry of entries) {
    plan(entry, startedAt);
    if (entry.expression.kind === 'at' && !entry.state.nextRunAt) log.info(`schedule ${entry.spec.name}: ${entry.spec.expression} is in the past, never runs`);
    else log.info(`schedule ${entry.spec.name}: ${entry.spec.expression}, next at ${entry.state.nextRunAt}`);
  }

  return {
    status: () => ({
      status: stopped ? 'stopped' : 'ok',
      schedules: Object.fromEntries(entries.map((entry) => [entry.spec.name, { ...entry.state }])),
    }),
    run(name, scheduledTime) {
      const entry = entries.find((candidate) => candidate.spec.name === name);
      if (!entry) return Promise.reject(new Error(`no schedule ${name}`));
      entry.state.lastRunAt = new Date().toISOString();
      entry.state.runs += 1;
      const run = options.invoke(entry.spec, scheduledInvocationInput(entry.spec, scheduledTime.toISOString()));
      const tracked = run.then(
        () => void (entry.state.lastOutcome = 'ok'),
        () => void (entry.state.lastOutcome = 'failed'),
      );
      running.add(tracked);
      void tracked.finally(() => running.delete(tracked));
      return run;
    },
    async stop() {
      stopped = true;
      for (const entry of entries) clearTimeout(entry.timer);
      const timeout = new Promise((r) => setTimeout(r, 5000).unref());
      await Promise.race([Promise.allSettled([...running]), timeout]);
    },
  };
}
