import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { env } from '../../shared/runtime/env';
import { ServiceUnavailableError } from '../../shared/http/errors';
import { batchGetAll, liveItemsOf } from '../../shared/store/read-all';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const mock = mockClient(client);
const key = (n: number) => ({ pk: `P#${n}`, sk: 'S' });

/** What each Query was sent, copied when it was sent: paginateQuery reuses one input object for every page. */
function recordQueries(pages: { Items: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }[]) {
  const sent: Record<string, unknown>[] = [];
  let call = 0;
  mock.on(QueryCommand).callsFake((input: Record<string, unknown>) => {
    sent.push(structuredClone(input));
    return pages[call++];
  });
  return sent;
}

describe('liveItemsOf (unit, exact command input)', () => {
  beforeEach(() => mock.reset());

  it('asks only for items whose expiresAt (epoch seconds) is after now, on every page, each page starting after the previous one', async () => {
    const sent = recordQueries([{ Items: [], LastEvaluatedKey: key(1) }, { Items: [key(2)], LastEvaluatedKey: key(2) }, { Items: [key(3)] }]);
    const now = new Date('2026-11-11T00:00:00.900Z');
    expect(await liveItemsOf(client, { pk: 'P', skPrefix: 'CONN#' }, now)).toEqual([key(2), key(3)]);
    const query = {
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: '#expiresAt > :now',
      ExpressionAttributeNames: { '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: { ':pk': 'P', ':prefix': 'CONN#', ':now': Date.parse('2026-11-11T00:00:00Z') / 1000 },
    };
    expect(sent).toEqual([query, { ...query, ExclusiveStartKey: key(1) }, { ...query, ExclusiveStartKey: key(2) }]);
  });
});

describe('batchGetAll (unit, exact command input)', () => {
  beforeEach(() => mock.reset());
  afterEach(() => vi.useRealTimers());

  it('asks for 100 keys a call, retries the unprocessed ones, and passes ConsistentRead only when given', async () => {
    const table = env().TABLE_NAME;
    const keys = Array.from({ length: 150 }, (_, n) => key(n));
    mock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [table]: keys.slice(0, 99) }, UnprocessedKeys: { [table]: { Keys: [key(99)] } } })
      .resolvesOnce({ Responses: { [table]: [key(99)] } })
      .resolvesOnce({ Responses: { [table]: keys.slice(100) } });
    expect(await batchGetAll(client, keys, { consistentRead: true })).toEqual(keys);
    const requests = mock.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems?.[table]);
    expect(requests).toEqual([
      { Keys: keys.slice(0, 100), ConsistentRead: true },
      { Keys: [key(99)], ConsistentRead: true },
      { Keys: keys.slice(100), ConsistentRead: true },
    ]);

    mock.reset();
    mock.on(BatchGetCommand).resolves({ Responses: { [table]: [key(1)] } });
    await batchGetAll(client, [key(1)]);
    expect(mock.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems?.[table]).toEqual({ Keys: [key(1)] });
  });

  it('gives up with a retryable ServiceUnavailableError (503) when keys stay unprocessed after 8 retries', async () => {
    vi.useFakeTimers();
    const table = env().TABLE_NAME;
    mock.on(BatchGetCommand).resolves({ Responses: { [table]: [] }, UnprocessedKeys: { [table]: { Keys: [key(1)] } } });
    const result = batchGetAll(client, [key(1)]);
    const settled = expect(result).rejects.toBeInstanceOf(ServiceUnavailableError);
    await vi.runAllTimersAsync();
    await settled;
    expect(mock.commandCalls(BatchGetCommand)).toHaveLength(9);
  });
});
