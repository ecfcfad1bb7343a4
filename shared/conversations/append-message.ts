import { createHash } from 'node:crypto';
import { ConflictError, ServiceUnavailableError } from '../http/errors';
import { webSocketRoutes } from '../manifest';
import { defaultConsumerTimeoutSeconds } from '../queue-settings';
import * as messageStore from '../store/messages';
import { allocateSeq, undoHeadEffect } from '../store/conversations';
import type { Conversation, Message, SenderRole } from './conversation';

/**
 * The storage steps the append protocol needs: `appendSteps` are the message and head stores
 * (shared/store/messages.ts and conversations.ts); tests wrap them to inject faults and interleavings.
 */
export interface AppendSteps {
  allocate: typeof allocateSeq;
  undoFacts: typeof undoHeadEffect;
  claim: typeof messageStore.claimClientMessageId;
  moveClaim: typeof messageStore.moveClaim;
  putMessage: typeof messageStore.putMessage;
  entryAt: typeof messageStore.getLogEntry;
  skip: typeof messageStore.putSkippedSeq;
}

export const appendSteps: AppendSteps = {
  allocate: allocateSeq,
  undoFacts: undoHeadEffect,
  claim: messageStore.claimClientMessageId,
  moveClaim: messageStore.moveClaim,
  putMessage: messageStore.putMessage,
  entryAt: messageStore.getLogEntry,
  skip: messageStore.putSkippedSeq,
};

/** The send handler's Lambda timeout, as the CDK stack sets it: no append outlives it in the cloud. */
export const sendHandlerTimeoutMs =
  (webSocketRoutes.find((route) => route.name === 'WsSendMessage')?.timeoutSeconds ?? defaultConsumerTimeoutSeconds) * 1000;
/** An append takes no seq later than this after it started, so a seq's writer is dead soon after. */
export const allocationDeadlineMs = 10_000;
/** Clocks of different Lambda containers differ by a little. */
const clockSkewMs = 5_000;
/**
 * A seq with nothing stored, below a seq whose sender started at `t`, is abandoned once
 * t + holeTimeoutMs has passed: its writer took it before that later seq was taken (which happened at
 * most allocationDeadlineMs after t) and died at most sendHandlerTimeoutMs after taking it.
 */
export const holeTimeoutMs = allocationDeadlineMs + sendHandlerTimeoutMs + clockSkewMs;

export interface AppendInput {
  tenantId: string;
  /** The head as read for authorisation (eventually consistent is fine: only its pending question is used). */
  conversation: Pick<Conversation, 'conversationId' | 'pendingQuestionSince'>;
  sender: { userId: string; role: SenderRole };
  clientMessageId: string;
  text: string;
  now: Date;
  /** Marks a message sent by an outreach task. */
  outreach?: Message['outreach'];
  /**
   * False: the message counts as neither question nor reply in the head's response facts (a robot answer
   * where the shop's policy does not count robot answers as responses, issue 8 §3). Default true.
   */
  countsAsResponse?: boolean;
  /**
   * Only while no buyer question is pending, checked in the seq's own write (an outreach copy, which must
   * not answer a question): a pending one throws QuestionPendingError (shared/store/conversations.ts) and
   * nothing is stored. One rare exception: when a reader gave the first seq up while this call was slow,
   * the new seq is checked again, and a question that arrived meanwhile throws after the claim was written;
   * the outreach task then finds a skip marker there and sends on the platform chat instead. Default false.
   */
  whileNoQuestionPending?: boolean;
}

export interface AppendResult {
  message: Message;
  /** The client message id was stored before (a resend): nothing new was stored. */
  duplicate: boolean;
  /**
   * What this message did to the response round (the service clock): opened one (a buyer question
   * with nothing pending) or answered the pending one. Absent for a resend and for messages that did neither.
   */
  round?: { kind: 'opened'; questionAt: string } | { kind: 'answered'; questionAt: string };
}

/** The round an allocation opened or answered, as its response-fact effect says. */
function roundOf(allocation: Awaited<ReturnType<AppendSteps['allocate']>>): AppendResult['round'] {
  const { effect } = allocation;
  if (effect?.kind === 'question' && allocation.before.pendingQuestionSince === undefined) return { kind: 'opened', questionAt: allocation.at };
  if (effect?.kind === 'reply' && effect.answers) return { kind: 'answered', questionAt: effect.answers.pendingSince };
  return undefined;
}

/** Rounds of taking a new seq because the one held was given up while this call was slow. */
const maxRounds = 5;

/** What the claim keeps of the text: enough to tell a resend from a reuse of the id with another text. */
export function textHashOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

