import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../../shared/manifest';
import { createLambdaContext, defaultTimeoutSeconds } from './lambda-context';

type Handler = (event: unknown, context: Context) => Promise<unknown> | unknown;
export type InvokedSpec = Pick<FunctionSpec, 'name' | 'handler' | 'timeoutSeconds' | 'memoryMb'>;

/** The repository root: manifest handler paths are relative to it. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Execution environments per function (over all handler threads); more concurrent calls wait for one to be free. */
export const maxEnvironmentsPerFunction = 32;
let environmentCap = maxEnvironmentsPerFunction;

/** Thrown when a handler runs past its timeout, as Lambda reports `Task timed out`. */
export class HandlerTimeoutError extends Error {
  constructor(functionName: string, seconds: number) {
    super(`${functionName}: task timed out after ${seconds} seconds`);
    this.name = 'HandlerTimeoutError';
  }
}

interface Environment {
  handler: Handler;
  busy: boolean;
}

interface FunctionPool {
  href: string;
  environments: Environment[];
  /** Environments being cold-started, counted against the cap before they exist. */
  starting: number;
  created: number;
  waiting: (() => void)[];
}

/**
 * Lambda runs one invocation at a time per execution environment, and handler modules rely on it:
 * Powertools' BatchProcessor, for one, keeps the current batch in a module-level object. So each function
 * gets a pool of environments, each its own instance of the handler module (imported under a distinct
 * URL, which gives a fresh module record; its imports are shared, like code outside the handler that
 * holds clients). A call takes a free environment or cold-starts a new one, as Lambda scales out.
 */
const pools = new Map<string, FunctionPool>();

function poolOf(spec: Pick<FunctionSpec, 'handler'>, root: string): FunctionPool {
  const path = resolve(root, spec.handler);
  let pool = pools.get(path);
  if (!pool) {
    pool = { href: pathToFileURL(path).href, environments: [], starting: 0, created: 0, waiting: [] };
    pools.set(path, pool);
  }
  return pool;
}

