import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../runtime/observability';
import type { ItemChange } from '../kpi/facts';
import { publishMetrics } from './publish-metrics';

/** What a batch handler reports: how many of the changes it applied, in order, and what they touched. */
export interface StreamBatchOutcome<R> {
  /** The changes before this index are applied; a retry must start at it. */
  appliedThrough: number;
  touched: R[];
  error?: unknown;
}

/**
 * The DynamoDB stream consumer factory, for a domain function that takes a whole batch (records of one
 * shard, in order) so it can write their effects together. It answers as Powertools' BatchProcessor does
 * for streams (ReportBatchItemFailures): the first record not applied is reported by its sequence
 * number, so Lambda checkpoints before it and retries from it; when not even the first record applied,
 * the invocation fails, so bisect-on-error splits the batch, and after the retry limit the batch's
 * description goes to the on-failure SQS destination. Each image is unmarshalled into a plain item; the
 * tenant comes from the key (every tenant key starts `T#<tenant>`). The domain function must be
 * idempotent: a retried batch hands it records it may already have applied. `afterBatch` runs once per
 * invocation with what the applied records touched (notifications).
 */
export function streamConsumer<R>(handleBatch: (changes: ItemChange[]) => Promise<StreamBatchOutcome<R>>, afterBatch?: (results: R[]) => Promise<void>) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics())
    .handler(async (event: DynamoDBStreamEvent) => {
      const records: DynamoDBRecord[] = [];
      const changes: ItemChange[] = [];
      for (const record of event.Records) {
        const change = changeOf(record);
        if (change) (records.push(record), changes.push(change));
      }
      const outcome = changes.length > 0 ? await handleBatch(changes) : { appliedThrough: 0, touched: [] };
      if (afterBatch && outcome.touched.length > 0) {
        try {
          await afterBatch(outcome.touched);
        } catch (error) {
          // What afterBatch reports (a notification) is already stored; a retry would not make it truer.
          logger.warn('after-batch step failed', { error: error as Error });
        }
      }
      if (outcome.appliedThrough >= changes.length) return { batchItemFailures: [] };
      const failed = records[outcome.appliedThrough]!;
      logger.warn('stream batch failed at a record; it is retried from there, then sent to the on-failure queue', {
        sequenceNumber: failed.dynamodb?.SequenceNumber,
        eventName: failed.eventName,
        applied: outcome.appliedThrough,
        of: changes.length,
        error: outcome.error as Error,
      });
      // Nothing applied: fail the invocation, as the BatchProcessor does on a full batch failure, so Lambda bisects.
      if (outcome.appliedThrough === 0) throw outcome.error instanceof Error ? outcome.error : new Error('stream batch failed at its first record');
      return { batchItemFailures: [{ itemIdentifier: failed.dynamodb!.SequenceNumber! }] };
    });
}

/**
 * For a domain function that takes one change at a time: the batch's changes applied in order, stopping at
 * the first that fails (the ones after it wait for the retry, so one item's changes never apply out of order).
 */
export function oneChangeAtATime<R>(handle: (change: ItemChange) => Promise<R>): (changes: ItemChange[]) => Promise<StreamBatchOutcome<R>> {
  return async (changes) => {
    const touched: R[] = [];
    for (const [index, change] of changes.entries()) {
      try {
        touched.push(await handle(change));
      } catch (error) {
        return { appliedThrough: index, touched, error };
      }
    }
    return { appliedThrough: changes.length, touched };
  };
}

/** The record as an ItemChange, or undefined for an item outside any tenant (health probe, sweeps). */
export function changeOf(record: DynamoDBRecord): ItemChange | undefined {
  const data = record.dynamodb;
  if (!data?.SequenceNumber || !record.eventName) return undefined;
  const image = (value: unknown) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);
  const newImage = image(data.NewImage);
  const oldImage = image(data.OldImage);
  const pk = String((data.Keys?.pk as { S?: string } | undefined)?.S ?? newImage?.pk ?? oldImage?.pk ?? '');
  const tenant = /^T#([^#]+)/.exec(pk);
  if (!tenant) return undefined;
  const at = data.ApproximateCreationDateTime ? new Date(data.ApproximateCreationDateTime * 1000).toISOString() : new Date().toISOString();
  return { eventName: record.eventName, tenantId: tenant[1]!, oldImage, newImage, at, sequenceNumber: data.SequenceNumber };
}
