import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { AppError } from '../http/errors';
import { parseOrThrow } from '../http/zod-errors';
import { logger } from '../runtime/observability';
import { publishMetrics } from './publish-metrics';

/**
 * The SQS consumer factory: Powertools' BatchProcessor reports only failed records back to the event
 * source mapping (ReportBatchItemFailures), so one poison record is retried alone and reaches the DLQ
 * after maxReceiveCount; if every record fails, the whole batch is retried. Record bodies are parsed with
 * zod before the domain function sees them. The domain function must be idempotent: SQS delivers at
 * least once.
 */
export function queueConsumer<S extends z.ZodType>(
  schema: S,
  handleRecord: (body: z.infer<S>, record: SQSRecord) => Promise<void>,
) {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord) => {
    try {
      let json: unknown;
      try {
        json = JSON.parse(record.body);
      } catch {
        throw new Error(`record ${record.messageId} is not JSON`);
      }
      await handleRecord(parseOrThrow(schema, json, 'record'), record);
    } catch (error) {
      // The reason a record failed (and, after maxReceiveCount, why it is in the DLQ) is in the log.
      logger.warn('queue record failed; it will be retried, then dead-lettered', {
        sqsMessageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        error: error as Error,
        ...(error instanceof AppError && error.details.length > 0 ? { fields: error.details } : {}),
      });
      throw error;
    }
  };
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics())
    .handler(async (event: SQSEvent, context: Context) => processPartialResponse(event, recordHandler, processor, { context }));
}
