import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { contractRecorder } from './contract-conformance';

/**
 * A test client for the WebSocket API: opens a socket with a fresh connect ticket, keeps every frame it
 * receives, and lets a test await the next frame matching a predicate (or send and await the reply
 * carrying the same `ref`), or the socket's close. Every frame, refused handshake and server close is
 * recorded for the contract check (test/support/contract-conformance.ts).
 */
export class ChatClient {
  readonly frames: Record<string, unknown>[] = [];
  /** Resolves with the close code, whoever closed. */
  readonly closed: Promise<number>;
  readonly connection = contractRecorder.newConnection();
  private waiters: { match: (frame: Record<string, unknown>) => boolean; resolve: (frame: Record<string, unknown>) => void }[] = [];
  private refCount = 0;
  private closing = false;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = String(data);
      contractRecorder.recordReceived(this.connection, text);
      const frame = JSON.parse(text) as Record<string, unknown>;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(frame)) return true;
        waiter.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code) => {
        if (!this.closing) contractRecorder.recordClose(this.connection, code);
        resolve(code);
      }),
    );
  }

  static async connect(httpUrl: string, wsUrl: string, token: string): Promise<ChatClient> {
    const response = await fetch(`${httpUrl}/v1/connect-tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 201) throw new Error(`ticket refused: ${response.status} ${await response.text()}`);
    const { ticket } = (await response.json()) as { ticket: string };
    return ChatClient.open(`${wsUrl}?ticket=${encodeURIComponent(ticket)}`);
  }

  /** Opens a socket on a URL as given; a refused handshake rejects with its HTTP status and body. */
  static async open(url: string): Promise<ChatClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          contractRecorder.recordHandshake(res.statusCode ?? 0, body);
          reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { status: res.statusCode, body }));
          socket.terminate();
        });
      });
    });
    return new ChatClient(socket);
  }

  /** Resolves with the first frame, already received or still to come, that matches. */
  next(match: (frame: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      });
    });
  }

  /** Sends a frame with a fresh ref and resolves with the reply carrying that ref. */
  async request(frame: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>> {
    const ref = `r${++this.refCount}`;
    const reply = this.next((candidate) => candidate.ref === ref, timeoutMs);
    this.send({ ...frame, ref });
    return reply;
  }

  /** Sends a frame as given: an object as JSON, a string or Buffer as it is (a Buffer as a binary frame). */
  send(frame: Record<string, unknown> | string | Buffer): void {
    const data = typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame);
    contractRecorder.recordSent(this.connection, data);
    this.socket.send(data, { binary: Buffer.isBuffer(data) });
  }

  /** Resolves with the close code, or rejects if the socket is still open after `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.closing = true;
    this.socket.close();
    await this.closed;
  }
}
