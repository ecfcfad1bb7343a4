import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { FunctionSpec, StreamConsumerSpec } from '../../shared/manifest';
import { tableSchema } from '../../shared/store/table-schema';
import { localCredentials, localRegion } from './engines';
import type { LocalLog } from './log';

/** The parts of a manifest stream consumer the poller needs; tests pass their own. */
export type StreamPollerConsumer = FunctionSpec & Pick<StreamConsumerSpec, 'batchSize' | 'entities' | 'removedEntities' | 'retryAttempts'>;

export interface StreamPollerOptions {
  consumer: StreamPollerConsumer;
  tableName: string;
  dynamoEndpoint: string;
  invoke: (spec: FunctionSpec, event: unknown) => Promise<unknown>;
  log: LocalLog;
  /** How often each shard is read when it had nothing (Lambda polls a shard about 4 times a second). */
  idlePollMs?: number;
}

export interface StreamPollerStatus {
  status: 'ok' | 'degraded' | 'stopped';
  shards: number;
  batchesSucceeded: number;
  batchesFailed: number;
  recordsDelivered: number;
  /** Records given up on after retryAttempts (the cloud sends them to the stream-failure queue). */
  recordsDiscarded: number;
  lastError?: string;
}

export interface StreamPoller {
  name: string;
  status(): StreamPollerStatus;
  stop(): Promise<void>;
}

const shardDiscoveryMs = 2000;

/**
 * Lambda's DynamoDB stream event source mapping, locally, on DynamoDB Local's stream: every shard is read
 * from TRIM_HORIZON in order (new shards found every 2 s), records outside the consumer's entities are
 * filtered out as Lambda's filter criteria would, and the rest are handed to the handler in batches of up
 * to `batchSize` as a real DynamoDBStreamEvent. Checkpoints per shard (in memory): a batch that throws is
 * retried whole; one that reports `batchItemFailures` is retried from the first failed record; after
 * `retryAttempts` retries its records are logged and skipped (in the cloud, to the on-failure queue).
 */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { consumer, log } = options;
  const clientConfig = { endpoint: options.dynamoEndpoint, region: localRegion, credentials: localCredentials };
  const dynamo = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  const table = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
  const entities = new Set(consumer.entities);
  const removedEntities = new Set(consumer.removedEntities ?? []);
  const entityOf = (image: Record<string, { S?: string }> | undefined) => String(image?.[tableSchema.entityAttribute]?.S ?? '');
  const idlePollMs = options.idlePollMs ?? 250;

  const stats = { batchesSucceeded: 0, batchesFailed: 0, recordsDelivered: 0, recordsDiscarded: 0 };
  let lastError: { message: string; at: number } | undefined;
  let stopped = false;
  const readers = new Map<string, Promise<void>>();

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Invokes the handler until the batch succeeds or its retries run out; returns the records still to hand over. */
  async function deliver(records: DynamoDBRecord[]): Promise<void> {
    let pending = records;
    let attempt = 0;
    while (pending.length > 0 && !stopped) {
      let failedFrom: number;
      try {
        const result = (await options.invoke(consumer, { Records: pending } satisfies DynamoDBStreamEvent)) as { batchItemFailures?: { itemIdentifier?: string }[] } | undefined;
        const failures = result?.batchItemFailures ?? [];
        if (failures.length === 0) {
          stats.batchesSucceeded += 1;
          stats.recordsDelivered += pending.length;
          return;
        }
        // Lambda checkpoints before the lowest failed sequence number and retries from it.
        const ids = new Set(failures.map((failure) => failure.itemIdentifier));
        failedFrom = pending.findIndex((record) => ids.has(record.dynamodb?.SequenceNumber));
        if (failedFrom < 0) failedFrom = 0;
      } catch (error) {
        lastError = { message: (error as Error).message, at: Date.now() };
        log.warn(`${consumer.name}: stream batch of ${pending.length} failed; retrying`, error);
        failedFrom = 0;
      }
      stats.batchesFailed += 1;
      stats.recordsDelivered += failedFrom;
      pending = pending.slice(failedFrom);
      attempt += 1;
      if (attempt > consumer.retryAttempts) {
        log.error(`${consumer.name}: gave up on ${pending.length} stream records after ${consumer.retryAttempts} retries (first ${pending[0]?.dynamodb?.SequenceNumber})`);
        stats.recordsDiscarded += pending.length;
        return;
      }
      await sleep(Math.min(5000, 100 * 2 ** attempt));
    }
  }

  async function readShard(shardId: string): Promise<void> {
    let iterator: string | undefined;
    try {
      iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    } catch (error) {
      if (!stopped) log.warn(`${consumer.name}: no iterator for stream shard ${shardId}`, error);
    }
    while (iterator && !stopped) {
      let next: string | undefined;
      let records: StreamRecord[];
      try {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: consumer.batchSize }));
        records = page.Records ?? [];
        next = page.NextShardIterator;
      } catch (error) {
        if (stopped) return;
        lastError = { message: (error as Error).message, at: Date.now() };
        log.warn(`${consumer.name}: reading stream shard ${shardId} failed; retrying in 1 s`, error);
        await sleep(1000);
        continue;
      }
      const wanted = records.filter(
        (record) =>
          entities.has(entityOf(record.dynamodb?.NewImage)) || (record.eventName === 'REMOVE' && removedEntities.has(entityOf(record.dynamodb?.OldImage))),
      );
      if (wanted.length > 0) await deliver(wanted.map((record) => toLambdaRecord(record, streamArn!)));
      iterator = next;
      if (records.length === 0) await sleep(idlePollMs);
    }
    readers.delete(shardId);
  }

  async function discoverShards(): Promise<void> {
    while (!stopped) {
      try {
        const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
        for (const shard of description.StreamDescription?.Shards ?? []) {
          const shardId = shard.ShardId;
          if (shardId && !readers.has(shardId) && !finished.has(shardId)) {
            finished.add(shardId);
            readers.set(shardId, readShard(shardId));
          }
        }
      } catch (error) {
        if (!stopped) lastError = { message: (error as Error).message, at: Date.now() };
      }
      await sleep(shardDiscoveryMs);
    }
  }
  // Shards ever started: a closed shard is read to its end once, never again.
  const finished = new Set<string>();
  const discovery = discoverShards();
  log.info(`${consumer.name} reads ${options.tableName}'s stream (batch ${consumer.batchSize}, entities ${[...entities].join(', ')})`);

  return {
    name: consumer.name,
    status: () => ({
      status: stopped ? 'stopped' : lastError && Date.now() - lastError.at < 30_000 ? 'degraded' : 'ok',
      shards: readers.size,
      ...stats,
      ...(lastError ? { lastError: lastError.message } : {}),
    }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([discovery, ...readers.values()]);
      dynamo.destroy();
      streams.destroy();
    },
  };
}