/**
 * Appends a message with a unique, increasing sequence number (docs/conversation-design.md, "Appending a
 * message"): take the next seq with one atomic increment on the head (which also records the message's
 * response facts), claim the client message id at that seq, then put the message at it. N concurrent
 * senders cost N of each write; none retries because of another.
 *
 * A resend (same sender and client message id) finds its claim taken: the seq it just took is marked
 * skipped (and its facts taken back), and the original's seq answers it; if the original died before its
 * message put, the resend stores it there. The same id with another text is refused (409). A seq given up
 * as abandoned while its writer was merely slow makes that writer take a new seq.
 *
 * Hot path cost: head Update + claim Put + message Put, 1 write unit each for items under 1 KB.
 */
export async function appendMessage(input: AppendInput, steps: AppendSteps = appendSteps): Promise<AppendResult> {
  const { tenantId, conversation, sender, clientMessageId, now } = input;
  const conversationId = conversation.conversationId;
  const startedAt = Date.now();
  const textHash = textHashOf(input.text);
  const draft = { conversationId, senderId: sender.userId, senderRole: sender.role, clientMessageId, text: input.text, createdAt: now.toISOString(), ...(input.outreach ? { outreach: input.outreach } : {}) };

  const allocation = await allocate(input.countsAsResponse !== false);
  const claim = await steps.claim(tenantId, conversationId, sender.userId, clientMessageId, allocation.seq, textHash, now);
  if (!claim.claimed) {
    // The seq just taken will hold nothing: mark it so readers do not wait for it, and uncount its facts.
    await steps.skip(tenantId, conversationId, allocation.seq, 'resend', now);
    await steps.undoFacts(tenantId, conversationId, allocation);
    if (claim.textHash !== undefined && claim.textHash !== textHash) throw reused();
    const original = await steps.entryAt(tenantId, conversationId, claim.seq);
    if (original?.kind === 'message') return resendOf(original.message);
    // The original died after its claim, or is still on its way: store the message at the claimed seq.
    return store(claim.seq);
  }
  const stored = await store(allocation.seq);
  const round = stored.duplicate ? undefined : roundOf(allocation);
  return round ? { ...stored, round } : stored;

  function isOurs(message: Message): boolean {
    return message.senderId === sender.userId && message.clientMessageId === clientMessageId;
  }

  function reused(): ConflictError {
    return new ConflictError('CLIENT_MESSAGE_ID_REUSED', 'this clientMessageId was already used for a message with another text; use a new clientMessageId for a new message', [
      { field: 'clientMessageId', message: 'already used with another text' },
    ]);
  }

  function resendOf(original: Message): AppendResult {
    // Claims written before the hash was kept: compare with the stored text.
    if (original.text !== input.text) throw reused();
    return { message: original, duplicate: true };
  }

  async function allocate(countFacts: boolean) {
    // Past the deadline the client is about to give up anyway; a late seq would only delay readers.
    if (Date.now() - startedAt > allocationDeadlineMs) throw new ServiceUnavailableError('sending took too long; resend with the same clientMessageId');
    return steps.allocate(tenantId, conversationId, draft, conversation, input.whileNoQuestionPending ? { countFacts, whileNoQuestionPending: true } : { countFacts });
  }

  /** Puts the message at `seq` (which this call's claim points to), taking a new seq if `seq` was given up. */
  async function store(seq: number): Promise<AppendResult> {
    for (let round = 0; round < maxRounds; round++) {
      const message: Message = { ...draft, seq };
      if (await steps.putMessage(tenantId, message)) return { message, duplicate: false };
      const occupant = await steps.entryAt(tenantId, conversationId, seq);
      // A concurrent resend of this very message stored it first.
      if (occupant?.kind === 'message' && isOurs(occupant.message)) return resendOf(occupant.message);
      // Only one append ever holds a seq, so anything else there is a skipped marker: a reader gave the
      // seq up while this call was slow. Take a new one (the facts were counted with the first).
      const next = (await allocate(false)).seq;
      if (await steps.moveClaim(tenantId, conversationId, sender.userId, clientMessageId, seq, next)) {
        seq = next;
        continue;
      }
      // A concurrent resend moved the claim first and stores the message there: follow it.
      const moved = await steps.claim(tenantId, conversationId, sender.userId, clientMessageId, next, textHash, now);
      if (moved.claimed) {
        // The claim had expired meanwhile: it is ours again, at the new seq.
        seq = next;
        continue;
      }
      await steps.skip(tenantId, conversationId, next, 'resend', now);
      seq = moved.seq;
    }
    // A 503 for the client, who resends with the same clientMessageId: the claim keeps that resend on one seq.
    throw new ServiceUnavailableError('could not store the message; resend with the same clientMessageId');
  }
}
