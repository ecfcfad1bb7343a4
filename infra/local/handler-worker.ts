import { parentPort, workerData } from 'node:worker_threads';
import { inThisThread, loadHandler, type FromHandlerThread, type HandlerThreadData, type ToHandlerThread } from './invoke-handler';

/**
 * One handler thread: it runs the calls the stack's thread sends it in its own environments (the pool in
 * invoke-handler.ts), one invocation at a time per environment, and answers with the result as JSON text
 * or the error's name, message and stack. With instrumentation (the benchmark's meters), what the meters
 * counted since the last answer travels with it.
 */
interface Installed {
  drain(): unknown;
  uninstall?(): void;
}

const data = workerData as HandlerThreadData;
const port = parentPort;
if (!port) throw new Error('handler-worker.ts runs only as a worker thread');
inThisThread.setEnvironmentCap(data.environmentCap);

// Messages are handled in order, so every call sent after an 'instrument' runs with it installed.
let instrumentation: Promise<Installed | undefined> = Promise.resolve(undefined);

function answer(message: FromHandlerThread): void {
  port!.postMessage(message);
}

function describe(error: unknown): { name: string; message: string; stack?: string } {
  return error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { name: 'Error', message: String(error) };
}

port.on('message', (message: ToHandlerThread) => {
  switch (message.kind) {
    case 'instrument':
      instrumentation = instrumentation.catch(() => undefined).then(async (current) => {
        current?.uninstall?.();
        if (!message.module) return undefined;
        const module = (await import(message.module)) as { installInWorker(): Installed | Promise<Installed> };
        return module.installInWorker();
      });
      return;
    case 'load':
      loadHandler(message.spec, data.root).then(
        () => answer({ kind: 'done', id: message.id }),
        (error: unknown) => answer({ kind: 'done', id: message.id, error: describe(error) }),
      );
      return;
    case 'invoke':
      void (async () => {
        const installed = await instrumentation.catch(() => undefined);
        let reply: FromHandlerThread;
        try {
          const started = () => answer({ kind: 'started', id: message.id });
          const result = await inThisThread.invokeParsed(message.spec, JSON.parse(message.event), message.requestId, data.root, started);
          reply = { kind: 'done', id: message.id, result: result === undefined ? undefined : JSON.stringify(result) };
        } catch (error) {
          reply = { kind: 'done', id: message.id, error: describe(error) };
        }
        const usage = installed?.drain();
        if (usage !== undefined) reply.usage = usage;
        answer(reply);
      })();
      return;
  }
});
