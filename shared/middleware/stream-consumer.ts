import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../runtime/observability';
import type { ItemChange } from '../kpi/facts';
import { publishMetrics } from './publish-metrics';

/**
 * The DynamoDB stream consumer factory: Powertools' BatchProcessor for DynamoDB streams reports the
 * first failed record's sequence number (ReportBatchItemFailures), so Lambda retries from there (with
 * bisect-on-error and a retry limit from the manifest) and finally sends the batch's description to the
 * on-failure SQS destination. Records are handled one after another, in the shard's order. Each image is
 * unmarshalled into a plain item; the tenant comes from the key (every tenant key starts `T#<tenant>`).
 * The domain function must be idempotent: a retried batch hands it the same records again.
 * `afterBatch` runs once per invocation with what the records returned (notifications).
 */
export function streamConsumer<R>(handleChange: (change: ItemChange) => Promise<R[]>, afterBatch?: (results: R[]) => Promise<void>) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics())
    .handler(async (event: DynamoDBStreamEvent, context: Context) => {
      const results: R[] = [];
      const recordHandler = async (record: DynamoDBRecord) => {
        const change = changeOf(record);
        if (!change) return;
        try {
          results.push(...(await handleChange(change)));
        } catch (error) {
          logger.warn('stream record failed; the batch is retried from it, then sent to the on-failure queue', {
            sequenceNumber: record.dynamodb?.SequenceNumber,
            eventName: record.eventName,
            error: error as Error,
          });
          throw error;
        }
      };
      const response = await processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
      if (afterBatch && results.length > 0) {
        try {
          await afterBatch(results);
        } catch (error) {
          // What afterBatch reports (a notification) is already stored; a retry would not make it truer.
          logger.warn('after-batch step failed', { error: error as Error });
        }
      }
      return response;
    });
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
