import { listLogAfter, putSkippedSeq, type LogEntry } from '../store/messages';
import { holeTimeoutMs } from './append-message';
import type { Conversation, Message } from './conversation';

/**
 * Reading a conversation's log for clients (list and resume). Seqs are handed out by an atomic increment
 * before the message is written (append-message.ts), so a reader can meet a seq that holds nothing yet:
 * a hole. A young hole is a message on its way: the page stops before it (the client asks again). A hole
 * older than holeTimeoutMs was abandoned by a sender that died: the reader marks it skipped, so nobody
 * waits for it again; a sender that was only slow finds the marker and takes a new seq. Skipped seqs are
 * never shown as messages; the page lists them in `skippedSeqs` so a client tracking seqs knows they
 * will never hold one.
 */

export interface LogReadSteps {
  list: typeof listLogAfter;
  skip: typeof putSkippedSeq;
}

export const logReadSteps: LogReadSteps = { list: listLogAfter, skip: putSkippedSeq };

export interface MessageLogPage {
  messages: Message[];
  /** Seqs in this page's range that will never hold a message. */
  skippedSeqs: number[];
  /** The highest seq this page accounts for (a message or a skipped seq); afterSeq if none. */
  throughSeq: number;
  /** More may be there after throughSeq now, or a message is being written right after it. */
  hasMore: boolean;
}

/**
 * Messages after `afterSeq`, oldest first, at most `limit` entries (messages and skipped seqs) and
 * `maxBytes` of message JSON (at least one message when one is ready). Strongly consistent: a client must
 * not miss a message the head already counts. `head` is the head as read for authorisation.
 */
export async function readMessageLog(
  tenantId: string,
  head: Pick<Conversation, 'conversationId' | 'lastSeq' | 'lastMessageAt'>,
  afterSeq: number,
  options: { limit: number; maxBytes?: number; now?: Date },
  steps: LogReadSteps = logReadSteps,
): Promise<MessageLogPage> {
  const now = options.now ?? new Date();
  // Filling a hole may race a reader or writer doing the same: read again, a bounded number of times.
  for (let attempt = 0; ; attempt++) {
    const page = await steps.list(tenantId, head.conversationId, afterSeq, { limit: options.limit, consistent: true });
    const result: MessageLogPage = { messages: [], skippedSeqs: [], throughSeq: afterSeq, hasMore: page.hasMore };
    let bytes = 0;
    let raced = false;
    const accept = (entry: LogEntry): boolean => {
      if (entry.kind === 'skipped') {
        result.skippedSeqs.push(entry.seq);
        result.throughSeq = entry.seq;
        return true;
      }
      const size = Buffer.byteLength(JSON.stringify(entry.message), 'utf8');
      if (options.maxBytes !== undefined && result.messages.length > 0 && bytes + size > options.maxBytes) return false;
      result.messages.push(entry.message);
      result.throughSeq = entry.message.seq;
      bytes += size;
      return true;
    };
    /** Resolves the holes below `below`; false when the page has to stop at a young one (or lost a race). */
    const settleHoles = async (below: number, laterStartedAt: string): Promise<boolean> => {
      for (let seq = result.throughSeq + 1; seq < below; seq++) {
        if (Date.parse(laterStartedAt) + holeTimeoutMs > now.getTime()) {
          result.hasMore = true;
          return false;
        }
        if (!(await steps.skip(tenantId, head.conversationId, seq, 'abandoned', now))) {
          raced = true;
          return false;
        }
        result.skippedSeqs.push(seq);
        result.throughSeq = seq;
      }
      return true;
    };

    let stopped = false;
    for (const [index, entry] of page.entries.entries()) {
      const seq = entry.kind === 'message' ? entry.message.seq : entry.seq;
      // A hole's writer took its seq before any later seq was taken: the next message's time bounds its age.
      const laterStartedAt = page.entries.slice(index).find((e): e is Extract<LogEntry, { kind: 'message' }> => e.kind === 'message')?.message.createdAt ?? head.lastMessageAt;
      if (!(await settleHoles(seq, laterStartedAt)) || !accept(entry)) {
        result.hasMore = true;
        stopped = true;
        break;
      }
    }
    // Seqs the head has handed out beyond everything stored: the newest messages, still being written.
    if (!stopped && !page.hasMore && head.lastSeq > result.throughSeq) await settleHoles(head.lastSeq + 1, head.lastMessageAt);
    if (raced && attempt < 2) continue;
    if (raced) result.hasMore = true;
    return result;
  }
}
