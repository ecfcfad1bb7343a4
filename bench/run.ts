/**
 * npm run bench [-- --scenario steady|double11|hot|flood|midnight|case-sweep|orders|onboarding-import|outreach|robot|all] [--tasks <outreach: 1000-1000000>] [--rate 200] [--seconds 30] [--whale-buyers 2000]
 *                [--shops 50 (orders)]
 *                [--handler-threads 0,1,0,1]
 *
 * Boots the whole local stack in memory on free ports, measures this machine's ceilings, then drives
 * each scenario over real WebSockets from a worker thread and prints what it measured. JSON goes to
 * bench/results/<scenario>.json and bench/results/summary.json. See bench/README.md.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { localCredentials, localRegion } from '../infra/local/engines';
import { repoRoot } from '../infra/local/invoke-handler';
import { startLocalStack, type LocalStack } from '../infra/local/stack';
import { connectionsApi, dynamo, sqs } from '../shared/runtime/clients';
import { measureDynamoWriteRate, measureWsEchoRate } from './ceilings';
import type { LoadReport, WorkerMessage } from './load-plan';
import { Meters, type MeterSnapshot } from './meters';
import { partialResult } from './partial-result';
import { buildResult, formatSummary, summaryEntry, type Ceilings, type QueueTrace, type ScenarioResult, type StackThreadStats } from './report';
import { formatHot, runHot } from './hot';
import { compareHandlerThreads, formatHandlerThreadComparison } from './thread-comparison';
import { defaultOptions, defineScenario, scenarioNames, seedScenario, type ScenarioName } from './scenarios';
import { formatFlood, runFlood } from './flood';
import { formatMidnight, runMidnight } from './midnight';
import { formatCaseSweep, runCaseSweep } from './case-sweep';
import { formatOrders, ordersBounds, ordersDefaults, runOrders } from './orders';
import { KpiWindow } from './kpi-cost';
import { manifest } from '../shared/manifest';
import { defaultOutreachBenchOptions, formatOutreach, runOutreachBench } from './outreach';
import { formatOnboardingImport, runOnboardingImport } from './onboarding-import';
import { formatRobot, runRobotBench } from './robot';

const resultsDir = join(repoRoot, 'bench/results');
/** Scenarios with their own driver (robustness, promo, after-sales, onboarding, outreach, robot), not the message-path ones. */
const standaloneScenarios = ['flood', 'midnight', 'case-sweep', 'orders', 'onboarding-import', 'outreach', 'robot'] as const;

