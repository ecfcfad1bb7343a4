import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { clientMessageIdSchema } from '../conversations/conversation';
import { ackFrameSchema, refSchema } from '../conversations/frames';
import { shortcutSchema } from './schemas';

/** WebSocket frames of the sendQuickReply action. Strict: tenant, role, text or seq in the frame are refused. */
export const sendQuickReplyFrameSchema = z
  .object({
    action: z.literal('sendQuickReply'),
    ref: refSchema,
    conversationId: idSchema,
    clientMessageId: clientMessageIdSchema,
    shortcut: shortcutSchema,
    /** Fills {orderNumber}; Taobao order numbers are digits, other platforms add letters and dashes. */
    orderNumber: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -').optional(),
  })
  .strict();
export type SendQuickReplyFrame = z.infer<typeof sendQuickReplyFrameSchema>;

/** sendMessage's ack plus what was sent: the agent's client did not type the text, so it learns it here. */
export const quickReplyAckFrameSchema = ackFrameSchema.extend({
  shortcut: shortcutSchema,
  /** The rendered text as stored and delivered to the buyer. */
  text: z.string(),
  /** Present when a promo content set's version of the shortcut was sent (a phase naming the set is in force for the shop). */
  contentSet: z.string().optional(),
});
export type QuickReplyAckFrame = z.infer<typeof quickReplyAckFrameSchema>;