/** A stream record as Lambda hands it over (ApproximateCreationDateTime in epoch seconds). */
export function toLambdaRecord(record: StreamRecord, eventSourceARN: string): DynamoDBRecord {
  const data = record.dynamodb ?? {};
  const created = data.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? localRegion,
    eventSourceARN,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: created instanceof Date ? created.getTime() / 1000 : Number(created) } : {}),
      Keys: asLambdaJson(data.Keys) as never,
      ...(data.NewImage ? { NewImage: asLambdaJson(data.NewImage) as never } : {}),
      ...(data.OldImage ? { OldImage: asLambdaJson(data.OldImage) as never } : {}),
      SequenceNumber: data.SequenceNumber,
      SizeBytes: data.SizeBytes,
      StreamViewType: data.StreamViewType as never,
    },
  };
}

/**
 * Attribute values as Lambda's JSON event spells them: the streams SDK hands an empty map back as `{}`
 * (no `M`), and binary values as bytes where Lambda sends base64.
 */
function asLambdaJson(image: Record<string, unknown> | undefined): Record<string, unknown> {
  const value = (attribute: unknown): unknown => {
    const typed = (attribute ?? {}) as Record<string, unknown>;
    if (Object.keys(typed).length === 0) return { M: {} };
    if (typed.M) return { M: asLambdaJson(typed.M as Record<string, unknown>) };
    if (typed.L) return { L: (typed.L as unknown[]).map(value) };
    if (typed.B instanceof Uint8Array) return { B: Buffer.from(typed.B).toString('base64') };
    if (Array.isArray(typed.BS)) return { BS: typed.BS.map((bytes: Uint8Array) => Buffer.from(bytes).toString('base64')) };
    return typed;
  };
  return Object.fromEntries(Object.entries(image ?? {}).map(([name, attribute]) => [name, value(attribute)]));
}
