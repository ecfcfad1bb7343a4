import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { inject } from 'vitest';
import { startStreamPoller, type StreamPoller } from '../../infra/local/stream-poller';
import { streamConsumers } from '../../shared/manifest';
import { env } from '../../shared/runtime/env';

/**
 * The local stack's stream poller on the shared DynamoDB Local, for one manifest stream consumer. Every
 * test file's writes are on that one stream, so `handle` sees only the records of `tenantIds` (and is not
 * called for a batch with none); `seeAll` sees every record first, for a test that collects its own.
 */
export function pollTableStream(
  consumerName: string,
  tenantIds: readonly string[],
  handle: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>,
  seeAll?: (records: DynamoDBRecord[]) => void,
): Promise<StreamPoller> {
  const consumer = streamConsumers.find((spec) => spec.name === consumerName);
  if (!consumer) throw new Error(`no stream consumer ${consumerName} in the manifest`);
  return startStreamPoller({
    consumer,
    tableName: env().TABLE_NAME,
    dynamoEndpoint: inject('engines').dynamoEndpoint,
    idlePollMs: 100,
    log: { info: () => undefined, warn: (...args: unknown[]) => console.error(...args), error: (...args: unknown[]) => console.error(...args) } as never,
    invoke: async (_spec, event) => {
      const all = (event as DynamoDBStreamEvent).Records;
      seeAll?.(all);
      const records = all.filter((record) => tenantIds.some((tenantId) => record.dynamodb?.Keys?.pk?.S?.startsWith(`T#${tenantId}#`)));
      if (records.length === 0) return { batchItemFailures: [] };
      return (await handle({ Records: records })) ?? { batchItemFailures: [] };
    },
  });
}
