import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { FunctionSpec, WebSocketAuthorizerSpec, WebSocketRouteSpec } from '../../shared/manifest';
import { evaluateAuthorizerResult } from './authorizer-policy';
import { isTextPayload, type ManagedConnection, type ManagedConnections } from './connections-endpoint';
import type { LocalLog } from './log';
import {
  authorizerEvent,
  connectEvent,
  connectMethodArn,
  disconnectEvent,
  handshakeFacts,
  messageEvent,
  newConnectionId,
  selectRoute,
  type ConnectionFacts,
} from './websocket-events';

/** API Gateway's WebSocket quotas: 128 KB per message, 10 minutes idle, 2 hours per connection. */
export const apiGatewayLimits = {
  maxMessageBytes: 128 * 1024,
  idleTimeoutMs: 10 * 60 * 1000,
  maxLifetimeMs: 2 * 60 * 60 * 1000,
} as const;

/**
 * How one connection's frames reach handlers. API Gateway throttles with a token bucket per stage and
 * route (the CDK stack sets it) and Lambda scales out; here every handler shares one machine and a pool
 * of environments, so one connection runs at most `concurrent` frames at once and queues the next ones
 * in order; past `pending` (running plus queued) a frame is refused at once with the frame API Gateway
 * sends a throttled request, and never reaches a handler. A flooding socket thus holds a few handlers,
 * not all of them, and its backlog stays bounded; a client that paces itself never meets the refusal.
 */
export const perConnectionFrameLimits = { concurrent: 4, pending: 32 } as const;

/** What API Gateway sends for a message it throttled (HTTP 429 Too Many Requests); the socket stays open. */
export function throttledFrame(connectionId: string, requestId: string): string {
  return JSON.stringify({ message: 'Too Many Requests', connectionId, requestId });
}

/** API Gateway closes idle and expired connections with 1001 "Going away". */
const goingAway = { code: 1001, reason: 'Going away' } as const;
/** API Gateway does not take binary frames: it closes with 1003 (Unsupported Data). */
const unsupportedData = { code: 1003, reason: 'Binary frames are not supported' } as const;

export type Invoke = (spec: FunctionSpec, event: unknown) => Promise<unknown>;

export interface WebSocketGatewayOptions {
  /** 0 picks a free port. */
  port: number;
  authorizer: WebSocketAuthorizerSpec | undefined;
  routes: readonly WebSocketRouteSpec[];
  invoke: Invoke;
  log: LocalLog;
  idleTimeoutMs?: number;
  maxLifetimeMs?: number;
  maxMessageBytes?: number;
  /** Frames of one connection running in handlers at once; more wait in its queue. */
  maxConcurrentFrames?: number;
  /** Frames of one connection running or queued; more are refused as throttled. */
  maxPendingFrames?: number;
}

export interface WebSocketGateway extends ManagedConnections {
  url: string;
  port: number;
  connectionCount(): number;
  isListening(): boolean;
  /** Closes every socket with 1001 (each gets its $disconnect), then the server. */
  stop(): Promise<void>;
}

interface LiveConnection extends ConnectionFacts {
  socket: WebSocket;
  authorizer: Record<string, unknown> | undefined;
  lastActiveAt: number;
  /** Frames running in a handler. */
  runningFrames: number;
  /** Frames waiting for one of the connection's handler slots, oldest first. */
  queuedFrames: (() => void)[];
  idleTimer: NodeJS.Timeout;
  lifetimeTimer: NodeJS.Timeout;
}

class HandshakeRejection extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * The WebSocket API: `$connect` runs the REQUEST authorizer, then the $connect route, before the
 * handshake completes (as API Gateway does), so a refused client gets an HTTP status and no connection
 * exists; messages are routed by `$request.body.action`; two-way routes send the handler's body back;
 * close, idle timeout and lifetime end run `$disconnect`. Messages of one connection are handled
 * concurrently, as separate Lambda invocations would be: clients must not rely on reply order. At most
 * `perConnectionFrameLimits.concurrent` of them run at once, up to `pending` wait or run; more are
 * refused as throttled.
 */
