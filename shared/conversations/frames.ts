import { z } from 'zod';
import { idSchema } from '../auth/identity';
import {
  clientMessageIdSchema,
  conversationStatuses,
  messageSchema,
  serviceDaySchema,
  stageSchema,
} from './conversation';

/**
 * Wire contracts of the message path: WebSocket frames (client → server and back) and HTTP bodies.
 * Client frames are `.strict()`: a frame carrying tenantId, role, seq or createdAt is refused, never
 * merged (mass assignment, OWASP API3). These schemas are the source for the AsyncAPI/OpenAPI documents.
 */

/** Code points a message may hold, counted after trimming (an emoji is one). */
export const maxMessageChars = 4000;
/** UTF-8 bytes of the longest possible text: 4 bytes per code point. Keeps a message item far below 400 KB. */
export const maxMessageBytes = maxMessageChars * 4;
/** C0/C1 controls other than tab, line feed and carriage return: no chat text needs them. */
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

/**
 * Chat text: trimmed, 1..4000 code points, well-formed UTF-16 (a lone surrogate cannot be stored as
 * UTF-8). Emoji, right-to-left scripts, bidi marks, zero-width joiners and newlines are allowed.
 */
export const messageTextSchema = z
  .string()
  .refine((value) => value.isWellFormed(), 'contains an unpaired surrogate')
  .trim()
  .min(1, 'must not be empty')
  .refine((value) => [...value].length <= maxMessageChars, `must be at most ${maxMessageChars} characters`)
  .refine((value) => Buffer.byteLength(value, 'utf8') <= maxMessageBytes, `must be at most ${maxMessageBytes} bytes`)
  .refine((value) => !controlCharacters.test(value), 'contains control characters');

/** Echoed in the reply so a client can match it to its frame. */
export const refSchema = z.string().max(64).optional();
/** The request frame's ref, on its reply (ack or error). */
export const echoedRefSchema = z.string().optional();
const seqSchema = z.number().int().nonnegative().max(999_999_999_999);

// ---- client → server ----

/** A buyer writes to a shop; the first message opens a conversation, later ones name it. */
export const buyerSendMessageFrameSchema = z
  .object({
    action: z.literal('sendMessage'),
    ref: refSchema,
    shopId: idSchema,
    conversationId: idSchema.optional(),
    /** Only used when this message opens the conversation. */
    stage: stageSchema.optional(),
    clientMessageId: clientMessageIdSchema,
    text: messageTextSchema,
  })
  .strict();
export type BuyerSendMessageFrame = z.infer<typeof buyerSendMessageFrameSchema>;

/** An agent, supervisor or admin replies in an existing conversation. */
export const staffSendMessageFrameSchema = z
  .object({
    action: z.literal('sendMessage'),
    ref: refSchema,
    conversationId: idSchema,
    clientMessageId: clientMessageIdSchema,
    text: messageTextSchema,
  })
  .strict();
export type StaffSendMessageFrame = z.infer<typeof staffSendMessageFrameSchema>;

