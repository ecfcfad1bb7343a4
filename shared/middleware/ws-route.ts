import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { identityFromAuthorizerContext, type Identity, type Role } from '../auth/identity';
import { AppError, ForbiddenError, PayloadTooLargeError, UnauthorizedError, ValidationError } from '../http/errors';
import { parseOrThrow } from '../http/zod-errors';
import { logger } from '../runtime/observability';
import { publishMetrics } from './publish-metrics';
import { toErrorResponse } from './error-response';

/** API Gateway refuses WebSocket messages over 128 KB; kefu's frames are far smaller. */
export const maxFrameBytes = 32 * 1024;

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
  /** Set on SERVICE_UNAVAILABLE: the same frame may be sent again after this many seconds. */
  retryAfterSeconds?: number;
}

/**
 * The WebSocket route handler factory. The route's response (two-way route) carries the ack or an error
 * frame back to the sender; the connection always stays open. Identity comes from the $connect
 * authorizer's context, which API Gateway attaches to every message of the connection.
 */
export function wsRoute<F extends z.ZodType>(
  options: { frame: F; roles: readonly Role[] },
  run: (request: WsRequest<z.infer<F>>) => Promise<unknown>,
) {
  const base = async (event: WebSocketEvent, _context: Context): Promise<APIGatewayProxyResultV2> => {
    const requestId = event.requestContext.requestId ?? 'unknown';
    logger.appendKeys({ correlationId: requestId, connectionId: event.requestContext.connectionId });
    let ref: string | undefined;
    try {
      const identity = identityFromAuthorizerContext(event.requestContext.authorizer);
      if (!identity) throw new UnauthorizedError('connection has no verified identity');
      const raw = parseFrameJson(event.body);
      ref = typeof (raw as { ref?: unknown })?.ref === 'string' ? ((raw as { ref: string }).ref.slice(0, 64)) : undefined;
      if (!options.roles.includes(identity.role)) throw new ForbiddenError(`role ${identity.role} may not use this action`);
      const frame = parseOrThrow(options.frame, raw);
      const reply = await run({ frame, identity, connectionId: event.requestContext.connectionId, requestId, event });
      return { statusCode: 200, body: reply === undefined ? '' : JSON.stringify(reply) };
    } catch (error) {
      return { statusCode: 200, body: JSON.stringify(toErrorFrame(error, ref, requestId)) };
    } finally {
      logger.removeKeys(['correlationId', 'connectionId']);
    }
  };
  return middy<WebSocketEvent, APIGatewayProxyResultV2>().use(injectLambdaContext(logger)).use(publishMetrics()).handler(base);
}

function parseFrameJson(body: string | undefined | null): unknown {
  if (!body) throw new ValidationError('empty frame', [{ field: '(frame)', message: 'required' }]);
  if (Buffer.byteLength(body, 'utf8') > maxFrameBytes) throw new PayloadTooLargeError(maxFrameBytes);
  try {
    return JSON.parse(body);
  } catch {
    throw new ValidationError('frame is not valid JSON', [{ field: '(frame)', message: 'invalid JSON' }]);
  }
}

function toErrorFrame(error: unknown, ref: string | undefined, requestId: string): ErrorFrame {
  const { body, retryAfterSeconds } = toErrorResponse(error, requestId);
  const frame: ErrorFrame = { type: 'error', code: body.error.code, message: body.error.message };
  if (retryAfterSeconds !== undefined) frame.retryAfterSeconds = retryAfterSeconds;
  if (error instanceof AppError && error.details.length > 0) {
    frame.field = error.details[0]?.field;
    frame.details = error.details;
  }
  if (ref) frame.ref = ref;
  return frame;
}
