import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../../shared/manifest';
import { createLambdaContext, defaultTimeoutSeconds } from './lambda-context';

type Handler = (event: unknown, context: Context) => Promise<unknown> | unknown;

/** The repository root: manifest handler paths are relative to it. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Thrown when a handler runs past its timeout, as Lambda reports `Task timed out`. */
export class HandlerTimeoutError extends Error {
  constructor(functionName: string, seconds: number) {
    super(`${functionName}: task timed out after ${seconds} seconds`);
    this.name = 'HandlerTimeoutError';
  }
}

/** Modules are imported once, like a warm Lambda: module-level clients and caches live across calls. */
const modules = new Map<string, Promise<Handler>>();

/**
 * Imports `<repo>/<spec.handler>` and returns its `handler` export. A path that does not exist or a
 * module without a handler fails here, naming the manifest entry, rather than as a vague 500 later.
 */
export function loadHandler(spec: Pick<FunctionSpec, 'name' | 'handler'>, root = repoRoot): Promise<Handler> {
  const path = resolve(root, spec.handler);
  let loaded = modules.get(path);
  if (!loaded) {
    loaded = import(pathToFileURL(path).href).then((module: { handler?: unknown }) => {
      if (typeof module.handler !== 'function') throw new Error(`${spec.name}: ${spec.handler} does not export a handler function`);
      return module.handler as Handler;
    });
    // A failed import is not cached, so fixing the file and retrying works without a restart.
    loaded.catch(() => modules.delete(path));
    modules.set(path, loaded);
  }
  return loaded;
}

/**
 * Invokes a handler the way Lambda does: the event and the result cross a JSON boundary (so a handler
 * cannot rely on sharing objects with the caller, and a Date in a result arrives as a string), a fresh
 * context per call, and the spec's timeout enforced. A timed-out handler keeps running in this process
 * (Lambda would freeze it); its late result is ignored.
 */
export async function invokeHandler(
  spec: Pick<FunctionSpec, 'name' | 'handler' | 'timeoutSeconds' | 'memoryMb'>,
  event: unknown,
  options: { requestId?: string; root?: string } = {},
): Promise<unknown> {
  const handler = await loadHandler(spec, options.root);
  const context = createLambdaContext(spec, options.requestId ?? randomUUID());
  const payload = JSON.parse(JSON.stringify(event)) as unknown;
  const seconds = spec.timeoutSeconds ?? defaultTimeoutSeconds;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HandlerTimeoutError(context.functionName, seconds)), seconds * 1000);
  });
  try {
    const result = await Promise.race([Promise.resolve(handler(payload, context)), timeout]);
    return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
  } finally {
    clearTimeout(timer);
  }
}
