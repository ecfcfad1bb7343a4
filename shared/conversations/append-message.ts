import type { Conversation, Message, SenderRole } from './conversation';
import * as messageStore from '../store/messages';
import { recordMessageOnHead } from '../store/conversations';

/**
 * The storage steps the append protocol needs: `appendSteps` are the message and head stores
 * (shared/store/messages.ts and conversations.ts); tests wrap them to inject faults and interleavings.
 */
export interface AppendSteps {
  claim: typeof messageStore.claimClientMessageId;
  moveClaim: typeof messageStore.moveClaim;
  putMessage: typeof messageStore.putMessage;
  getMessage: typeof messageStore.getMessage;
  latestSeq: typeof messageStore.latestSeq;
  recordOnHead: typeof recordMessageOnHead;
}

export const appendSteps: AppendSteps = {
  claim: messageStore.claimClientMessageId,
  moveClaim: messageStore.moveClaim,
  putMessage: messageStore.putMessage,
  getMessage: messageStore.getMessage,
  latestSeq: messageStore.latestSeq,
  recordOnHead: recordMessageOnHead,
};

export interface AppendInput {
  tenantId: string;
  /** The head as read for authorisation (eventually consistent is fine: a stale lastSeq costs a retry). */
  conversation: Pick<Conversation, 'conversationId' | 'lastSeq' | 'pendingQuestionSince' | 'responseFacts'>;
  sender: { userId: string; role: SenderRole };
  clientMessageId: string;
  text: string;
  now: Date;
}

export interface AppendResult {
  message: Message;
  /** The client message id was stored before: nothing new was stored. */
  duplicate: boolean;
  /**
   * This call recorded the message on the head (lastSeq, read pointer, response facts). False for a plain
   * resend, true when a resend completes an append that crashed before its head update. Delivery does not
   * depend on it: sendMessage sends the delivery job for a resend as well.
   */
  recordedOnHead: boolean;
}

/** Rounds of collisions before giving up; each round means another sender took the seq. */
const maxRounds = 50;

/**
 * Appends a message with a gap-free, unique sequence number (docs/conversation-design.md):
 * claim the client message id at lastSeq + 1, put the message at that seq if free, then move the head.
 * On a collision the true newest seq is read, the claim moves to the next one, and the put is retried;
 * so seq n + 1 is only ever written once n exists. A resend (same sender and client message id) returns
 * the original message; if the original crashed after its claim, the resend finishes its storage work.
 *
 * Hot path cost: claim Put + message Put + head Update, 1 write unit each for messages and heads under 1 KB.
 */
export async function appendMessage(input: AppendInput, steps: AppendSteps = appendSteps): Promise<AppendResult> {
  const { tenantId, conversation, sender, clientMessageId, now } = input;
  const conversationId = conversation.conversationId;
  const isOurs = (message: Message | undefined): message is Message =>
    message !== undefined && message.senderId === sender.userId && message.clientMessageId === clientMessageId;

  let seq = conversation.lastSeq + 1;
  const claim = await steps.claim(tenantId, conversationId, sender.userId, clientMessageId, seq, now);
  if (!claim.claimed) {
    seq = claim.seq;
    const occupant = await steps.getMessage(tenantId, conversationId, seq);
    if (isOurs(occupant)) return finishResend(occupant);
    // No message at the claimed seq (the first attempt died after claiming) or another sender's: store it now.
  }

  for (let round = 0; round < maxRounds; round++) {
    const message: Message = {
      conversationId,
      seq,
      senderId: sender.userId,
      senderRole: sender.role,
      clientMessageId,
      text: input.text,
      createdAt: now.toISOString(),
    };
    if (await steps.putMessage(tenantId, message)) {
      await steps.recordOnHead(tenantId, message, conversation);
      return { message, duplicate: false, recordedOnHead: true };
    }
    const occupant = await steps.getMessage(tenantId, conversationId, seq);
    // A concurrent resend of this very message got there first.
    if (isOurs(occupant)) return finishResend(occupant);
    const next = (await steps.latestSeq(tenantId, conversationId)) + 1;
    if (!(await steps.moveClaim(tenantId, conversationId, sender.userId, clientMessageId, seq, next))) {
      // A concurrent resend moved our claim: follow it.
      const moved = await steps.claim(tenantId, conversationId, sender.userId, clientMessageId, next, now);
      if (moved.claimed) {
        seq = next;
        continue;
      }
      const atMoved = await steps.getMessage(tenantId, conversationId, moved.seq);
      if (isOurs(atMoved)) return finishResend(atMoved);
      seq = moved.seq;
      continue;
    }
    seq = next;
  }
  // A 503 for the client, who resends with the same clientMessageId: the claim keeps that resend on one seq.
  throw Object.assign(new Error('too many concurrent senders on one conversation'), { name: 'ThrottlingException' });

  async function finishResend(original: Message): Promise<AppendResult> {
    // Only a head still behind the message means the first attempt died before its head update.
    const recordedOnHead = conversation.lastSeq < original.seq && (await steps.recordOnHead(tenantId, original, conversation)) === 'applied';
    return { message: original, duplicate: true, recordedOnHead };
  }
}
