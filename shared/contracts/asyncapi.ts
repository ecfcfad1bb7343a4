import type { WebSocketRouteSpec } from '../manifest';
import { maxFrameBytes } from '../middleware/ws-route';
import { gatewayErrorFrameSchema, handshakeErrorSchemas } from './core-schemas';
import { SchemaComponents } from './json-schema';
import { errorFrame, pushedFrames, throttledFrame, type FrameContract, type WebSocketRouteContract } from './websocket-contracts';

const channel = 'socket';
const channelRef = { $ref: `#/channels/${channel}` };
const messageRef = (name: string) => ({ $ref: `#/channels/${channel}/messages/${name}` });

/**
 * How a socket can end, from the server's side. The local stack (infra/local/websocket-gateway.ts) does
 * the same; test/e2e checks every close it sees against this list.
 */
export const closeCodes = [
  { code: 1000, reason: 'Normal closure', when: 'your client closed the socket, or kefu ended the connection.' },
  { code: 1001, reason: 'Going away', when: 'idle for 10 minutes, open for 2 hours, or the gateway is shutting down. Reconnect with a new ticket, then `hello` and `resume`.' },
  { code: 1003, reason: 'Unsupported data', when: 'your client sent a binary frame (API Gateway takes text frames only); nothing was processed.' },
  {
    code: 1007,
    reason: 'Invalid frame payload data',
    when: 'a text frame that is not valid UTF-8 (RFC 6455 §8.1; the local stack closes with it, API Gateway does not document its answer). Send valid UTF-8.',
  },
  { code: 1009, reason: 'Message too big', when: 'a message over 128 KB, or (in the cloud) a single frame over 32 KB. Nothing was processed; the same message will be refused again.' },
] as const;

const description = `kefu's WebSocket API: live chat between buyers and the agents of a shop.

**Operations are written from kefu's side**, as AsyncAPI 3 does: \`receive\` operations are frames your client sends (with the frames kefu replies with on the same socket), \`send\` operations are frames kefu pushes on its own.

## Connection lifecycle
1. Sign in with the identity provider; call \`POST /v1/connect-tickets\` (HTTP API, bearer JWT) to get \`{ticket, expiresAt}\`. The ticket is single use and valid about 60 seconds; never put the JWT itself on the URL (URLs reach access logs).
2. Open \`wss://<host>/<stage>?ticket=<ticket>\`. A refused handshake is an HTTP response written by API Gateway, \`{"message":…}\`: **401** \`Unauthorized\` without a \`ticket\` parameter, **403** \`Forbidden\` for an unknown, expired or already used ticket, **500** \`Internal server error\` if the authorizer failed. Get a new ticket and retry (the channel's \`x-kefu-handshake-responses\` has their schemas).
3. Send \`{"action":"hello"}\`: the reply \`inbox\` lists your open conversations with unread counts (kefu cannot push during the handshake).
4. Every client frame is a **text** frame of JSON with an \`action\` and an optional \`ref\` (≤ 64 chars) that the reply echoes, so replies can be matched to requests. A frame that fails gets an \`error\` frame; the socket stays open. Keep each message within ${maxFrameBytes / 1024} KB, in one WebSocket frame: a longer message that reaches kefu gets a PAYLOAD_TOO_LARGE error frame, but API Gateway itself closes the socket (code 1009) on any single frame over 32 KB or message over 128 KB. A **binary** frame closes the socket with 1003. The close codes are listed below and in the channel's \`x-kefu-close-codes\`.
   If kefu's function for a frame crashes or times out, API Gateway answers with its own frame, \`{"message":"Internal server error","connectionId","requestId"}\` (message \`gatewayError\`): it has no \`ref\`, so retry requests still unanswered (sendMessage with the same clientMessageId is safe to resend).
5. **Idle limit: 10 minutes.** API Gateway closes a socket with no traffic for 10 minutes: send \`ping\` every few minutes (at most every 9).
6. **Hard limit: 2 hours.** Every socket is closed after 2 hours, and networks drop sockets at any time. Reconnect with a fresh ticket (step 1), send \`hello\`, then \`resume\` with, per open conversation, the last \`seq\` you hold: you get every message after it, in order. Back off exponentially between failed reconnects.
7. **At-least-once delivery.** A pushed \`message\` frame may arrive twice or after a reconnect's \`resume\` returned it: keep the highest seq per conversation and drop any frame whose (conversationId, seq) you already have. A gap in seq means you missed frames: send \`resume\`.
8. **Sending is idempotent** by \`clientMessageId\` (unique per sender and conversation, e.g. a UUID): if the ack is lost, resend the same frame; the ack then says \`duplicate: true\` with the original seq.
9. Roles are fixed by the token behind the ticket; frames carrying \`tenantId\`, \`role\`, \`seq\`, \`createdAt\` or any undeclared field are refused (VALIDATION_FAILED). Another tenant's or shop's conversation is NOT_FOUND, exactly like a missing one.
10. Flooding gets RATE_LIMITED error frames (sendMessage and sendQuickReply: 20 a second per connection, bursts of 40; 300 per 10 seconds per user). A frame API Gateway throttles gets its own \`{"message":"Too Many Requests",…}\` frame (\`throttled\`), without a ref; slow down and resend what has no reply. At most 20 live sockets per user: one more fails the handshake with HTTP 429.

## Close codes
${closeCodes.map((close) => `- **${close.code}** ${close.reason}: ${close.when}`).join('\n')}`;

/**
 * The AsyncAPI 3.0 document of the manifest's WebSocket routes and the frames kefu pushes. Routes
 * without a contract are left out (the contract test names them).
 */
