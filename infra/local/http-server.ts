import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionSpec, HttpRouteSpec } from '../../shared/manifest';
import { connectionIdFromPath, handleConnectionsRequest, type ManagedConnections } from './connections-endpoint';
import { jwksPath, localDirectoryPath, localIssuerPath } from './environment';
import {
  fromHandlerResult,
  gatewayError,
  gatewayRequestId,
  toHttpApiEvent,
  type GatewayResponse,
} from './http-api-event';
import { HandlerTimeoutError } from './invoke-handler';
import type { JwtAuthorizer } from './jwt-authorizer';
import type { LocalLog } from './log';
import { createRouteMatcher } from './route-matcher';
import type { WebApp } from './web-app';

/** API Gateway HTTP API's payload limit. */
export const maxRequestBytes = 10 * 1024 * 1024;

/** The local components' part of GET /health. */
export interface LocalHealth {
  ok: boolean;
  components: Record<string, unknown>;
}

export interface HttpApiOptions {
  routes: readonly HttpRouteSpec[];
  invoke: (spec: FunctionSpec, event: unknown, requestId: string) => Promise<unknown>;
  connections: ManagedConnections;
  jwks: () => unknown;
  /** Runs before every route not marked `public`, as the CDK stack's JWT authorizer does. */
  authorizeJwt: JwtAuthorizer;
  /** OpenID discovery for the local issuer, where API Gateway's JWT authorizer would look. */
  issuer: string;
  localHealth: () => Promise<LocalHealth>;
  log: LocalLog;
  /** The web clients under /app/ (not an API Gateway route: CloudFront serves them in the cloud). */
  webApp?: WebApp;
  /** The dev issuer's user pool (infra/local/user-pool.ts): the user directory handlers write locally. */
  userPool?: { handleRequest(body: string): Promise<{ status: number; body: unknown }> };
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The HTTP API: each request becomes an API Gateway payload 2.0 event for the manifest route it matches,
 * and the handler's result becomes the response. The same port serves the WebSocket API's @connections
 * management endpoint and the dev issuer's JWKS. GET /health adds the local components to the health
 * handler's report.
 */
export function createHttpApi(options: HttpApiOptions): RequestListener {
  const { log } = options;
  const matcher = createRouteMatcher(options.routes);
  const declaresHealth = options.routes.some((route) => route.method === 'GET' && route.path === '/health');

  async function respond(req: IncomingMessage, requestId: string): Promise<GatewayResponse> {
    const body = await readBody(req, maxRequestBytes);
    if (body === 'too-large') return gatewayError(413);

    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';

    const connectionId = connectionIdFromPath(path);
    if (connectionId !== undefined) {
      return handleConnectionsRequest({ method, connectionId, headers: req.headers, body }, options.connections);
    }
    if (method === 'GET' && (path === jwksPath || path === `${localIssuerPath}${jwksPath}`)) return json(200, options.jwks());
    if (method === 'GET' && path === `${localIssuerPath}/.well-known/openid-configuration`) {
      return json(200, { issuer: options.issuer, jwks_uri: `${options.issuer}${jwksPath}`, id_token_signing_alg_values_supported: ['RS256'] });
    }
    if (method === 'POST' && path === localDirectoryPath && options.userPool) {
      const answer = await options.userPool.handleRequest(body.toString('utf8'));
      return json(answer.status, answer.body);
    }
    if (method === 'GET' && path === '/health' && !declaresHealth) return withLocalHealth(undefined);

    const match = matcher.match(method, path);
    if (!match) return gatewayError(404);

    let authorizer: Record<string, unknown> | undefined;
    if (match.route.public !== true) {
      const decision = await options.authorizeJwt(headerValue(req.headers.authorization));
      if (!decision.allowed) {
        // API Gateway's own refusal: its shape, not kefu's, because that is what clients get in the cloud.
        const refusal = json(401, { message: 'Unauthorized' });
        refusal.headers['www-authenticate'] = decision.wwwAuthenticate;
        return refusal;
      }
      authorizer = decision.authorizer;
    }

    const event = toHttpApiEvent(
      {
        method,
        url,
        headers: req.headers,
        body,
        sourceIp: normaliseIp(req.socket.remoteAddress),
        protocol: 'http',
        localPort: req.socket.localPort ?? 0,
      },
      match,
      requestId,
    );
    if (authorizer) (event.requestContext as { authorizer?: unknown }).authorizer = authorizer;
    let response: GatewayResponse;
    try {
      response = fromHandlerResult(await options.invoke(match.route, event, requestId));
    } catch (error) {
      if (error instanceof HandlerTimeoutError) {
        log.error(`${match.routeKey}: ${error.message}`);
        return gatewayError(503);
      }
      log.error(`${match.routeKey} (${match.route.name}) threw`, error);
      return gatewayError(500);
    }
    if (method === 'GET' && path === '/health') return withLocalHealth(response);
    return response;
  }

  /** The health handler's report (table status) plus the local stack's components; 200 only if all are ok. */
  async function withLocalHealth(handlerResponse: GatewayResponse | undefined): Promise<GatewayResponse> {
    const local = await options.localHealth();
    let report: { status?: string; components?: Record<string, unknown> } = {};
    if (handlerResponse) {
      try {
        report = JSON.parse(handlerResponse.body.toString('utf8')) as typeof report;
      } catch {
        report = { components: { handler: { status: 'down', statusCode: handlerResponse.statusCode } } };
      }
    }
    const handlerOk = handlerResponse === undefined || handlerResponse.statusCode === 200;
    const ok = handlerOk && local.ok;
    const body = { ...report, status: ok ? 'ok' : 'degraded', components: { ...report.components, ...local.components } };
    return {
      statusCode: ok ? 200 : 503,
      headers: { ...handlerResponse?.headers, 'content-type': 'application/json', ...(ok ? {} : { 'retry-after': '5' }) },
      cookies: [],
      body: Buffer.from(JSON.stringify(body)),
    };
  }

  return (req, res) => {
    if (options.webApp?.handle(req, res)) return;
    const started = Date.now();
    const requestId = gatewayRequestId();
    respond(req, requestId)
      .catch((error: unknown) => {
        log.error(`${req.method} ${req.url} failed in the local gateway`, error);
        return gatewayError(500);
      })
      .then((response) => {
        write(res, response, requestId);
        if (!req.url?.startsWith('/health')) log.info(`${req.method} ${req.url?.split('?')[0]} ${response.statusCode} ${Date.now() - started} ms`);
      });
  };
}

/** Listens on loopback (0 picks a free port); requests go to whatever `listener()` returns at the time. */
export async function listenHttp(port: number, listener: () => RequestListener): Promise<{ server: Server; port: number; url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => listener()(req, res));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}

