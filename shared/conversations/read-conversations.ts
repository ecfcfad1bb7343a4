import type { Identity } from '../auth/identity';
import { ForbiddenError, NotFoundError } from '../http/errors';
import {
  getConversation,
  getConversations,
  listOpenConversationIdsOfAgent,
  listRecentConversationIdsOfBuyer,
  markConversationRead,
} from '../store/conversations';
import { canRead, canWrite, type Conversation } from './conversation';
import { readMessageLog } from './message-log';
import type { HelloFrame, InboxEntry, InboxFrame, MarkReadFrame, MessagesPage, ReadFrame, ResumeFrame, ResumedFrame } from './frames';

/**
 * The read side of the message path: the inbox a client gets after connecting, catching up after a
 * reconnect, and read pointers. Authorisation is the same everywhere: another tenant's, another shop's
 * or another buyer's conversation is reported exactly like a missing one.
 */

/** API Gateway caps a WebSocket reply at 128 KB; leave room for the envelope. */
export const maxReplyBytes = 96 * 1024;
export const inboxPageSize = 100;
export const buyerInboxSize = 20;

const readSide = (identity: Identity) => (identity.role === 'buyer' ? 'buyer' : 'agent');

function inboxEntry(conversation: Conversation, side: 'buyer' | 'agent'): InboxEntry {
  const readSeq = side === 'buyer' ? conversation.buyerReadSeq : conversation.agentReadSeq;
  return {
    conversationId: conversation.conversationId,
    shopId: conversation.shopId,
    buyerId: conversation.buyerId,
    stage: conversation.stage,
    status: conversation.status,
    ...(conversation.assigneeId ? { assigneeId: conversation.assigneeId } : {}),
    openedAt: conversation.openedAt,
    lastSeq: conversation.lastSeq,
    lastMessageAt: conversation.lastMessageAt,
    unread: Math.max(0, conversation.lastSeq - readSeq),
    ...(conversation.pendingQuestionSince ? { pendingQuestionSince: conversation.pendingQuestionSince } : {}),
  };
}

/**
 * The caller's open conversations with unread counts. Staff: the conversations assigned to them (gsi1
 * open list, a page of 100, then the heads). Buyers: their recent conversations still open.
 */
export async function inboxOf(identity: Identity, frame: Pick<HelloFrame, 'cursor'>): Promise<InboxFrame> {
  if (identity.role === 'buyer') {
    const ids = await listRecentConversationIdsOfBuyer(identity.tenantId, identity.userId, buyerInboxSize);
    const heads = await getConversations(identity.tenantId, ids);
    const open = heads.filter((c) => c.status !== 'closed' && canRead(c, identity));
    return { type: 'inbox', conversations: open.map((c) => inboxEntry(c, 'buyer')) };
  }
  const page = await listOpenConversationIdsOfAgent(identity.tenantId, identity.userId, { limit: inboxPageSize, after: frame.cursor });
  const heads = await getConversations(identity.tenantId, page.conversationIds);
  // The index lags the head by a moment: keep only what is still assigned to the caller in a shop they may read.
  const mine = heads.filter((c) => c.status === 'assigned' && c.assigneeId === identity.userId && canRead(c, identity));
  return {
    type: 'inbox',
    conversations: mine.map((c) => inboxEntry(c, 'agent')),
    ...(page.next ? { nextCursor: page.next } : {}),
  };
}

/** Reads a head the caller may read, or throws the not-found every refusal looks like. */
async function readableConversation(identity: Identity, conversationId: string): Promise<Conversation> {
  const conversation = await getConversation(identity.tenantId, conversationId);
  if (!conversation || !canRead(conversation, identity)) throw new NotFoundError('conversation');
  return conversation;
}

/** Messages after `afterSeq`, oldest first, at most `limit` and `maxBytes` of them (message-log.ts). */
async function messagesPageOf(
  tenantId: string,
  head: Conversation,
  afterSeq: number,
  limit: number,
  maxBytes?: number,
): Promise<MessagesPage> {
  const page = await readMessageLog(tenantId, head, afterSeq, { limit, maxBytes });
  return {
    type: 'messages',
    conversationId: head.conversationId,
    messages: page.messages,
    ...(page.skippedSeqs.length > 0 ? { skippedSeqs: page.skippedSeqs } : {}),
    ...(page.hasMore ? { nextAfterSeq: page.throughSeq } : {}),
    hasMore: page.hasMore,
  };
}

/** One page of a conversation's messages for a caller who may read it. */
export async function listMessagesOf(identity: Identity, conversationId: string, afterSeq: number, limit: number): Promise<MessagesPage> {
  const head = await readableConversation(identity, conversationId);
  return messagesPageOf(identity.tenantId, head, afterSeq, limit);
}

/**
 * What a client missed while away (API Gateway drops idle sockets after 10 minutes and all after 2 hours):
 * one page per conversation, in request order, within one reply's size. Any conversation the caller
 * may not read fails the whole frame, before any message is read.
 */
export async function resumeConversations(identity: Identity, frame: ResumeFrame): Promise<ResumedFrame> {
  const limit = frame.limit ?? 100;
  const requested = frame.conversations;
  const heads = new Map((await getConversations(identity.tenantId, requested.map((c) => c.conversationId))).map((c) => [c.conversationId, c]));
  for (const { conversationId } of requested) {
    const head = heads.get(conversationId);
    if (!head || !canRead(head, identity)) throw new NotFoundError('conversation');
  }
  const pages: MessagesPage[] = [];
  let budget = maxReplyBytes;
  for (const { conversationId, afterSeq } of requested) {
    if (budget <= 0) {
      // Out of room for this reply: the client asks again from the same afterSeq.
      const head = heads.get(conversationId);
      const hasMore = (head?.lastSeq ?? 0) > afterSeq;
      pages.push({ type: 'messages', conversationId, messages: [], ...(hasMore ? { nextAfterSeq: afterSeq } : {}), hasMore });
      continue;
    }
    const page = await messagesPageOf(identity.tenantId, heads.get(conversationId)!, afterSeq, limit, budget);
    budget -= Buffer.byteLength(JSON.stringify(page), 'utf8');
    pages.push(page);
  }
  return { type: 'resumed', pages };
}

/**
 * Moves the caller side's read pointer (buyer or agent side) forward, never back and never past the
 * newest message. Only those who may write move it, so an onlooking agent cannot clear the assignee's
 * unread count.
 */
export async function markRead(identity: Identity, frame: MarkReadFrame): Promise<ReadFrame> {
  const conversation = await readableConversation(identity, frame.conversationId);
  if (!canWrite(conversation, identity)) throw new ForbiddenError('the conversation is not assigned to you');
  const side = readSide(identity);
  const current = side === 'buyer' ? conversation.buyerReadSeq : conversation.agentReadSeq;
  const target = Math.min(frame.seq, conversation.lastSeq);
  const { updated } = target > current ? await markConversationRead(identity.tenantId, frame.conversationId, side, target) : { updated: false };
  return {
    type: 'read',
    conversationId: frame.conversationId,
    readSeq: updated ? target : Math.max(current, target),
  };
}
