/**
 * `npm start`: the local stack in the foreground. Configuration is read here and nowhere else:
 *   PORT (3000), WS_PORT (3001), SIM_PORT (3002, the platform simulator), DYNAMO_PORT / SQS_PORT (free ports), KEFU_DATA_DIR (.local-data),
 *   KEFU_IN_MEMORY=1 or --in-memory, --no-seed, WS_IDLE_TIMEOUT_MS, WS_MAX_LIFETIME_MS, KEFU_HANDLER_THREADS
 *   (read by the stack: 0 runs handlers on its own event loop).
 * Ctrl-C (SIGINT) or SIGTERM stops every server and engine, DynamoDB Local's Java process included.
 */
import { startLocalStack, type LocalStack } from './stack';

const startedAt = performance.now();
const args = new Set(process.argv.slice(2));

// fauxqs persists with node:sqlite, which Node 22 flags as experimental on every start; that is noise here.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) return;
  console.warn(warning);
});

function numberFromEnv(name: string, fallback: number | undefined, max = 65535): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    console.error(`${name}=${raw} is not a valid number (0-${max})`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const inMemory = args.has('--in-memory') || ['1', 'true', 'yes'].includes((process.env.KEFU_IN_MEMORY ?? '').toLowerCase());

  // Signals are handled from the first moment: a Ctrl-C while Java is starting must still stop it.
  let stack: LocalStack | undefined;
  let stoppingSince: number | undefined;
  const stopAndExit = () => {
    const stopping = stack ? stack.stop() : Promise.resolve();
    stopping.then(
      () => {
        console.log('[local] stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('[local] stopping failed', error);
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: string) => {
    if (stoppingSince !== undefined) {
      // One Ctrl-C can arrive twice: from the terminal's process group and relayed by tsx's parent process.
      if (Date.now() - stoppingSince < 1000) return;
      console.error('[local] second signal: exiting without waiting (DynamoDB Local may be left running)');
      process.exit(130);
    }
    stoppingSince = Date.now();
    console.log(`\n[local] ${signal}: stopping${stack ? '' : ' once startup finishes'}…`);
    if (stack) stopAndExit();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  try {
    stack = await startLocalStack({
      ports: {
        http: numberFromEnv('PORT', 3000),
        ws: numberFromEnv('WS_PORT', 3001),
        dynamo: numberFromEnv('DYNAMO_PORT', undefined),
        sqs: numberFromEnv('SQS_PORT', undefined),
        simulator: numberFromEnv('SIM_PORT', 3002),
      },
      inMemory,
      dataDir: process.env.KEFU_DATA_DIR || undefined,
      seed: !args.has('--no-seed'),
      websocket: {
        idleTimeoutMs: numberFromEnv('WS_IDLE_TIMEOUT_MS', undefined, Number.MAX_SAFE_INTEGER),
        maxLifetimeMs: numberFromEnv('WS_MAX_LIFETIME_MS', undefined, Number.MAX_SAFE_INTEGER),
      },
    });
  } catch (error) {
    if (stoppingSince !== undefined) {
      // Ctrl-C reached DynamoDB Local too, which is why startup failed: that is the stop asked for.
      console.log('[local] stopped during startup');
      process.exit(0);
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') console.error(`[local] a port is taken (${(error as Error).message}); set PORT / WS_PORT to free ones`);
    else console.error('[local] the local stack failed to start:', error);
    process.exit(1);
  }
  if (stoppingSince !== undefined) return stopAndExit();

  const health = await waitForHealth(stack.httpUrl);
  if (stoppingSince !== undefined) return;
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(stack.devTokenHelp);
  console.log(
    [
      '',
      `kefu local stack ${health.ok ? `healthy in ${seconds} s` : `started in ${seconds} s but GET /health says ${health.status}`}`,
      `  HTTP API        ${stack.httpUrl}   (GET /health, /.well-known/jwks.json, /@connections/{id})`,
      `  WebSocket API   ${stack.wsUrl}/?ticket=<ticket>`,
      `  DynamoDB Local  ${stack.engines.dynamoEndpoint}   table ${stack.engines.tableName}`,
      `  SQS server      ${stack.engines.sqsEndpoint}   queues ${Object.keys(stack.engines.queueUrls).join(', ')}`,
      `  simulator       ${stack.simulatorUrl}   platforms: TMC, order API, webhooks; npm run sim -- help`,
      `  data            ${stack.dataDir ?? 'in memory (nothing kept)'}`,
      `  handlers        ${stack.handlerThreads === 0 ? "in the stack's thread (KEFU_HANDLER_THREADS=0)" : `in ${stack.handlerThreads} worker thread(s) (KEFU_HANDLER_THREADS)`}`,
      '  Ctrl-C stops everything.',
    ].join('\n'),
  );
}

/** Polls GET /health the way a client would, so "healthy" means the handlers answer, not just that ports are open. */
async function waitForHealth(httpUrl: string): Promise<{ ok: boolean; status: number }> {
  const deadline = Date.now() + 30_000;
  let status = 0;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${httpUrl}/health`);
      status = response.status;
      await response.arrayBuffer();
      if (response.ok) return { ok: true, status };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ok: false, status };
}

await main();
