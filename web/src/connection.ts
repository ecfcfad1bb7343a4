import { Observable } from './store';
import { backoffDelay } from './conversation-log';
import type { ErrorFrame } from './contracts';

/** A frame kefu sent: every server frame has `type`, except API Gateway's own (`message` only). */
export type ServerFrame = { type?: string; ref?: string; [key: string]: unknown };

export class FrameError extends Error {
  constructor(readonly frame: ErrorFrame) {
    super(`${frame.code}: ${frame.message}`);
    this.name = 'FrameError';
  }
}

/** The socket went away before the reply came: nothing is known about the request; resend if idempotent. */
export class DisconnectedError extends Error {
  constructor() {
    super('disconnected');
    this.name = 'DisconnectedError';
  }
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'stopped';

export interface ConnectionOptions {
  /** A fresh single-use connect ticket (POST /v1/connect-tickets). */
  ticket: () => Promise<string>;
  wsUrl: string;
  /** Runs on every (re)connect before the connection counts as open: hello, resume, resend. */
  onOpen: (connection: Connection) => Promise<void>;
  onFrame: (frame: ServerFrame) => void;
  onState?: (state: ConnectionState, detail?: string) => void;
  /** API Gateway closes a socket idle 10 minutes: ping before that. */
  pingIntervalMs?: number;
  requestTimeoutMs?: number;
}

/**
 * One logical connection to the WebSocket API that survives drops. Each (re)connect takes a new ticket
 * (never the JWT in the URL), then `onOpen` catches up. A close for any reason other than `stop()` —
 * API Gateway's 10-minute idle or 2-hour cut-off (1001), a network drop, the browser going offline — is
 * followed by a reconnect: at once after a cut-off, else with backoff (0.5 s doubling to 30 s, jittered).
 */
export class Connection {
  private socket: WebSocket | undefined;
  private state: ConnectionState = 'connecting';
  private attempt = 0;
  private refCount = 0;
  private readonly pending = new Map<string, { resolve: (frame: ServerFrame) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  /** Sockets opened so far: 1 + the reconnects. */
  opened = 0;
  private readonly onOffline = () => this.socket?.close(4000, 'offline');
  private readonly onOnline = () => {
    if (this.state === 'offline') this.connectSoon(0);
  };

  constructor(private readonly options: ConnectionOptions) {}

  start(): void {
    globalThis.addEventListener?.('offline', this.onOffline);
    globalThis.addEventListener?.('online', this.onOnline);
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    globalThis.removeEventListener?.('offline', this.onOffline);
    globalThis.removeEventListener?.('online', this.onOnline);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.socket?.close(1000);
    this.setState('stopped');
    this.failPending();
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Sends a frame with a fresh ref and resolves with the reply carrying it (an error frame rejects). */
  request<T = ServerFrame>(frame: Record<string, unknown>, timeoutMs = this.options.requestTimeoutMs ?? 15_000): Promise<T> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new DisconnectedError());
    const ref = `r${++this.refCount}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new DisconnectedError());
      }, timeoutMs);
      this.pending.set(ref, { resolve: resolve as (frame: ServerFrame) => void, reject, timer });
      socket.send(JSON.stringify({ ...frame, ref }));
    });
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.state = state;
    this.options.onState?.(state, detail);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    if (globalThis.navigator?.onLine === false) return this.setState('offline');
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let socket: WebSocket;
    try {
      const ticket = await this.options.ticket();
      if (this.stopped) return;
      socket = new WebSocket(`${this.options.wsUrl}/?ticket=${encodeURIComponent(ticket)}`);
    } catch (error) {
      return this.connectSoon(backoffDelay(this.attempt++), (error as Error).message);
    }
    this.socket = socket;
    socket.onmessage = (event) => this.receive(String(event.data));
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      clearInterval(this.pingTimer);
      this.failPending();
      if (this.stopped) return;
      if (globalThis.navigator?.onLine === false) return this.setState('offline');
      // 1001: API Gateway's idle or lifetime cut-off, a normal event: come back at once.
      this.connectSoon(event.code === 1001 && this.attempt === 0 ? 0 : backoffDelay(this.attempt++), `closed ${event.code}`);
    };
    socket.onopen = () => {
      this.opened += 1;
      this.pingTimer = setInterval(() => void this.request({ action: 'ping' }).catch(() => undefined), this.options.pingIntervalMs ?? 9 * 60_000);
      this.options.onOpen(this).then(
        () => {
          if (this.socket !== socket) return;
          this.attempt = 0;
          this.setState('open');
        },
        (error: Error) => {
          // Catching up failed (the socket dropped meanwhile, or the server refused): start over.
          if (this.socket === socket) socket.close(4001, 'catch-up failed');
          this.options.onState?.(this.state, error.message);
        },
      );
    };
  }

  private connectSoon(delayMs: number, detail?: string): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.setState('reconnecting', detail);
    this.retryTimer = setTimeout(() => void this.connect(), delayMs);
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    const waiter = frame.ref === undefined ? undefined : this.pending.get(frame.ref);
    if (waiter && frame.ref !== undefined) {
      this.pending.delete(frame.ref);
      clearTimeout(waiter.timer);
      if (frame.type === 'error') waiter.reject(new FrameError(frame as unknown as ErrorFrame));
      else waiter.resolve(frame);
      return;
    }
    this.options.onFrame(frame);
  }

  private failPending(): void {
    for (const [ref, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new DisconnectedError());
      this.pending.delete(ref);
    }
  }
}

/**
 * A model that lives on one Connection: the workbench, the buyer widget. It catches up on every
 * (re)connect and handles the frames kefu pushes; the connection's state is shown on screen.
 */
export abstract class ConnectedModel extends Observable {
  connectionState: ConnectionState = 'connecting';
  protected readonly connection: Connection;

  constructor(ticket: () => Promise<string>, wsUrl: string, options: { pingIntervalMs?: number } = {}) {
    super();
    this.connection = new Connection({
      ticket,
      wsUrl,
      pingIntervalMs: options.pingIntervalMs,
      onOpen: (connection) => this.catchUp(connection),
      onFrame: (frame) => this.receive(frame),
      onState: (state) => {
        this.connectionState = state;
        this.changed();
      },
    });
  }

  protected abstract catchUp(connection: Connection): Promise<void>;
  protected abstract receive(frame: ServerFrame): void;

  start(): void {
    this.connection.start();
  }

  stop(): void {
    this.connection.stop();
  }

  /** Sockets opened so far: 1 + the reconnects after drops and cut-offs. */
  get connects(): number {
    return this.connection.opened;
  }
}
