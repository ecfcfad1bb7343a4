import type { Message } from './conversation';

/**
 * What a new message does to the head's response-time facts. A buyer message asks (starting the clock
 * if nothing is pending); an agent or supervisor message replies, and answers the pending question if
 * there is one. Kept pure so the store only translates it into one conditional update.
 */
export type HeadEffect =
  | { kind: 'question' }
  | { kind: 'reply'; answers?: { pendingSince: string; responseMs: number } };

export function headEffectOf(message: Pick<Message, 'senderRole' | 'createdAt'>, pendingQuestionSince: string | undefined): HeadEffect {
  if (message.senderRole === 'buyer') return { kind: 'question' };
  if (!pendingQuestionSince) return { kind: 'reply' };
  // Clock skew between handler containers must not produce a negative wait.
  const responseMs = Math.max(0, Date.parse(message.createdAt) - Date.parse(pendingQuestionSince));
  return { kind: 'reply', answers: { pendingSince: pendingQuestionSince, responseMs } };
}
