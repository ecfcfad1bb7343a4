import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../http/errors';
import { env } from '../runtime/env';

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

/** BatchWriteItem's limit on requests per call. */
const requestsPerBatch = 25;
const maxRetries = 8;
/** Calls in flight at once: enough to keep a bulk import busy without throttling a cold partition. */
const parallelCalls = 8;

/**
 * Puts and deletes in bulk: 25 a call, a few calls in parallel, unprocessed requests (throttling) retried
 * with exponential backoff. Each write is idempotent (a Put of a whole item, a Delete), so retrying all
 * of it after a failure is safe. Throws ServiceUnavailableError if requests stay unprocessed.
 */
export async function batchWriteAll(client: DynamoDBDocumentClient, requests: readonly WriteRequest[]): Promise<void> {
  const table = env().TABLE_NAME;
  const chunks: WriteRequest[][] = [];
  for (let start = 0; start < requests.length; start += requestsPerBatch) chunks.push(requests.slice(start, start + requestsPerBatch));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending = chunks[next++]!;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > maxRetries) throw new ServiceUnavailableError('bulk write throttled, retry');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 25 * 2 ** attempt)));
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelCalls, chunks.length) }, worker));
}

export const putRequest = (item: Record<string, unknown>): WriteRequest => ({ PutRequest: { Item: item } });
export const deleteRequest = (key: { pk: string; sk: string }): WriteRequest => ({ DeleteRequest: { Key: key } });
