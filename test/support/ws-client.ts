import WebSocket from 'ws';

/**
 * A test client for the WebSocket API: opens a socket with a fresh connect ticket, keeps every frame it
 * receives, and lets a test await the next frame matching a predicate (or send and await the reply
 * carrying the same `ref`).
 */
export class ChatClient {
  readonly frames: Record<string, unknown>[] = [];
  private waiters: { match: (frame: Record<string, unknown>) => boolean; resolve: (frame: Record<string, unknown>) => void }[] = [];
  private refCount = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(frame)) return true;
        waiter.resolve(frame);
        return false;
      });
    });
  }

  static async connect(httpUrl: string, wsUrl: string, token: string): Promise<ChatClient> {
    const response = await fetch(`${httpUrl}/v1/connect-tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 201) throw new Error(`ticket refused: ${response.status} ${await response.text()}`);
    const { ticket } = (await response.json()) as { ticket: string };
    const socket = new WebSocket(`${wsUrl}?ticket=${encodeURIComponent(ticket)}`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
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
  async request(frame: Record<string, unknown>): Promise<Record<string, unknown>> {
    const ref = `r${++this.refCount}`;
    const reply = this.next((candidate) => candidate.ref === ref);
    this.socket.send(JSON.stringify({ ...frame, ref }));
    return reply;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
