import { z } from 'zod';
import { idSchema, roles } from '../auth/identity';
import { echoedRefSchema, refSchema } from '../conversations/frames';

/**
 * Wire schemas of the scaffold's routes (health, me, connect tickets, ping, unknown actions) and of the
 * error body every route shares. The ping handler validates with pingFrameSchema; the others type their
 * replies with these schemas' types, and test/unit/contracts.test.ts checks real handler output against
 * them.
 */

export const errorCodes = {
  VALIDATION_FAILED: 'a field is missing, malformed or not allowed; `details` names each field (dotted path, e.g. `body.variants.2`)',
  UNAUTHORIZED: 'no token, or it is expired, not signed by the issuer, or for another audience',
  FORBIDDEN: 'the caller\'s role may not do this (an object the caller may not see is NOT_FOUND instead)',
  NOT_FOUND: 'no such object for this caller: missing, or another tenant\'s or shop\'s (the two are indistinguishable)',
  PAYLOAD_TOO_LARGE: 'the body is over 64 KB (a WebSocket frame over 32 KB)',
  RATE_LIMITED: 'too many requests or frames; slow down and retry',
  SERVICE_UNAVAILABLE: 'storage or a queue is throttled or down and nothing was done; retry after `Retry-After` (HTTP) or `retryAfterSeconds` (frame), then with backoff',
  INTERNAL: 'a bug; quote `requestId` to support',
} as const;