/** While the stack starts or stops, every request (the benchmark's health polls included) gets a 503. */
export function unavailableListener(status: 'starting' | 'stopping'): RequestListener {
  return (req, res) => {
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify({ status }));
  };
}

function json(statusCode: number, body: unknown): GatewayResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(JSON.stringify(body)) };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function write(res: ServerResponse, response: GatewayResponse, requestId: string): void {
  if (res.headersSent) return;
  const headers: Record<string, string | string[]> = { ...response.headers, 'apigw-requestid': requestId, 'content-length': String(response.body.length) };
  if (response.cookies.length) headers['set-cookie'] = response.cookies;
  // A 413 may be sent before the client finished uploading; closing avoids reading the rest.
  if (response.statusCode === 413) headers.connection = 'close';
  res.writeHead(response.statusCode, headers).end(response.body);
}

/**
 * Reads the body up to `limit` bytes. Past the limit the rest is drained rather than the socket cut, so
 * the client, still uploading, can read the 413 instead of seeing a reset connection.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolveBody, rejectBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > limit;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    req.on('end', () => resolveBody(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', rejectBody);
  });
}

function normaliseIp(address: string | undefined): string {
  return address?.startsWith('::ffff:') ? address.slice(7) : (address ?? '127.0.0.1');
}