function options() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'all' },
      tasks: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      'whale-buyers': { type: 'string' },
      'deadline-seconds': { type: 'string' },
      'handler-threads': { type: 'string' },
      shops: { type: 'string' },
      // Issue 9: run the KPI aggregator (the table-stream consumer) and report what it adds.
      kpis: { type: 'boolean', default: false },
      // With --kpis: `per-fact` writes one transaction per fact, as before batching, to compare.
      'kpi-batching': { type: 'string', default: 'merged' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(`npm run bench -- [--scenario ${[...scenarioNames, ...standaloneScenarios].join('|')}|all] [--tasks <outreach>] [--rate <msgs/s, steady; deliveries/s, orders>] [--seconds <steady or orders window>] [--shops <orders: 1-50>] [--whale-buyers <n>] [--handler-threads <n,n,...>] [--deadline-seconds <150>]`);
    process.exit(0);
  }
  const scenario = values.scenario ?? 'all';
  // `all` is the message-path scenarios; the stand-alone ones have their own drivers (see below).
  const standalone = (standaloneScenarios as readonly string[]).includes(scenario);
  if (scenario !== 'all' && !standalone && !scenarioNames.includes(scenario as ScenarioName)) {
    throw new Error(`--scenario must be ${[...scenarioNames, ...standaloneScenarios].join(', ')} or all, not ${scenario}`);
  }
  const bounded = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be between ${min} and ${max}`);
    return value;
  };
  // Each entry runs the scenarios once more on the same stack with handlers in that many threads (0: in the
  // stack's thread), e.g. 0,1,0,1 to compare both modes in one run, alternating against drift in the machine's load.
  const handlerThreads = values['handler-threads']?.split(',').map((raw) => bounded('handler-threads', raw.trim(), 0, 0, 8));
  if (handlerThreads && (handlerThreads.length === 0 || handlerThreads.length > 8 || handlerThreads.some((n) => !Number.isInteger(n)))) {
    throw new Error('--handler-threads takes 1-8 whole numbers, comma-separated, e.g. 0,1,0,1');
  }
  const kpiBatching = values['kpi-batching'] ?? 'merged';
  if (kpiBatching !== 'merged' && kpiBatching !== 'per-fact') throw new Error('--kpi-batching must be merged or per-fact');
  return {
    kpis: values.kpis ?? false,
    kpiBatching,
    handlerThreads,
    scenarios: scenario === 'all' ? [...scenarioNames] : standalone ? [] : [scenario as ScenarioName],
    flood: scenario === 'flood',
    // The promo midnight step, routing off and on (bench/midnight.ts).
    midnight: scenario === 'midnight',
    // The after-sales tail (bench/case-sweep.ts): its own engines, no local stack.
    caseSweep: scenario === 'case-sweep',
    // Onboarding imports (bench/onboarding-import.ts): 10,000 users and 50,000 catalogue rows; its own engines.
    onboardingImport: scenario === 'onboarding-import',
    // Outreach at Double 11 scale (bench/outreach.ts): its own engines, tasks due in one minute.
    outreach: scenario === 'outreach' ? { ...defaultOutreachBenchOptions, tasks: bounded('tasks', values.tasks, defaultOutreachBenchOptions.tasks, 1000, 1_000_000) } : undefined,
    // The midnight order burst (bench/orders.ts): its own rate and window bounds (issue target 333/s for 60 s, 50 shops).
    orders:
      scenario === 'orders'
        ? {
            rate: bounded('rate', values.rate, ordersDefaults.rate, ...ordersBounds.rate),
            seconds: bounded('seconds', values.seconds, ordersDefaults.seconds, ...ordersBounds.seconds),
            shops: bounded('shops', values.shops, ordersDefaults.shops, ...ordersBounds.shops),
          }
        : undefined,
    // Bounded so one run stays within the machine's share: ≤ 60 s windows, ≤ 1,000 msgs/s, ≤ 4,000 buyers.
    rate: scenario === 'orders' ? defaultOptions.rate : bounded('rate', values.rate, defaultOptions.rate, 2, 1000),
    seconds: scenario === 'orders' ? defaultOptions.seconds : bounded('seconds', values.seconds, defaultOptions.seconds, 3, 60),
    whaleBuyers: bounded('whale-buyers', values['whale-buyers'], defaultOptions.whaleBuyers, 10, 4000),
    // A scenario still running after this is stopped and written as not completed.
    deadlineSeconds: bounded('deadline-seconds', values['deadline-seconds'], 150, 5, 600),
  };
}

function fdLimit(): number | undefined {
  try {
    const value = execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim();
    return value === 'unlimited' ? undefined : Number(value);
  } catch {
    return undefined;
  }
}

/** Polls the queues' depth (visible + in flight) every 200 ms with a client the meters ignore. */
class QueueMonitor {
  private timer: NodeJS.Timeout | undefined;
  private samples: { at: number; delivery: number; routing: number }[] = [];

  constructor(
    private readonly client: SQSClient,
    private readonly urls: { delivery: string; routing: string },
  ) {}

  start(): void {
    this.stop();
    this.samples = [];
    const poll = async () => {
      const depth = async (url: string) => {
        const { Attributes = {} } = await this.client.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
        );
        return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
      };
      try {
        const [delivery, routing] = await Promise.all([depth(this.urls.delivery), depth(this.urls.routing)]);
        this.samples.push({ at: Date.now(), delivery, routing });
      } catch {
        // a missed sample is fine
      }
      if (this.timer) this.timer = setTimeout(poll, 200);
    };
    this.timer = setTimeout(poll, 0);
  }

  stop(): QueueTrace {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return { samples: this.samples };
  }
}

interface PhaseCapture {
  steps: MeterSnapshot[];
  /** Event-loop utilisation of the stack's thread during each step. */
  stepUtilization: number[];
  connect?: MeterSnapshot;
  routing?: MeterSnapshot;
  measure?: MeterSnapshot;
  disconnect?: MeterSnapshot;
  routingQueue?: QueueTrace;
  measureQueue?: QueueTrace;
  stackThread?: StackThreadStats;
}

async function runScenario(stack: LocalStack, meters: Meters, monitor: QueueMonitor, name: ScenarioName, opts: ReturnType<typeof options>, ceilings: Ceilings): Promise<ScenarioResult> {
  const definition = defineScenario(name, { ...opts, fdLimit: fdLimit() });
  for (const note of definition.notes) console.log(`  note: ${note}`);
  console.log(`\n[${name}] ${definition.description}`);
  const started = Date.now();
  const load = [loadavg()[0]!];
  const seeded = await seedScenario(stack, definition);
  const capture: PhaseCapture = { steps: [], stepUtilization: [] };
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let elu0 = performance.eventLoopUtilization();

  let phase = 'seed';
  const kpiWindow = opts.kpis ? new KpiWindow() : undefined;
  // Resolves with the stop reason when the scenario cannot finish: what it measured is still written.
  const report = await new Promise<LoadReport | { stopped: string }>((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: seeded.plan });
    // Bounded: a scenario that hangs is stopped rather than left running on a shared machine.
    const watchdog = setTimeout(() => {
      void worker.terminate();
      resolve({ stopped: `no result within ${opts.deadlineSeconds} s (in phase ${phase}); worker stopped` });
    }, opts.deadlineSeconds * 1000);
    worker.on('message', (message: WorkerMessage) => {
      switch (message.kind) {
        case 'log':
          console.log(`  ${message.text}`);
          return;
        case 'failed':
          clearTimeout(watchdog);
          resolve({ stopped: `load generator failed (in phase ${phase}): ${message.error}` });
          return;
        case 'result':
          clearTimeout(watchdog);
          resolve(message.report);
          return;
        case 'phase':
          if (message.name.endsWith('-start')) phase = message.name.slice(0, -'-start'.length);
          switch (message.name) {
            case 'connect-start':
            case 'disconnect-start':
              meters.reset();
              break;
            case 'step-start':
              meters.reset();
              elu0 = performance.eventLoopUtilization();
              break;
            case 'step-end':
              capture.steps.push(meters.snapshot());
              capture.stepUtilization.push(performance.eventLoopUtilization(elu0).utilization);
              break;
            case 'connect-end':
              capture.connect = meters.snapshot();
              break;
            case 'routing-start':
              meters.reset();
              monitor.start();
              break;
            case 'routing-end':
              capture.routing = meters.snapshot();
              capture.routingQueue = monitor.stop();
              break;
            case 'measure-start': {
              const startMeasure = () => {
                meters.reset();
                monitor.start();
                delay.reset();
                delay.enable();
                elu0 = performance.eventLoopUtilization();
                worker.postMessage({ kind: 'ack', id: message.id });
              };
              // --kpis: the aggregator first catches up with the earlier phases, so the window pays only for its own messages.
              if (kpiWindow) void kpiWindow.beforeWindow(meters).then(startMeasure);
              else startMeasure();
              return;
            }
            case 'drained':
              capture.measure = meters.snapshot();
              capture.measureQueue = monitor.stop();
              delay.disable();
              capture.stackThread = {
                utilization: performance.eventLoopUtilization(elu0).utilization,
                eventLoopDelayMs: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
              };
              load.push(loadavg()[0]!);
              // --kpis: the message path drained; the aggregator may still have a backlog: wait (bounded) until it is idle.
              if (kpiWindow) {
                void kpiWindow.afterWindow(meters).then(() => worker.postMessage({ kind: 'ack', id: message.id }));
                return;
              }
              break;
            case 'disconnect-end': {
              // $disconnect runs after the client saw its close: wait (bounded) until every socket's has run.
              const sockets = seeded.plan.agents.length + seeded.plan.buyers.length;
              const deadline = Date.now() + 15_000;
              const settle = () => {
                if (meters.invocationCount('WsDisconnect') < sockets && Date.now() < deadline) return void setTimeout(settle, 100);
                capture.disconnect = meters.snapshot();
                worker.postMessage({ kind: 'ack', id: message.id });
              };
              settle();
              return;
            }
          }
          worker.postMessage({ kind: 'ack', id: message.id });
          return;
      }
    });
    worker.on('error', (error) => {
      clearTimeout(watchdog);
      reject(error);
    });
  });

  if ('stopped' in report) {
    const phases = Object.fromEntries(
      Object.entries({ connect: capture.connect, routing: capture.routing, ...Object.fromEntries(capture.steps.map((step, i) => [`step-${i + 1}`, step])), measure: capture.measure, disconnect: capture.disconnect })
        .filter((entry): entry is [string, MeterSnapshot] => entry[1] !== undefined),
    );
    load.push(loadavg()[0]!);
    const elapsedSeconds = (Date.now() - started) / 1000;
    return partialResult({ scenario: name, description: definition.description, reason: report.stopped, phases, inProgress: { phase, snapshot: meters.snapshot() }, ceilings, loadAverage: load, elapsedSeconds });
  }
  if (!capture.measure || !capture.connect || !capture.routing || !capture.disconnect) throw new Error(`${name}: a phase was not captured`);
  const result = buildResult({
    definition,
    tenantId: seeded.tenantId,
    report,
    measure: capture.measure,
    connect: capture.connect,
    routing: capture.routing,
    disconnect: capture.disconnect,
    steps: capture.steps,
    stepUtilization: capture.stepUtilization,
    routingQueue: capture.routingQueue ?? { samples: [] },
    measureQueue: capture.measureQueue ?? { samples: [] },
    stackThread: capture.stackThread!,
    ceilings,
    loadAverage: load,
    elapsedSeconds: (Date.now() - started) / 1000,
    fdLimit: fdLimit(),
  });
  return kpiWindow ? { ...result, kpiAggregation: kpiWindow.report(report.correctness.acked, opts.kpiBatching) } : result;
}

async function measureCeilings(stack: LocalStack): Promise<Ceilings> {
  const dynamoSamples: number[] = [];
  const wsEchoSamples: number[] = [];
  for (let i = 0; i < 3; i++) dynamoSamples.push(await measureDynamoWriteRate(stack.engines.dynamoEndpoint, stack.engines.tableName, 1, 32));
  for (let i = 0; i < 3; i++) wsEchoSamples.push(await measureWsEchoRate(1, 32));
  // The best of three: a ceiling is what the machine can do at all (DynamoDB Local's JIT warms up over the first seconds).
  return {
    dynamoWritesPerSecond: Math.max(...dynamoSamples),
    wsEchoRoundTripsPerSecond: Math.max(...wsEchoSamples),
    dynamoSamples,
    wsEchoSamples,
    measuredAt: new Date().toISOString(),
  };
}

/** A flooded or burst stack may still be working off a backlog: never let stopping it hold the bench lock for long. */
function exitIfStopHangs(): void {
  setTimeout(() => {
    console.error('the local stack did not stop within 20 s; exiting');
    process.exit(1);
  }, 20_000).unref();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--scenario=robot') || args[args.indexOf('--scenario') + 1] === 'robot') {
    // The FAQ robot's answer latency (bench/robot.ts): its own stack with the demo FAQ.
    const concurrency = Number(args.find((a) => a.startsWith('--concurrency='))?.slice(14) ?? 10);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 50) throw new Error('--concurrency= must be 1-50');
    const result = await runRobotBench({ buyers: Math.max(20, concurrency * 6), concurrency });
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'robot.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`${formatRobot(result)}\nJSON: bench/results/robot.json`);
    return;
  }
  const opts = options();
  // Handlers log through Powertools at the level the stack passes on; the benchmark keeps them to warnings.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  // Powertools Metrics prints one EMF line per stored message to stdout; in Lambda that goes to CloudWatch Logs.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const runStarted = Date.now();
  if (opts.outreach) {
    const result = await runOutreachBench(new Meters(), opts.outreach);
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'outreach.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${formatOutreach(result)}\n\nJSON: bench/results/outreach.json (${Math.round((Date.now() - runStarted) / 1000)} s in all)`);
    return;
  }
  if (opts.onboardingImport) {
    const result = await runOnboardingImport(new Meters());
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'onboarding-import.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${formatOnboardingImport(result)}\n\nJSON: bench/results/onboarding-import.json (${Math.round((Date.now() - runStarted) / 1000)} s in all)`);
    return;
  }
  if (opts.caseSweep) {
    const result = await runCaseSweep(new Meters());
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'case-sweep.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${formatCaseSweep(result)}\n\nJSON: bench/results/case-sweep.json (${Math.round((Date.now() - runStarted) / 1000)} s in all)`);
    return;
  }
  console.log(`kefu message benchmark: ${opts.flood ? 'flood' : opts.orders ? 'orders' : opts.scenarios.join(', ')} on ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average ${loadavg()[0]!.toFixed(2)}`);
  // Without --kpis the stream consumers are left out, so runs stay comparable with those before issue 9.
  // Read by the aggregator (shared/kpi/aggregate-changes.ts); handler threads inherit it.
  if (opts.kpis) process.env.KPI_FACT_BATCHING = opts.kpiBatching;
  const stack = await startLocalStack({ inMemory: true, ports: { http: 0, ws: 0 }, seed: false, quiet: true, manifest: opts.kpis ? manifest : { ...manifest, streamConsumers: [] } });
  const meters = new Meters();
  const monitorClient = new SQSClient({ endpoint: stack.engines.sqsEndpoint, region: localRegion, credentials: localCredentials });
  meters.ignoredClients.add(monitorClient);
  try {
    console.log(`local stack up in ${((Date.now() - runStarted) / 1000).toFixed(1)} s (HTTP ${stack.httpUrl}, WebSocket ${stack.wsUrl})`);
    const endpoint = process.env.WS_MANAGEMENT_ENDPOINT;
    if (!endpoint) throw new Error('the local stack did not set WS_MANAGEMENT_ENDPOINT');
    meters.instrumentDynamo(dynamo());
    meters.instrumentSqs(sqs());
    meters.instrumentConnections(connectionsApi(endpoint));
    meters.instrumentInvocations();

    // DynamoDB Local's JIT needs a few seconds of writes before its rate settles; warm it before the first ceiling.
    await measureDynamoWriteRate(stack.engines.dynamoEndpoint, stack.engines.tableName, 2, 32);
    const monitor = new QueueMonitor(monitorClient, stack.engines.queueUrls);
    if (opts.orders) {
      try {
        const result = await runOrders(stack, meters, opts.orders);
        mkdirSync(resultsDir, { recursive: true });
        writeFileSync(join(resultsDir, 'orders.json'), `${JSON.stringify(result, null, 2)}\n`);
        console.log(`\n${formatOrders(result)}\n\nJSON: bench/results/orders.json (${Math.round((Date.now() - runStarted) / 1000)} s in all)`);
      } finally {
        exitIfStopHangs();
      }
      return;
    }
    if (opts.midnight) {
      const result = await runMidnight(stack, meters);
      mkdirSync(resultsDir, { recursive: true });
      writeFileSync(join(resultsDir, 'midnight.json'), `${JSON.stringify(result, null, 2)}\n`);
      console.log(`\n${formatMidnight(result)}`);
      console.log(`\nJSON: bench/results/midnight.json (${Math.round((Date.now() - runStarted) / 1000)} s in all)`);
      return;
    }
    if (opts.flood) {
      try {
        const result = await runFlood(stack, meters);
        mkdirSync(resultsDir, { recursive: true });
        writeFileSync(join(resultsDir, 'flood.json'), `${JSON.stringify(result, null, 2)}\n`);
        console.log(`\n${formatFlood(result)}`);
        console.log(`\nJSON: bench/results/flood.json (${Math.round((Date.now() - runStarted) / 1000)} s in all)`);
      } finally {
        exitIfStopHangs();
      }
      return;
    }
    const results: (ScenarioResult & { handlerThreads: number })[] = [];
    const allCeilings: Ceilings[] = [];
    const failures: { scenario: string; handlerThreads: number; error: string }[] = [];
    const stoppedScenarios: string[] = [];
    for (const threads of opts.handlerThreads ?? [stack.handlerThreads]) {
      if (threads !== stack.handlerThreads) await stack.setHandlerThreads(threads);
      console.log(`\nhandlers ${threads === 0 ? "in the stack's thread" : `in ${threads} worker thread(s)`}`);
      for (const name of opts.scenarios) {
        // Measured right before each scenario on the same DynamoDB Local, so a ratio compares like with like on a noisy machine.
        const ceilings = await measureCeilings(stack);
        allCeilings.push(ceilings);
        console.log(
          `\nceilings: DynamoDB Local ${Math.round(ceilings.dynamoWritesPerSecond)} PutItem/s, raw ws echo ${Math.round(ceilings.wsEchoRoundTripsPerSecond)} round trips/s ` +
            `(32 in flight; best of 3 x 1 s: ${ceilings.dynamoSamples.map(Math.round).join(', ')} / ${ceilings.wsEchoSamples.map(Math.round).join(', ')})`,
        );
        if (name === 'hot') {
          // Its own phases and report (bench/hot.ts); not part of the summary table.
          const definition = defineScenario(name, { ...opts, fdLimit: fdLimit() });
          console.log(`\n[hot] ${definition.description}`);
          const hot = await runHot(stack, meters, definition, ceilings);
          mkdirSync(resultsDir, { recursive: true });
          writeFileSync(join(resultsDir, 'hot.json'), `${JSON.stringify(hot, null, 2)}\n`);
          console.log(`\n${formatHot(hot)}`);
          continue;
        }
        let result: ScenarioResult & { handlerThreads: number };
        try {
          result = { ...(await runScenario(stack, meters, monitor, name, opts, ceilings)), handlerThreads: threads };
        } catch (error) {
          // Comparing modes, a run that fails is a result of its mode: it is reported, and the next runs go on
          // once the stack has drained what the failed run left behind.
          if (!opts.handlerThreads || opts.handlerThreads.length < 2) throw error;
          console.log(`  [${name}] failed with handlers in ${threads} thread(s): ${(error as Error).message}`);
          failures.push({ scenario: name, handlerThreads: threads, error: (error as Error).message });
          await new Promise((resolve) => setTimeout(resolve, 45_000));
          continue;
        }
        if (result.completed === false) {
          // Stopped before its end: what it measured is written with the reason, but it is no result to summarize or compare.
          mkdirSync(resultsDir, { recursive: true });
          writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
          console.error(`\n[${name}] NOT COMPLETED: ${String(result.reason)}; what it measured is in bench/results/${name}.json`);
          stoppedScenarios.push(name);
          failures.push({ scenario: name, handlerThreads: threads, error: String(result.reason) });
          continue;
        }
        if ('kpiAggregation' in result) {
          const kpis = result.kpiAggregation as ReturnType<KpiWindow['report']>;
          const cost = kpis.withCatchUp ?? kpis.inWindow;
          console.log(
            `  [${name}] KPI aggregation (${kpis.batching}): +${cost?.writeUnitsPerMessage} WRU +${cost?.readUnitsPerMessage} RRU per message, US$${cost?.usdPerMillionMessages.total} per million messages (${cost?.transactionsPerRecord} transactions per record); ` +
              `message → KPI lag p50 ${kpis.lagMs.p50} ms, p99 ${kpis.lagMs.p99} ms (${kpis.lagMs.count} heads); backlog at the window's end ${kpis.backlogAtWindowEnd.records} records, caught up ${kpis.backlogAtWindowEnd.catchUpSeconds} s later (kept up: ${kpis.backlogAtWindowEnd.keptUp})`,
          );
        }
        results.push(result);
        mkdirSync(resultsDir, { recursive: true });
        writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
        if (opts.handlerThreads && opts.handlerThreads.length > 1) {
          const run = opts.handlerThreads.slice(0, results.length + failures.length).filter((n) => n === threads).length;
          writeFileSync(join(resultsDir, `${name}.threads-${threads}.run-${run}.json`), `${JSON.stringify(result, null, 2)}\n`);
        }
      }
    }
    if (opts.handlerThreads && opts.handlerThreads.length > 1) {
      const comparison = compareHandlerThreads(results, failures);
      writeFileSync(join(resultsDir, 'handler-threads.json'), `${JSON.stringify(comparison, null, 2)}\n`);
      console.log(`\n${formatHandlerThreadComparison(comparison)}`);
    }

    if (results.length === 0) {
      // Nothing for the summary (hot, flood, or every scenario stopped): it and the report stay as they were.
      if (stoppedScenarios.length > 0) throw new Error(`not completed: ${stoppedScenarios.join(', ')} (see their JSON for the reason and partial figures)`);
      return;
    }
    const summaryPath = join(resultsDir, 'summary.json');
    let previous: { scenarios?: Record<string, unknown> } = {};
    try {
      previous = JSON.parse(readFileSync(summaryPath, 'utf8')) as typeof previous;
    } catch {
      // first run
    }
    const summary = {
      measuredAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), node: process.version },
      // Scenarios not run this time keep their previous entry (each carries its own measuredAt).
      scenarios: { ...previous.scenarios, ...Object.fromEntries(results.map((r) => [r.scenario, { ...summaryEntry(r), handlerThreads: r.handlerThreads }])) },
      runSeconds: Math.round((Date.now() - runStarted) / 1000),
    };
    writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`\n${formatSummary(results, allCeilings)}`);
    console.log(`\nJSON: ${join('bench/results', '<scenario>.json')} and bench/results/summary.json (${Math.round((Date.now() - runStarted) / 1000)} s in all)`);
    // A scenario that did not finish fails the run; the summary keeps its previous, complete entry.
    if (stoppedScenarios.length > 0) throw new Error(`not completed: ${stoppedScenarios.join(', ')} (see their JSON for the reason and partial figures)`);
  } finally {
    meters.uninstall();
    monitorClient.destroy();
    // A scenario stopped mid-phase can leave the stack with work that never settles: the run still ends.
    const stopped = await Promise.race([stack.stop().then(() => true), new Promise<false>((resolve) => setTimeout(resolve, 30_000, false).unref())]);
    if (!stopped) console.error('the local stack did not stop within 30 s; exiting anyway');
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
