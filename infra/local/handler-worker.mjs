// A handler thread's entry (see ThreadRunner in invoke-handler.ts). Plain JavaScript, so it can load
// TypeScript wherever the stack runs: under tsx (npm start, the bench) the thread inherits tsx's loader;
// under vitest, which transforms only its own module graph, it registers tsx first.
import { workerData } from 'node:worker_threads';

if (workerData?.registerTsx) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./handler-worker.ts');