async function importHandler(spec: Pick<FunctionSpec, 'name' | 'handler'>, href: string): Promise<Handler> {
  // Module init runs in a context of its own: Powertools' BatchProcessor writes its per-invocation state
  // into the InvokeStore from its constructor, which fails outside any context. What init writes there is
  // dropped, as intended: shared state (log level, default dimensions) is kept outside the store.
  const store = await concurrentInvokeStore();
  const module = (await store.run({}, () => import(href))) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${spec.name}: ${spec.handler} does not export a handler function`);
  return module.handler as Handler;
}

async function acquire(spec: Pick<FunctionSpec, 'name' | 'handler'>, pool: FunctionPool): Promise<Environment> {
  for (;;) {
    const free = pool.environments.find((environment) => !environment.busy);
    if (free) {
      free.busy = true;
      return free;
    }
    if (pool.environments.length + pool.starting < environmentCap) {
      const instance = pool.created++;
      pool.starting += 1;
      try {
        // A failed import is not kept, so fixing the file and calling again works without a restart.
        const handler = await importHandler(spec, instance === 0 ? pool.href : `${pool.href}?environment=${instance}`);
        const environment: Environment = { handler, busy: true };
        pool.environments.push(environment);
        return environment;
      } finally {
        pool.starting -= 1;
      }
    }
    await new Promise<void>((wake) => pool.waiting.push(wake));
  }
}

/** Frees an environment, or drops one whose handler timed out (Lambda discards it), and wakes a waiter. */
function release(pool: FunctionPool, environment: Environment, discard: boolean): void {
  if (discard) pool.environments = pool.environments.filter((candidate) => candidate !== environment);
  else environment.busy = false;
  pool.waiting.shift()?.();
}

/**
 * An optional wrapper around every handler call, for the benchmark (bench/meters.ts): it counts and times
 * invocations and attributes the SDK calls made inside them. It must call `call` once and return its
 * result. Unset (the default), handlers run exactly as before.
 */
export type InvocationObserver = (
  spec: Pick<FunctionSpec, 'name' | 'memoryMb'>,
  event: unknown,
  call: () => Promise<unknown>,
) => Promise<unknown>;

/**
 * The same instrumentation for handlers running in worker threads: each worker imports `module` and calls
 * its `installInWorker()`, which installs the observer there (with observeInvocations) and returns
 * `drain()`; what `drain()` returns after each invocation travels back with its result to `onUsage`.
 */
export interface WorkerInstrumentation {
  module: string;
  onUsage: (usage: unknown) => void;
}

let invocationObserver: InvocationObserver | undefined;
let workerInstrumentation: WorkerInstrumentation | undefined;
const liveThreadRunners = new Set<ThreadRunner>();

export function observeInvocations(observer: InvocationObserver | undefined, inWorkers?: WorkerInstrumentation): void {
  invocationObserver = observer;
  workerInstrumentation = observer ? inWorkers : undefined;
  for (const runner of liveThreadRunners) runner.instrument(workerInstrumentation);
}

/**
 * Lambda's runtime for environments that take several invocations at once gives each its own async
 * context (the InvokeStore), and Powertools keeps per-invocation state there (the Lambda context behind
 * `function_name`, appended keys, the log level) when AWS_LAMBDA_MAX_CONCURRENCY is set. Handlers of every
 * function share this process's one logger, so without it a log line took the name of whichever function
 * had called `addContext` last.
 */
let invokeStore: Promise<Awaited<ReturnType<typeof InvokeStore.getInstanceAsync>>> | undefined;
function concurrentInvokeStore() {
  invokeStore ??= InvokeStore.getInstanceAsync(true).then((store) => {
    process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= String(environmentCap);
    return store;
  });
  return invokeStore;
}

/**
 * Imports the handler module of a manifest entry once (a warm environment), so a missing file or a
 * module without a `handler` export is reported at startup, naming the entry.
 */
export async function loadHandler(spec: Pick<FunctionSpec, 'name' | 'handler'>, root = repoRoot): Promise<void> {
  await concurrentInvokeStore();
  const pool = poolOf(spec, root);
  if (pool.environments.length > 0) return;
  release(pool, await acquire(spec, pool), false);
}

/**
 * Invokes a handler the way Lambda does, in this thread: in an environment of its own, the event and the
 * result crossing a JSON boundary (so a Date in a result arrives as a string), a fresh context per call,
 * and the spec's timeout enforced. A timed-out handler keeps running (Lambda would freeze it); its
 * environment is dropped and its late result ignored.
 */
export async function invokeHandler(spec: InvokedSpec, event: unknown, options: { requestId?: string; root?: string } = {}): Promise<unknown> {
  const payload = JSON.parse(JSON.stringify(event)) as unknown;
  const result = await invokeParsed(spec, payload, options.requestId ?? randomUUID(), options.root ?? repoRoot);
  return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
}

/**
 * invokeHandler without the JSON copies: `payload` is already a fresh parse, the result is serialised by
 * the caller. `onStart` runs once an environment is ready: the timeout counts from there, as Lambda's
 * excludes the cold start's init.
 */
async function invokeParsed(spec: InvokedSpec, payload: unknown, requestId: string, root: string, onStart?: () => void): Promise<unknown> {
  const store = await concurrentInvokeStore();
  const pool = poolOf(spec, root);
  const environment = await acquire(spec, pool);
  onStart?.();
  const context = createLambdaContext(spec, requestId);
  const seconds = spec.timeoutSeconds ?? defaultTimeoutSeconds;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HandlerTimeoutError(context.functionName, seconds)), seconds * 1000);
  });
  let timedOut = false;
  try {
    const call = () =>
      store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, () => Promise.resolve().then(() => environment.handler(payload, context)));
    return await Promise.race([invocationObserver ? invocationObserver(spec, payload, call) : call(), timeout]);
  } catch (error) {
    timedOut = error instanceof HandlerTimeoutError;
    throw error;
  } finally {
    clearTimeout(timer);
    release(pool, environment, timedOut);
  }
}

/** How the local stack runs handlers: in its own thread, or in worker threads beside it. */
export interface HandlerRunner {
  /** 0: in this thread (in-process); otherwise the number of handler threads. */
  readonly threads: number;
  invoke(spec: InvokedSpec, event: unknown, requestId?: string): Promise<unknown>;
  load(spec: Pick<FunctionSpec, 'name' | 'handler'>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * KEFU_HANDLER_THREADS: 0 runs handlers in the stack's own thread (one event loop for the gateways, the
 * SQS server and every handler); n > 0 runs them in n worker threads. The default leaves one core to the
 * stack's thread and gives handlers the rest (at least one, at most four).
 */
export function handlerThreadsFromEnv(raw = process.env.KEFU_HANDLER_THREADS): number {
  if (raw === undefined || raw.trim() === '') return Math.min(4, Math.max(1, availableParallelism() - 1));
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 64) throw new Error(`KEFU_HANDLER_THREADS=${raw} must be a whole number from 0 to 64`);
  return value;
}

export function createHandlerRunner(options: { threads: number; root?: string }): HandlerRunner {
  const root = options.root ?? repoRoot;
  if (options.threads <= 0) {
    return {
      threads: 0,
      invoke: (spec, event, requestId) => invokeHandler(spec, event, { requestId, root }),
      load: (spec) => loadHandler(spec, root),
      stop: async () => undefined,
    };
  }
  return new ThreadRunner(options.threads, root);
}

/** Messages between the stack's thread and a handler thread (infra/local/handler-worker.ts). */
export type ToHandlerThread =
  | { kind: 'invoke'; id: number; spec: InvokedSpec; event: string; requestId: string }
  | { kind: 'load'; id: number; spec: Pick<FunctionSpec, 'name' | 'handler'> }
  | { kind: 'instrument'; module: string | undefined };
export type FromHandlerThread =
  | { kind: 'started'; id: number; usage?: undefined }
  | { kind: 'done'; id: number; result?: string; error?: { name: string; message: string; stack?: string }; usage?: unknown };
export interface HandlerThreadData {
  root: string;
  environmentCap: number;
}

interface Pending {
  started(): void;
  resolve(result: string | undefined): void;
  reject(error: Error): void;
}

interface HandlerThread {
  worker: Worker;
  inFlight: number;
  pending: Map<number, Pending>;
}

/**
 * Handlers in worker threads, as Lambda gives each invocation its own CPU: the gateways, pollers and the
 * SQS server keep the stack's thread. Each thread holds its own environments (the same pool as above,
 * the per-function cap split between threads) and a call goes to the thread with the fewest calls in
 * flight. The event and the result cross as JSON text; the timeout is enforced here too, so a handler
 * that blocks its thread still times out on time (its thread drops the environment when it ends).
 */
class ThreadRunner implements HandlerRunner {
  private readonly pool: HandlerThread[] = [];
  private nextId = 0;
  private stopped = false;

  constructor(
    readonly threads: number,
    private readonly root: string,
  ) {
    liveThreadRunners.add(this);
  }

  /** Threads start at the first call: the stack applies the handlers' environment before it, and each thread copies it. */
  private threadsStarted(): HandlerThread[] {
    if (this.stopped) throw new Error('the local stack is stopping');
    while (this.pool.length < this.threads) this.pool.push(this.startThread(this.pool.length));
    return this.pool;
  }

  private startThread(slot: number): HandlerThread {
    const data: HandlerThreadData = { root: this.root, environmentCap: Math.max(1, Math.ceil(maxEnvironmentsPerFunction / this.threads)) };
    // Under tsx the thread inherits its loader through execArgv; under vitest it registers tsx itself.
    const registerTsx = !process.execArgv.some((arg) => arg.includes('tsx'));
    const worker = new Worker(new URL('./handler-worker.mjs', import.meta.url), { workerData: { ...data, registerTsx }, name: `kefu-handlers-${slot + 1}` });
    const thread: HandlerThread = { worker, inFlight: 0, pending: new Map() };
    worker.on('message', (message: FromHandlerThread) => this.onMessage(thread, message));
    worker.on('error', (error) => this.lose(thread, error));
    worker.on('exit', (code) => this.lose(thread, new Error(`handler thread exited with code ${code}`)));
    // The stack's servers keep the process alive; a thread must not keep a stopping process running.
    worker.unref();
    worker.postMessage({ kind: 'instrument', module: workerInstrumentation?.module } satisfies ToHandlerThread);
    return thread;
  }

  instrument(instrumentation: WorkerInstrumentation | undefined): void {
    for (const thread of this.pool) thread.worker.postMessage({ kind: 'instrument', module: instrumentation?.module } satisfies ToHandlerThread);
  }

  private onMessage(thread: HandlerThread, message: FromHandlerThread): void {
    if (message.usage !== undefined) workerInstrumentation?.onUsage(message.usage);
    const pending = thread.pending.get(message.id);
    if (!pending) return;
    if (message.kind === 'started') return pending.started();
    thread.pending.delete(message.id);
    thread.inFlight -= 1;
    if (message.error) {
      // Rebuilt with the handler's name, message and stack, as Lambda reports errorType / errorMessage / trace.
      const error = message.error.name === 'HandlerTimeoutError' ? new HandlerTimeoutError('', 0) : new Error();
      Object.assign(error, { name: message.error.name, message: message.error.message, stack: message.error.stack ?? error.stack });
      pending.reject(error);
    } else pending.resolve(message.result);
  }

  /** A thread that dies fails the calls it held; a new one takes its slot at the next call. */
  private lose(thread: HandlerThread, error: Error): void {
    const slot = this.pool.indexOf(thread);
    if (slot === -1) return;
    this.pool.splice(slot, 1);
    for (const pending of thread.pending.values()) pending.reject(error);
    thread.pending.clear();
    void thread.worker.terminate();
  }

  private send(
    thread: HandlerThread,
    message: DistributiveOmit<Extract<ToHandlerThread, { id: number }>, 'id'>,
    started: () => void = () => undefined,
  ): Promise<string | undefined> {
    const id = ++this.nextId;
    thread.inFlight += 1;
    return new Promise<string | undefined>((resolveCall, rejectCall) => {
      thread.pending.set(id, { started, resolve: resolveCall, reject: rejectCall });
      thread.worker.postMessage({ ...message, id } as ToHandlerThread);
    });
  }

  async invoke(spec: InvokedSpec, event: unknown, requestId = randomUUID()): Promise<unknown> {
    const pool = this.threadsStarted();
    const thread = pool.reduce((least, candidate) => (candidate.inFlight < least.inFlight ? candidate : least));
    const seconds = spec.timeoutSeconds ?? defaultTimeoutSeconds;
    let timer: NodeJS.Timeout | undefined;
    let startTimer = () => undefined as void;
    // Started when the thread has an environment ready (a cold start's import does not count, as in Lambda).
    const timeout = new Promise<never>((_, reject) => {
      startTimer = () => {
        timer = setTimeout(() => reject(new HandlerTimeoutError(`kefu-local-${spec.name}`, seconds)), seconds * 1000);
      };
    });
    try {
      const result = await Promise.race([this.send(thread, { kind: 'invoke', spec, event: JSON.stringify(event), requestId }, startTimer), timeout]);
      return result === undefined ? undefined : (JSON.parse(result) as unknown);
    } finally {
      clearTimeout(timer);
    }
  }

  async load(spec: Pick<FunctionSpec, 'name' | 'handler'>): Promise<void> {
    // Every thread warms its own environment: each is a separate set of Lambda instances.
    await Promise.all(this.threadsStarted().map((thread) => this.send(thread, { kind: 'load', spec })));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    liveThreadRunners.delete(this);
    const threads = this.pool.splice(0);
    for (const thread of threads) for (const pending of thread.pending.values()) pending.reject(new Error('the local stack is stopping'));
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** For infra/local/handler-worker.ts: runs one call in this (handler) thread. */
export const inThisThread = {
  setEnvironmentCap(cap: number): void {
    environmentCap = cap;
  },
  invokeParsed,
};