export async function startWebSocketGateway(options: WebSocketGatewayOptions): Promise<WebSocketGateway> {
  const limits = {
    idleTimeoutMs: options.idleTimeoutMs ?? apiGatewayLimits.idleTimeoutMs,
    maxLifetimeMs: options.maxLifetimeMs ?? apiGatewayLimits.maxLifetimeMs,
    maxMessageBytes: options.maxMessageBytes ?? apiGatewayLimits.maxMessageBytes,
    maxConcurrentFrames: options.maxConcurrentFrames ?? perConnectionFrameLimits.concurrent,
    maxPendingFrames: options.maxPendingFrames ?? perConnectionFrameLimits.pending,
  };
  const { log, invoke } = options;
  const routesByKey = new Map(options.routes.map((route) => [route.route, route]));
  const actionKeys = new Set([...routesByKey.keys()].filter((key) => !key.startsWith('$')));
  const connections = new Map<string, LiveConnection>();
  /** $connect, message and $disconnect invocations still running; stop() waits for them. */
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;

  // A message over the limit closes the socket with 1009 (Message Too Big), as API Gateway does.
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false });
  const server: Server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket' }).end(JSON.stringify({ message: 'Upgrade Required' }));
  });

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
    return promise;
  };

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined); // the client may vanish while its $connect is being decided
    void track(acceptOrReject(request, socket, head));
  });

  async function acceptOrReject(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (stopping) return reject(socket, 503, 'Service Unavailable');
    // Refuse malformed handshakes before the authorizer runs, so they cannot burn a single-use ticket.
    if (request.headers.upgrade?.toLowerCase() !== 'websocket' || !request.headers['sec-websocket-key']) {
      return reject(socket, 400, 'Bad Request');
    }
    const remote = socket as Socket;
    const facts = handshakeFacts(request, {
      connectionId: newConnectionId(),
      connectedAt: Date.now(),
      sourceIp: normaliseIp(remote.remoteAddress),
      userAgent: request.headers['user-agent'],
      domainName: request.headers.host ?? `127.0.0.1:${port}`,
    });

    let authorizer: Record<string, unknown> | undefined;
    try {
      authorizer = await authorize(facts);
      await runConnectRoute(facts, authorizer);
    } catch (error) {
      if (error instanceof HandshakeRejection) return reject(socket, error.status, error.message);
      log.error(`$connect failed for ${facts.connectionId}`, error);
      return reject(socket, 500, 'Internal server error');
    }

    if (stopping || socket.destroyed) {
      // $connect succeeded but the client is gone: API Gateway would still send $disconnect.
      await runDisconnect(facts, authorizer, 1006, 'Client went away during $connect');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => register(ws, facts, authorizer));
  }

  async function authorize(facts: ReturnType<typeof handshakeFacts>): Promise<Record<string, unknown> | undefined> {
    if (!options.authorizer) return undefined;
    // A missing identity source is API Gateway's own 401; the authorizer never runs.
    for (const source of options.authorizer.identitySource ?? []) {
      const name = /^route\.request\.querystring\.(.+)$/.exec(source)?.[1];
      if (name !== undefined && !facts.queryStringParameters?.[name]) throw new HandshakeRejection(401, 'Unauthorized');
    }
    let result: unknown;
    try {
      result = await invoke(options.authorizer, authorizerEvent(facts));
    } catch (error) {
      // A REQUEST authorizer signals 401 by throwing "Unauthorized"; any other failure is a 500.
      if (error instanceof Error && error.message === 'Unauthorized') throw new HandshakeRejection(401, 'Unauthorized');
      log.error('the $connect authorizer failed', error);
      throw new HandshakeRejection(500, 'Internal server error');
    }
    const decision = evaluateAuthorizerResult(result, connectMethodArn());
    if (decision.effect === 'Deny') throw new HandshakeRejection(403, 'Forbidden');
    if (decision.effect === 'Invalid') {
      log.error(`the $connect authorizer returned an invalid result: ${decision.reason}`);
      throw new HandshakeRejection(500, 'Internal server error');
    }
    return decision.authorizer;
  }

  async function runConnectRoute(facts: ReturnType<typeof handshakeFacts>, authorizer: Record<string, unknown> | undefined) {
    const route = routesByKey.get('$connect');
    if (!route) return;
    const result = await invoke(route, connectEvent(facts, authorizer));
    const status = statusCodeOf(result);
    if (status < 200 || status > 299) throw new HandshakeRejection(status, STATUS_CODES[status] ?? 'Refused');
  }

  function register(socket: WebSocket, facts: ConnectionFacts, authorizer: Record<string, unknown> | undefined): void {
    const connection: LiveConnection = {
      ...facts,
      socket,
      authorizer,
      lastActiveAt: Date.now(),
      runningFrames: 0,
      queuedFrames: [],
      idleTimer: setTimeout(() => socket.close(goingAway.code, goingAway.reason), limits.idleTimeoutMs),
      lifetimeTimer: setTimeout(() => socket.close(goingAway.code, goingAway.reason), limits.maxLifetimeMs),
    };
    connections.set(facts.connectionId, connection);

    socket.on('message', (data: RawData, isBinary: boolean) => {
      // API Gateway takes text frames only: a binary frame closes the connection with 1003.
      if (isBinary) return socket.close(unsupportedData.code, unsupportedData.reason);
      touch(connection);
      void track(handleMessage(connection, toBuffer(data), isBinary));
    });
    socket.on('error', (error) => log.info(`connection ${facts.connectionId}: ${error.message}`));
    socket.on('close', (code: number, reason: Buffer) => {
      clearTimeout(connection.idleTimer);
      clearTimeout(connection.lifetimeTimer);
      connections.delete(facts.connectionId);
      void track(runDisconnect(facts, authorizer, code, reason.toString() || closeReason(code)));
    });
  }

  async function handleMessage(connection: LiveConnection, data: Buffer, isBinary: boolean): Promise<void> {
    const text = isBinary ? undefined : data.toString('utf8');
    const selected = selectRoute(text, actionKeys);
    const route = routesByKey.get(selected) ?? routesByKey.get('$default');
    const body = text ?? data.toString('base64');
    const event = messageEvent(connection, connection.authorizer, route?.route ?? selected, body, isBinary);
    const requestId = event.requestContext.requestId;
    if (!route) {
      // No matching route and no $default: API Gateway answers with this frame and keeps the socket.
      return sendFrame(connection, JSON.stringify({ message: 'Forbidden', connectionId: connection.connectionId, requestId }));
    }
    if (connection.runningFrames + connection.queuedFrames.length >= limits.maxPendingFrames) {
      return sendFrame(connection, throttledFrame(connection.connectionId, requestId));
    }
    if (connection.runningFrames >= limits.maxConcurrentFrames) await new Promise<void>((run) => connection.queuedFrames.push(run));
    connection.runningFrames += 1;
    let result: unknown;
    try {
      result = await invoke(route, event);
    } catch (error) {
      log.error(`route ${route.route} (${route.name}) failed`, error);
      return sendFrame(connection, JSON.stringify({ message: 'Internal server error', connectionId: connection.connectionId, requestId }));
    } finally {
      connection.runningFrames -= 1;
      connection.queuedFrames.shift()?.();
    }
    if (!route.returnResponse) return;
    const reply = responseBody(result);
    if (reply) sendFrame(connection, reply);
  }

  function sendFrame(connection: LiveConnection, data: string | Buffer): void {
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    touch(connection);
    connection.socket.send(data, { binary: typeof data !== 'string' && !isTextPayload(data) });
  }

  async function runDisconnect(facts: ConnectionFacts, authorizer: Record<string, unknown> | undefined, code: number, reason: string) {
    const route = routesByKey.get('$disconnect');
    if (!route) return;
    try {
      await invoke(route, disconnectEvent(facts, authorizer, code, reason));
    } catch (error) {
      // Best effort in the cloud too: a failed $disconnect changes nothing for the client.
      log.warn(`$disconnect failed for ${facts.connectionId}`, error);
    }
  }

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    connectionCount: () => connections.size,
    isListening: () => server.listening,
    connection(connectionId: string): ManagedConnection | undefined {
      const live = connections.get(connectionId);
      if (!live || live.socket.readyState !== live.socket.OPEN) return undefined;
      return {
        connectedAt: new Date(live.connectedAt),
        lastActiveAt: new Date(live.lastActiveAt),
        sourceIp: live.sourceIp,
        userAgent: live.userAgent,
        post: (data) =>
          new Promise<void>((resolvePost, rejectPost) => {
            touch(live);
            live.socket.send(data, { binary: !isTextPayload(data) }, (error) => (error ? rejectPost(error) : resolvePost()));
          }),
        delete: () => live.socket.close(1000, 'Connection deleted'),
      };
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      for (const live of connections.values()) live.socket.close(goingAway.code, goingAway.reason);
      // Clients that do not answer the close handshake are cut off, so shutdown never hangs on them.
      const deadline = Date.now() + 1000;
      while (connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const live of connections.values()) live.socket.terminate();
      await settle(inFlight, 5000);
      wss.close();
      // server.close() waits for every open HTTP connection to end; cut them first, or a half-open
      // handshake keeps stop() waiting forever (seen as a bench that never exits).
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      server.closeAllConnections();
      await closed;
    },
  };

  function touch(connection: LiveConnection): void {
    connection.lastActiveAt = Date.now();
    connection.idleTimer.refresh();
  }
}

