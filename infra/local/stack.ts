import { join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { FunctionSpec } from '../../shared/manifest';
import { formatDevTokens, issuerKeyFile, removeTokensFile, signDevTokens, tokensFile as tokensFileOf, writeTokensFile, type DevToken } from './dev-tokens';
import type { Health } from '../../shared/contracts/core-schemas';
import type { EngineStatus } from './engine-supervisor';
import { localCredentials, localRegion, startEngines, type EngineOptions, type LocalEngines } from './engines';
import { applyHandlerEnvironment, localAudience, localCapacityControl, localHandlerEnvironment, localIssuerUrl, localSecretsKey } from './environment';
import { createHttpApi, listenHttp, unavailableListener, type LocalHealth, type RequestListener } from './http-server';
import { createHandlerRunner, handlerThreadsFromEnv, repoRoot, type HandlerRunner } from './invoke-handler';
import { createJwtAuthorizer } from './jwt-authorizer';
import { manifest as defaultManifest, type Manifest } from '../../shared/manifest';
import { createLocalLog, type LocalLog } from './log';
import { startQueuePoller, type QueuePoller } from './queue-poller';
import { startStreamPoller, type StreamPoller } from './stream-poller';
import { startScheduler, type LocalScheduler } from './scheduler';
import { demoSimShops } from './platform-simulator/demo-shops';
import { startPlatformSimulator } from './platform-simulator/simulator';
import { seedDemoData } from './seed';
import { createTokenIssuer, type TokenIssuer } from './token-issuer';
import { LocalUserPool } from './user-pool';
import { createWebApp, webAppPath } from './web-app';
import { startWebSocketGateway, type WebSocketGateway } from './websocket-gateway';

export interface LocalStackOptions {
  /** 0 picks a free port. Defaults: HTTP 3000, WebSocket 3001, engines on free ports. */
  ports?: { http?: number; ws?: number; dynamo?: number; sqs?: number; simulator?: number };
  /** Nothing is written to disk; the issuer key is new on every start. */
  inMemory?: boolean;
  /** Where DynamoDB Local, the SQS server and the issuer key keep their files; default `<repo>/.local-data`. */
  dataDir?: string;
  /** Seed the demo firms and sign dev tokens, written to `tokensFile` (default true). */
  seed?: boolean;
  /** Only warnings and errors on the console. */
  quiet?: boolean;
  /** Defaults to shared/manifest.ts. */
  manifest?: Manifest;
  /**
   * Handler threads: 0 runs every handler in this thread; n > 0 in n worker threads, so the gateways and
   * the SQS server keep this thread's event loop. Default: KEFU_HANDLER_THREADS, else cores - 1 (1 to 4).
   */
  handlerThreads?: number;
  /** API Gateway's WebSocket limits, shortened in tests. */
  websocket?: { idleTimeoutMs?: number; maxLifetimeMs?: number; maxMessageBytes?: number };
  /** Serve the web clients at /app/ (built in memory at start). `pingIntervalMs` shortens the clients' keep-alive (tests). */
  webApp?: boolean | { pingIntervalMs?: number };
  /** How an engine that died is restarted (default: 0.5 s doubling to 30 s, ten in a row); `false`: not at all. */
  engineRestart?: EngineOptions['restart'];
}

export interface LocalStack {
  httpUrl: string;
  wsUrl: string;
  /** The web clients (workbench, buyer widget, supervisor wall) when `webApp` was asked for. */
  webUrl: string | undefined;
  issuer: TokenIssuer;
  /** The dev issuer's user pool: where SyncUserDirectory puts staff accounts, as Cognito's pool in the cloud. */
  userPool: LocalUserPool;
  engines: LocalEngines;
  /** One per demo user when seeded; empty otherwise. */
  devTokens: DevToken[];
  /** The dev-token block main.ts prints: tokens and ready-to-paste curl commands. */
  devTokenHelp: string;
  /**
   * The demo tokens as JSON (issuer, URLs, and per user its tenant, role, shops and token): `<dataDir>/tokens.json`,
   * or for an in-memory stack `<tmp>/kefu-local-<http port>/tokens.json`, removed when it stops. Undefined unseeded.
   */
  tokensFile: string | undefined;
  dataDir: string | undefined;
  /** 0 when handlers run in the stack's thread, else the number of handler threads. */
  readonly handlerThreads: number;
  /**
   * Switches how handlers run from the next invocation on (0: in the stack's thread), with every handler
   * warmed, so the benchmark can compare both on the same engines in one run. Calls in flight finish
   * where they started.
   */
  setHandlerThreads(threads: number): Promise<void>;
  /** Fires a manifest schedule once now with the given planned time (the local Scheduler's input); the handler's result. */
  runSchedule(name: string, scheduledTime: Date): Promise<unknown>;
  /** The platform simulator (TMC, order API, webhooks, commands): infra/local/platform-simulator/. */
  simulatorUrl: string;
  /** Stops everything, servers first and DynamoDB Local's Java process last. Safe to call twice. */
  stop(): Promise<void>;
}

const tableName = 'kefu-local';

type ProbedComponent = Health['components']['dynamodb'];

/**
 * The whole backend on this machine: DynamoDB Local and the SQS server (table and queues from the CDK's
 * definitions), the HTTP API with @connections and the dev issuer's JWKS, the WebSocket API, one poller
 * per queue consumer, the scheduler, and demo data. Every entry point comes from the manifest.
 *
 * Handlers run in this process (in worker threads by default) and read process.env, so one stack per process.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = createLocalLog({ quiet: options.quiet });
  const manifest = options.manifest ?? defaultManifest;
  const dataDir = options.inMemory ? undefined : resolve(options.dataDir ?? join(repoRoot, '.local-data'));
  const stops: { name: string; stop: () => Promise<void> | void }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        log.warn(`stopping ${name} failed`, error);
      }
    }
    stops.length = 0;
  };

  try {
    // Probes for /health and the re-seed after a restart; created once the engines' endpoints are known.
    let dynamoClient!: DynamoDBClient;
    // The HTTP port is bound first: the handlers' environment (JWKS URI, @connections endpoint) names it.
    let listener: RequestListener = unavailableListener('starting');
    const http = await listenHttp(options.ports?.http ?? 3000, () => listener);
    stops.push({ name: 'HTTP server', stop: () => http.stop() });

    // The platforms, played locally: webhooks go to the HTTP API, the handlers' platform client reads from it.
    const simulator = await startPlatformSimulator({
      port: options.ports?.simulator ?? 0,
      kefuUrl: http.url,
      shops: options.seed ?? true ? demoSimShops() : [],
      log: (line) => log.info(line),
    });
    stops.push({ name: 'platform simulator', stop: () => simulator.stop() });

    const [engines, issuer] = await Promise.all([
      startEngines({
        dataDir,
        dynamoPort: options.ports?.dynamo || undefined,
        sqsPort: options.ports?.sqs || undefined,
        tableName,
        restart: options.engineRestart,
        log,
        // An engine that ran in memory comes back empty: put the demo firm back (a no-op on a data folder).
        afterRestart: async (engine) => {
          if (engine === 'dynamodb' && (options.seed ?? true)) await seedDemoData(DynamoDBDocumentClient.from(dynamoClient));
        },
      }),
      createTokenIssuer({
        issuer: localIssuerUrl(http.url),
        audience: localAudience,
        keyFile: dataDir ? issuerKeyFile(dataDir) : undefined,
      }),
    ]);
    stops.splice(0, 0, { name: 'DynamoDB Local and the SQS server', stop: () => engines.stop() });

    applyHandlerEnvironment({
      ...localHandlerEnvironment({ engines, httpUrl: http.url, secretsKey: localSecretsKey(dataDir), platformApiUrl: simulator.url }),
      ...localCapacityControl(manifest, engines.tableName),
    });
    let runner: HandlerRunner = createHandlerRunner({ threads: options.handlerThreads ?? handlerThreadsFromEnv() });
    const retired: HandlerRunner[] = [];
    stops.push({ name: 'handler threads', stop: () => Promise.all([runner, ...retired].map((r) => r.stop())).then(() => undefined) });
    const invoke = (spec: FunctionSpec, event: unknown, requestId?: string) => runner.invoke(spec, event, requestId);

    const gateway = await startWebSocketGateway({
      port: options.ports?.ws ?? 3001,
      authorizer: manifest.webSocketAuthorizer,
      routes: manifest.webSocketRoutes,
      invoke,
      log,
      ...options.websocket,
    });
    stops.push({ name: 'WebSocket server', stop: () => gateway.stop() });

    dynamoClient = new DynamoDBClient({ endpoint: engines.dynamoEndpoint, region: localRegion, credentials: localCredentials });
    const sqsClient = new SQSClient({ endpoint: engines.sqsEndpoint, region: localRegion, credentials: localCredentials });
    stops.push({ name: 'probe clients', stop: () => (dynamoClient.destroy(), sqsClient.destroy()) });

    let devTokens: DevToken[] = [];
    if (options.seed ?? true) {
      const seeded = await seedDemoData(DynamoDBDocumentClient.from(dynamoClient));
      log.info(`demo data: ${seeded.created} items written, ${seeded.kept} already there`);
      devTokens = await signDevTokens(issuer);
    }
    let tokensFile: string | undefined;
    if (options.seed ?? true) {
      tokensFile = tokensFileOf(dataDir, http.port);
      writeTokensFile(tokensFile, devTokens, { issuer, httpUrl: http.url, wsUrl: gateway.url });
      // In memory means nothing kept: the file goes with the stack (its tokens die with the key anyway).
      const written = tokensFile;
      if (!dataDir) stops.push({ name: 'tokens file', stop: () => removeTokensFile(written) });
    }

    const pollers: QueuePoller[] = [];
    stops.push({ name: 'queue pollers', stop: () => Promise.all(pollers.map((p) => p.stop())).then(() => undefined) });
    for (const consumer of manifest.queueConsumers) {
      const queueUrl = engines.queueUrls[consumer.queue];
      if (!queueUrl) throw new Error(`consumer ${consumer.name} reads queue "${consumer.queue}", which the manifest does not declare`);
      pollers.push(await startQueuePoller({ consumer, queueUrl, sqsEndpoint: engines.sqsEndpoint, invoke, log }));
    }

    // Stream consumers read DynamoDB Local's stream of the table, as Lambda's mappings read the table's.
    const streamPollers: StreamPoller[] = [];
    stops.push({ name: 'stream pollers', stop: () => Promise.all(streamPollers.map((p) => p.stop())).then(() => undefined) });
    for (const consumer of manifest.streamConsumers ?? []) {
      streamPollers.push(await startStreamPoller({ consumer, tableName: engines.tableName, dynamoEndpoint: engines.dynamoEndpoint, invoke, log }));
    }

    const scheduler: LocalScheduler = startScheduler({ schedules: manifest.schedules, invoke, log });
    stops.push({ name: 'scheduler', stop: () => scheduler.stop() });

    const webApp = options.webApp
      ? await createWebApp({ issuer, wsUrl: gateway.url, pingIntervalMs: typeof options.webApp === 'object' ? options.webApp.pingIntervalMs : undefined })
      : undefined;
    const userPool = new LocalUserPool(issuer);
    listener = createHttpApi({
      webApp,
      userPool,
      routes: manifest.httpRoutes,
      invoke,
      connections: gateway,
      jwks: () => issuer.jwks,
      issuer: issuer.issuer,
      authorizeJwt: createJwtAuthorizer({ issuer: issuer.issuer, audience: issuer.audience, jwks: () => issuer.jwks }),
      localHealth: () => localHealth({ dynamoClient, sqsClient, engines, gateway, pollers, scheduler }),
      log,
    });
    void warmHandlers(manifest, runner, log);

    const ticketRoute = manifest.httpRoutes.find((route) => route.name === 'CreateConnectTicket');
    const devTokenHelp = formatDevTokens(devTokens, { httpUrl: http.url, wsUrl: gateway.url, ticketPath: ticketRoute?.path ?? '/v1/connect-tickets', tokensFile });

    let stopping: Promise<void> | undefined;
    return {
      get handlerThreads() {
        return runner.threads;
      },
      async setHandlerThreads(threads) {
        if (threads === runner.threads) return;
        const next = createHandlerRunner({ threads });
        await warmHandlers(manifest, next, log);
        retired.push(runner);
        runner = next;
        // Calls still running in the old threads finish (a handler's timeout at most) before they end.
        const previous = retired.at(-1)!;
        setTimeout(() => void previous.stop(), 30_000).unref();
      },
      runSchedule: (name, scheduledTime) => scheduler.run(name, scheduledTime),
      httpUrl: http.url,
      wsUrl: gateway.url,
      simulatorUrl: simulator.url,
      webUrl: webApp ? `${http.url}${webAppPath}` : undefined,
      issuer,
      userPool,
      engines,
      devTokens,
      devTokenHelp,
      tokensFile,
      dataDir,
      stop: () => {
        listener = unavailableListener('stopping');
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Each local component's status for GET /health, in the Health contract's shape. DynamoDB and SQS are
 * probed with a short timeout and carry their supervisor's view (restarting after a death, restarts so far).
 */
async function localHealth(parts: {
  dynamoClient: DynamoDBClient;
  sqsClient: SQSClient;
  engines: LocalEngines;
  gateway: WebSocketGateway;
  pollers: QueuePoller[];
  scheduler: LocalScheduler;
}): Promise<LocalHealth> {
  const probe = async (call: (signal: AbortSignal) => Promise<unknown>, engine: EngineStatus): Promise<ProbedComponent> => {
    const started = Date.now();
    const supervision = { engine: { state: engine.state, restarts: engine.restarts, ...(engine.lastExit ? { lastExit: engine.lastExit } : {}) } };
    try {
      await call(AbortSignal.timeout(2000));
      // A restarted engine answers before its table or queues are back: ok only once the supervisor says so.
      if (engine.state !== 'running') return { status: 'down', latencyMs: Date.now() - started, error: `engine ${engine.state}`, ...supervision };
      return { status: 'ok', latencyMs: Date.now() - started, ...supervision };
    } catch (error) {
      return { status: 'down', latencyMs: Date.now() - started, error: (error as Error).message, ...supervision };
    }
  };
  const engines = parts.engines.status();
  const [dynamodb, sqs] = await Promise.all([
    probe((abortSignal) => parts.dynamoClient.send(new ListTablesCommand({ Limit: 1 }), { abortSignal }), engines.dynamodb),
    probe((abortSignal) => parts.sqsClient.send(new ListQueuesCommand({ MaxResults: 1 }), { abortSignal }), engines.sqs),
  ]);
  const pollerStatuses = Object.fromEntries(parts.pollers.map((poller) => [poller.name, poller.status()]));
  const components: Required<Health['components']> = {
    dynamodb,
    sqs,
    websocket: { status: parts.gateway.isListening() ? 'ok' : 'down', url: parts.gateway.url, connections: parts.gateway.connectionCount() },
    queuePollers: {
      status: Object.values(pollerStatuses).every((p) => p.status === 'ok') ? 'ok' : 'degraded',
      pollers: pollerStatuses,
    },
    scheduler: parts.scheduler.status(),
  };
  const ok = Object.values(components).every((component) => component.status === 'ok');
  return { ok, components };
}

/**
 * Imports every handler module in the background once the stack is up, so the first request to each
 * route is not slowed by its cold start, and a manifest entry pointing at a missing module is reported
 * at startup rather than at its first call.
 */
function warmHandlers(manifest: Manifest, runner: HandlerRunner, log: LocalLog): Promise<void> {
  const specs: FunctionSpec[] = [
    manifest.webSocketAuthorizer,
    ...manifest.httpRoutes,
    ...manifest.webSocketRoutes,
    ...manifest.queueConsumers,
    ...(manifest.streamConsumers ?? []),
    ...manifest.schedules,
  ];
  return Promise.all(
    specs.map((spec) => runner.load(spec).catch((error: unknown) => log.error(`handler ${spec.name} (${spec.handler}) cannot be loaded`, error))),
  ).then(() => undefined);
}
