import { createServer, type Server } from 'node:http';

/**
 * A stand-in for API Gateway's @connections API on loopback: records the frames posted to each
 * connection; connections in `gone` answer 410 as closed sockets do, those in `failing` 500.
 */
export class FakeConnections<Frame = Record<string, unknown>> {
  readonly frames = new Map<string, Frame[]>();
  readonly gone = new Set<string>();
  readonly failing = new Set<string>();
  private server?: Server;
  endpoint = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const match = /^\/@connections\/([^/?]+)/.exec(req.url ?? '');
      const connectionId = decodeURIComponent(match?.[1] ?? '');
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        if (req.method !== 'POST' || !match) return void res.writeHead(404).end();
        if (this.gone.has(connectionId)) {
          return void res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' }).end('{"message":"gone"}');
        }
        if (this.failing.has(connectionId)) {
          return void res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerError' }).end('{"message":"boom"}');
        }
        this.frames.set(connectionId, [...(this.frames.get(connectionId) ?? []), JSON.parse(body) as Frame]);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  received(connectionId: string): Frame[] {
    return this.frames.get(connectionId) ?? [];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
