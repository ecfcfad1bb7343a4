import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { localRegion } from './engines';
import { formatRequestTime } from './http-api-event';

/**
 * The events API Gateway's WebSocket API sends to Lambda: the $connect REQUEST authorizer event, and the
 * CONNECT, MESSAGE and DISCONNECT proxy events. Shapes follow what API Gateway actually sends (original
 * header casing, absent rather than empty query maps, the authorizer's context plus principalId).
 */
export const localApiId = 'local';
export const localStage = 'local';

export interface ConnectionFacts {
  connectionId: string;
  connectedAt: number;
  sourceIp: string;
  userAgent: string | undefined;
  domainName: string;
}

export interface HandshakeFacts extends ConnectionFacts {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string> | undefined;
  multiValueQueryStringParameters: Record<string, string[]> | undefined;
}

/** `$connect`'s method ARN, which the authorizer's policy must allow. */
export function connectMethodArn(): string {
  return `arn:aws:execute-api:${localRegion}:000000000000:${localApiId}/${localStage}/$connect`;
}

/** Connection ids look like API Gateway's (`L0SM9cOFvHcCIhw=`), URL-safe so they survive any path. */
export function newConnectionId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return `${[...randomBytes(15)].map((byte) => alphabet[byte % alphabet.length]).join('')}=`;
}

export function handshakeFacts(request: IncomingMessage, facts: ConnectionFacts): HandshakeFacts {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] ?? '';
    const value = request.rawHeaders[i + 1] ?? '';
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  headers['X-Forwarded-For'] ??= facts.sourceIp;
  multiValueHeaders['X-Forwarded-For'] ??= [facts.sourceIp];

  const url = new URL(request.url ?? '/', 'http://localhost');
  let queryStringParameters: Record<string, string> | undefined;
  let multiValueQueryStringParameters: Record<string, string[]> | undefined;
  for (const [name, value] of url.searchParams) {
    (queryStringParameters ??= {})[name] = value;
    ((multiValueQueryStringParameters ??= {})[name] ??= []).push(value);
  }
  return { ...facts, headers, multiValueHeaders, queryStringParameters, multiValueQueryStringParameters };
}

function baseRequestContext(facts: ConnectionFacts, routeKey: string, eventType: string) {
  const now = new Date();
  return {
    routeKey,
    eventType,
    extendedRequestId: gatewayId(),
    requestTime: formatRequestTime(now),
    messageDirection: 'IN',
    stage: localStage,
    connectedAt: facts.connectedAt,
    requestTimeEpoch: now.getTime(),
    identity: { sourceIp: facts.sourceIp, ...(facts.userAgent ? { userAgent: facts.userAgent } : {}) },
    requestId: gatewayId(),
    domainName: facts.domainName,
    connectionId: facts.connectionId,
    apiId: localApiId,
  };
}

export function authorizerEvent(facts: HandshakeFacts) {
  return withoutUndefined({
    type: 'REQUEST',
    methodArn: connectMethodArn(),
    headers: facts.headers,
    multiValueHeaders: facts.multiValueHeaders,
    queryStringParameters: facts.queryStringParameters,
    multiValueQueryStringParameters: facts.multiValueQueryStringParameters,
    stageVariables: {},
    requestContext: baseRequestContext(facts, '$connect', 'CONNECT'),
  });
}

export function connectEvent(facts: HandshakeFacts, authorizer: Record<string, unknown> | undefined) {
  return withoutUndefined({
    headers: facts.headers,
    multiValueHeaders: facts.multiValueHeaders,
    queryStringParameters: facts.queryStringParameters,
    multiValueQueryStringParameters: facts.multiValueQueryStringParameters,
    requestContext: withoutUndefined({ ...baseRequestContext(facts, '$connect', 'CONNECT'), authorizer }),
    isBase64Encoded: false,
  });
}

export function messageEvent(
  facts: ConnectionFacts,
  authorizer: Record<string, unknown> | undefined,
  routeKey: string,
  body: string,
  isBase64Encoded: boolean,
) {
  return {
    requestContext: withoutUndefined({
      ...baseRequestContext(facts, routeKey, 'MESSAGE'),
      messageId: gatewayId(),
      authorizer,
    }),
    body,
    isBase64Encoded,
  };
}

export function disconnectEvent(facts: ConnectionFacts, authorizer: Record<string, unknown> | undefined, code: number, reason: string) {
  return {
    headers: { Host: facts.domainName, 'X-Forwarded-For': facts.sourceIp },
    multiValueHeaders: { Host: [facts.domainName], 'X-Forwarded-For': [facts.sourceIp] },
    requestContext: withoutUndefined({
      ...baseRequestContext(facts, '$disconnect', 'DISCONNECT'),
      disconnectStatusCode: code,
      disconnectReason: reason,
      authorizer,
    }),
    isBase64Encoded: false,
  };
}

/**
 * Route selection `$request.body.action`: the frame's `action` if it is JSON with a string action that
 * names a declared route; otherwise `$default`.
 */
export function selectRoute(body: string | undefined, routeKeys: ReadonlySet<string>): string {
  if (body === undefined) return '$default';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return '$default';
  }
  const action = typeof parsed === 'object' && parsed !== null ? (parsed as { action?: unknown }).action : undefined;
  if (typeof action === 'string' && !action.startsWith('$') && routeKeys.has(action)) return action;
  return '$default';
}

function gatewayId(): string {
  return randomBytes(10).toString('base64');
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