export function buildAsyncApiDocument(
  routes: readonly WebSocketRouteSpec[],
  contracts: Record<string, WebSocketRouteContract>,
  version: string,
): Record<string, unknown> {
  const components = new SchemaComponents('#/components/schemas/', 'draft-7');
  const handshake = (name: keyof typeof handshakeErrorSchemas) =>
    components.named(String(handshakeErrorSchemas[name].meta()?.id), handshakeErrorSchemas[name], 'output');
  const messages: Record<string, unknown> = {};
  const addMessage = (frame: FrameContract, io: 'input' | 'output') => {
    const existing = messages[frame.name];
    const payload = components.named(`${upperFirst(frame.name)}Frame`, frame.schema, io);
    const message = {
      name: frame.name,
      title: frame.title,
      ...(frame.description ? { description: frame.description } : {}),
      payload,
      ...(frame.examples ? { examples: frame.examples.map((example) => ({ payload: example })) } : {}),
    };
    if (existing && JSON.stringify(existing) !== JSON.stringify(message)) throw new Error(`two different frames are named ${frame.name}`);
    messages[frame.name] = message;
  };

  const gatewayErrorMessage = {
    name: 'gatewayError',
    title: "API Gateway's error frame",
    description: "API Gateway's own frame when kefu's function for a frame crashed or timed out without answering. No `type` and no `ref`: retry requests still unanswered.",
    payload: components.named('GatewayErrorFrame', gatewayErrorFrameSchema, 'output'),
  };
  messages[gatewayErrorMessage.name] = gatewayErrorMessage;

  const operations: Record<string, unknown> = {};
  for (const route of routes) {
    const contract = contracts[route.route];
    if (!contract) continue;
    for (const frame of contract.frames) addMessage(frame, 'input');
    const replies = route.returnResponse ? [...contract.replies, errorFrame, throttledFrame] : [];
    for (const reply of replies) addMessage(reply, 'output');
    // Any frame that runs a function may get API Gateway's error frame instead of kefu's reply.
    const replyNames = contract.frames.length > 0 ? [...replies.map((reply) => reply.name), gatewayErrorMessage.name] : [];
    operations[operationId(route.route)] = {
      action: 'receive',
      channel: channelRef,
      title: contract.summary,
      summary: contract.summary,
      description: `${contract.description ?? contract.summary}\n\nRoles: ${contract.roles.join(', ')}.`,
      messages: contract.frames.map((frame) => messageRef(frame.name)),
      ...(replyNames.length > 0 ? { reply: { channel: channelRef, messages: replyNames.map(messageRef) } } : {}),
      'x-kefu-route': route.route,
      'x-kefu-roles': [...contract.roles],
    };
  }
  for (const frame of pushedFrames) {
    addMessage(frame, 'output');
    operations[`push${upperFirst(frame.name)}`] = {
      action: 'send',
      channel: channelRef,
      title: frame.title,
      summary: `${frame.title}, pushed to ${frame.to}`,
      messages: [messageRef(frame.name)],
    };
  }

  return {
    asyncapi: '3.0.0',
    info: { title: 'kefu WebSocket API', version, description },
    defaultContentType: 'application/json',
    servers: {
      production: {
        host: '{apiId}.execute-api.{region}.amazonaws.com',
        pathname: '/{stage}',
        protocol: 'wss',
        description: 'A deployed region (the stack output WebSocketUrl).',
        variables: { apiId: { default: 'abc123defg' }, region: { default: 'ap-east-1' }, stage: { default: 'prod' } },
        security: [{ $ref: '#/components/securitySchemes/connectTicket' }],
      },
      local: {
        host: '127.0.0.1:3001',
        protocol: 'ws',
        description: 'The local stack (`npm start`).',
        security: [{ $ref: '#/components/securitySchemes/connectTicket' }],
      },
    },
    channels: {
      [channel]: {
        address: '/',
        title: 'The socket',
        description:
          'One socket per browser tab or device; every frame of every action travels on it. A refused handshake gets an HTTP response from API Gateway (`x-kefu-handshake-responses`); how the socket can end is in `x-kefu-close-codes`.',
        'x-kefu-handshake-responses': {
          '401': { description: 'No `ticket` query parameter (or an empty one): refused before the authorizer runs.', payload: handshake('unauthorized') },
          '403': { description: 'The ticket is unknown, expired or already used.', payload: handshake('forbidden') },
          '429': { description: 'The user already holds 20 live sockets: close one, then retry with a new ticket.', payload: handshake('tooManySockets') },
          '500': { description: 'The authorizer or $connect failed; retry with a new ticket.', payload: handshake('internal') },
        },
        'x-kefu-close-codes': closeCodes.map((close) => ({ ...close })),
        messages: Object.fromEntries(Object.keys(messages).map((name) => [name, { $ref: `#/components/messages/${name}` }])),
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              properties: { ticket: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'From POST /v1/connect-tickets; single use.' } },
              required: ['ticket'],
            },
            bindingVersion: '0.1.0',
          },
        },
      },
    },
    operations,
    components: {
      securitySchemes: {
        connectTicket: {
          type: 'httpApiKey',
          in: 'query',
          name: 'ticket',
          description: 'A single-use ticket minted by POST /v1/connect-tickets for the bearer of a verified JWT; valid about 60 seconds.',
        },
      },
      messages,
      schemas: components.schemas,
    },
  };
}

/** `$connect` → `connect`: AsyncAPI ids are plain names; `x-kefu-route` keeps the route key. */
export function operationId(route: string): string {
  return route.startsWith('$') ? route.slice(1) : route;
}

const upperFirst = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
