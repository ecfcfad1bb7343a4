import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { identityFromClaims, type Identity, type Role } from '../auth/identity';
import { ForbiddenError, PayloadTooLargeError, UnauthorizedError, ValidationError } from '../http/errors';
import { parseOrThrow } from '../http/zod-errors';
import { logger } from '../runtime/observability';
import { tenantIsOpen } from '../store/tenants';
import { TenantDeletedError } from '../tenants/manage-tenants';
import { assertAccountCurrent } from '../people/account-check';
import { publishMetrics } from './publish-metrics';
import { toErrorResponse } from './error-response';

/** API Gateway's own payload limit is 10 MB; kefu's bodies are small, so refuse big ones early. */
export const defaultMaxBodyBytes = 64 * 1024;

export interface HttpRouteOptions<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  /** 'public' routes have no authorizer and no identity; otherwise the roles allowed to call. */
  auth: 'public' | readonly Role[];
  body?: B;
  query?: Q;
  params?: P;
  maxBodyBytes?: number;
  /**
   * Hand the body over as the exact bytes received (API Gateway's base64 decoded, nothing else), unparsed:
   * for webhooks, whose signatures are over those bytes and are checked before any parse (row 23).
   */
  rawBody?: true;
}

export interface HttpRequest<B, Q, P, A> {
  body: B;
  /** The body's bytes, with `rawBody: true`; undefined otherwise. */
  rawBody: Uint8Array | undefined;
  query: Q;
  params: P;
  identity: A;
  requestId: string;
  event: APIGatewayProxyEventV2;
}

export interface HttpResult {
  status?: number;
  body?: unknown;
  /** A body sent as is (a CSV export) with its content type, instead of JSON. */
  text?: { contentType: string; body: string };
  headers?: Record<string, string>;
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

/**
 * The HTTP API handler factory: every route gets the same logging, authentication, body limits, zod
 * validation (400 naming the field), and error mapping. The domain function receives typed input and an
 * Identity built from the claims API Gateway's JWT authorizer verified, never from the body. A deleted
 * tenant's users are refused (TENANT_DELETED) before anything runs (issue 12: a tombstone refuses access).
 */
export function httpRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
  O extends HttpRouteOptions<z.ZodType, z.ZodType, z.ZodType> = HttpRouteOptions<z.ZodType, z.ZodType, z.ZodType>,
>(
  options: O & { body?: B; query?: Q; params?: P },
  run: (
    request: HttpRequest<Infer<B>, Infer<Q>, Infer<P>, O['auth'] extends 'public' ? undefined : Identity>,
  ) => Promise<HttpResult>,
) {
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const base = async (event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyResultV2> => {
    const requestId = event.requestContext?.requestId ?? 'unknown';
    logger.appendKeys({ correlationId: requestId });
    try {
      const identity = authenticate(event, options.auth);
      if (identity && identity.role !== 'platform' && !(await tenantIsOpen(identity.tenantId))) throw new TenantDeletedError();
      // A disabled or re-roled user's token is refused at once (issue 12 §2).
      if (identity) await assertAccountCurrent(identity);
      const rawBody = options.rawBody ? readRawBody(event, maxBodyBytes) : undefined;
      const body = options.body
        ? parseOrThrow(options.body, readJsonBody(event, maxBodyBytes), 'body')
        : options.rawBody
          ? undefined
          : refuseAnyBody(event, maxBodyBytes);
      const query = parseOrThrow(options.query ?? noFields, event.queryStringParameters ?? {}, 'query');
      const params = options.params ? parseOrThrow(options.params, event.pathParameters ?? {}, 'path') : undefined;
      const result = await run({ body, rawBody, query: options.query ? query : undefined, params, identity, requestId, event } as never);
      if (result.text) return { statusCode: result.status ?? 200, headers: { ...result.headers, 'content-type': result.text.contentType }, body: result.text.body };
      return {
        statusCode: result.status ?? 200,
        headers: { 'content-type': 'application/json', ...result.headers },
        body: result.body === undefined ? '' : JSON.stringify(result.body),
      };
    } catch (error) {
      const { status, body, headers } = toErrorResponse(error, requestId);
      return { statusCode: status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
    } finally {
      logger.removeKeys(['correlationId']);
    }
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().use(injectLambdaContext(logger)).use(publishMetrics()).handler(base);
}

/**
 * The identity from the claims API Gateway's JWT authorizer verified and passed in the event
 * (requestContext.authorizer.jwt.claims, payload 2.0; the local stack's gateway passes them the same way):
 * the token is verified once, at the gateway, not again in every handler. An event without them never
 * passed the authorizer (a direct invoke, a route wired without it) and is refused. Public routes run no
 * authorizer, so they get no identity even when a token is sent: nothing public depends on who calls.
 */
function authenticate(event: APIGatewayProxyEventV2, auth: 'public' | readonly Role[]): Identity | undefined {
  if (auth === 'public') return undefined;
  const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: unknown } } } | undefined)?.authorizer?.jwt?.claims;
  const identity = claims === undefined ? undefined : identityFromClaims(claims);
  if (!identity) throw new UnauthorizedError();
  if (!auth.includes(identity.role)) throw new ForbiddenError(`role ${identity.role} may not call this route`);
  return identity;
}

/** The body's bytes exactly as the client sent them (empty when there is none), within the size limit. */
function readRawBody(event: APIGatewayProxyEventV2, maxBodyBytes: number): Uint8Array {
  if (event.body === undefined || event.body === null) return new Uint8Array();
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.length > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes);
  return bytes;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function readJsonBody(event: APIGatewayProxyEventV2, maxBodyBytes: number): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new ValidationError('a JSON body is required', [{ field: 'body', message: 'required' }]);
  }
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.length > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes);
  const contentType = event.headers?.['content-type'] ?? event.headers?.['Content-Type'] ?? '';
  if (!contentType.toLowerCase().startsWith('application/json')) {
    throw new ValidationError('content-type must be application/json', [{ field: 'headers.content-type', message: 'must be application/json' }]);
  }
  // JSON is UTF-8 (RFC 8259): invalid bytes are refused, not stored as U+FFFD. A body that is not valid
  // UTF-8 reaches the handler base64-encoded, so its bytes can be checked before anything decodes them.
  let raw: string;
  try {
    raw = strictUtf8.decode(bytes);
  } catch {
    throw new ValidationError('body is not valid UTF-8', [{ field: 'body', message: 'invalid UTF-8' }]);
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new ValidationError('body is not valid JSON', [{ field: 'body', message: 'invalid JSON' }]);
  }
}

/** What a route that declares no query or no body accepts there: nothing, so every field is undeclared (400 naming it). */
const noFields = z.strictObject({});

/**
 * A route that takes no body accepts an absent or zero-length body, or an empty JSON object (some
 * clients always send one). Anything else is refused: a JSON object's keys are named (`body.role`),
 * other content as `body`.
 */
function refuseAnyBody(event: APIGatewayProxyEventV2, maxBodyBytes: number): undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let parsed: unknown;
  try {
    parsed = raw.length <= maxBodyBytes ? JSON.parse(raw) : undefined;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    parseOrThrow(noFields, parsed, 'body');
    return undefined;
  }
  throw new ValidationError('this route takes no body', [{ field: 'body', message: 'this route takes no body' }]);
}
