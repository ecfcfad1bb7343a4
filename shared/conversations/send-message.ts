import type { Identity } from '../auth/identity';
import { ConflictError, ForbiddenError, NotFoundError } from '../http/errors';
import { sendDeliveryJob, sendRouteJob } from '../notify/job-queues';
import { getConversation, openConversation } from '../store/conversations';
import { getShop } from '../store/shops';
import { appendMessage, appendSteps, type AppendResult, type AppendSteps } from './append-message';
import { ordersOfBuyerAtShop, ordersReadForStage, stageOnOpen, type ConversationStageDecision } from '../orders/buyer-orders';
import { canRead, canWrite, liveWatchers, type Conversation, type Stage } from './conversation';
import type { AckFrame, BuyerSendMessageFrame, StaffSendMessageFrame } from './frames';
import type { DeliveryJob, RouteJob } from './jobs';
import { logger } from '../runtime/observability';
import { recordAnsweredRound, watchRound, type RoundRef } from '../service-clock/live-clock';
import { noticeBuyerMessage } from '../outreach/buyer-message';

export interface SendMessageDeps {
  getConversation: typeof getConversation;
  openConversation: typeof openConversation;
  shopExists: (tenantId: string, shopId: string) => Promise<boolean>;
  append: AppendSteps;
  sendDeliveryJob: (job: DeliveryJob) => Promise<void>;
  sendRouteJob: (job: RouteJob) => Promise<void>;
  /** The stage of a conversation about to open: from the buyer's orders at the shop; the frame's stage is a hint. */
  stageOnOpen: (tenantId: string, shopId: string, buyerId: string, hint: Stage | undefined, now: Date) => Promise<ConversationStageDecision>;
  /** The response clock (shared/service-clock/live-clock.ts); absent, rounds are not watched. */
  serviceClock?: ServiceClockHooks;
  /** Outreach's look at a buyer's message (an opt-out, 退订); absent, nothing is checked. */
  onBuyerMessage?: (message: { tenantId: string; shopId: string; buyerId: string; text: string }, now: Date) => Promise<unknown>;
}

export interface ServiceClockHooks {
  roundOpened: (round: RoundRef, now: Date) => Promise<unknown>;
  roundAnswered: (round: RoundRef & { answeredAt: string; answeredBy: string; agentId?: string | undefined }, now: Date) => Promise<void>;
}

export const sendMessageDependencies: SendMessageDeps = {
  getConversation,
  openConversation,
  shopExists: async (tenantId, shopId) => (await getShop(tenantId, shopId)) !== undefined,
  append: appendSteps,
  sendDeliveryJob: (job) => sendDeliveryJob(job),
  sendRouteJob: (job) => sendRouteJob(job),
  stageOnOpen: async (tenantId, shopId, buyerId, hint, now) => stageOnOpen(await ordersOfBuyerAtShop(tenantId, shopId, buyerId, ordersReadForStage), now, hint),
  serviceClock: { roundOpened: (round, now) => watchRound(round, now), roundAnswered: (round, now) => recordAnsweredRound(round, now) },
  onBuyerMessage: (message, now) => noticeBuyerMessage(message, now),
};

type SendFrame = BuyerSendMessageFrame | StaffSendMessageFrame;

/**
 * One chat message from the caller: find (or, for a buyer, open) the conversation, check the caller
 * may write to it, append, then hand the stored message to delivery (a resend's too) and a new
 * conversation to routing. Tenant, sender, role, seq and time come from the verified identity and the
 * server, never the frame.
 */
export async function sendMessage(
  identity: Identity,
  frame: SendFrame,
  now = new Date(),
  deps: SendMessageDeps = sendMessageDependencies,
): Promise<AckFrame> {
  const { conversation, created } =
    identity.role === 'buyer' ? await buyerConversation(identity, frame as BuyerSendMessageFrame, now, deps) : { conversation: await staffConversation(identity, frame, deps), created: false };

  const appended = await appendMessage(
    {
      tenantId: identity.tenantId,
      conversation,
      sender: { userId: identity.userId, role: identity.role },
      clientMessageId: frame.clientMessageId,
      text: frame.text,
      now,
    },
    deps.append,
  );
  const { message } = appended;

  if (identity.role === 'buyer' && conversation.status === 'waiting' && (created || message.seq === 1 || appended.duplicate)) {
    // Not only when this call opened it: on its first message or a resend too, because the call that
    // opened it may have died before routing it. An extra job is harmless: routing skips a conversation
    // that is no longer waiting.
    await deps.sendRouteJob({ type: 'route', tenantId: identity.tenantId, conversationId: conversation.conversationId });
  }
  await followRound(identity, conversation, appended, now, deps);
  if (identity.role === 'buyer') await deps.onBuyerMessage?.({ tenantId: identity.tenantId, shopId: conversation.shopId, buyerId: identity.userId, text: message.text }, now);
  // The other side and the supervisors watching, as the head read above knows them: no extra read, and
  // the consumer reads nothing but their connections. A watch stored after that read misses this message
  // (it gets the next one; `resume` has this one).
  const recipients = [conversation.buyerId, conversation.assigneeId, ...liveWatchers(conversation, now)].filter(
    (userId): userId is string => userId !== undefined && userId !== identity.userId,
  );
  // A resend is delivered again too: the first call may have died after storing the message but before
  // this job was sent, and nothing records whether it was. Recipients who already have the message drop
  // the repeat by conversationId + seq (delivery is at least once anyway).
  if (recipients.length > 0) {
    await deps.sendDeliveryJob({
      type: 'message',
      tenantId: identity.tenantId,
      conversationId: conversation.conversationId,
      shopId: conversation.shopId,
      recipients: [...new Set(recipients)],
      message,
    });
  }
  return {
    type: 'ack',
    conversationId: conversation.conversationId,
    seq: message.seq,
    clientMessageId: message.clientMessageId,
    duplicate: appended.duplicate,
    createdAt: message.createdAt,
  };
}

