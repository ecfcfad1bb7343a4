import type { z } from 'zod';
import { roles, type Role } from '../auth/identity';
import {
  ackFrameSchema,
  buyerSendMessageFrameSchema,
  errorFrameSchema,
  helloFrameSchema,
  inboxFrameSchema,
  markReadFrameSchema,
  messageFrameSchema,
  readFrameSchema,
  resumedFrameSchema,
  resumeFrameSchema,
  staffSendMessageFrameSchema,
} from '../conversations/frames';
import { maxWatchers, watchLifetimeSeconds } from '../conversations/conversation';
import { quickReplyAckFrameSchema, sendQuickReplyFrameSchema } from '../quick-replies/frames';
import {
  agentJoinedFrame,
  assignedFrame,
  assignedRule,
  closeConversationFrame,
  conversationClosedFrame,
  ownershipAckFrame as ownershipAckFrameSchema,
  presenceAckFrame,
  queuePositionFrame,
  reassignFrame,
  setPresenceFrame,
  transferFrame,
  unassignedFrame,
  watchAckFrame,
  watchFrame,
} from '../routing/frames';
import { responseAtRiskFrameSchema } from '../service-clock/frames';
import { casePushedFrames } from './case-contracts';
import { kpiPushedFrames, kpiWebSocketContracts } from './kpi-contracts';
import { peoplePushedFrames } from './onboarding-contracts';
import { conversationStageFrame, orderCardsFrame, ordersFrame } from '../orders/frames';
import { gatewayThrottledFrameSchema, pingFrameSchema, pongFrameSchema, unknownActionFrameSchema } from './core-schemas';

/**
 * The WebSocket API as frames: for each manifest route, what a client sends and what comes back on the
 * same socket; plus the frames kefu pushes on its own. Message names become AsyncAPI message ids, so
 * keep them stable. Schemas are the ones the handlers and the delivery code use. docs/asyncapi.yaml is
 * generated from this map by scripts/generate-contracts.ts.
 */
export interface FrameContract {
  /** AsyncAPI message id: camelCase, unique across all frames. */
  name: string;
  title: string;
  schema: z.ZodType;
  description?: string;
  /** Real frames; the contract test checks them against the schema and the generated document. */
  examples?: unknown[];
}

export interface WebSocketRouteContract {
  summary: string;
  description?: string;
  /** Who may use it; mirrors the handler's wsRoute `roles`. */
  roles: readonly Role[];
  /** What the client sends; several when the shape depends on the role. Empty for $connect/$disconnect. */
  frames: FrameContract[];
  /** What comes back on the same socket besides the error frame (two-way routes only). */
  replies: FrameContract[];
}

export const errorFrame: FrameContract = {
  name: 'error',
  title: 'Error frame',
  schema: errorFrameSchema,
  description:
    'The reply to any frame that failed. `code` as in the HTTP API (VALIDATION_FAILED, FORBIDDEN, NOT_FOUND, RATE_LIMITED, CONVERSATION_CLOSED…); `field` names the offending frame field; `ref` echoes the request frame\'s ref. The connection stays open.',
  examples: [{ type: 'error', code: 'VALIDATION_FAILED', message: 'text: must not be empty', field: 'text', details: [{ field: 'text', message: 'must not be empty' }], ref: 'r-17' }],
};

export const throttledFrame: FrameContract = {
  name: 'throttled',
  title: 'Throttled by the gateway',
  schema: gatewayThrottledFrameSchema,
  description:
    "API Gateway's own reply to a frame it throttled (HTTP 429 Too Many Requests, the stage's route throttle), sent " +
    'instead of any reply from kefu: the frame was not handled. It has no `ref`. The connection stays open: slow down and ' +
    'resend what has no reply yet (sendMessage is idempotent by clientMessageId). The local stack sends it when more than 32 ' +
    'frames of one connection are running (4 at a time) or waiting for a handler.',
  examples: [{ message: 'Too Many Requests', connectionId: 'aBcD1234efGH5=', requestId: 'Zx9yW8vU7tS6rQ==' }],
};

