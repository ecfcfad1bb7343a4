import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { demoTenant } from '../../infra/local/demo-data';
import { maxSocketsPerUser } from '../../shared/conversations/socket-cap';
import { listConnectionsOfUser } from '../../shared/store/connections';
import type { Role } from '../../shared/auth/identity';

/**
 * Floods and socket storms against the local stack booted in memory, with API Gateway's own idle timeout
 * (the other e2e file shortens it, which would cut a socket waiting for a slow reply under load).
 */
const tenantId = 'e2e-flood';
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { http: 0, ws: 0 }, quiet: true });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

interface Probe {
  socket: WebSocket;
  frames: Record<string, unknown>[];
  send(frame: unknown): void;
  next(matches: (frame: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
}

async function open(user: { userId: string; tenantId: string; role: Role; shopIds: string[] }): Promise<Probe> {
  const response = await fetch(`${stack.httpUrl}/v1/connect-tickets`, { method: 'POST', headers: { authorization: `Bearer ${await stack.issuer.sign(user)}` } });
  expect(response.status).toBe(201);
  const { ticket } = (await response.json()) as { ticket: string };
  const socket = new WebSocket(`${stack.wsUrl}/?ticket=${ticket}`);
  const frames: Record<string, unknown>[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, res) => reject(Object.assign(new Error(`upgrade refused with ${res.statusCode}`), { status: res.statusCode })));
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    send: (frame) => socket.send(JSON.stringify(frame)),
    async next(matches, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = frames.find(matches);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('floods against the local stack', () => {
  it(`refuses a user's socket past ${maxSocketsPerUser} live ones with 429, and accepts one again after a close`, async () => {
    const user = { userId: 'many-tabs', tenantId, role: 'agent' as Role, shopIds: ['s1'] };
    const probes: Probe[] = [];
    for (let i = 0; i < maxSocketsPerUser; i++) probes.push(await open(user));
    await expect(open(user)).rejects.toMatchObject({ status: 429 });
    probes[0]!.socket.close();
    await eventually(() => listConnectionsOfUser(tenantId, user.userId), (list) => list.length === maxSocketsPerUser - 1, 10_000);
    const again = await open(user);
    again.socket.close();
    for (const probe of probes) probe.socket.close();
  }, 60_000);

  it('throttles one flooding socket at the gateway while a buyer of another tenant is served (row 22)', async () => {
    const admin = { userId: 'e2e-admin', tenantId, role: 'admin' as Role, shopIds: [] };
    const shop = await fetch(`${stack.httpUrl}/v1/shops/flood-shop`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await stack.issuer.sign(admin)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'flood shop', category: 'apparel', routing: { mode: 'by-stage', groups: { 'pre-sale': 'fp', 'in-sale': 'fi', 'after-sale': 'fa' }, idleCloseMinutes: 30, defaultAgentCap: 10 } }),
    });
    expect(shop.status).toBe(200);
    const flooder = await open({ userId: 'flooder', tenantId, role: 'buyer', shopIds: [] });
    const quiet = await open({ userId: 'e2e-quiet-buyer', tenantId: demoTenant.tenantId, role: 'buyer', shopIds: [] });
    quiet.send({ action: 'sendMessage', ref: 'q0', shopId: 'peach-glow', clientMessageId: `quiet-${Date.now()}-0`, text: '在吗' });
    expect(await quiet.next((frame) => frame.ref === 'q0', 15_000)).toMatchObject({ type: 'ack' });

    const frames = 500;
    for (let i = 0; i < frames; i++) flooder.send({ action: 'sendMessage', ref: `f${i}`, shopId: 'flood-shop', clientMessageId: `flood-${i}`, text: `刷屏 ${i}` });
    // The other tenant's buyer keeps talking during the flood and is answered (before bounding, every such send waited 30 s and more).
    for (let i = 1; i <= 5; i++) {
      quiet.send({ action: 'sendMessage', ref: `q${i}`, shopId: 'peach-glow', clientMessageId: `quiet-${Date.now()}-${i}`, text: `第${i}个问题` });
      expect(await quiet.next((frame) => frame.ref === `q${i}`, 10_000)).toMatchObject({ type: 'ack' });
    }
    // Every flood frame is answered within seconds, not queued for minutes: most never reached a handler.
    const answers = () => flooder.frames.filter((frame) => typeof frame.ref === 'string' || frame.message === 'Too Many Requests');
    await eventually(() => answers().length, (n) => n >= frames, 20_000);
    const replies = answers();
    expect(replies).toHaveLength(frames);
    const throttled = replies.filter((frame) => frame.message === 'Too Many Requests');
    expect(throttled[0]).toEqual({ message: 'Too Many Requests', connectionId: expect.any(String), requestId: expect.any(String) });
    const refused = throttled.length + replies.filter((frame) => frame.code === 'RATE_LIMITED').length;
    expect(refused).toBeGreaterThan(frames - 60);
    expect(flooder.socket.readyState).toBe(WebSocket.OPEN);
    flooder.socket.close();
    quiet.socket.close();
  }, 90_000);
});