async function buyerConversation(
  identity: Identity,
  frame: BuyerSendMessageFrame,
  now: Date,
  deps: SendMessageDeps,
): Promise<{ conversation: Conversation; created: boolean }> {
  if (frame.conversationId) {
    const named = await deps.getConversation(identity.tenantId, frame.conversationId);
    // Another buyer's conversation, or one at another shop, is reported exactly like a missing one.
    if (!named || !canRead(named, identity) || named.shopId !== frame.shopId) throw new NotFoundError('conversation');
    if (named.status !== 'closed') return { conversation: named, created: false };
    // Writing to a closed conversation starts (or continues) the buyer's next one with the shop.
  }
  if (!(await deps.shopExists(identity.tenantId, frame.shopId))) throw new NotFoundError('shop');
  return deps.openConversation({
    tenantId: identity.tenantId,
    shopId: frame.shopId,
    buyerId: identity.userId,
    stage: frame.stage ?? 'pre-sale',
    decideStage: () => deps.stageOnOpen(identity.tenantId, frame.shopId, identity.userId, frame.stage, now),
    now,
  });
}

async function staffConversation(identity: Identity, frame: SendFrame, deps: SendMessageDeps): Promise<Conversation> {
  const conversation = frame.conversationId ? await deps.getConversation(identity.tenantId, frame.conversationId) : undefined;
  assertMayReply(conversation, identity);
  return conversation;
}

/**
 * May this staff member reply in the conversation? Only if they may read it (another tenant's or shop's
 * conversation is NOT_FOUND, exactly like a missing one), may write in it (an agent only as its
 * assignee; supervisors of the shop and admins always) and it is not closed. sendMessage and
 * sendQuickReply both check with this, before anything is stored or a quick-reply rotation moves.
 */
export function assertMayReply(conversation: Conversation | undefined, identity: Identity): asserts conversation is Conversation {
  if (!conversation || !canRead(conversation, identity)) throw new NotFoundError('conversation');
  if (!canWrite(conversation, identity)) throw new ForbiddenError('the conversation is not assigned to you');
  if (conversation.status === 'closed') throw new ConflictError('CONVERSATION_CLOSED', 'the conversation is closed');
}

/**
 * Tells the response clock what the message did to the round. A round's check failing to be scheduled
 * fails the send (the message is stored; the client's resend schedules it, see below); an answer's
 * outcome fact is best effort, logged, because a resend cannot tell what the message answered.
 */
async function followRound(identity: Identity, conversation: Conversation, appended: AppendResult, now: Date, deps: SendMessageDeps): Promise<void> {
  const clock = deps.serviceClock;
  if (!clock) return;
  const ref = { tenantId: identity.tenantId, shopId: conversation.shopId, conversationId: conversation.conversationId };
  const { message, round } = appended;
  if (round?.kind === 'opened') {
    await clock.roundOpened({ ...ref, questionAt: round.questionAt }, now);
  } else if (appended.duplicate && message.senderRole === 'buyer' && conversation.pendingQuestionSince === message.createdAt) {
    // A resend of the question that opened the pending round: the first call may have died before
    // scheduling its check. A second check is harmless (the consumer alerts and records once).
    await clock.roundOpened({ ...ref, questionAt: message.createdAt }, now);
  } else if (round?.kind === 'answered') {
    const answered = { ...ref, questionAt: round.questionAt, answeredAt: message.createdAt, answeredBy: identity.userId, agentId: conversation.assigneeId };
    try {
      await clock.roundAnswered(answered, now);
    } catch (error) {
      logger.warn('response round outcome not recorded', { conversationId: conversation.conversationId, questionAt: round.questionAt, error: error as Error });
    }
  }
}
