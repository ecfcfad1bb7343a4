import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyResultV2,
  APIGatewayProxyWebsocketEventV2,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import type { z } from 'zod';
import { identityFromAuthorizerContext, type Identity, type Role } from '../auth/identity';
import type { FloodControl } from '../conversations/flood-control';
import { AppError, ForbiddenError, PayloadTooLargeError, UnauthorizedError, ValidationError } from '../http/errors';
import { parseOrThrow } from '../http/zod-errors';
import { logger } from '../runtime/observability';
import { publishMetrics } from './publish-metrics';
import { toErrorResponse } from './error-response';

/** kefu's frames are far smaller than API Gateway's 128 KB message limit; bigger ones are refused here. */
export const maxFrameBytes = 32 * 1024;
/** API Gateway closes a socket that sends more (1009), so no handler ever sees a bigger frame. */
const gatewayMaxFrameBytes = 128 * 1024;
/** Longest ref echoed (the frame schemas allow 64 characters). */
const maxRefLength = 64;

/** WebSocket events carry the authorizer's context, which the aws-lambda types leave out. */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { authorizer?: Record<string, unknown> };
};

export interface WsRequest<F> {
  frame: F;
  identity: Identity;
  connectionId: string;
  requestId: string;
  event: WebSocketEvent;
}

/** An error frame: the code names the problem, `field` the offending input, `ref` echoes the client's frame id. */
export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  field?: string;
  details?: { field: string; message: string }[];
  ref?: string;
}

/**
 * The WebSocket route handler factory. The route's response (two-way route) carries the reply or an
 * error frame back to the sender; the connection always stays open. Identity comes from the $connect
 * authorizer's context, which API Gateway attaches to every message of the connection. The factory owns
 * what every action shares: the frame size limit, the role check, flood control (before the frame is
 * parsed, so malformed frames spend the connection's tokens too), validation, and the `ref` echo on the
 * reply and on every error frame, including a frame refused for its size.
 */
export function wsRoute<F extends z.ZodType>(
  options: { frame: F; roles: readonly Role[]; floodControl?: FloodControl },
  run: (request: WsRequest<z.infer<F>>) => Promise<unknown>,
) {
  const base = async (event: WebSocketEvent, _context: Context): Promise<APIGatewayProxyResultV2> => {
    const requestId = event.requestContext.requestId ?? 'unknown';
    const connectionId = event.requestContext.connectionId;
    logger.appendKeys({ correlationId: requestId, connectionId });
    let ref: string | undefined;
    try {
      const identity = identityFromAuthorizerContext(event.requestContext.authorizer);
      if (!identity) throw new UnauthorizedError('connection has no verified identity');
      const read = readFrame(event.body);
      ref = read.ref;
      if (read.error) throw read.error;
      if (!options.roles.includes(identity.role)) throw new ForbiddenError(`role ${identity.role} may not use this action`);
      if (options.floodControl) await options.floodControl.admit(identity, connectionId);
      const frame = parseOrThrow(options.frame, read.raw);
      const reply = await run({ frame, identity, connectionId, requestId, event });
      return { statusCode: 200, body: reply === undefined ? '' : JSON.stringify(withRef(reply, ref)) };
    } catch (error) {
      return { statusCode: 200, body: JSON.stringify(toErrorFrame(error, ref, requestId)) };
    } finally {
      logger.removeKeys(['correlationId', 'connectionId']);
    }
  };
  return middy<WebSocketEvent, APIGatewayProxyResultV2>().use(injectLambdaContext(logger)).use(publishMetrics()).handler(base);
}

/**
 * $connect and $disconnect: the same logging and metrics as every route. `run` gets the identity the
 * authorizer attached; without one the route answers `withoutIdentity`. An error becomes the status a
 * client would get for it (a busy table: 503), never an unhandled failure.
 */
export function wsConnectionRoute(
  options: { withoutIdentity: APIGatewayProxyResultV2 },
  run: (request: Omit<WsRequest<undefined>, 'frame'>) => Promise<APIGatewayProxyResultV2>,
) {
  const base = async (event: WebSocketEvent, _context: Context): Promise<APIGatewayProxyResultV2> => {
    const requestId = event.requestContext.requestId ?? 'unknown';
    const connectionId = event.requestContext.connectionId;
    logger.appendKeys({ correlationId: requestId, connectionId });
    try {
      const identity = identityFromAuthorizerContext(event.requestContext.authorizer);
      if (!identity) return options.withoutIdentity;
      return await run({ identity, connectionId, requestId, event });
    } catch (error) {
      const { status } = toErrorResponse(error, requestId);
      return { statusCode: status };
    } finally {
      logger.removeKeys(['correlationId', 'connectionId']);
    }
  };
  return middy<WebSocketEvent, APIGatewayProxyResultV2>().use(injectLambdaContext(logger)).use(publishMetrics()).handler(base);
}

/** The $connect REQUEST authorizer: the same logging and metrics as every route. */
export function wsAuthorizer(run: (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>) {
  const base = async (event: APIGatewayRequestAuthorizerEvent, _context: Context): Promise<APIGatewayAuthorizerResult> => {
    logger.appendKeys({ correlationId: event.requestContext?.requestId ?? 'unknown', connectionId: event.requestContext?.connectionId });
    try {
      return await run(event);
    } finally {
      logger.removeKeys(['correlationId', 'connectionId']);
    }
  };
  return middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>().use(injectLambdaContext(logger)).use(publishMetrics()).handler(base);
}

/**
 * The frame's JSON and its `ref`, or the error to answer with. A frame over the limit is still read for
 * its ref (it is at most API Gateway's 128 KB, so parsing it is bounded), so the client learns which
 * request was refused; it is never handled.
 */
function readFrame(body: string | undefined | null): { raw?: unknown; ref?: string; error?: AppError } {
  if (!body) return { error: new ValidationError('empty frame', [{ field: '(frame)', message: 'required' }]) };
  const bytes = Buffer.byteLength(body, 'utf8');
  let raw: unknown;
  let invalid = false;
  if (bytes <= gatewayMaxFrameBytes) {
    try {
      raw = JSON.parse(body);
    } catch {
      invalid = true;
    }
  }
  const candidate = (raw as { ref?: unknown } | null | undefined)?.ref;
  const ref = typeof candidate === 'string' ? candidate.slice(0, maxRefLength) : undefined;
  if (bytes > maxFrameBytes) return { ref, error: new PayloadTooLargeError(maxFrameBytes) };
  if (invalid) return { error: new ValidationError('frame is not valid JSON', [{ field: '(frame)', message: 'invalid JSON' }]) };
  return { raw, ref };
}

/** The reply with the request's ref, right after its type, unless the reply carries one already. */
function withRef(reply: unknown, ref: string | undefined): unknown {
  if (ref === undefined || reply === null || typeof reply !== 'object' || Array.isArray(reply) || 'ref' in reply) return reply;
  const { type, ...rest } = reply as { type?: unknown };
  return type === undefined ? { ref, ...rest } : { type, ref, ...rest };
}

function toErrorFrame(error: unknown, ref: string | undefined, requestId: string): ErrorFrame {
  const { body } = toErrorResponse(error, requestId);
  const frame: ErrorFrame = { type: 'error', code: body.error.code, message: body.error.message };
  if (error instanceof AppError && error.details.length > 0) {
    frame.field = error.details[0]?.field;
    frame.details = error.details;
  }
  if (ref) frame.ref = ref;
  return frame;
}