const ack: FrameContract = {
  name: 'ack',
  title: 'Message stored',
  schema: ackFrameSchema,
  description: 'The message has its sequence number. `duplicate: true` when this clientMessageId was stored before: resending after a lost ack is safe.',
};

const ownershipAck: FrameContract = {
  name: 'ownershipAck',
  title: 'Ownership changed',
  schema: ownershipAckFrameSchema,
  description: 'Where the conversation is now: assigned to someone, waiting for a group, or closed.',
};

export const webSocketContracts: Record<string, WebSocketRouteContract> = {
  $connect: {
    summary: 'Open the socket with a connect ticket',
    description:
      'GET the socket URL with `?ticket=` from `POST /v1/connect-tickets` (single use, ~60 s). A missing, expired or reused ticket fails the handshake (HTTP 401/403); nothing is stored. A user holds at most 20 live sockets (an agent\'s tabs): one more fails the handshake with HTTP 429; close one first. No frame is sent on connect: send `hello` next.',
    roles,
    frames: [],
    replies: [],
  },
  $disconnect: {
    summary: 'Socket closed',
    description: 'Runs when the socket closes, best effort: API Gateway may skip it, so connection records also expire on their own.',
    roles,
    frames: [],
    replies: [],
  },
  $default: {
    summary: 'A frame with no or an unknown action',
    description: 'Answered with a VALIDATION_FAILED error frame whose field is `action`; the connection stays open.',
    roles,
    frames: [{ name: 'unknownAction', title: 'Frame with an unknown action', schema: unknownActionFrameSchema, examples: [{ action: 'dance' }] }],
    replies: [],
  },
  ping: {
    summary: 'Keep the socket alive and measure latency',
    description: 'API Gateway closes a socket idle for 10 minutes: send a ping at least every 9 minutes.',
    roles,
    frames: [{ name: 'ping', title: 'Ping', schema: pingFrameSchema, examples: [{ action: 'ping', ref: 'p-1' }] }],
    replies: [{ name: 'pong', title: 'Pong', schema: pongFrameSchema }],
  },
  hello: {
    summary: 'Say hello after connecting; get the inbox',
    description:
      'The first frame after connecting (API Gateway cannot push during the handshake). Agents get their open conversations, paged with `cursor`; buyers their open conversations across shops.',
    roles,
    frames: [{ name: 'hello', title: 'Hello', schema: helloFrameSchema, examples: [{ action: 'hello', ref: 'h-1' }] }],
    replies: [{ name: 'inbox', title: 'Inbox', schema: inboxFrameSchema }],
  },
  sendMessage: {
    summary: 'Send a chat message',
    description:
      'A buyer names the shop (and the conversation once known: the ack tells it); staff reply in a conversation assigned to them. Idempotent by `clientMessageId`: a resend (same text) returns the original seq with `duplicate: true`; the same `clientMessageId` with another text is refused with CLIENT_MESSAGE_ID_REUSED (field `clientMessageId`) and nothing is stored. Seqs increase but may skip a number (see `skippedSeqs` in resume). At most 20 messages a second per connection (bursts of 40), and 300 per 10-second window per user over all their connections (sendQuickReply counts too); beyond that RATE_LIMITED error frames.',
    roles,
    frames: [
      {
        name: 'sendMessageAsBuyer',
        title: 'Buyer message',
        schema: buyerSendMessageFrameSchema,
        examples: [{ action: 'sendMessage', ref: 'r-1', shopId: 'handu-flagship', clientMessageId: 'm-0001', text: '这件有M码吗？' }],
      },
      {
        name: 'sendMessageAsStaff',
        title: 'Staff reply',
        schema: staffSendMessageFrameSchema,
        examples: [{ action: 'sendMessage', ref: 'r-2', conversationId: 'c-1', clientMessageId: 'm-0002', text: '亲，M码有货的哦' }],
      },
    ],
    replies: [ack],
  },
  sendQuickReply: {
    summary: 'Send a quick reply by its shortcut',
    description:
      'Staff only. The shortcut is looked up in the sender\'s own library, then the conversation\'s shop library, then the tenant library. The variant rotates per conversation (never the same one twice in a row; a resend of the same clientMessageId gets the same one). `{orderNumber}` takes `orderNumber`; `{shopName}` the shop\'s name; `{buyerName}` renders as 亲. The ack carries the text as sent.',
    roles: ['agent', 'supervisor', 'admin'],
    frames: [
      {
        name: 'sendQuickReply',
        title: 'Quick reply',
        schema: sendQuickReplyFrameSchema,
        examples: [{ action: 'sendQuickReply', ref: 'r-3', conversationId: 'c-1', clientMessageId: 'm-0003', shortcut: '/ship', orderNumber: '2316888123456789' }],
      },
    ],
    replies: [{ name: 'quickReplyAck', title: 'Quick reply stored', schema: quickReplyAckFrameSchema }],
  },
  resume: {
    summary: 'Catch up after a reconnect',
    description:
      'Every message after `afterSeq` (the last seq the client holds) per conversation, oldest first, one page each; ask again with `nextAfterSeq` while `hasMore`.',
    roles,
    frames: [{ name: 'resume', title: 'Resume', schema: resumeFrameSchema, examples: [{ action: 'resume', ref: 'r-4', conversations: [{ conversationId: 'c-1', afterSeq: 41 }] }] }],
    replies: [{ name: 'resumed', title: 'Missed messages', schema: resumedFrameSchema }],
  },
  markRead: {
    summary: 'Mark a conversation read up to a seq',
    roles,
    frames: [{ name: 'markRead', title: 'Mark read', schema: markReadFrameSchema, examples: [{ action: 'markRead', conversationId: 'c-1', seq: 42 }] }],
    replies: [{ name: 'read', title: 'Read pointer', schema: readFrameSchema }],
  },
  setPresence: {
    summary: 'Go online, away or offline',
    description: 'Going online sends the waiting conversations of your shops to routing; the ack says how many.',
    roles: ['agent', 'supervisor'],
    frames: [{ name: 'setPresence', title: 'Set presence', schema: setPresenceFrame, examples: [{ action: 'setPresence', presence: 'online', ref: 'p-2' }] }],
    replies: [{ name: 'presenceAck', title: 'Presence stored', schema: presenceAckFrame }],
  },
  transfer: {
    summary: 'Hand a conversation to a colleague or back to a group, with a note',
    description: 'The assignee or a supervisor of the shop; exactly one of toAgentId or toGroupId.',
    roles: ['agent', 'supervisor', 'admin'],
    frames: [{ name: 'transfer', title: 'Transfer', schema: transferFrame, examples: [{ action: 'transfer', conversationId: 'c-1', toGroupId: 'g-after', note: '退货问题，转售后' }] }],
    replies: [ownershipAck],
  },
  reassign: {
    summary: 'Supervisor: move a conversation to another agent or group',
    roles: ['supervisor', 'admin'],
    frames: [{ name: 'reassign', title: 'Reassign', schema: reassignFrame, examples: [{ action: 'reassign', conversationId: 'c-1', toAgentId: 'agent-2' }] }],
    replies: [ownershipAck],
  },
  closeConversation: {
    summary: 'Close a conversation',
    description: "The assignee or a supervisor of the shop. The buyer's next message opens a new conversation.",
    roles: ['agent', 'supervisor', 'admin'],
    frames: [{ name: 'closeConversation', title: 'Close', schema: closeConversationFrame, examples: [{ action: 'closeConversation', conversationId: 'c-1' }] }],
    replies: [ownershipAck],
  },
  watch: {
    summary: 'Supervisor: follow a conversation live',
    description:
      `Until \`watchingUntil\` (${watchLifetimeSeconds / 3600} h; watching again renews it), the supervisor also receives the conversation's \`message\` frames (QC, coaching). At most ${maxWatchers} supervisors watch a conversation at once: beyond that a WATCHER_LIMIT error (409); a closed conversation is CONVERSATION_CLOSED (409). A watch starting while a message is being sent may miss that one message (\`resume\` has it).`,
    roles: ['supervisor', 'admin'],
    frames: [{ name: 'watch', title: 'Watch', schema: watchFrame, examples: [{ action: 'watch', conversationId: 'c-1' }] }],
    replies: [{ name: 'watchAck', title: 'Watching', schema: watchAckFrame }],
  },
  orders: {
    summary: "The order cards of a conversation's buyer",
    description:
      "Staff serving the conversation's shop: the buyer's newest orders at that shop (at most 5, newest activity first), as the " +
      'platform gave them. Another shop\'s or tenant\'s conversation is NOT_FOUND, exactly like a missing one. The `assigned` frame carries the same cards.',
    roles: ['agent', 'supervisor', 'admin'],
    frames: [{ name: 'orders', title: 'Order cards', schema: ordersFrame, examples: [{ action: 'orders', conversationId: 'c-1', ref: 'o-1' }] }],
    replies: [{ name: 'orderCards', title: 'Order cards', schema: orderCardsFrame }],
  },
  ...kpiWebSocketContracts,
};

