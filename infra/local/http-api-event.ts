import { isUtf8 } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Translation between a Node request/response and API Gateway HTTP API's Lambda proxy payload 2.0, so
 * the handlers see locally exactly what they see in the cloud.
 */
export interface IncomingRequest {
  method: string;
  /** Path and query as received, e.g. `/v1/shops/s1?limit=5`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
  protocol: string;
  localPort: number;
}

export interface MatchedRoute {
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
}

export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/** API Gateway's request ids look like `JKJaXmPLvHcESHA=`; clients may quote them to support. */
export function gatewayRequestId(): string {
  return randomBytes(10).toString('base64');
}

/**
 * Payload 2.0: header names lower-cased and repeated values joined with commas; cookies moved to their
 * own array; repeated query keys joined with commas; absent parts left undefined (not empty objects).
 * Text bodies are passed as they are and anything else base64-encoded, as API Gateway does.
 */
export function toHttpApiEvent(request: IncomingRequest, route: MatchedRoute, requestId = gatewayRequestId()): APIGatewayProxyEventV2 {
  const now = new Date();
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : request.url.slice(queryAt + 1);

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const joined = Array.isArray(value) ? value.join(',') : value;
    if (lower === 'cookie') {
      cookies = joined.split(';').map((c) => c.trim()).filter(Boolean);
      continue;
    }
    headers[lower] = joined;
  }
  headers['x-forwarded-for'] ??= request.sourceIp;
  headers['x-forwarded-port'] ??= String(request.localPort);
  headers['x-forwarded-proto'] ??= request.protocol;
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`;

  const queryStringParameters = parseQuery(rawQueryString);
  const hasBody = request.body.length > 0;
  // A "text" body that is not valid UTF-8 is passed as bytes too, so the handler sees what was sent rather than U+FFFD.
  const binary = hasBody && (!isTextContentType(headers['content-type']) || !isUtf8(request.body));

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    cookies,
    headers,
    queryStringParameters,
    pathParameters: route.pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? `127.0.0.1:${request.localPort}`,
      domainPrefix: (headers.host ?? '127').split('.')[0] ?? '127',
      http: {
        method: request.method,
        path: rawPath,
        protocol: `HTTP/1.1`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    body: hasBody ? request.body.toString(binary ? 'base64' : 'utf8') : undefined,
    isBase64Encoded: binary,
  };
  // Absent, not undefined-valued, as in a real event (JSON.stringify drops them anyway).
  for (const key of ['cookies', 'queryStringParameters', 'pathParameters', 'body'] as const) {
    if (event[key] === undefined) delete event[key];
  }
  return event;
}

/**
 * The handler's result as API Gateway maps it (payload 2.0). A result with a statusCode is used as is;
 * anything else (a string, an object without statusCode) is taken as the JSON body of a 200.
 */
export function fromHandlerResult(result: unknown): GatewayResponse {
  if (isStructured(result)) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
    const body = typeof result.body === 'string' ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
    const cookies = Array.isArray(result.cookies) ? result.cookies.map(String) : [];
    return { statusCode: result.statusCode, headers, cookies, body };
  }
  const body = typeof result === 'string' ? result : result === undefined ? '' : JSON.stringify(result);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(body) };
}

/** API Gateway's wording for the errors it answers itself. */
const gatewayMessages = {
  404: 'Not Found',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
} as const;

/**
 * An error API Gateway answers itself (no route, payload over its limit, the integration failed or timed
 * out): its `{"message": …}` body, not kefu's error body, because that is what clients get in the cloud.
 */
export function gatewayError(statusCode: keyof typeof gatewayMessages): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message: gatewayMessages[statusCode] })),
  };
}

interface StructuredResult {
  statusCode: number;
  headers?: Record<string, unknown>;
  cookies?: unknown[];
  body?: unknown;
  isBase64Encoded?: boolean;
}

function isStructured(result: unknown): result is StructuredResult {
  return typeof result === 'object' && result !== null && Number.isInteger((result as { statusCode?: unknown }).statusCode);
}

function parseQuery(raw: string): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) out[name] = name in out ? `${out[name]},${value}` : value;
  return Object.keys(out).length ? out : undefined;
}

function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    /^application\/([\w.+-]*\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded'
  );
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `25/Nov/2025:12:22:01 +0000`, the format of requestContext.time (HTTP) and requestTime (WebSocket). */
export function formatRequestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
