import { describe, expect, it } from 'vitest';
import type { Message } from '@aws-sdk/client-sqs';
import { evaluateAuthorizerResult } from '../../../infra/local/authorizer-policy';
import { connectionIdFromPath, handleConnectionsRequest, type ManagedConnection } from '../../../infra/local/connections-endpoint';
import { fromHandlerResult } from '../../../infra/local/http-api-event';
import { failedRecordIds, toRecord } from '../../../infra/local/queue-poller';
import { selectRoute } from '../../../infra/local/websocket-events';

const arn = 'arn:aws:execute-api:us-east-1:000000000000:local/local/$connect';
const policy = (effect: string, resource: unknown = arn, extra: Record<string, unknown> = {}) => ({
  principalId: 'u1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  ...extra,
});

describe('authorizer results, read as API Gateway reads them', () => {
  it('admits an Allow on the method ARN (wildcards too) and passes the context plus principalId', () => {
    expect(evaluateAuthorizerResult(policy('Allow', arn, { context: { tenantId: 't1', n: 1, ok: true } }), arn)).toEqual({
      effect: 'Allow',
      authorizer: { tenantId: 't1', n: 1, ok: true, principalId: 'u1' },
    });
    expect(evaluateAuthorizerResult(policy('Allow', 'arn:aws:execute-api:*:*:local/*'), arn).effect).toBe('Allow');
  });

  it('refuses a Deny, an Allow on another resource, and an explicit Deny next to an Allow', () => {
    expect(evaluateAuthorizerResult(policy('Deny'), arn).effect).toBe('Deny');
    expect(evaluateAuthorizerResult(policy('Allow', 'arn:aws:execute-api:us-east-1:000000000000:other/*'), arn).effect).toBe('Deny');
    const both = policy('Allow');
    both.policyDocument.Statement.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: '*' });
    expect(evaluateAuthorizerResult(both, arn).effect).toBe('Deny');
  });

  it('treats a missing policy or a nested context value as an authorizer failure', () => {
    expect(evaluateAuthorizerResult(undefined, arn).effect).toBe('Invalid');
    expect(evaluateAuthorizerResult({ principalId: 'u1' }, arn).effect).toBe('Invalid');
    expect(evaluateAuthorizerResult(policy('Allow', arn, { context: { shops: ['a'] } }), arn).effect).toBe('Invalid');
  });
});

describe('WebSocket route selection ($request.body.action)', () => {
  const keys = new Set(['ping', 'sendMessage']);
  it.each([
    ['{"action":"ping"}', 'ping'],
    ['{"action":"nope"}', '$default'],
    ['{"action":"$connect"}', '$default'],
    ['{"action":7}', '$default'],
    ['not json', '$default'],
    ['[1,2]', '$default'],
    ['null', '$default'],
  ])('%s → %s', (body, route) => {
    expect(selectRoute(body, keys)).toBe(route);
  });
});

describe('HTTP API result mapping (payload 2.0)', () => {
  it('uses a structured result as is, lower-casing headers and decoding base64 bodies', () => {
    const response = fromHandlerResult({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', 'X-Count': 3 },
      cookies: ['a=1'],
      body: Buffer.from('hi').toString('base64'),
      isBase64Encoded: true,
    });
    expect(response).toEqual({ statusCode: 201, headers: { 'content-type': 'text/plain', 'x-count': '3' }, cookies: ['a=1'], body: Buffer.from('hi') });
  });

  it('turns a string or an object without statusCode into a 200 JSON response', () => {
    expect(fromHandlerResult({ hello: 'world' })).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"hello":"world"}') });
    expect(fromHandlerResult('plain').body.toString()).toBe('plain');
  });
});

describe('SQS records and partial batch responses', () => {
  const message = (id: string): Message => ({
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Body: '{"a":1}',
    MD5OfBody: 'md5',
    Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' },
    MessageAttributes: { kind: { DataType: 'String', StringValue: 'x' }, blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2]) } },
  });

  it('builds the record Lambda sends', () => {
    expect(toRecord(message('m1'), 'arn:aws:sqs:us-east-1:000000000000:q', 'us-east-1')).toEqual({
      messageId: 'm1',
      receiptHandle: 'rh-m1',
      body: '{"a":1}',
      attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' },
      messageAttributes: {
        kind: { stringValue: 'x', binaryValue: undefined, stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { stringValue: undefined, binaryValue: 'AQI=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    });
  });

  it('deletes all but the reported failures; an unknown or empty identifier fails the whole batch', () => {
    const batch = [message('m1'), message('m2')];
    expect(failedRecordIds(undefined, batch)).toEqual(new Set());
    expect(failedRecordIds({ batchItemFailures: [] }, batch)).toEqual(new Set());
    expect(failedRecordIds({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, batch)).toEqual(new Set(['m2']));
    expect(failedRecordIds({ batchItemFailures: [{ itemIdentifier: 'm9' }] }, batch)).toBe('all');
    expect(failedRecordIds({ batchItemFailures: [{ itemIdentifier: '' }] }, batch)).toBe('all');
    expect(failedRecordIds({ batchItemFailures: [{}] }, batch)).toBe('all');
  });
});

describe('@connections endpoint', () => {
  const signed = { authorization: 'AWS4-HMAC-SHA256 Credential=local/20251111/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=x' };
  const posted: Buffer[] = [];
  let deleted = false;
  const live: ManagedConnection = {
    connectedAt: new Date('2025-11-11T00:00:00Z'),
    lastActiveAt: new Date('2025-11-11T00:01:00Z'),
    sourceIp: '127.0.0.1',
    userAgent: 'ua',
    post: async (data) => void posted.push(data),
    delete: () => void (deleted = true),
  };
  const connections = { connection: (id: string) => (id === 'live=' ? live : undefined) };
  const call = (method: string, connectionId: string, headers: Record<string, string> = signed, body = Buffer.alloc(0)) =>
    handleConnectionsRequest({ method, connectionId, headers, body }, connections);

  it('reads the connection id from /@connections/{id}, with or without a stage', () => {
    expect(connectionIdFromPath('/@connections/abc%3D')).toBe('abc=');
    expect(connectionIdFromPath('/local/@connections/abc')).toBe('abc');
    expect(connectionIdFromPath('/v1/me')).toBeUndefined();
  });

  it('posts, describes and deletes a live connection', async () => {
    expect((await call('POST', 'live=', signed, Buffer.from('frame'))).statusCode).toBe(200);
    expect(posted.map(String)).toEqual(['frame']);
    const described = await call('GET', 'live=');
    expect(JSON.parse(described.body.toString())).toEqual({
      connectedAt: '2025-11-11T00:00:00.000Z',
      identity: { sourceIp: '127.0.0.1', userAgent: 'ua' },
      lastActiveAt: '2025-11-11T00:01:00.000Z',
    });
    expect((await call('DELETE', 'live=')).statusCode).toBe(204);
    expect(deleted).toBe(true);
  });

  it('answers 410 GoneException for an unknown connection, 403 unsigned, 413 over 128 KB', async () => {
    const gone = await call('POST', 'gone=');
    expect(gone.statusCode).toBe(410);
    expect(gone.headers['x-amzn-errortype']).toBe('GoneException');
    expect((await call('POST', 'live=', {})).statusCode).toBe(403);
    expect((await call('POST', 'live=', signed, Buffer.alloc(128 * 1024 + 1))).statusCode).toBe(413);
  });
});
