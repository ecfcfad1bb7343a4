import { z } from 'zod';
import { idSchema, roles, servesShop } from '../auth/identity';

/**
 * The conversation aggregate: its head (status, assignee, lastSeq, read pointers, response facts) and its
 * messages, and who may read and write it. See docs/conversation-design.md. The head is stored with
 * these field names (shared/store/conversations.ts), and routing's ownership changes
 * (shared/store/conversation-ownership.ts) extend and update the same item: renaming a field here
 * renames it in the table.
 */

/** Pre-sale (inquiries), in-sale (after the order: address, size, shipping), after-sale (returns, complaints). */
export const stages = ['pre-sale', 'in-sale', 'after-sale'] as const;
export type Stage = (typeof stages)[number];
export const stageSchema = z.enum(stages);

export const conversationStatuses = ['waiting', 'assigned', 'closed'] as const;
export type ConversationStatus = (typeof conversationStatuses)[number];

const count = z.number().int().nonnegative();
const isoTime = z.string().datetime({ offset: true });

/**
 * Response-time facts, updated on the head as messages are written (never recomputed from the log):
 * a buyer message while no question is pending starts the clock (`pendingQuestionSince`); the next agent
 * reply stops it and adds the wait to `responseMsTotal` / `responseCount`.
 */
export const responseFactsSchema = z.object({
  /** Buyer messages. */
  questions: count,
  /** Agent or supervisor messages. */
  replies: count,
  /** Wait of the first answered question (首响). */
  firstResponseMs: count.optional(),
  responseMsTotal: count,
  responseCount: count,
});
export type ResponseFacts = z.infer<typeof responseFactsSchema>;

export const emptyResponseFacts = (): ResponseFacts => ({ questions: 0, replies: 0, responseMsTotal: 0, responseCount: 0 });

export const conversationSchema = z.object({
  conversationId: idSchema,
  tenantId: idSchema,
  shopId: idSchema,
  buyerId: idSchema,
  stage: stageSchema,
  /** Why it has its stage (issue 7 §2): a stage reason from the buyer's orders, or `hint` (the buyer's frame). */
  stageReason: z.string().optional(),
  /** The platform order that decided the stage, when one did. */
  stageOrderId: z.string().optional(),
  status: z.enum(conversationStatuses),
  /** The agent serving it while `assigned`. */
  assigneeId: idSchema.optional(),
  /** The routing group it was routed through. */
  groupId: idSchema.optional(),
  openedAt: isoTime,
  /** Sequence number of the newest message; 0 before the first. Only moves forward. */
  lastSeq: count,
  lastMessageAt: isoTime,
  /** Newest seq the buyer / the agent side has read; unread = lastSeq - readSeq. */
  buyerReadSeq: count,
  agentReadSeq: count,
  /** When the oldest unanswered buyer message arrived; absent when nothing is pending. */
  pendingQuestionSince: isoTime.optional(),
  responseFacts: responseFactsSchema,
  closedAt: isoTime.optional(),
  /**
   * Supervisors watching the conversation live: user id → when the watch ends (epoch seconds). At most
   * `maxWatchers` entries, written only by the watch action (store/conversations.ts addWatcher), which
   * also drops ended ones; the message path reads it with the head it reads anyway (docs/messaging.md).
   */
  watchers: z.record(idSchema, count).optional(),
});
export type Conversation = z.infer<typeof conversationSchema>;

/** Supervisors who may watch one conversation at once: bounds the head's size and a delivery job's recipients. */
export const maxWatchers = 20;
/** A watch lasts a long shift; watching again renews it. An ended watch stops receiving without cleanup. */
export const watchLifetimeSeconds = 12 * 3600;

/** Whether a watch ending at `until` (epoch seconds) still runs at `now`. */
export const watchIsLive = (until: number, now: Date): boolean => until * 1000 > now.getTime();

/** The users watching a conversation at `now`, as its head says. */
export function liveWatchers(conversation: Pick<Conversation, 'watchers'>, now: Date): string[] {
  return Object.entries(conversation.watchers ?? {}).flatMap(([userId, until]) => (watchIsLive(until, now) ? [userId] : []));
}

/**
 * Who wrote a message: a person's role at write time, from the verified identity, or `robot` for
 * what kefu itself sends (the FAQ robot's answers, automatic outreach).
 */
export const senderRoles = [...roles, 'robot'] as const;
export type SenderRole = (typeof senderRoles)[number];

export const clientMessageIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');

export const messageSchema = z.object({
  conversationId: idSchema,
  seq: z.number().int().positive(),
  senderId: idSchema,
  senderRole: z.enum(senderRoles),
  clientMessageId: clientMessageIdSchema,
  text: z.string(),
  createdAt: isoTime,
  /** Sent by an outreach task (issue 8): which task and what kind, so clients and KPIs tell it from a reply. */
  outreach: z.object({ taskId: idSchema, kind: z.string().max(40) }).optional(),
});
export type Message = z.infer<typeof messageSchema>;

/**
 * The service day an agent's work counts towards (gsi2, KPIs). Shops and shifts run on China Standard
 * Time (the 00:00-08:00 night shift belongs to its calendar day there), hence the +08:00 default.
 */
export function serviceDay(at: Date, utcOffsetMinutes = 480): string {
  return new Date(at.getTime() + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

export const serviceDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day), 'not a calendar day');

/**
 * Who may read a conversation: its buyer, an agent or supervisor serving its shop, or a tenant admin
 * (who acts on every shop of the tenant, as in shared/routing/access.ts). The tenant itself is never
 * compared here: every key is built from the caller's tenant.
 */
export function canRead(
  conversation: Pick<Conversation, 'buyerId' | 'shopId'>,
  identity: { userId: string; role: string; shopIds: readonly string[] },
): boolean {
  if (identity.role === 'buyer') return conversation.buyerId === identity.userId;
  return servesShop(identity, conversation.shopId);
}

/**
 * Who may write: a reader who is the buyer, the assignee, a supervisor of the shop or an admin. Agents who merely
 * serve the shop may read (history after a transfer) but not reply to someone else's buyer.
 */
export function canWrite(
  conversation: Pick<Conversation, 'buyerId' | 'shopId' | 'assigneeId'>,
  identity: { userId: string; role: string; shopIds: readonly string[] },
): boolean {
  if (!canRead(conversation, identity)) return false;
  if (identity.role === 'agent') return conversation.assigneeId === identity.userId;
  return true;
}