/** Sent right after connecting: API Gateway cannot post to a socket during $connect. */
export const helloFrameSchema = z
  .object({
    action: z.literal('hello'),
    ref: refSchema,
    /** Agents: `nextCursor` of the previous inbox page. */
    cursor: z.string().regex(/^[0-9T:.Z+-]{1,40}#[A-Za-z0-9_-]{1,64}$/, 'not a cursor from a previous inbox').optional(),
  })
  .strict();
export type HelloFrame = z.infer<typeof helloFrameSchema>;

export const maxResumeConversations = 20;
export const maxPageSize = 100;

/** After a reconnect: every message after `afterSeq`, per conversation, oldest first. */
export const resumeFrameSchema = z
  .object({
    action: z.literal('resume'),
    ref: refSchema,
    conversations: z
      .array(z.object({ conversationId: idSchema, afterSeq: seqSchema }).strict())
      .min(1)
      .max(maxResumeConversations),
    limit: z.number().int().min(1).max(maxPageSize).optional(),
  })
  .strict();
export type ResumeFrame = z.infer<typeof resumeFrameSchema>;

export const markReadFrameSchema = z
  .object({ action: z.literal('markRead'), ref: refSchema, conversationId: idSchema, seq: seqSchema })
  .strict();
export type MarkReadFrame = z.infer<typeof markReadFrameSchema>;

// ---- server → client ----

export const ackFrameSchema = z.object({
  type: z.literal('ack'),
  ref: echoedRefSchema,
  conversationId: idSchema,
  seq: z.number().int().positive(),
  clientMessageId: clientMessageIdSchema,
  /** True when this clientMessageId was already stored: nothing new was stored. */
  duplicate: z.boolean(),
  createdAt: z.string(),
});
export type AckFrame = z.infer<typeof ackFrameSchema>;

/**
 * Posted to recipients' connections. Delivery is at least once: clients drop a frame whose
 * (conversationId, seq) they already have.
 */
export const messageFrameSchema = z.object({
  type: z.literal('message'),
  conversationId: idSchema,
  seq: z.number().int().positive(),
  message: messageSchema,
});
export type MessageFrame = z.infer<typeof messageFrameSchema>;

export const inboxEntrySchema = z.object({
  conversationId: idSchema,
  shopId: idSchema,
  buyerId: idSchema,
  stage: stageSchema,
  status: z.enum(conversationStatuses),
  assigneeId: idSchema.optional(),
  openedAt: z.string(),
  lastSeq: z.number().int().nonnegative(),
  lastMessageAt: z.string(),
  /** Messages the caller's side has not marked read. */
  unread: z.number().int().nonnegative(),
  /** Set while a buyer question waits for an answer (agents sort by it). */
  pendingQuestionSince: z.string().optional(),
});
export type InboxEntry = z.infer<typeof inboxEntrySchema>;

export const inboxFrameSchema = z.object({
  type: z.literal('inbox'),
  ref: echoedRefSchema,
  conversations: z.array(inboxEntrySchema),
  /** Agents with more open conversations than one page: send hello again with this cursor. */
  nextCursor: z.string().optional(),
});
export type InboxFrame = z.infer<typeof inboxFrameSchema>;

export const messagesPageSchema = z.object({
  type: z.literal('messages'),
  conversationId: idSchema,
  messages: z.array(messageSchema),
  skippedSeqs: z
    .array(z.number().int().positive())
    .optional()
    .describe(
      'Seqs in this page that will never hold a message (a send that took a seq and then gave it up: a resend of an already stored message, or a sender that died). Skip them; they are never delivered. Absent when none.',
    ),
  nextAfterSeq: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe(
      'Pass as afterSeq to get the next page; absent when there is nothing more now. It can be above the last message\'s seq (skipped seqs), or equal to the afterSeq sent when the next message is still being written: ask again in a moment.',
    ),
  hasMore: z.boolean(),
});
export type MessagesPage = z.infer<typeof messagesPageSchema>;

/** The reply to resume: one page per requested conversation, in request order. */
export const resumedFrameSchema = z.object({
  type: z.literal('resumed'),
  ref: echoedRefSchema,
  pages: z.array(messagesPageSchema),
});
export type ResumedFrame = z.infer<typeof resumedFrameSchema>;

export const readFrameSchema = z.object({
  type: z.literal('read'),
  ref: echoedRefSchema,
  conversationId: idSchema,
  /** The caller side's read pointer after the call. */
  readSeq: z.number().int().nonnegative(),
});
export type ReadFrame = z.infer<typeof readFrameSchema>;

export const errorFrameSchema = z.object({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
  details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  ref: echoedRefSchema,
});

// ---- HTTP ----

const decimal = (max: number) =>
  z
    .string()
    .regex(/^\d{1,12}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(0).max(max));

export const conversationPathSchema = z.object({ conversationId: idSchema }).strict();
export const listMessagesQuerySchema = z
  .object({
    afterSeq: decimal(999_999_999_999).optional(),
    limit: decimal(maxPageSize).pipe(z.number().min(1, 'must be at least 1')).optional(),
  })
  .strict();
export const listMessagesResponseSchema = messagesPageSchema.omit({ type: true });

export const responseStatsQuerySchema = z.object({ day: serviceDaySchema }).strict();
export const responseStatsSchema = z.object({
  agentId: idSchema,
  day: z.string(),
  conversations: z.number().int().nonnegative(),
  questions: z.number().int().nonnegative(),
  replies: z.number().int().nonnegative(),
  responseCount: z.number().int().nonnegative(),
  responseMsTotal: z.number().int().nonnegative(),
  /** 平均响应: mean wait of answered questions. */
  averageResponseMs: z.number().nonnegative().optional(),
  /** 首响: mean first-response wait over the conversations that got one. */
  averageFirstResponseMs: z.number().nonnegative().optional(),
  /** 答问比: replies per question. */
  replyQuestionRatio: z.number().nonnegative().optional(),
});
export type ResponseStats = z.infer<typeof responseStatsSchema>;
