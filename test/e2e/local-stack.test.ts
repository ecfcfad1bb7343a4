import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ApiGatewayManagementApiClient,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { manifest as defaultLocalManifest } from '../../shared/manifest';
import { startQueuePoller } from '../../infra/local/queue-poller';
import { invokeHandler, loadHandler } from '../../infra/local/invoke-handler';
import { localCredentials, localRegion, onEndpoint } from '../../infra/local/engines';
import { listConnectionsOfUser } from '../../shared/store/connections';
import type { Role } from '../../shared/auth/identity';
import { contractRecorder } from '../support/contract-conformance';

/**
 * The local stack end to end: booted in memory on free ports and driven only from the outside, over real
 * HTTP (fetch), real WebSockets (ws) and the real AWS SDK clients, as a browser, a handler or a developer
 * would. WebSocket limits are shortened so idle and lifetime cut-offs can be observed.
 */
const tenantId = 'e2e-local-stack';
const idleTimeoutMs = 1500;
const maxLifetimeMs = 3000;

/** A route only this test declares, returning the event it got, to check the payload 2.0 translation. */
const echoRoute = { name: 'E2eEcho', method: 'POST', path: '/e2e/echo/{id}', handler: 'test/e2e/fixtures/echo-event.ts', access: [] } as const;

let stack: LocalStack;
let userCount = 0;
let stopRecording: () => void;

beforeAll(async () => {
  stack = await startLocalStack({
    inMemory: true,
    ports: { http: 0, ws: 0 },
    quiet: true,
    manifest: { ...defaultLocalManifest, httpRoutes: [...defaultLocalManifest.httpRoutes, echoRoute] },
    websocket: { idleTimeoutMs, maxLifetimeMs },
  });
  // The echo route is this file's own, not kefu's: left out of the contract check.
  stopRecording = contractRecorder.recordFetch(stack.httpUrl, [/^\/e2e\//]);
}, 60_000);

afterAll(async () => {
  stopRecording?.();
  await stack?.stop();
  // In memory keeps nothing: the tokens file goes with the stack.
  if (stack?.tokensFile) expect(existsSync(stack.tokensFile)).toBe(false);
});

afterAll(async () => {
  // Everything this file saw over HTTP and the socket, against docs/openapi.json and docs/asyncapi.yaml.
  expect(await contractRecorder.unexplained()).toEqual([]);
});

/** A fresh user per connection, so connection records of different tests never mix. */
function newUser(role: Role = 'agent') {
  userCount += 1;
  return { userId: `e2e-user-${userCount}`, tenantId, role, shopIds: role === 'buyer' ? [] : ['peach-glow'] };
}

async function mintTicket(token: string): Promise<string> {
  const response = await fetch(`${stack.httpUrl}/v1/connect-tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { ticket: string }).ticket;
}

/**
 * Frames this file's own fixtures push (an @connections post from the SDK, the probe queue consumer):
 * not kefu's, so not checked against the AsyncAPI.
 */
const testOnlyFrameTypes = new Set(['hello-from-sdk', 'probe']);

/** Collects a socket's frames and its close, so a test can await the next frame matching a condition. */
class SocketProbe {
  readonly frames: unknown[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly connection = contractRecorder.newConnection();
  private waiters: (() => void)[] = [];
  private closing = false;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? `<binary ${String(data)}>` : String(data);
      let frame: unknown = text;
      try {
        frame = JSON.parse(text);
      } catch {
        // a non-JSON frame is kept as text
      }
      if (!testOnlyFrameTypes.has((frame as { type?: string })?.type ?? '')) contractRecorder.recordReceived(this.connection, text);
      this.frames.push(frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        if (!this.closing) contractRecorder.recordClose(this.connection, code);
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  /** The first frame, received or still to come, that matches; woken by each frame, bounded by `timeoutMs`. */
  async next<T = Record<string, unknown>>(matches: (frame: T) => boolean, timeoutMs = 3000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find((frame) => matches(frame as T));
      if (found !== undefined) return found as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(frame: unknown): void {
    const data = typeof frame === 'string' ? frame : JSON.stringify(frame);
    contractRecorder.recordSent(this.connection, data);
    this.socket.send(data);
  }

  /** Drops a socket whose handshake was refused: there was no connection for a server to close. */
  abandon(): void {
    this.closing = true;
    this.socket.terminate();
  }

  /** Closes from the client's side (its code is not the server's, so it is not checked). */
  close(code?: number): void {
    this.closing = true;
    this.socket.close(code);
  }
}

/** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
function openSocket(query: string): Promise<SocketProbe> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${stack.wsUrl}/${query}`);
    const probe = new SocketProbe(socket);
    socket.once('open', () => resolve(probe));
    socket.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        contractRecorder.recordHandshake(response.statusCode ?? 0, body);
        reject(Object.assign(new Error(`upgrade refused with ${response.statusCode}`), { status: response.statusCode, body }));
        probe.abandon();
      });
    });
    socket.once('error', reject);
  });
}

