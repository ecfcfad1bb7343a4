import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { Meters, type MeterSnapshot } from '../../bench/meters';
import { env } from '../../shared/runtime/env';

/**
 * The benchmark's meters as handler threads use them: each thread drains its counts after every
 * invocation while other invocations' calls are still in flight (against DynamoDB Local).
 */
const writeUnits = (snapshot: MeterSnapshot | undefined) =>
  Object.values(snapshot?.dynamo ?? {}).flatMap((ops) => Object.values(ops)).reduce((sum, stats) => sum + stats.billedWriteUnits, 0);

describe('bench meters', () => {
  it('count a call\'s capacity in the drain after it ends, when a drain happened while it was in flight', async () => {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const meters = new Meters();
    meters.instrumentDynamo(client);
    const put = client.send(new PutCommand({ TableName: env().TABLE_NAME, Item: { pk: 'BENCH#meters', sk: 'x', value: 1 } }));
    const whileInFlight = meters.drain();
    await put;
    const after = meters.drain();
    expect(writeUnits(whileInFlight)).toBe(0);
    expect(writeUnits(after)).toBe(1);
    client.destroy();
  });

  it('merge a handler thread\'s drained counts into the stack thread\'s', async () => {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const inThread = new Meters();
    inThread.instrumentDynamo(client);
    for (const sk of ['a', 'b']) await client.send(new PutCommand({ TableName: env().TABLE_NAME, Item: { pk: 'BENCH#meters', sk } }));
    const stack = new Meters();
    stack.merge(inThread.drain()!);
    stack.merge(inThread.drain() ?? { startedAt: 0, endedAt: 0, dynamo: {}, sqs: {}, posts: {}, invocations: {} });
    expect(stack.snapshot().dynamo.outside?.PutItem).toMatchObject({ calls: 2, billedWriteUnits: 2 });
    client.destroy();
  });
});
