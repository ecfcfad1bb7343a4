import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { buildWebApp, type WebAssets } from '../../web/build';
import { demoTenants } from './demo-data';
import type { TokenIssuer } from './token-issuer';

/** Where the local stack serves the web clients. */
export const webAppPath = '/app/';

/** A dev sign-in token lasts one working session, not the 12 h of the printed tokens. */
const signInTokenSeconds = 4 * 3600;

const tokenRequestSchema = z.strictObject({ tenantId: z.string().max(64), userId: z.string().max(64) });

export interface WebApp {
  /** Answers requests under /app/; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * The web clients on the local stack: the bundle built in memory at start (esbuild, well under a second),
 * `config.json` (where the APIs are, how to sign in), and the local sign-in: the demo users' list and a
 * token for the one chosen, signed by the stack's own issuer. That is the local stand-in for Cognito's
 * hosted UI; it exists only here (loopback), never in the cloud stack. Tokens go back in a response body,
 * never in a URL or a log line.
 */
export async function createWebApp(options: { issuer: TokenIssuer; wsUrl: string; pingIntervalMs?: number }): Promise<WebApp> {
  const assets: WebAssets = await buildWebApp();
  const users = demoTenants.flatMap((tenant) => tenant.users);
  const directory = JSON.stringify({
    users: users.map(({ tenantId, userId, name, role, shopIds, description }) => ({ tenantId, userId, name, role, shopIds, description })),
    shops: demoTenants.flatMap((tenant) => tenant.shops.map((shop) => ({ tenantId: tenant.tenantId, shopId: shop.shopId, name: shop.name }))),
  });
  const config = JSON.stringify({ signIn: 'local', httpUrl: '', wsUrl: options.wsUrl, ...(options.pingIntervalMs ? { pingIntervalMs: options.pingIntervalMs } : {}) });

  const send = (res: ServerResponse, status: number, contentType: string, body: string | Uint8Array, cache = 'no-store') => {
    res.writeHead(status, {
      'content-type': contentType,
      'cache-control': cache,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // Scripts and styles only from the app itself; sockets only to the local WebSocket API.
      'content-security-policy': `default-src 'self'; connect-src 'self' ${options.wsUrl}; img-src 'self' data:; frame-ancestors *`,
    });
    res.end(body);
  };

  const issueToken = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
      if (Buffer.concat(chunks).length > 4096) return send(res, 413, 'application/json', '{"error":{"code":"PAYLOAD_TOO_LARGE","message":"over 4 KB"}}');
    }
    let parsed: z.infer<typeof tokenRequestSchema>;
    try {
      parsed = tokenRequestSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      return send(res, 400, 'application/json', JSON.stringify({ error: { code: 'VALIDATION_FAILED', message: 'body: {tenantId, userId} of a demo user' } }));
    }
    const user = users.find((u) => u.tenantId === parsed.tenantId && u.userId === parsed.userId);
    if (!user) return send(res, 404, 'application/json', JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such demo user' } }));
    const token = await options.issuer.sign(
      { tenantId: user.tenantId, userId: user.userId, role: user.role, shopIds: [...user.shopIds], name: user.name },
      { expiresInSeconds: signInTokenSeconds },
    );
    send(res, 200, 'application/json', JSON.stringify({ token, expiresAt: new Date(Date.now() + signInTokenSeconds * 1000).toISOString() }));
  };

  return {
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path === '/app') {
        res.writeHead(308, { location: webAppPath }).end();
        return true;
      }
      if (!path.startsWith(webAppPath)) return false;
      const file = path.slice(webAppPath.length) || 'index.html';
      if (file === 'config.json') send(res, 200, 'application/json', config);
      else if (file === 'dev/users') send(res, 200, 'application/json', directory);
      else if (file === 'dev/token' && req.method === 'POST') {
        issueToken(req, res).catch(() => send(res, 500, 'application/json', '{"error":{"code":"INTERNAL","message":"signing failed"}}'));
      } else {
        const asset = assets.get(file);
        if (!asset || (req.method !== 'GET' && req.method !== 'HEAD')) send(res, 404, 'application/json', '{"message":"Not Found"}');
        // Font slices carry a content hash in their name: cache them for good.
        else send(res, 200, asset.contentType, asset.body, file.startsWith('files/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      }
      return true;
    },
  };
}
