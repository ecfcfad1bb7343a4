import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { handler } from '../../functions/queue/deliver-messages';
import type { MessageDeliveryJob } from '../../shared/conversations/jobs';
import { resetEnvForTests } from '../../shared/runtime/env';
import { toQueueBody } from '../../shared/notify/job-queues';
import { lambdaContext } from '../support/events';

const dynamoMock = mockClient(DynamoDBDocumentClient);
const apiMock = mockClient(ApiGatewayManagementApiClient);

const job = (seq: number, recipients = ['buyer-1', 'agent-1']): MessageDeliveryJob => ({
  type: 'message',
  tenantId: 't1',
  conversationId: 'conv-1',
  shopId: 'shop-1',
  recipients,
  message: {
    conversationId: 'conv-1',
    seq,
    senderId: 'sup-1',
    senderRole: 'supervisor',
    clientMessageId: `c-${seq}`,
    text: `亲 ${seq} 😀`,
    createdAt: '2026-11-11T00:00:00.000Z',
  },
});

const record = (body: string, messageId: string): SQSRecord =>
  ({ messageId, receiptHandle: `rh-${messageId}`, body, attributes: {}, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:kefu-delivery', awsRegion: 'us-east-1' }) as SQSRecord;
const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** Connections by user, as the connection repository's Query returns them. */
function connections(byUser: Record<string, string[]>) {
  dynamoMock.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: { ':pk': string } }) => {
    const pk = input.ExpressionAttributeValues[':pk'];
    if (!pk.startsWith('T#t1#USER#')) throw new Error(`unexpected Query of ${pk}`);
    const userId = pk.replace('T#t1#USER#', '');
    return { Items: (byUser[userId] ?? []).map((connectionId) => ({ connectionId, userId, role: 'buyer', connectedAt: 'x' })) };
  });
}

const postedTo = () => apiMock.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input.ConnectionId);