/** Signs in as a new user, opens a socket with a ticket, and finds its connection id in the table. */
async function connect(role: Role = 'agent') {
  const user = newUser(role);
  const ticket = await mintTicket(await stack.issuer.sign(user));
  const probe = await openSocket(`?ticket=${ticket}`);
  const [record] = await listConnectionsOfUser(tenantId, user.userId);
  if (!record) throw new Error('$connect stored no connection record');
  return { probe, user, ticket, connectionId: record.connectionId };
}

function managementClient(): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({ endpoint: stack.httpUrl, region: localRegion, credentials: localCredentials, maxAttempts: 1 });
}

/**
 * Table state after a close: $disconnect runs after the socket is gone and a client sees no event for its
 * end, so this reads until the state holds, within a deadline.
 */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('local stack (real HTTP, WebSocket and SDK clients)', () => {
  it('is healthy, reporting the health handler and every local component', async () => {
    const response = await fetch(`${stack.httpUrl}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; components: Record<string, { status: string; pollers?: Record<string, unknown> }> };
    expect(body.status).toBe('ok');
    for (const component of ['table', 'dynamodb', 'sqs', 'websocket', 'queuePollers', 'scheduler']) {
      expect(body.components[component]?.status, component).toBe('ok');
    }
    expect(Object.keys(body.components.queuePollers?.pollers ?? {}).sort()).toEqual(defaultLocalManifest.queueConsumers.map((c) => c.name).sort());
  });

  it('serves the dev issuer JWKS; its JWT authorizer verifies tokens (any case of "bearer") and passes the claims handlers read', async () => {
    const jwks = (await (await fetch(`${stack.httpUrl}/.well-known/jwks.json`)).json()) as { keys: { kty: string; kid: string }[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]?.kty).toBe('RSA');

    const user = newUser('supervisor');
    const me = await fetch(`${stack.httpUrl}/v1/me`, { headers: { authorization: `Bearer ${await stack.issuer.sign(user)}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ tenantId, userId: user.userId, role: 'supervisor', shopIds: ['peach-glow'] });
    const lowercase = await fetch(`${stack.httpUrl}/v1/me`, { headers: { authorization: `bearer ${await stack.issuer.sign(user)}` } });
    expect(lowercase.status).toBe(200);
    // A public route runs no authorizer, so a bad token there is neither checked nor read.
    expect((await fetch(`${stack.httpUrl}/health`, { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(200);

    // The API's JWT authorizer refuses before the handler runs, with API Gateway's own body and header.
    const wrongAudience = await stack.issuer.sign(user, { audience: 'not-kefu' });
    const refused = await fetch(`${stack.httpUrl}/v1/me`, { headers: { authorization: `Bearer ${wrongAudience}` } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ message: 'Unauthorized' });
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
    const tokenless = await fetch(`${stack.httpUrl}/v1/me`);
    expect(tokenless.status).toBe(401);
    expect(tokenless.headers.get('www-authenticate')).toBe('Bearer');
    // A public route needs no token.
    expect((await fetch(`${stack.httpUrl}/health`)).status).toBe(200);
  });

  it('signs a working 12-hour token for every demo user of both demo tenants, written to a tokens file removed with the in-memory stack', async () => {
    expect(stack.devTokens.map((t) => t.user.role)).toEqual(expect.arrayContaining(['agent', 'supervisor', 'admin', 'buyer']));
    expect(new Set(stack.devTokens.map((t) => t.user.tenantId))).toEqual(new Set(['demo-firm', 'demo-firm-b']));
    const file = JSON.parse(readFileSync(stack.tokensFile!, 'utf8')) as { tokens: { token: string }[] };
    expect(file.tokens.map((t) => t.token).sort()).toEqual(stack.devTokens.map((t) => t.token).sort());
    const buyer = stack.devTokens.find((t) => t.user.role === 'buyer');
    const me = await fetch(`${stack.httpUrl}/v1/me`, { headers: { authorization: `Bearer ${buyer?.token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { tenantId: string }).tenantId).toBe('demo-firm');
    const claims = JSON.parse(Buffer.from(buyer?.token.split('.')[1] ?? '', 'base64url').toString()) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(12 * 3600);
  });

  it('turns a real request into the API Gateway payload 2.0 event and maps the result back', async () => {
    const user = newUser();
    const authorization = `Bearer ${await stack.issuer.sign(user)}`;
    const response = await fetch(`${stack.httpUrl}/e2e/echo/a%20b?x=1&x=2&y=z`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json', 'X-Custom-Header': 'Hi', cookie: 'c1=v1; c2=v2' },
      body: JSON.stringify({ hello: '世界' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['seen=1; Path=/', 'again=2; Path=/']);
    const event = (await response.json()) as APIGatewayProxyEventV2;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /e2e/echo/{id}',
      rawPath: '/e2e/echo/a%20b',
      rawQueryString: 'x=1&x=2&y=z',
      queryStringParameters: { x: '1,2', y: 'z' },
      pathParameters: { id: 'a b' },
      cookies: ['c1=v1', 'c2=v2'],
      body: JSON.stringify({ hello: '世界' }),
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'POST /e2e/echo/{id}',
        stage: '$default',
        requestId: response.headers.get('apigw-requestid'),
        http: { method: 'POST', path: '/e2e/echo/a%20b', sourceIp: '127.0.0.1' },
      },
    });
    expect(event.headers['x-custom-header']).toBe('Hi');
    // What the JWT authorizer verified, in API Gateway's string forms.
    expect((event.requestContext as unknown as { authorizer: { jwt: { claims: Record<string, string> } } }).authorizer.jwt.claims).toMatchObject({
      sub: user.userId,
      tenant_id: tenantId,
      role: 'agent',
      shop_ids: '[peach-glow]',
      aud: 'kefu',
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5000);

    const binary = await fetch(`${stack.httpUrl}/e2e/echo/bin`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 255, 1]),
    });
    const binaryEvent = (await binary.json()) as APIGatewayProxyEventV2;
    expect(binaryEvent.isBase64Encoded).toBe(true);
    expect(Buffer.from(binaryEvent.body ?? '', 'base64')).toEqual(Buffer.from([0, 255, 1]));
  });

  it('answers an unknown route with 404 and a body over 10 MB with 413, in API Gateway\'s own shape', async () => {
    const missing = await fetch(`${stack.httpUrl}/v1/no-such-thing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Not Found' });
    const wrongMethod = await fetch(`${stack.httpUrl}/v1/me`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(404);

    const tooLarge = await fetch(`${stack.httpUrl}/e2e/echo/big`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('opens a socket with a single-use ticket, answers ping with pong, and refuses the ticket a second time', async () => {
    const { probe, ticket } = await connect();
    probe.send({ action: 'ping', ref: 'r1' });
    const pong = await probe.next((frame) => frame.type === 'pong');
    expect(pong).toMatchObject({ type: 'pong', ref: 'r1' });

    await expect(openSocket(`?ticket=${ticket}`)).rejects.toMatchObject({ status: 403, body: '{"message":"Forbidden"}' });
    // No identity source at all: API Gateway's 401, before the authorizer runs.
    await expect(openSocket('')).rejects.toMatchObject({ status: 401, body: '{"message":"Unauthorized"}' });
    await expect(openSocket('?ticket=made-up')).rejects.toMatchObject({ status: 403 });
    probe.close();
  });

  it('answers bad frames with error frames and keeps the socket open', async () => {
    const { probe } = await connect('buyer');
    probe.send('not json');
    expect(await probe.next((frame) => frame.type === 'error')).toMatchObject({ code: 'VALIDATION_FAILED', field: '(frame)' });
    probe.frames.length = 0;

    probe.send({ action: 'noSuchAction', ref: 'r2' });
    expect(await probe.next((frame) => frame.ref === 'r2')).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', field: 'action' });

    probe.send({ action: 'ping', ref: 'r3', padding: 'x'.repeat(40 * 1024) });
    // The refusal carries the request's ref, read from the oversized frame.
    expect(await probe.next((frame) => frame.ref === 'r3')).toMatchObject({ type: 'error', code: 'PAYLOAD_TOO_LARGE', ref: 'r3' });

    probe.send({ action: 'ping', ref: 'still-open' });
    expect(await probe.next((frame) => frame.ref === 'still-open')).toMatchObject({ type: 'pong' });
    probe.close();
  });

  it('closes a socket that sends a message over 128 KB with 1009, as API Gateway does', async () => {
    const { probe, user } = await connect();
    probe.send({ action: 'ping', padding: 'x'.repeat(129 * 1024) });
    expect((await probe.closed).code).toBe(1009);
    const records = await eventually(() => listConnectionsOfUser(tenantId, user.userId), (list) => list.length === 0);
    expect(records).toEqual([]);
  });

  it('serves @connections to the real management client: post, describe, and GoneException once closed', async () => {
    const { probe, connectionId, user } = await connect();
    const client = managementClient();

    await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify({ type: 'hello-from-sdk' })) }));
    expect(await probe.next((frame) => frame.type === 'hello-from-sdk')).toEqual({ type: 'hello-from-sdk' });

    const described = await client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(described.Identity?.SourceIp).toBe('127.0.0.1');
    expect(described.ConnectedAt).toBeInstanceOf(Date);
    expect(described.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(described.ConnectedAt!.getTime());

    const unsigned = await fetch(`${stack.httpUrl}/@connections/${encodeURIComponent(connectionId)}`, { method: 'POST', body: 'x' });
    expect(unsigned.status).toBe(403);

    probe.close(1000);
    expect((await probe.closed).code).toBe(1000);
    const gone = await client
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('late') }))
      .then(() => undefined, (error: Error) => error);
    expect(gone?.name).toBe('GoneException');
    expect(await eventually(() => listConnectionsOfUser(tenantId, user.userId), (list) => list.length === 0)).toEqual([]);
    client.destroy();
  });

  it('closes idle connections and connections past their lifetime with 1001, and runs $disconnect', async () => {
    const idle = await connect();
    const busy = await connect();
    const keepBusy = setInterval(() => busy.probe.send({ action: 'ping' }), 300);
    try {
      const [idleClose, busyClose] = await Promise.all([idle.probe.closed, busy.probe.closed]);
      expect(idleClose.code).toBe(1001);
      expect(busyClose.code).toBe(1001);
      // The busy socket outlived the idle timeout: only its lifetime ended it.
      expect(busy.probe.frames.filter((frame) => (frame as { type?: string }).type === 'pong').length).toBeGreaterThan(idleTimeoutMs / 300);
    } finally {
      clearInterval(keepBusy);
    }
    for (const { user } of [idle, busy]) {
      expect(await eventually(() => listConnectionsOfUser(tenantId, user.userId), (list) => list.length === 0)).toEqual([]);
    }
  });

  it('polls a queue like Lambda: a real SQSEvent, delete on success, the failed record redriven to the DLQ', async () => {
    const sqs = new SQSClient({ endpoint: stack.engines.sqsEndpoint, region: localRegion, credentials: localCredentials });
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'kefu-e2e-probe-dlq' }));
    const dlqUrl = onEndpoint(dlq.QueueUrl!, stack.engines.sqsEndpoint);
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    const source = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'kefu-e2e-probe',
        Attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) },
      }),
    );
    const queueUrl = onEndpoint(source.QueueUrl!, stack.engines.sqsEndpoint);
    const warnings: string[] = [];
    const consumer = {
      name: 'E2eProbe',
      handler: 'test/e2e/fixtures/probe-consumer.ts',
      access: [],
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      maxConcurrency: 2,
      timeoutSeconds: 5,
    };
    // Warm, so the first batch finishes well inside the 1 s visibility timeout and is not seen twice.
    await loadHandler(consumer);
    const poller = await startQueuePoller({
      consumer,
      queueUrl,
      sqsEndpoint: stack.engines.sqsEndpoint,
      invoke: (spec, event) => invokeHandler(spec, event),
      log: { info: () => undefined, warn: (message) => warnings.push(message), error: (message) => warnings.push(message) },
    });
    const { probe, connectionId } = await connect();
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({ connectionId, text: 'hello queue' }),
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'e2e' } },
        }),
      );
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ connectionId, text: 'poison', fail: true }) }));

      expect(await probe.next((frame) => frame.text === 'hello queue')).toEqual({
        type: 'probe',
        text: 'hello queue',
        receiveCount: '1',
        eventSource: 'aws:sqs',
        eventSourceARN: expect.stringMatching(/^arn:aws:sqs:us-east-1:\d{12}:kefu-e2e-probe$/),
        awsRegion: 'us-east-1',
        kind: 'e2e',
      });

      const redriven = await eventually(
        async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }))).Messages ?? [],
        (messages) => messages.length > 0,
        8000,
      );
      expect(JSON.parse(redriven[0]?.Body ?? '{}')).toMatchObject({ text: 'poison', fail: true });

      const left = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      expect(left.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
      // The good record was deleted after its batch, not delivered again with the failing one.
      expect(probe.frames.filter((frame) => (frame as { text?: string }).text === 'hello queue')).toHaveLength(1);
      expect(poller.status()).toMatchObject({ status: 'ok', recordsDeleted: 1 });
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.every((message) => message.startsWith('E2eProbe: batch of'))).toBe(true);
    } finally {
      probe.close();
      await poller.stop();
      sqs.destroy();
    }
    expect(poller.status().status).toBe('stopped');
  });
});
