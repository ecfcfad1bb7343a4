import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { superviseEngine, type RunningEngine } from '../../../infra/local/engine-supervisor';

/** An engine the test kills by hand. */
function fakeEngine(pid?: number) {
  let die!: (how: string) => void;
  const died = new Promise<string>((resolve) => (die = resolve));
  const engine: RunningEngine & { stopped: boolean } = {
    died,
    pid,
    stopped: false,
    stop: vi.fn(async () => {
      engine.stopped = true;
    }),
    crash: vi.fn(async () => die('crashed')),
  };
  return { engine, die };
}

function fakeLog() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

const delaysLogged = (log: ReturnType<typeof fakeLog>) =>
  log.warn.mock.calls.map(([message]) => Number(/restarting in (\d+) ms/.exec(String(message))?.[1])).filter(Number.isFinite);

describe('superviseEngine: an engine that died is started again with bounded backoff', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('restarts it after 0.5 s, with a log line for the death and one for the restart', async () => {
    const first = fakeEngine(100);
    const second = fakeEngine(200);
    const start = vi.fn(async () => second.engine);
    const afterRestart = vi.fn(async () => undefined);
    const log = fakeLog();
    const supervised = superviseEngine(first.engine, { name: 'DynamoDB Local', start, afterRestart, log });
    expect(supervised.status()).toEqual({ state: 'running', restarts: 0, pid: 100 });

    first.die('was killed by SIGKILL');
    await vi.advanceTimersByTimeAsync(499);
    expect(supervised.status()).toEqual({ state: 'restarting', restarts: 0, lastExit: 'was killed by SIGKILL' });
    expect(start).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledWith('DynamoDB Local was killed by SIGKILL; restarting in 500 ms (attempt 1 of 10)');

    await vi.advanceTimersByTimeAsync(1);
    expect(start).toHaveBeenCalledTimes(1);
    expect(afterRestart).toHaveBeenCalledTimes(1);
    expect(supervised.status()).toEqual({ state: 'running', restarts: 1, lastExit: 'was killed by SIGKILL', pid: 200 });
    expect(supervised.current()).toBe(second.engine);
    expect(log.info).toHaveBeenCalledWith(expect.stringMatching(/^DynamoDB Local restarted \(pid 200\) in \d+ ms, after it was killed by SIGKILL$/));
  });

  it('doubles the wait for each failed start in a row, caps it at 30 s, and gives up after ten', async () => {
    const first = fakeEngine();
    const start = vi.fn(async (): Promise<RunningEngine> => {
      throw new Error('port taken');
    });
    const log = fakeLog();
    const supervised = superviseEngine(first.engine, { name: 'DynamoDB Local', start, log });
    first.die('exited with code 1');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(delaysLogged(log)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
    expect(start).toHaveBeenCalledTimes(10);
    expect(supervised.status().state).toBe('given-up');
    expect(log.error).toHaveBeenCalledWith(expect.stringContaining('not restarting it again'));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(start).toHaveBeenCalledTimes(10);
  });

  it('counts a death soon after a restart as one more in a row, but starts from 0.5 s again after a minute of running', async () => {
    const engines = [fakeEngine(), fakeEngine(), fakeEngine(), fakeEngine()];
    let next = 1;
    const log = fakeLog();
    superviseEngine(engines[0]!.engine, { name: 'e', start: async () => engines[next++]!.engine, log });

    engines[0]!.die('died');
    await vi.advanceTimersByTimeAsync(500);
    engines[1]!.die('died'); // right after its restart: a crash loop
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(61_000); // engine 2 runs for a minute
    engines[2]!.die('died');
    await vi.advanceTimersByTimeAsync(500);
    expect(delaysLogged(log)).toEqual([500, 1000, 500]);
  });

  it('a stop during the wait starts nothing; a stop while running stops the current engine once', async () => {
    const first = fakeEngine();
    const start = vi.fn(async () => fakeEngine().engine);
    const supervised = superviseEngine(first.engine, { name: 'e', start, log: fakeLog() });
    first.die('died');
    await vi.advanceTimersByTimeAsync(100);
    await supervised.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(start).not.toHaveBeenCalled();
    expect(supervised.status().state).toBe('stopped');

    const other = fakeEngine();
    const running = superviseEngine(other.engine, { name: 'e', start, log: fakeLog() });
    await running.stop();
    await running.stop();
    expect(other.engine.stop).toHaveBeenCalledTimes(1);
    // Its exit after the stop is not a death.
    other.die('exited with code 143');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(start).not.toHaveBeenCalled();
  });

  it('stops a restarted engine whose table or queues could not be recreated, and tries again', async () => {
    const first = fakeEngine();
    const unusable = fakeEngine();
    const good = fakeEngine();
    const start = vi.fn().mockResolvedValueOnce(unusable.engine).mockResolvedValueOnce(good.engine);
    const afterRestart = vi.fn().mockRejectedValueOnce(new Error('CreateTable failed')).mockResolvedValueOnce(undefined);
    const supervised = superviseEngine(first.engine, { name: 'e', start, afterRestart, log: fakeLog() });
    first.die('died');
    await vi.advanceTimersByTimeAsync(500 + 1000);
    expect(unusable.engine.stopped).toBe(true);
    expect(supervised.current()).toBe(good.engine);
    expect(supervised.status()).toMatchObject({ state: 'running', restarts: 1 });
  });
});