describe('delivery consumer (unit, aws-sdk-client-mock)', () => {
  beforeAll(() => {
    process.env.WS_MANAGEMENT_ENDPOINT = 'https://abc123.execute-api.us-east-1.amazonaws.com/prod';
    resetEnvForTests();
  });
  afterAll(() => {
    dynamoMock.restore();
    apiMock.restore();
  });
  beforeEach(() => {
    dynamoMock.reset();
    apiMock.reset();
  });

  it('posts the message frame to every live connection of every recipient, with exact inputs', async () => {
    connections({ 'buyer-1': ['b-phone', 'b-laptop'], 'agent-1': ['a-tab'] });
    apiMock.on(PostToConnectionCommand).resolves({});
    const result = await handler(event(record(toQueueBody(job(7)), 'm1')), lambdaContext);
    expect(result).toEqual({ batchItemFailures: [] });

    // One Query per recipient, of its connections: nothing else is read (watchers come in the job).
    const queries = dynamoMock.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({
      TableName: 'kefu-test',
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: '#expiresAt > :now',
      ExpressionAttributeValues: { ':pk': 'T#t1#USER#buyer-1', ':prefix': 'CONN#' },
    });
    expect(queries[1]?.ExpressionAttributeValues?.[':pk']).toBe('T#t1#USER#agent-1');
    expect(dynamoMock.calls()).toHaveLength(2);

    expect(postedTo().sort()).toEqual(['a-tab', 'b-laptop', 'b-phone']);
    const data = apiMock.commandCalls(PostToConnectionCommand)[0]!.args[0].input.Data as Uint8Array;
    expect(JSON.parse(Buffer.from(data).toString('utf8'))).toEqual({ type: 'message', conversationId: 'conv-1', seq: 7, message: job(7).message });
    expect(dynamoMock.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('posts to the watching supervisors the job names, never the sender', async () => {
    connections({ 'buyer-1': ['b1'], 'sup-2': ['s2'], 'sup-1': ['s1-own-tab'] });
    apiMock.on(PostToConnectionCommand).resolves({});
    // sendMessage put the watchers in the job (test/unit/messaging-send.test.ts) and leaves the sender
    // out; should a job name the sender anyway, the consumer still skips it.
    await handler(event(record(toQueueBody(job(3, ['buyer-1', 'sup-2', 'sup-1'])), 'm1')), lambdaContext);
    // sup-1 sent the message: its own tab gets the ack, not a copy.
    expect(postedTo().sort()).toEqual(['b1', 's2']);
    expect(dynamoMock.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues?.[':pk']).sort()).toEqual([
      'T#t1#USER#buyer-1',
      'T#t1#USER#sup-2',
    ]);
  });

  it('removes only the recipient connection that is gone; the others still receive (row 11)', async () => {
    connections({ 'buyer-1': ['b-stale', 'b-live'], 'agent-1': ['a-tab'] });
    apiMock.on(PostToConnectionCommand).resolves({});
    apiMock.on(PostToConnectionCommand, { ConnectionId: 'b-stale' }).rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));
    dynamoMock.on(DeleteCommand).resolves({});
    const result = await handler(event(record(toQueueBody(job(1)), 'm1')), lambdaContext);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(postedTo().sort()).toEqual(['a-tab', 'b-live', 'b-stale']);
    const deletes = dynamoMock.commandCalls(DeleteCommand).map((call) => call.args[0].input);
    // Conditional on its age: a record still in its $connect also answers 410 (test/integration/connections.test.ts).
    expect(deletes).toEqual([
      { TableName: 'kefu-test', Key: { pk: 'T#t1#USER#buyer-1', sk: 'CONN#b-stale' }, ConditionExpression: 'connectedAt < :connectingSince', ExpressionAttributeValues: { ':connectingSince': expect.any(String) } },
    ]);
  });

  it('reports only the poison record of a batch as failed (row 4)', async () => {
    connections({ 'buyer-1': ['b1'] });
    apiMock.on(PostToConnectionCommand).resolves({});
    const result = await handler(
      event(
        record(toQueueBody(job(1, ['buyer-1'])), 'ok-1'),
        record('{not json', 'poison-json'),
        record(JSON.stringify({ ...job(2), tenantId: 'T#x' }), 'poison-tenant'),
        record(JSON.stringify({ ...job(3), extra: 'mass assignment' }), 'poison-extra'),
        record(toQueueBody(job(4, ['buyer-1'])), 'ok-2'),
      ),
      lambdaContext,
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison-json' }, { itemIdentifier: 'poison-tenant' }, { itemIdentifier: 'poison-extra' }] });
    expect(postedTo()).toEqual(['b1', 'b1']);
  });

  it('fails a record whose post fails for another reason, after trying every connection', async () => {
    connections({ 'buyer-1': ['b1', 'b2'], 'agent-1': ['a1'] });
    apiMock.on(PostToConnectionCommand).resolves({});
    apiMock.on(PostToConnectionCommand, { ConnectionId: 'b1' }).rejects(Object.assign(new Error('throttled'), { name: 'LimitExceededException' }));
    const result = await handler(event(record(toQueueBody(job(1)), 'm1'), record(toQueueBody(job(2, ['agent-1'])), 'm2')), lambdaContext);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(postedTo().filter((id) => id === 'b2')).toHaveLength(1);
    // Not gone: the connection record stays.
    expect(dynamoMock.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('fails the whole batch when every record fails, so nothing is silently dropped (row 5)', async () => {
    dynamoMock.on(QueryCommand).rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(handler(event(record(toQueueBody(job(1)), 'm1'), record('[]', 'm2')), lambdaContext)).rejects.toThrow(/All records failed/);
  });

  it('escapes every non-ASCII character in queue bodies so any SQS accepts them, losslessly', () => {
    const body = toQueueBody(job(1));
    expect(body).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(body)).toEqual(job(1));
  });
});
