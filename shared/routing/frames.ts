/**
 * Request bodies, WebSocket frames and server-sent frames of shops, agents, presence and conversation
 * ownership. Exported by name so the OpenAPI / AsyncAPI generator reads the same schemas the handlers
 * validate with. Objects are strict: a body carrying `tenantId`, `role`, `load` or any other unknown key
 * is refused instead of silently overriding a server value.
 */
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { messageSchema } from '../conversations/conversation';
import { echoedRefSchema, refSchema } from '../conversations/frames';
import { presences } from './agent';
import { conversationStageSchema, maxAgentCap, shopPersonaSchema, shopRoutingSchema } from './shop';
import { humanText } from './text';
import { assignmentOrderCardSchema, maxOrderCards, type ConversationStageFrame } from '../orders/frames';

const uniqueIds = (max: number) =>
  z
    .array(idSchema)
    .max(max)
    .refine((ids) => new Set(ids).size === ids.length, 'must not repeat an id');

// ---- HTTP ----

export const shopPathParams = z.strictObject({ shopId: idSchema });
export const agentPathParams = z.strictObject({ agentId: idSchema });

/** PUT /v1/shops/{shopId}: the whole routing configuration; the shop id comes from the path. */
export const putShopBody = z.strictObject({
  name: humanText(100),
  category: humanText(50),
  persona: shopPersonaSchema.optional(),
  routing: shopRoutingSchema,
});
export type PutShopBody = z.infer<typeof putShopBody>;

/** Agents serve 4-6 brands and sit in a few groups; the bounds keep one agent's update in one transaction. */
export const maxShopsPerAgent = 50;
export const maxGroupsPerAgent = 40;

/** PUT /v1/agents/{agentId}: profile, shops, groups and cap. Presence and load are never taken from a body. */
export const putAgentBody = z.strictObject({
  name: humanText(100),
  shopIds: uniqueIds(maxShopsPerAgent),
  groupIds: uniqueIds(maxGroupsPerAgent),
  /** Omitted: the smallest default cap of the agent's shops. */
  cap: z.number().int().min(1).max(maxAgentCap).optional(),
});
export type PutAgentBody = z.infer<typeof putAgentBody>;

// ---- WebSocket requests ----

export const setPresenceFrame = z.strictObject({ action: z.literal('setPresence'), presence: z.enum(presences), ref: refSchema });
export type SetPresenceFrame = z.infer<typeof setPresenceFrame>;

const noteText = humanText(500);

/** Exactly one target: an agent, or a group whose agents the router chooses from. */
const transferTarget = <T extends { toAgentId?: string | undefined; toGroupId?: string | undefined }>(frame: T, ctx: z.RefinementCtx) => {
  if ((frame.toAgentId === undefined) === (frame.toGroupId === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['toAgentId'], message: 'give exactly one of toAgentId or toGroupId' });
  }
};

export const transferFrame = z
  .strictObject({
    action: z.literal('transfer'),
    conversationId: idSchema,
    toAgentId: idSchema.optional(),
    toGroupId: idSchema.optional(),
    note: noteText,
    ref: refSchema,
  })
  .superRefine(transferTarget);
export type TransferFrame = z.infer<typeof transferFrame>;

export const reassignFrame = z
  .strictObject({
    action: z.literal('reassign'),
    conversationId: idSchema,
    toAgentId: idSchema.optional(),
    toGroupId: idSchema.optional(),
    note: noteText.optional(),
    ref: refSchema,
  })
  .superRefine(transferTarget);
export type ReassignFrame = z.infer<typeof reassignFrame>;

export const closeConversationFrame = z.strictObject({ action: z.literal('closeConversation'), conversationId: idSchema, ref: refSchema });
export type CloseConversationFrame = z.infer<typeof closeConversationFrame>;

export const watchFrame = z.strictObject({ action: z.literal('watch'), conversationId: idSchema, ref: refSchema });
export type WatchFrame = z.infer<typeof watchFrame>;

// ---- Server-sent frames ----

const ackBase = { type: z.literal('ack'), ref: echoedRefSchema };

/** Reply to `setPresence`: the stored presence, and how many waiting conversations were sent to routing. */
export const presenceAckFrame = z.object({
  ...ackBase,
  action: z.literal('setPresence'),
  presence: z.enum(presences),
  load: z.number().int(),
  cap: z.number().int(),
  routed: z.number().int().nonnegative(),
});
export type PresenceAckFrame = z.infer<typeof presenceAckFrame>;

/** Reply to `transfer`, `reassign` and `closeConversation`: where the conversation is now. */
export const ownershipAckFrame = z.object({
  ...ackBase,
  action: z.enum(['transfer', 'reassign', 'closeConversation']),
  conversationId: idSchema,
  status: z.enum(['waiting', 'assigned', 'closed']),
  assigneeId: idSchema.optional(),
  /** A transfer to a group: the conversation waits for that group's next free agent. */
  requestedGroupId: idSchema.optional(),
});
export type OwnershipAckFrame = z.infer<typeof ownershipAckFrame>;

/** Reply to `watch`: the supervisor now receives the conversation's live messages until this time. */
export const watchAckFrame = z.object({ ...ackBase, action: z.literal('watch'), conversationId: idSchema, watchingUntil: z.string() });
export type WatchAckFrame = z.infer<typeof watchAckFrame>;

