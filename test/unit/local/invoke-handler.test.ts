import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlerRunner, HandlerTimeoutError, handlerThreadsFromEnv, type HandlerRunner } from '../../../infra/local/invoke-handler';

/**
 * How the local stack runs handlers, in its own thread (KEFU_HANDLER_THREADS=0) and in worker threads:
 * both must behave as Lambda does.
 */
const spec = (name: string, timeoutSeconds = 5) => ({ name, handler: 'test/unit/local/fixtures/logging-handler.ts', timeoutSeconds });

interface Reply {
  lines: { message: string; function_name?: string }[];
  environmentId: string;
  mostInFlight: number;
  threadId: number;
  at: unknown;
}

describe.each([
  ['in the stack\'s thread', 0],
  ['in two worker threads', 2],
])('handlers %s', (_mode, threads) => {
  const runner: HandlerRunner = createHandlerRunner({ threads });
  afterAll(() => runner.stop());
  let calls = 0;
  const marker = () => `m-${threads}-${++calls}-${Date.now()}`;

  it('logs each invocation under its own function name, however invocations of different functions interleave', async () => {
    const [slow, fast] = [marker(), marker()];
    // slow logs "before", fast logs before and after, then slow logs "after": with one shared logger the
    // last Lambda context set (fast's) used to name slow's second line.
    const [a, b] = (await Promise.all([
      runner.invoke(spec('LogSlow'), { marker: slow, waitMs: 300 }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => runner.invoke(spec('LogFast'), { marker: fast, waitMs: 10 })),
    ])) as [Reply, Reply];
    expect(a.lines.map((line) => [line.message, line.function_name])).toEqual([
      [`before ${slow}`, 'kefu-local-LogSlow'],
      [`after ${slow}`, 'kefu-local-LogSlow'],
    ]);
    expect(b.lines.map((line) => [line.message, line.function_name])).toEqual([
      [`before ${fast}`, 'kefu-local-LogFast'],
      [`after ${fast}`, 'kefu-local-LogFast'],
    ]);
  });

  it('runs one invocation at a time per execution environment, starting more environments under concurrency', async () => {
    const replies = (await Promise.all(Array.from({ length: 8 }, () => runner.invoke(spec('LogConcurrent'), { marker: marker(), waitMs: 100 })))) as Reply[];
    expect(replies.every((reply) => reply.mostInFlight === 1)).toBe(true);
    expect(new Set(replies.map((reply) => reply.environmentId)).size).toBeGreaterThan(1);
  });

  it(threads === 0 ? 'runs handlers on the calling thread' : 'runs handlers off the calling thread, spread over the threads', async () => {
    const replies = (await Promise.all(Array.from({ length: 6 }, () => runner.invoke(spec('LogWhere'), { marker: marker(), waitMs: 50 })))) as Reply[];
    const threadIds = new Set(replies.map((reply) => reply.threadId));
    if (threads === 0) expect([...threadIds]).toEqual([threadId]);
    else {
      expect(threadIds.has(threadId)).toBe(false);
      expect(threadIds.size).toBe(2);
    }
  });

  it('passes the event and the result through JSON (a Date arrives as a string)', async () => {
    const reply = (await runner.invoke(spec('LogJson'), { marker: marker(), waitMs: 0, extra: new Date(0) })) as Reply;
    expect(reply.at).toBe('1970-01-01T00:00:00.000Z');
  });

  it('reports a handler\'s error with its name and message, and the next call still works', async () => {
    const failing = marker();
    await expect(runner.invoke(spec('LogFail'), { marker: failing, waitMs: 0, fail: true })).rejects.toMatchObject({ name: 'FixtureError', message: `failed ${failing}` });
    await expect(runner.invoke(spec('LogFail'), { marker: marker(), waitMs: 0 })).resolves.toMatchObject({ mostInFlight: 1 });
  });

  it('times a handler out after its timeout as Lambda does, and later calls run in a fresh environment', async () => {
    const slow = { name: 'SlowTimeout', handler: 'test/unit/local/fixtures/slow-handler.ts', timeoutSeconds: 1 };
    await runner.load(slow);
    const started = Date.now();
    const error = await runner.invoke(slow, { waitMs: 1500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerTimeoutError);
    expect((error as Error).message).toMatch(/SlowTimeout: task timed out after 1 seconds/);
    expect(Date.now() - started).toBeLessThan(1400);
    await expect(runner.invoke(slow, { waitMs: 0 })).resolves.toEqual({ waited: 0 });
  });
});

describe('KEFU_HANDLER_THREADS', () => {
  it('takes 0 for in-process and a count of threads; anything else is refused, naming the variable', () => {
    expect(handlerThreadsFromEnv('0')).toBe(0);
    expect(handlerThreadsFromEnv('3')).toBe(3);
    expect(handlerThreadsFromEnv(undefined)).toBeGreaterThanOrEqual(1);
    for (const bad of ['-1', 'two', '1.5', '99']) expect(() => handlerThreadsFromEnv(bad)).toThrow(/KEFU_HANDLER_THREADS/);
  });
});
