import type { LocalLog } from './log';

/** A started engine: how to stop it on purpose, how to end it abruptly, and a promise of how it died. */
export interface RunningEngine {
  /** Resolves with how the engine died ("killed by SIGKILL"); never resolves for a stop asked for. */
  died: Promise<string>;
  stop(): Promise<void>;
  /** Ends the engine as a crash would, for fault drills: the supervisor sees a death, not a stop. */
  crash(): Promise<void>;
  /** The OS process, when the engine has its own (DynamoDB Local's Java). */
  pid?: number;
}

export type EngineState = 'running' | 'restarting' | 'stopped' | 'given-up';

export interface EngineStatus {
  state: EngineState;
  /** Times the engine died and was started again. */
  restarts: number;
  lastExit?: string;
  pid?: number;
}

export interface RestartPolicy {
  /** Wait before the first restart; doubled for each further death or failed start in a row. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Deaths and failed starts in a row before giving up (the developer has to look). */
  maxInARow: number;
  /** An engine that ran this long since its last start is healthy again: the count in a row restarts at 0. */
  stableAfterMs: number;
}

export const defaultRestartPolicy: RestartPolicy = { firstDelayMs: 500, maxDelayMs: 30_000, maxInARow: 10, stableAfterMs: 60_000 };

export interface SupervisedEngine {
  status(): EngineStatus;
  /** The engine running now (it changes with each restart). */
  current(): RunningEngine | undefined;
  /** Stops supervising and stops the engine, waiting for a restart in progress. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Keeps an engine running for a developer who leaves `npm start` up for days: when it dies it is started
 * again after a bounded, growing delay (0.5 s, 1 s, 2 s … at most 30 s), with a log line for the death and
 * for the restart; after ten deaths or failed starts in a row (none running a minute) it gives up and says
 * so. `afterRestart` recreates what an in-memory engine lost (table, queues).
 */
export function superviseEngine(
  first: RunningEngine,
  options: { name: string; start: () => Promise<RunningEngine>; afterRestart?: () => Promise<void>; log: LocalLog; policy?: Partial<RestartPolicy> },
): SupervisedEngine {
  const policy = { ...defaultRestartPolicy, ...options.policy };
  const { name, log } = options;
  let engine: RunningEngine | undefined = first;
  let state: EngineState = 'running';
  let restarts = 0;
  let inARow = 0;
  let startedAt = Date.now();
  let lastExit: string | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  let restarting: Promise<void> | undefined;

  const watch = (running: RunningEngine) => {
    void running.died.then((how) => {
      if (stopped || running !== engine) return;
      engine = undefined;
      lastExit = how;
      if (Date.now() - startedAt >= policy.stableAfterMs) inARow = 0;
      restarting = restartLoop();
    });
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function restartLoop(): Promise<void> {
    state = 'restarting';
    let first = true;
    while (!stopped) {
      inARow += 1;
      if (inARow > policy.maxInARow) {
        state = 'given-up';
        log.error(`${name} ${lastExit ?? 'died'} ${policy.maxInARow} times in a row without running ${policy.stableAfterMs / 1000} s; not restarting it again (restart npm start)`);
        return;
      }
      const delayMs = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (inARow - 1));
      log.warn(`${name} ${first ? lastExit : 'did not start'}; restarting in ${delayMs} ms (attempt ${inARow} of ${policy.maxInARow})`);
      first = false;
      await pause(delayMs);
      if (stopped) return;
      const began = Date.now();
      let next: RunningEngine;
      try {
        next = await options.start();
      } catch (error) {
        lastExit = `did not start: ${(error as Error).message}`;
        continue;
      }
      if (stopped) return void (await next.stop());
      try {
        await options.afterRestart?.();
      } catch (error) {
        // Table or queues could not be recreated: this engine is no use; stop it and try again.
        log.warn(`${name} restarted but could not be prepared`, error);
        await next.stop();
        continue;
      }
      engine = next;
      startedAt = Date.now();
      restarts += 1;
      state = 'running';
      log.info(`${name} restarted${next.pid ? ` (pid ${next.pid})` : ''} in ${Date.now() - began} ms, after it ${lastExit}`);
      watch(next);
      return;
    }
  }

  watch(first);
  return {
    status: () => ({ state, restarts, ...(lastExit ? { lastExit } : {}), ...(engine?.pid ? { pid: engine.pid } : {}) }),
    current: () => engine,
    async stop() {
      if (stopped) return;
      stopped = true;
      wake?.();
      await restarting;
      const running = engine;
      engine = undefined;
      state = 'stopped';
      await running?.stop();
    },
  };
}
