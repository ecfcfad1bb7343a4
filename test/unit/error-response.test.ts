import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  DynamoDBServiceException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../../shared/http/errors';
import { dependencyFailure, retryAfterSeconds, toErrorResponse } from '../../shared/middleware/error-response';
import { httpRoute } from '../../shared/middleware/http-route';
import { wsRoute } from '../../shared/middleware/ws-route';
import { freePort } from '../../infra/local/free-port';
import { httpEvent, lambdaContext, wsEvent } from '../support/events';

type Result = { statusCode: number; body: string; headers?: Record<string, string> };

/** The error the SDK's Node HTTP handler throws when nothing listens on the endpoint (engine killed). */
const connectionRefused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect', $metadata: { attempts: 3 } });
const throttled = () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
const serverError = () => new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: { httpStatusCode: 400 }, CancellationReasons: codes.map((Code) => ({ Code })) });

describe('toErrorResponse: a busy or unreachable dependency is a 503 with Retry-After, never a 500 (row 9)', () => {
  it.each([
    ['ECONNREFUSED (DynamoDB Local killed)', connectionRefused, retryAfterSeconds.unavailable],
    ['ECONNRESET', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), retryAfterSeconds.unavailable],
    ['an SDK TimeoutError', () => Object.assign(new Error('timed out'), { name: 'TimeoutError' }), retryAfterSeconds.unavailable],
    ['a throttling exception', throttled, retryAfterSeconds.throttled],
    ['a 5xx from DynamoDB', serverError, retryAfterSeconds.unavailable],
    ['a 502 without a modelled error', () => Object.assign(new Error('Bad Gateway'), { name: 'Unknown', $metadata: { httpStatusCode: 502 } }), retryAfterSeconds.unavailable],
    ['a transaction cancelled only by throttling and conflicts', () => cancelled('None', 'ThrottlingError', 'TransactionConflict'), retryAfterSeconds.throttled],
    ['a typed ServiceUnavailableError from the store', () => new ServiceUnavailableError('conversation head kept changing'), 1],
  ])('%s', (_name, error, seconds) => {
    const response = toErrorResponse(error(), 'req-1');
    expect(response.status).toBe(503);
    expect(response.headers).toEqual({ 'retry-after': String(seconds) });
    expect(response.retryAfterSeconds).toBe(seconds);
    expect(response.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', requestId: 'req-1' });
    // The dependency's own message (host, port, table) stays on the server.
    expect(JSON.stringify(response.body)).not.toMatch(/127\.0\.0\.1|Rate exceeded|Internal server error|Bad Gateway/);
  });

  it.each([
    ['a plain bug', () => new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a ValidationException (kefu sent a bad request: a bug, not an outage)', () => new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', message: 'bad key', $metadata: { httpStatusCode: 400 } })],
    ['a transaction cancelled by a failed condition', () => cancelled('ConditionalCheckFailed', 'ThrottlingError')],
    ['an abort', () => Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ECONNRESET' })],
    ['a thrown string', () => 'ECONNREFUSED'],
  ])('still answers %s with a 500 INTERNAL and no Retry-After', (_name, error) => {
    const response = toErrorResponse(error());
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe('INTERNAL');
    expect(response.headers).toEqual({});
    expect(dependencyFailure(error())).toBeUndefined();
  });

  it('classifies the error a real SDK client throws when its endpoint refuses connections', async () => {
    const port = await freePort(); // free: nothing listens there
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 }),
    );
    const error = await client.send(new GetCommand({ TableName: 't', Key: { pk: 'p', sk: 's' } })).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    client.destroy();
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expect(toErrorResponse(error)).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
  });
});

describe('the HTTP and WebSocket factories carry the retry hint', () => {
  it('httpRoute answers an unreachable table with 503, Retry-After and SERVICE_UNAVAILABLE', async () => {
    const route = httpRoute({ auth: 'public' }, async () => {
      throw connectionRefused();
    });
    const result = (await route(httpEvent({ method: 'GET', path: '/x' }), lambdaContext)) as Result;
    expect(result.statusCode).toBe(503);
    expect(result.headers).toMatchObject({ 'content-type': 'application/json', 'retry-after': '5' });
    expect(JSON.parse(result.body).error.code).toBe('SERVICE_UNAVAILABLE');
  });

  it('wsRoute answers a throttled send with a SERVICE_UNAVAILABLE frame carrying retryAfterSeconds and the ref', async () => {
    const route = wsRoute({ frame: z.object({ action: z.literal('x'), ref: z.string() }), roles: ['agent'] }, async () => {
      throw throttled();
    });
    const authorizer = { tenantId: 't1', userId: 'a1', role: 'agent', shopIds: 's1' };
    const result = (await route(wsEvent({ body: '{"action":"x","ref":"r1"}', authorizer }), lambdaContext)) as Result;
    expect(JSON.parse(result.body)).toEqual({ type: 'error', code: 'SERVICE_UNAVAILABLE', message: 'service busy, retry shortly', ref: 'r1', retryAfterSeconds: 1 });
  });
});
