import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../../shared/manifest';
import { createLambdaContext, defaultTimeoutSeconds } from './lambda-context';

type Handler = (event: unknown, context: Context) => Promise<unknown> | unknown;

/** The repository root: manifest handler paths are relative to it. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Execution environments per function; more concurrent calls wait for one to be free. */
const maxEnvironmentsPerFunction = 32;

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
  const module = (await import(href)) as { handler?: unknown };
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
    if (pool.environments.length + pool.starting < maxEnvironmentsPerFunction) {
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
let invocationObserver: InvocationObserver | undefined;
export function observeInvocations(observer: InvocationObserver | undefined): void {
  invocationObserver = observer;
}

/**
 * Imports the handler module of a manifest entry once (a warm environment), so a missing file or a
 * module without a `handler` export is reported at startup, naming the entry.
 */
export async function loadHandler(spec: Pick<FunctionSpec, 'name' | 'handler'>, root = repoRoot): Promise<void> {
  const pool = poolOf(spec, root);
  if (pool.environments.length > 0) return;
  release(pool, await acquire(spec, pool), false);
}

/**
 * Invokes a handler the way Lambda does: in an environment of its own, the event and the result crossing
 * a JSON boundary (so a Date in a result arrives as a string), a fresh context per call, and the spec's
 * timeout enforced. A timed-out handler keeps running in this process (Lambda would freeze it); its
 * environment is dropped and its late result ignored.
 */
export async function invokeHandler(
  spec: Pick<FunctionSpec, 'name' | 'handler' | 'timeoutSeconds' | 'memoryMb'>,
  event: unknown,
  options: { requestId?: string; root?: string } = {},
): Promise<unknown> {
  const pool = poolOf(spec, options.root ?? repoRoot);
  const payload = JSON.parse(JSON.stringify(event)) as unknown;
  const environment = await acquire(spec, pool);
  const context = createLambdaContext(spec, options.requestId ?? randomUUID());
  const seconds = spec.timeoutSeconds ?? defaultTimeoutSeconds;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HandlerTimeoutError(context.functionName, seconds)), seconds * 1000);
  });
  let timedOut = false;
  let result: unknown;
  try {
    const call = () => Promise.resolve().then(() => environment.handler(payload, context));
    result = await Promise.race([invocationObserver ? invocationObserver(spec, payload, call) : call(), timeout]);
  } catch (error) {
    timedOut = error instanceof HandlerTimeoutError;
    throw error;
  } finally {
    clearTimeout(timer);
    release(pool, environment, timedOut);
  }
  return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
}