const errorDetailSchema = z.object({
  field: z.string().meta({ description: 'Dotted path of the offending input: `body.title`, `query.shopId`, `path.shortcut`, `headers.content-type`.' }),
  message: z.string(),
  code: z.string().optional().meta({ description: 'A finer code for this field, e.g. a CSV row\'s `UNKNOWN_ROLE` or `DUPLICATE_USER`.' }),
});

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({
        description: `Stable, machine-readable. Common codes: ${Object.entries(errorCodes)
          .map(([code, meaning]) => `\`${code}\` (${meaning})`)
          .join('; ')}. Conflicts (409) have their own codes, listed per operation.`,
      }),
      message: z.string().meta({ description: 'For people; may change.' }),
      details: z.array(errorDetailSchema).optional(),
      requestId: z.string().optional().meta({ description: 'Quote it to support.' }),
    }),
  })
  .meta({ id: 'ErrorBody', description: 'The body of every 4xx and 5xx response.' });

const probedComponentSchema = z.object({
  status: z.enum(['ok', 'down']),
  latencyMs: z.number().int().nonnegative().meta({ description: 'How long the probe took (it gives up after 2 s).' }),
  error: z.string().optional().meta({ description: 'Local stack only: why the probe failed.' }),
  engine: z
    .object({
      state: z.enum(['running', 'restarting', 'stopped', 'given-up']).meta({ description: '`restarting` while the stack brings a dead engine back (bounded backoff); `given-up` after repeated failed starts.' }),
      restarts: z.number().int().nonnegative().meta({ description: 'Times the engine died and was started again since `npm start`.' }),
      lastExit: z.string().optional().meta({ description: 'How it last died, e.g. `was killed by SIGKILL`.' }),
    })
    .optional()
    .meta({ description: 'Local stack only: the supervised engine process (DynamoDB Local, the SQS server).' }),
});

const queuePollerStatusSchema = z.object({
  status: z.enum(['ok', 'degraded', 'stopped']).meta({ description: '`degraded` when a receive or an invocation failed in the last 30 s.' }),
  queueUrl: z.string(),
  batchesInFlight: z.number().int().nonnegative(),
  batchesSucceeded: z.number().int().nonnegative(),
  batchesFailed: z.number().int().nonnegative(),
  recordsDeleted: z.number().int().nonnegative(),
  lastError: z.string().optional(),
});

const scheduleStatusSchema = z.object({
  expression: z.string(),
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  lastOutcome: z.enum(['ok', 'failed']).nullable(),
  runs: z.number().int().nonnegative(),
});

/**
 * GET /health. A deployed stack reports the table only; the local stack (`npm start`) adds its engines and
 * workers. `status` is `degraded`, and the answer a 503, when any component is not `ok`.
 */
export const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    components: z.object({
      dynamodb: probedComponentSchema.meta({ description: 'The table answers a read.' }),
      sqs: probedComponentSchema.optional().meta({ description: 'Local stack only: the SQS server answers.' }),
      websocket: z
        .object({ status: z.enum(['ok', 'down']), url: z.string(), connections: z.number().int().nonnegative() })
        .optional()
        .meta({ description: 'Local stack only: the WebSocket API listens.' }),
      queuePollers: z
        .object({ status: z.enum(['ok', 'degraded']), pollers: z.record(z.string(), queuePollerStatusSchema) })
        .optional()
        .meta({ description: 'Local stack only: one poller per queue consumer, as Lambda\'s event source mappings.' }),
      scheduler: z
        .object({ status: z.enum(['ok', 'stopped']), schedules: z.record(z.string(), scheduleStatusSchema) })
        .optional()
        .meta({ description: 'Local stack only: the EventBridge Scheduler stand-in.' }),
    }),
  })
  .meta({ id: 'Health' });
export type Health = z.infer<typeof healthSchema>;

export const meSchema = z
  .object({
    tenantId: idSchema,
    userId: idSchema,
    role: z.enum(roles),
    shopIds: z.array(idSchema).meta({ description: 'Shops an agent or supervisor serves; empty for buyers.' }),
  })
  .meta({ id: 'Identity' });
export type Me = z.infer<typeof meSchema>;

export const connectTicketSchema = z
  .object({
    ticket: z.string().regex(/^[A-Za-z0-9_-]{43}$/).meta({ description: 'Put it on the WebSocket URL: `?ticket=…`. Single use.' }),
    expiresAt: z.string().datetime({ offset: true }).meta({ description: 'About 60 seconds from now; open the socket before then.' }),
  })
  .meta({ id: 'ConnectTicket' });
export type ConnectTicketReply = z.infer<typeof connectTicketSchema>;

/** The ping frame functions/ws/ping.ts accepts. */
export const pingFrameSchema = z.strictObject({ action: z.literal('ping'), ref: refSchema });

export const pongFrameSchema = z.object({
  type: z.literal('pong'),
  ref: echoedRefSchema,
  serverTime: z.string().datetime({ offset: true }),
});
export type PongFrame = z.infer<typeof pongFrameSchema>;

/** Whatever reaches $default: a frame without an action, or with one kefu does not know. Always answered with an error frame. */
export const unknownActionFrameSchema = z.object({ action: z.string().optional() }).passthrough();

/**
 * Bodies API Gateway writes itself, before or instead of a handler: `{"message": …}`, not kefu's error
 * body. One schema per status so a generated client can tell them apart; the local stack answers the
 * same (infra/local/http-server.ts, websocket-gateway.ts).
 */
const gatewayMessage = (id: string, message: z.ZodType, description: string) =>
  z.strictObject({ message }).meta({ id, description });

export const gatewayErrorSchemas = {
  unauthorized: gatewayMessage(
    'GatewayUnauthorized',
    z.literal('Unauthorized'),
    "The API's JWT authorizer refused the token (missing, expired, bad signature, wrong issuer or audience); the `www-authenticate` header says why. The handler never ran.",
  ),
  notFound: gatewayMessage('GatewayNotFound', z.literal('Not Found'), 'No route for this method and path.'),
  payloadTooLarge: gatewayMessage('GatewayPayloadTooLarge', z.string(), "The request is over API Gateway's 10 MB payload limit."),
  tooManyRequests: gatewayMessage('GatewayTooManyRequests', z.string(), "The stage's throttling limit was hit (`Too Many Requests`); retry with backoff."),
  internal: gatewayMessage('GatewayInternalError', z.literal('Internal Server Error'), "kefu's function failed without answering (a crash)."),
  unavailable: gatewayMessage('GatewayServiceUnavailable', z.string(), "kefu's function did not answer in time (`Service Unavailable`); retry with backoff."),
} as const;

/** What the WebSocket handshake gets when it is refused: API Gateway's own bodies. */
export const handshakeErrorSchemas = {
  unauthorized: gatewayMessage('HandshakeUnauthorized', z.literal('Unauthorized'), 'The `ticket` query parameter is missing or empty: refused before the authorizer runs.'),
  forbidden: gatewayMessage('HandshakeForbidden', z.literal('Forbidden'), 'The ticket is unknown, expired or already used.'),
  internal: gatewayMessage('HandshakeInternalError', z.literal('Internal server error'), 'The authorizer or $connect failed; retry with a new ticket.'),
  tooManySockets: gatewayMessage('HandshakeTooManyRequests', z.literal('Too Many Requests'), 'The user already holds 20 live sockets (an agent\'s tabs): close one, then retry with a new ticket.'),
} as const;

/**
 * API Gateway's own frame when kefu's function for a frame failed or timed out without answering: no
 * `type`, no `ref`. Resending is safe for idempotent actions (sendMessage with the same clientMessageId).
 */
export const gatewayErrorFrameSchema = z
  .strictObject({ message: z.literal('Internal server error'), connectionId: z.string(), requestId: z.string() })
  .meta({ id: 'GatewayErrorFrame' });

/**
 * API Gateway's own frame for a message it throttled (HTTP 429): no `type`, no `ref` (API Gateway does not
 * read the frame), so the client cannot tell which request it answers, only that one got no reply.
 */
export const gatewayThrottledFrameSchema = z
  .strictObject({ message: z.literal('Too Many Requests'), connectionId: z.string(), requestId: z.string() })
  .meta({ id: 'GatewayThrottledFrame' });
