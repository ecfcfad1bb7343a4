import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTenant } from '../../infra/local/demo-data';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import type { Health } from '../../shared/contracts/core-schemas';
import { ChatClient } from '../support/ws-client';

/**
 * Engine faults under a running local stack, as a developer who leaves `npm start` up for days meets them:
 * DynamoDB Local's Java process killed (kill -9 of its pid, from outside) and the SQS server gone. The
 * stack keeps a data folder, and the first restart waits 8 s so the outage can be watched from outside.
 */
let stack: LocalStack;
let dataDir: string;
const clients: ChatClient[] = [];
const restartDelayMs = 8000;

/** GET /health's body must match the published Health schema, down or up. */
const openApi = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../docs/openapi.json'), 'utf8')) as { components: Record<string, unknown> };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validHealth = ajv.compile({ $ref: '#/components/schemas/Health', components: openApi.components });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kefu-engine-faults-'));
  stack = await startLocalStack({ dataDir, ports: { http: 0, ws: 0 }, quiet: true, engineRestart: { firstDelayMs: restartDelayMs } });
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const buyerToken = (userId: string) => stack.issuer.sign({ userId, tenantId: demoTenant.tenantId, role: 'buyer', shopIds: [] });

async function health(): Promise<{ status: number; retryAfter: string | null; body: Health }> {
  const response = await fetch(`${stack.httpUrl}/health`);
  const body = (await response.json()) as Health;
  expect(validHealth(body), JSON.stringify(validHealth.errors)).toBe(true);
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const mintTicket = async (token: string) =>
  fetch(`${stack.httpUrl}/v1/connect-tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

describe('DynamoDB Local killed under a running local stack (row 9)', () => {
  it('answers 503 + Retry-After on HTTP and a retryable error frame on WebSocket, /health names dynamodb, and the restarted engine keeps the data', async () => {
    const token = await buyerToken('fault-buyer-1');
    const buyer = await ChatClient.connect(stack.httpUrl, stack.wsUrl, token);
    clients.push(buyer);
    const first = await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', clientMessageId: 'before-kill', text: '在吗？' });
    expect(first).toMatchObject({ type: 'ack', seq: 1 });
    const conversationId = first.conversationId as string;

    const { pid } = stack.engines.status().dynamodb;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');

    const down = await eventually(health, (h) => h.body.components.dynamodb.status === 'down', 5000);
    expect(down.status).toBe(503);
    expect(down.retryAfter).toBe('5');
    expect(down.body.status).toBe('degraded');
    expect(down.body.components.dynamodb.engine).toMatchObject({ state: 'restarting', restarts: 0, lastExit: 'was killed by SIGKILL' });
    // Only the engine that died is down.
    expect(down.body.components.sqs?.status).toBe('ok');
    expect(down.body.components.websocket?.status).toBe('ok');

    const refused = await mintTicket(token);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');

    const frame = await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', conversationId, clientMessageId: 'during-outage', text: '人呢？' });
    expect(frame).toMatchObject({ type: 'error', code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 });
    // Nothing else went wrong while it was down: still within the restart delay.
    expect(stack.engines.status().dynamodb.state).toBe('restarting');

    // Java takes 2 s to start on an idle machine, and up to a minute when parallel test suites load it.
    const up = await eventually(health, (h) => h.body.components.dynamodb.status === 'ok', 150_000);
    expect(up.body.components.dynamodb.engine).toMatchObject({ state: 'running', restarts: 1, lastExit: 'was killed by SIGKILL' });
    expect(stack.engines.status().dynamodb.pid).not.toBe(pid);

    // The data folder kept the table: the message sent before the kill is still there, and the conversation goes on.
    const history = await fetch(`${stack.httpUrl}/v1/conversations/${conversationId}/messages`, { headers: { authorization: `Bearer ${token}` } });
    expect(history.status).toBe(200);
    expect(((await history.json()) as { messages: { text: string }[] }).messages.map((m) => m.text)).toEqual(['在吗？']);
    expect((await mintTicket(token)).status).toBe(201);
    // The retry the error frame asked for now succeeds.
    const retried = await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', conversationId, clientMessageId: 'during-outage', text: '人呢？' });
    expect(retried).toMatchObject({ type: 'ack', conversationId, seq: 2 });
  }, 240_000);
});

describe('the SQS server gone under a running local stack', () => {
  it('is reported down, restarted on the same port with its queues, and messages flow again', async () => {
    const before = stack.engines.status().sqs.restarts;
    await stack.engines.crash('sqs');
    // The supervisor checks the port every second; /health's own probe may see the refusal first.
    const down = await eventually(health, (h) => h.body.components.sqs?.engine?.state === 'restarting', 5000);
    expect(down.status).toBe(503);
    expect(down.body.components.sqs?.status).toBe('down');
    expect(down.body.components.dynamodb.status).toBe('ok');

    const up = await eventually(health, (h) => h.body.components.sqs?.status === 'ok', 120_000);
    expect(up.body.components.sqs?.engine).toMatchObject({ state: 'running', restarts: before + 1, lastExit: expect.stringMatching(/stopped listening/) });

    // A send needs the delivery queue: it is acked again on the restarted server.
    const buyer = await ChatClient.connect(stack.httpUrl, stack.wsUrl, await buyerToken('fault-buyer-2'));
    clients.push(buyer);
    expect(await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', clientMessageId: 'after-sqs', text: '你好' })).toMatchObject({ type: 'ack', seq: 1 });
  }, 180_000);
});
