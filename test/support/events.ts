import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { identityToAuthorizerContext, type Identity } from '../../shared/auth/identity';
import type { WebSocketEvent } from '../../shared/middleware/ws-route';

/** Minimal Lambda context for calling handler modules directly in tests. */
export const lambdaContext = {
  functionName: 'test',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/**
 * The claims API Gateway's JWT authorizer passes to the handler for a verified token of this user: every
 * claim a string, an array claim written `[a b]` (infra/local/jwt-authorizer.ts does the same).
 */
export function authorizerClaims(user: Identity & { name?: string }): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: user.userId,
    tenant_id: user.tenantId,
    role: user.role,
    shop_ids: `[${user.shopIds.join(' ')}]`,
    ...(user.name ? { name: user.name } : {}),
    iss: 'http://127.0.0.1/kefu-test-issuer',
    aud: 'kefu',
    iat: String(now),
    exp: String(now + 3600),
  };
}

/**
 * An HTTP API payload 2.0 event, as API Gateway (and the local stack) build it. With `identity` (or raw
 * `claims`) the event carries what the JWT authorizer passes after verifying the caller's token, and the
 * bearer header it came with; without either it is what a public route, or a forged direct call, gets.
 */
export function httpEvent(options: {
  method: string;
  path: string;
  identity?: Identity & { name?: string };
  claims?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const claims = options.claims ?? (options.identity ? authorizerClaims(options.identity) : undefined);
  return {
    version: '2.0',
    routeKey: `${options.method} ${options.path}`,
    rawPath: options.path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(claims ? { authorization: 'Bearer <verified by the gateway>' } : {}),
      ...options.headers,
    },
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: randomUUID(),
      http: { method: options.method, path: options.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
  } as unknown as APIGatewayProxyEventV2;
}

export function authorizerEvent(ticket?: string): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:000000000000:api/dev/$connect',
    queryStringParameters: ticket === undefined ? {} : { ticket },
    requestContext: { routeKey: '$connect', eventType: 'CONNECT', connectionId: 'c1' },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

/** A WebSocket message event carrying an authorizer context, as API Gateway attaches it after $connect. */
export function wsEvent(options: { body?: string; connectionId?: string; authorizer?: Record<string, string>; routeKey?: string }): WebSocketEvent {
  return {
    body: options.body,
    isBase64Encoded: false,
    requestContext: {
      routeKey: options.routeKey ?? '$default',
      eventType: 'MESSAGE',
      connectionId: options.connectionId ?? 'conn-1',
      requestId: randomUUID(),
      messageId: randomUUID(),
      domainName: 'localhost',
      stage: 'local',
      apiId: 'local',
      requestTimeEpoch: Date.now(),
      connectedAt: Date.now(),
      extendedRequestId: randomUUID(),
      messageDirection: 'IN',
      authorizer: options.authorizer,
    },
  } as unknown as WebSocketEvent;
}

type WsHandler = (event: WebSocketEvent, context: Context) => Promise<unknown>;

/**
 * Calls a WebSocket route handler as API Gateway would after $connect (the identity in the authorizer
 * context) and parses the frame it replies with. Flood control counts per connection: pass a fresh
 * `connectionId` to keep it out of a test.
 */
export async function callWs(handler: WsHandler, identity: Identity, frame: unknown, connectionId = `conn-${identity.userId}`) {
  const body = typeof frame === 'string' ? frame : JSON.stringify(frame);
  const result = (await handler(wsEvent({ body, connectionId, authorizer: identityToAuthorizerContext(identity) }), lambdaContext)) as {
    statusCode: number;
    body: string;
  };
  // A two-way route answers every frame with 200, errors included (as error frames).
  expect(result.statusCode).toBe(200);
  // Reply frames are asserted field by field; typing every shape here would add nothing.
  return JSON.parse(result.body) as any;
}
