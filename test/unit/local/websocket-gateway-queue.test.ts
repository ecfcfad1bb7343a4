import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebSocketGateway, throttledFrame, type WebSocketGateway } from '../../../infra/local/websocket-gateway';
import type { WebSocketRouteSpec } from '../../../shared/manifest';

const route = (name: string, key: string): WebSocketRouteSpec => ({ name, handler: `functions/ws/${name}.ts`, access: [], route: key, returnResponse: true });
const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

let gateway: WebSocketGateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

describe('local WebSocket gateway: bounded queue per connection', () => {
  it('runs a few frames of a connection at once, queues the next in order, and refuses past the bound with API Gateway’s throttle frame, invoking nothing for them', async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    gateway = await startWebSocketGateway({
      port: 0,
      authorizer: undefined,
      routes: [route('Echo', 'echo'), route('Default', '$default')],
      log: quietLog,
      maxConcurrentFrames: 2,
      maxPendingFrames: 3,
      invoke: async (_spec, event) => {
        const body = JSON.parse((event as { body: string }).body) as { ref: string };
        started.push(body.ref);
        await new Promise<void>((resolve) => release.push(resolve));
        return { statusCode: 200, body: JSON.stringify({ type: 'ok', ref: body.ref }) };
      },
    });
    const socket = new WebSocket(gateway.url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));

    for (let i = 1; i <= 5; i++) socket.send(JSON.stringify({ action: 'echo', ref: `r${i}` }));
    await waitFor(() => frames.length === 2);
    // Two run, the third waits its turn; the fourth and fifth were refused at once with the gateway's own frame.
    expect(started).toEqual(['r1', 'r2']);
    for (const frame of frames) {
      expect(frame).toEqual({ message: 'Too Many Requests', connectionId: expect.any(String), requestId: expect.any(String) });
      expect(JSON.stringify(frame)).toBe(throttledFrame(String(frame.connectionId), String(frame.requestId)));
    }

    // Once a handler finishes, the queued frame runs, and the connection has room for one more.
    release.shift()!();
    await waitFor(() => frames.some((frame) => frame.ref === 'r1') && started.includes('r3'));
    socket.send(JSON.stringify({ action: 'echo', ref: 'r6' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started).toEqual(['r1', 'r2', 'r3']);
    release.shift()!();
    await waitFor(() => started.includes('r6'));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    while (release.length > 0 || frames.filter((frame) => frame.type === 'ok').length < 4) {
      for (const done of release.splice(0)) done();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    socket.close();
  });

  it('bounds each connection on its own: another socket is served while one is full', async () => {
    const release: (() => void)[] = [];
    gateway = await startWebSocketGateway({
      port: 0,
      authorizer: undefined,
      routes: [route('Echo', 'echo')],
      log: quietLog,
      maxConcurrentFrames: 2,
      maxPendingFrames: 2,
      invoke: async (_spec, event) => {
        const body = JSON.parse((event as { body: string }).body) as { ref: string };
        if (body.ref.startsWith('flood')) await new Promise<void>((resolve) => release.push(resolve));
        return { statusCode: 200, body: JSON.stringify({ type: 'ok', ref: body.ref }) };
      },
    });
    const open = async () => {
      const socket = new WebSocket(gateway!.url);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const frames: Record<string, unknown>[] = [];
      socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
      return { socket, frames };
    };
    const flooder = await open();
    const quiet = await open();
    for (let i = 0; i < 20; i++) flooder.socket.send(JSON.stringify({ action: 'echo', ref: `flood-${i}` }));
    await waitFor(() => flooder.frames.length === 18);
    quiet.socket.send(JSON.stringify({ action: 'echo', ref: 'quiet-1' }));
    await waitFor(() => quiet.frames.length === 1);
    expect(quiet.frames[0]).toEqual({ type: 'ok', ref: 'quiet-1' });
    for (const done of release) done();
    flooder.socket.close();
    quiet.socket.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
