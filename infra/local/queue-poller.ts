import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { FunctionSpec, QueueConsumerSpec } from '../../shared/manifest';
import { localCredentials, localRegion } from './engines';
import type { LocalLog } from './log';

/** The parts of a manifest consumer the poller needs; tests pass their own with any handler module. */
export type PollerConsumer = FunctionSpec & Pick<QueueConsumerSpec, 'batchSize' | 'maxBatchingWindowSeconds' | 'maxConcurrency'>;

export interface QueuePollerOptions {
  consumer: PollerConsumer;
  queueUrl: string;
  sqsEndpoint: string;
  invoke: (spec: FunctionSpec, event: unknown) => Promise<unknown>;
  log: LocalLog;
}

export interface QueuePollerStatus {
  status: 'ok' | 'degraded' | 'stopped';
  queueUrl: string;
  batchesInFlight: number;
  batchesSucceeded: number;
  batchesFailed: number;
  recordsDeleted: number;
  lastError?: string;
}

export interface QueuePoller {
  name: string;
  status(): QueuePollerStatus;
  /** Stops receiving, lets batches in flight finish, and hands back records gathered but not yet invoked. */
  stop(): Promise<void>;
}

/** SQS's per-call maximum; Lambda gathers bigger batches from several receives. */
const maxPerReceive = 10;
const longPollSeconds = 20;

/**
 * Lambda's SQS event source mapping, locally: up to `maxConcurrency` pollers each long-poll the queue,
 * gather up to `batchSize` records within `maxBatchingWindowSeconds` of the first one, and invoke the
 * handler with a real SQSEvent. On success every record not named in `batchItemFailures` is deleted; a
 * thrown error or timeout deletes nothing, so the records come back after the visibility timeout and,
 * after maxReceiveCount receives, the SQS server moves them to the DLQ. As in Lambda, a response naming an
 * unknown or empty itemIdentifier counts as a failure of the whole batch.
 */
export async function startQueuePoller(options: QueuePollerOptions): Promise<QueuePoller> {
  const { consumer, queueUrl, log } = options;
  const client = new SQSClient({ endpoint: options.sqsEndpoint, region: localRegion, credentials: localCredentials, maxAttempts: 1 });
  const attributes = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attributes.Attributes?.QueueArn ?? `arn:aws:sqs:${localRegion}:000000000000:${queueUrl.split('/').pop()}`;
  const awsRegion = queueArn.split(':')[3] ?? localRegion;

  const abort = new AbortController();
  const stats = { batchesInFlight: 0, batchesSucceeded: 0, batchesFailed: 0, recordsDeleted: 0 };
  let lastError: { message: string; at: number } | undefined;
  let stopped = false;

  async function receive(max: number, waitSeconds: number): Promise<Message[]> {
    const result = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(maxPerReceive, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: abort.signal },
    );
    return result.Messages ?? [];
  }

  /** Long-polls for the first record, then keeps gathering until the batch is full or the window closes. */
  async function gather(batch: Message[]): Promise<void> {
    while (batch.length === 0 && !stopped) batch.push(...(await receive(consumer.batchSize, longPollSeconds)));
    const windowEnds = Date.now() + consumer.maxBatchingWindowSeconds * 1000;
    while (!stopped && batch.length < consumer.batchSize && Date.now() < windowEnds) {
      const wait = Math.min(longPollSeconds, Math.ceil((windowEnds - Date.now()) / 1000));
      batch.push(...(await receive(consumer.batchSize - batch.length, wait)));
    }
  }

  async function invokeBatch(messages: Message[]): Promise<void> {
    const event: SQSEvent = { Records: messages.map((message) => toRecord(message, queueArn, awsRegion)) };
    stats.batchesInFlight += 1;
    try {
      let failed: Set<string> | 'all';
      try {
        failed = failedRecordIds(await options.invoke(consumer, event), messages);
      } catch (error) {
        log.warn(`${consumer.name}: batch of ${messages.length} failed; its records return after the visibility timeout`, error);
        failed = 'all';
      }
      if (failed === 'all') {
        stats.batchesFailed += 1;
        return;
      }
      if (failed.size > 0) log.info(`${consumer.name}: ${failed.size} of ${messages.length} records reported failed`);
      await deleteMessages(messages.filter((message) => !failed.has(message.MessageId ?? '')));
      stats.batchesSucceeded += 1;
    } finally {
      stats.batchesInFlight -= 1;
    }
  }

  async function deleteMessages(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += maxPerReceive) {
      const chunk = messages.slice(i, i + maxPerReceive);
      const result = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((message, n) => ({ Id: String(n), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      stats.recordsDeleted += result.Successful?.length ?? 0;
      if (result.Failed?.length) log.warn(`${consumer.name}: ${result.Failed.length} processed records could not be deleted and will be redelivered`);
    }
  }

  /** Records gathered when stop() came are made visible again at once instead of after the timeout. */
  async function release(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += maxPerReceive) {
      const chunk = messages.slice(i, i + maxPerReceive);
      await client
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((message, n) => ({ Id: String(n), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 })),
          }),
        )
        .catch(() => undefined);
    }
  }

  async function worker(): Promise<void> {
    while (!stopped) {
      const batch: Message[] = [];
      try {
        await gather(batch);
      } catch (error) {
        if (!stopped) {
          lastError = { message: (error as Error).message, at: Date.now() };
          log.warn(`${consumer.name}: receiving from the queue failed; retrying in 1 s`, error);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      if (batch.length === 0) continue;
      if (stopped) {
        await release(batch);
        return;
      }
      await invokeBatch(batch);
    }
  }

  const workers = Array.from({ length: Math.max(1, consumer.maxConcurrency) }, () => worker());
  log.info(`${consumer.name} polls ${queueUrl} (batch ${consumer.batchSize}, window ${consumer.maxBatchingWindowSeconds} s, concurrency ${consumer.maxConcurrency})`);

  return {
    name: consumer.name,
    status: () => ({
      status: stopped ? 'stopped' : lastError && Date.now() - lastError.at < 30_000 ? 'degraded' : 'ok',
      queueUrl,
      ...stats,
      ...(lastError ? { lastError: lastError.message } : {}),
    }),
    async stop() {
      if (stopped) return;
      stopped = true;
      abort.abort();
      await Promise.allSettled(workers);
      client.destroy();
    },
  };
}

/** The record Lambda builds from a received message (attribute names and casing as Lambda sends them). */
export function toRecord(message: Message, eventSourceARN: string, awsRegion: string): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: message.Attributes as unknown as SQSRecord['attributes'],
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
}

/**
 * The records a handler reported failed (ReportBatchItemFailures). An empty or missing list means all
 * succeeded; an identifier that is empty or not in the batch makes Lambda treat the whole batch as failed.
 */
export function failedRecordIds(result: unknown, messages: Message[]): Set<string> | 'all' {
  const failures = (result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (!Array.isArray(failures)) return new Set();
  const inBatch = new Set(messages.map((message) => message.MessageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !inBatch.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}
