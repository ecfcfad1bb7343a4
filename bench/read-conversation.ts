/**
 * Reads one conversation's stored log back through the HTTP API, page by page, for the benchmarks'
 * "0 lost, 0 doubled" checks (load, hot). A page that cannot move yet (a seq still being written by a
 * sender in flight) is asked again shortly instead of being taken as the end.
 */
export interface StoredMessage {
  seq: number;
  senderId: string;
  clientMessageId: string;
}

export interface ConversationReadBack {
  messages: StoredMessage[];
  /** Seqs that will never hold a message (a resend's unused seq, a crashed sender's): not gaps. */
  skippedSeqs: Set<number>;
  /** True when a page answered other than 200: the counts above are incomplete. */
  readError: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function readConversationBack(
  httpUrl: string,
  token: string,
  conversationId: string,
  maxPages = 500,
): Promise<ConversationReadBack> {
  const result: ConversationReadBack = { messages: [], skippedSeqs: new Set(), readError: false };
  let afterSeq = 0;
  for (let page = 0; page < maxPages; page++) {
    const response = await fetch(`${httpUrl}/v1/conversations/${conversationId}/messages?afterSeq=${afterSeq}&limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status !== 200) {
      result.readError = true;
      return result;
    }
    const body = (await response.json()) as { messages: StoredMessage[]; skippedSeqs?: number[]; hasMore: boolean; nextAfterSeq?: number };
    result.messages.push(...body.messages);
    for (const seq of body.skippedSeqs ?? []) result.skippedSeqs.add(seq);
    if (!body.hasMore) break;
    const next = body.nextAfterSeq ?? body.messages.at(-1)?.seq ?? afterSeq;
    if (next === afterSeq) await sleep(200);
    afterSeq = next;
  }
  return result;
}