/** Frames kefu pushes without being asked (delivery and routing). */
export const pushedFrames: (FrameContract & { to: string })[] = [
  {
    name: 'message',
    title: 'New message',
    schema: messageFrameSchema,
    to: 'the other side of the conversation (buyer or assignee) and watching supervisors, on every open connection',
    description: 'At least once: drop a frame whose (conversationId, seq) you already have. A gap in seq means missed frames: send `resume`.',
  },
  {
    name: 'assigned',
    title: 'Conversation assigned to you',
    schema: assignedFrame,
    to: 'the agent it was assigned, transferred or reassigned to',
    description: assignedRule,
  },
  {
    name: 'agentJoined',
    title: 'An agent joined your conversation',
    schema: agentJoinedFrame,
    to: 'the buyer',
    description:
      'When routing (or a drain of the waiting line) assigns the conversation (`kind: assigned`), when an agent transfers it ' +
      '(`transferred`) or a supervisor reassigns it (`reassigned`), to another agent or, through a group, to whoever the router ' +
      'picks next. `name` is the display name to show; `agentId` is the `senderId` of that agent\'s messages. `role` is `agent` ' +
      'today; the robot will join the same way.',
  },
  { name: 'unassigned', title: 'Conversation taken from you', schema: unassignedFrame, to: 'the agent who had it' },
  {
    name: 'queuePosition',
    title: 'Your place in line',
    schema: queuePositionFrame,
    to: 'a waiting buyer',
    description:
      'Sent when routing finds nobody free for the conversation, and again each time a conversation ahead of it leaves the line ' +
      '(assigned, or closed while waiting) while it is among the first 50 of the line. A position, not a change: show the latest; ' +
      'the same position may arrive twice.',
  },
  { name: 'conversationClosed', title: 'Conversation closed', schema: conversationClosedFrame, to: 'the buyer' },
  {
    name: 'responseAtRisk',
    title: 'A buyer is about to wait too long',
    schema: responseAtRiskFrameSchema,
    to: "the conversation's assignee and the shop's supervisors (those who connected within the last 2 hours)",
    description:
      "The buyer's question of `questionAt` is still unanswered at the shop's response policy's at-risk point (Taobao's default: 120 s of a 180 s target, 08:00–24:00 Asia/Shanghai); answer before `dueAt` or the round counts as missed. Once per round; none for rounds that start outside service hours.",
    examples: [
      { type: 'response.at-risk', conversationId: 'c-1', shopId: 'handu-flagship', buyerId: 'buyer-1', assigneeId: 'agent-1', questionAt: '2026-11-11T02:00:00.000Z', dueAt: '2026-11-11T02:03:00.000Z' },
    ],
  },
  {
    name: 'conversationStage',
    title: 'The conversation changed stage',
    schema: conversationStageFrame,
    to: 'the buyer and the assigned agent',
    description:
      "Order events changed the stage the buyer's orders give (paid → in-sale; signed or a refund → after-sale) while the " +
      "conversation was open. It stays with its agent if they serve the new stage (a member of its group, or the shop routes " +
      "by owner); otherwise `moved: true`, the agent also gets `unassigned` (reason `stage-changed`) and the new stage's group " +
      'gets it at its original place in line. `reason` and `orderId` say why. Sent once per change: a redelivered event changes nothing.',
  },
  ...casePushedFrames,
  ...kpiPushedFrames,
  ...peoplePushedFrames,
];
