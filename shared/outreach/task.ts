import { createHash } from 'node:crypto';
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { platformIdSchema, platformSchema } from '../orders/envelope';

/**
 * An outreach task (issue 8, docs/outreach-design.md §1): one message (or one agent's callback) to one
 * buyer about one order, due at a minute. Its id is derived from what it is for, so planning it twice
 * (a duplicated SIGNED, a redelivered event) finds the same task: one callback and one invitation per order.
 */
export const outreachKinds = ['urge-to-pay', 'shipping-notice', 'urge-to-confirm', 'delivery-callback', 'review-invitation', 'campaign'] as const;
export type OutreachKind = (typeof outreachKinds)[number];

export const taskStatuses = [
  /** Filed in the due-time index at `dueMinute`. */
  'scheduled',
  /** Claimed by a consumer for `dueMinute`: its send is under way (or died, and the redelivery finishes it). */
  'sending',
  /** Sent on a channel; reach is tracked. */
  'sent',
  /** A delivery callback in an agent's work list. */
  'assigned',
  /** The agent recorded the outcome. */
  'done',
  /**
   * Stopped: order state changed, opt-out, window passed. `reason` says which. Nothing was sent, unless
   * `maybeSentOn` is set: then an earlier attempt may have sent it (unconfirmed) and it was not sent again.
   */
  'cancelled',
] as const;
export type TaskStatus = (typeof taskStatuses)[number];
export const openTaskStatuses: ReadonlySet<TaskStatus> = new Set(['scheduled', 'sending']);

export const channels = ['chat', 'sms'] as const;
export type Channel = (typeof channels)[number];

export const callbackOutcomes = ['reached', 'coupon-accepted', 'declined', 'no-answer'] as const;
export type CallbackOutcome = (typeof callbackOutcomes)[number];

const isoTime = z.string().datetime({ offset: true });

export const reachSchema = z.object({
  channel: z.enum(channels),
  sentAt: isoTime,
  /** Where the chat copy went: the buyer's open conversation and its seq (absent: the platform chat only). */
  conversationId: idSchema.optional(),
  seq: z.number().int().positive().optional(),
  /** The SMS provider's delivery receipt (SMS sends only). */
  deliveredAt: isoTime.optional(),
  /** Read: the conversation's read pointer passed the message, or the SMS provider's read receipt. */
  readAt: isoTime.optional(),
  repliedAt: isoTime.optional(),
  acceptedAt: isoTime.optional(),
  /** The one resend on the other channel after `resendAfterHours` unread. */
  resentOn: z.enum(channels).optional(),
  resentAt: isoTime.optional(),
  /** Why the reach check sent no resend though unread: the order moved on since the send (order-paid, order-closed, …). */
  resendStopped: z.string().optional().describe('Why the unread message was not resent: the order moved on since the send (e.g. order-paid), or the tenant was deleted (tenant-deleted).'),
});
export type Reach = z.infer<typeof reachSchema>;

export const outreachTaskSchema = z.object({
  tenantId: idSchema,
  shopId: idSchema,
  taskId: idSchema,
  kind: z.enum(outreachKinds),
  /** Which nudge of the three (urge-to-pay), 0 otherwise. */
  nudge: z.number().int().min(0).max(2),
  platform: platformSchema,
  orderId: platformIdSchema.optional(),
  /** The kefu buyer (their conversations, opt-out, daily cap); the platform's id when no link says otherwise. */
  buyerId: platformIdSchema,
  /** The buyer as the platform knows them: what its chat API and the SMS provider are given. */
  platformBuyerId: platformIdSchema,
  brandId: idSchema,
  status: z.enum(taskStatuses),
  /** When it was meant to go; `dueMinute` (UTC `yyyy-mm-ddTHH:MM`) is where the index files it now (after deferrals). */
  dueAt: isoTime,
  dueMinute: z.string(),
  /** `robot` sends automatically; an agent id once assigned. */
  assignTo: z.enum(['robot', 'agents']),
  assigneeId: idSchema.optional(),
  reason: z.string().max(200).optional(),
  /** A campaign's own text (checked like a settings template); order tasks use the shop's template of their kind. */
  template: z.string().max(2000).optional(),
  /** The first channel (campaigns may choose SMS); order tasks start on the platform chat. */
  channel: z.enum(channels).optional(),
  deferrals: z.number().int().nonnegative(),
  reach: reachSchema.optional(),
  /**
   * The shop's local day (its `timeZone`) on which an earlier attempt of this send took the buyer's daily slot (so passed the
   * opt-out condition) and then died before recording `sent`: its message may have gone on a channel that
   * cannot be asked (the platform chat API, SMS). Set by the consumer that took the send over; removed when
   * the send is recorded `sent`. On a `cancelled` task it means: stopped (opt-out, order moved on) without a
   * second send, the first one unconfirmed — counted apart from "not sent" (docs/outreach-design.md §6).
   */
  maybeSentOn: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .describe(
      'Set when an earlier attempt of this send may have gone (it passed the opt-out check, then its consumer died before recording the send): the shop\'s local day (in its timeZone) of that attempt. On a cancelled task: stopped without a second send, the first one unconfirmed. Absent once the send is recorded.',
    ),
  outcome: z.enum(callbackOutcomes).optional(),
  couponId: z.string().optional(),
  createdAt: isoTime,
  updatedAt: isoTime,
  claimedAt: isoTime.optional(),
});
export type OutreachTask = z.infer<typeof outreachTaskSchema>;

/** `ot_` + 22 base64url characters of SHA-256 over what the task is for. */
export function taskIdFor(shopId: string, platform: string, orderId: string, kind: OutreachKind, nudge = 0): string {
  return `ot_${createHash('sha256').update(`${shopId}\u0000${platform}\u0000${orderId}\u0000${kind}\u0000${nudge}`).digest('base64url').slice(0, 22)}`;
}

/** A campaign task's id from the client's request id: a retried request creates one task. */
export function taskIdForRequest(shopId: string, clientRequestId: string): string {
  return `ot_${createHash('sha256').update(`${shopId}\u0000request\u0000${clientRequestId}`).digest('base64url').slice(0, 22)}`;
}

export const minuteOf = (at: Date): string => at.toISOString().slice(0, 16);
/** The start of a due minute, as an instant. */
export const minuteStart = (minute: string): Date => new Date(`${minute}:00.000Z`);
/** The minute a task due at `at` is filed under: the minute containing it (the sweep of that minute sends it). */
export const dueMinuteOf = (at: Date): string => minuteOf(at);
