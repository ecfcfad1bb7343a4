/**
 * Request bodies, WebSocket frames and server-sent frames of shops, agents, presence and conversation
 * ownership. Exported by name so the OpenAPI / AsyncAPI generator reads the same schemas the handlers
 * validate with. Objects are strict: a body carrying `tenantId`, `role`, `load` or any other unknown key
 * is refused instead of silently overriding a server value.
 */
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { echoedRefSchema, refSchema } from '../conversations/frames';
import { presences } from './agent';
import { conversationStageSchema, maxAgentCap, shopPersonaSchema, shopRoutingSchema } from './shop';
import { humanText } from './text';

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

/** To an agent: a conversation is now theirs. */
export const assignedFrame = z.object({
  type: z.literal('assigned'),
  conversationId: idSchema,
  shopId: idSchema,
  buyerId: idSchema,
  stage: conversationStageSchema,
  /** Set when a colleague or supervisor handed it over. */
  transferredBy: idSchema.optional(),
  note: z.string().optional(),
});
export type AssignedFrame = z.infer<typeof assignedFrame>;

/** To an agent: a conversation was taken from them (transfer, reassign) or closed. */
export const unassignedFrame = z.object({
  type: z.literal('unassigned'),
  conversationId: idSchema,
  reason: z.enum(['transferred', 'closed', 'idle-closed']),
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
export type RoutingFrame = AssignedFrame | UnassignedFrame | QueuePositionFrame | ConversationClosedFrame;