/** Newest messages an `assigned` frame carries: enough to answer a typical opening at once. */
export const maxMessagesOnAssignment = 20;
/** Bytes of messages an `assigned` frame carries at most: the frame must fit one post (API Gateway: 128 KB). */
export const maxMessageBytesOnAssignment = 96 * 1024;

/**
 * The rule a client follows on `assigned` (also in docs/conversation-design.md and docs/messaging.md).
 * `messages` are the newest messages at the time of the assignment; anything newer arrives as `message`
 * frames, and a gap is caught up with `resume` like any other.
 */
export const assignedRule =
  'Show `messages` (the newest messages of the conversation, oldest first: at most ' +
  `${maxMessagesOnAssignment}, about 96 KB in all). If \`lastSeq\` is beyond the last message included (or above 0 when ` +
  '`messages` is empty), send `resume` with `afterSeq` = that last seq (0 if none) to get the rest. Earlier history: ' +
  '`resume` from 0, or GET /v1/conversations/{id}/messages. Sent on routing (a new conversation, or one drained from ' +
  'the waiting line), on a transfer or reassign to you, and when a conversation handed back to a group is routed to you.';

/** To an agent: a conversation is now theirs, with what they need to answer it. */
export const assignedFrame = z
  .object({
    type: z.literal('assigned'),
    conversationId: idSchema,
    shopId: idSchema,
    buyerId: idSchema,
    stage: conversationStageSchema,
    /** Newest seq of the conversation known when the frame was made: beyond the last message included → `resume`. */
    lastSeq: z.number().int().nonnegative().meta({
      description: 'The newest seq known when the frame was made. Beyond the last of `messages`: send `resume` from that message.',
    }),
    messages: z.array(messageSchema).max(maxMessagesOnAssignment).meta({
      description: `The newest messages (at most ${maxMessagesOnAssignment}, about 96 KB), oldest first; the opening message of a new conversation is among them.`,
    }),
    /**
     * The buyer's newest orders at the shop (order cards, at most 5 and about 24 KB, lines cut to 10 with
     * `lineCount`); absent when they could not be read: the `orders` action fetches them.
     */
    orders: z.array(assignmentOrderCardSchema).max(maxOrderCards).optional(),
    /** Set when a colleague or supervisor handed it over. */
    transferredBy: idSchema.optional(),
    note: z.string().optional(),
  })
  .meta({ description: assignedRule });
export type AssignedFrame = z.infer<typeof assignedFrame>;

/**
 * Who joins a conversation on the service side. Only human agents today; the robot will join as
 * `robot` through the same frame.
 */
export const joinerRoles = ['agent'] as const;
/** How they came to join: routing, a transfer by the previous agent, or a supervisor's reassign. */
export const joinKinds = ['assigned', 'transferred', 'reassigned'] as const;
export type JoinKind = (typeof joinKinds)[number];

/**
 * To the buyer: someone of the shop joined their conversation. `agentId` is the id that already signs
 * that agent's messages to the buyer (`senderId`), so it reveals nothing new; it lets the widget put
 * `name` on those messages. Never the transfer note, the group or who handed it over.
 */
export const agentJoinedFrame = z
  .object({
    type: z.literal('agentJoined'),
    conversationId: idSchema,
    role: z.enum(joinerRoles),
    agentId: idSchema.meta({ description: 'The same id as `senderId` on this agent\'s messages.' }),
    name: z.string().meta({ description: "The agent's display name (their profile's `name`)." }),
    kind: z.enum(joinKinds),
  })
  .meta({
    description:
      'Show "<name> joined" (assigned), or that the conversation was passed on (transferred, reassigned). ' +
      'Label later messages whose `senderId` is `agentId` with `name`.',
  });
export type AgentJoinedFrame = z.infer<typeof agentJoinedFrame>;

/** To an agent: a conversation was taken from them (transfer, reassign) or closed. */
export const unassignedFrame = z.object({
  type: z.literal('unassigned'),
  conversationId: idSchema,
  /** `stage-changed`: the buyer's orders moved it to a stage whose group you are not in (conversation.stage says why). */
  reason: z.enum(['transferred', 'closed', 'idle-closed', 'stage-changed']),
});
export type UnassignedFrame = z.infer<typeof unassignedFrame>;

/** To a waiting buyer: how many conversations are ahead of theirs, plus one. */
export const queuePositionFrame = z.object({ type: z.literal('queuePosition'), conversationId: idSchema, position: z.number().int().min(1) });
export type QueuePositionFrame = z.infer<typeof queuePositionFrame>;

/** To the buyer: their conversation was closed (by an agent or for idleness). */
export const conversationClosedFrame = z.object({
  type: z.literal('conversationClosed'),
  conversationId: idSchema,
  reason: z.enum(['closed', 'idle-closed']),
});
export type ConversationClosedFrame = z.infer<typeof conversationClosedFrame>;

/** What routing pushes to users (shared/routing/notify.ts); the AsyncAPI document lists them in shared/contracts. */
export type RoutingFrame = AssignedFrame | AgentJoinedFrame | UnassignedFrame | QueuePositionFrame | ConversationClosedFrame | ConversationStageFrame;