/** What a two-way route sends back: the proxy result's body, or a plain string or object result. */
function responseBody(result: unknown): string | undefined {
  if (result === undefined || result === null) return undefined;
  if (typeof result === 'string') return result || undefined;
  if (typeof result === 'object' && 'statusCode' in result) {
    const body = (result as { body?: unknown }).body;
    return typeof body === 'string' && body !== '' ? body : undefined;
  }
  return JSON.stringify(result);
}

/** A $connect route may return nothing (accepted) or a proxy result whose status decides. */
function statusCodeOf(result: unknown): number {
  const status = (result as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : 200;
}

function reject(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function normaliseIp(address: string | undefined): string {
  return address?.startsWith('::ffff:') ? address.slice(7) : (address ?? '127.0.0.1');
}

function closeReason(code: number): string {
  if (code === 1003) return unsupportedData.reason;
  return code === 1009 ? 'Message too big' : code === 1001 ? 'Going away' : code === 1005 ? 'Client closed without status' : 'Connection closed';
}

/** Waits until nothing is in flight, including work that finishing work starts (a close runs $disconnect). */
async function settle(promises: Set<Promise<unknown>>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setImmediate(r));
    if (promises.size === 0) return;
    const timeout = new Promise((r) => setTimeout(r, deadline - Date.now()).unref());
    await Promise.race([Promise.allSettled([...promises]), timeout]);
  }
}
