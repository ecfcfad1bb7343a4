import type { Message, MessagesPage } from './contracts';

/**
 * One conversation's messages as a client holds them. Delivery is at least once and a socket can drop
 * at any time, so messages are keyed by seq: a frame seen twice (a redelivery, a resume overlapping a
 * live frame) is kept once, and `through` — the highest seq up to which nothing is missing — is what a
 * reconnect resumes from. Seqs a send gave up (`skippedSeqs`) count as held: they never carry a message.
 */
export class ConversationLog {
  private readonly bySeq = new Map<number, Message>();
  private readonly skipped = new Set<number>();
  /** Every seq ≤ through is held or skipped. */
  through = 0;
  /** The highest seq seen, held or announced (an inbox's lastSeq); above `through` means a gap to fill. */
  newest = 0;
  private sortedCache: Message[] | undefined;

  /** Adds messages; returns how many were new (0 when all were already held). */
  add(messages: readonly Message[], skippedSeqs: readonly number[] = []): number {
    let added = 0;
    for (const message of messages) {
      if (this.bySeq.has(message.seq)) continue;
      this.bySeq.set(message.seq, message);
      added += 1;
      if (message.seq > this.newest) this.newest = message.seq;
    }
    for (const seq of skippedSeqs) this.skipped.add(seq);
    if (added > 0) this.sortedCache = undefined;
    this.advance();
    return added;
  }

  /** A page of `resume` or the history route: its messages, its skipped seqs, and how far it read. */
  addPage(page: Pick<MessagesPage, 'messages' | 'skippedSeqs' | 'nextAfterSeq'>): number {
    const added = this.add(page.messages, page.skippedSeqs ?? []);
    // The page read up to nextAfterSeq: seqs below it that hold nothing were given up.
    if (page.nextAfterSeq !== undefined) {
      for (let seq = this.through + 1; seq <= page.nextAfterSeq; seq += 1) if (!this.bySeq.has(seq)) this.skipped.add(seq);
      this.advance();
    }
    return added;
  }

  /** The server says the conversation reaches `lastSeq`: anything above `through` is missing until resumed. */
  announce(lastSeq: number): void {
    if (lastSeq > this.newest) this.newest = lastSeq;
  }

  get missing(): boolean {
    return this.newest > this.through;
  }

  has(seq: number): boolean {
    return this.bySeq.has(seq);
  }

  hasClientMessageId(clientMessageId: string, senderId: string): boolean {
    for (const message of this.bySeq.values()) if (message.clientMessageId === clientMessageId && message.senderId === senderId) return true;
    return false;
  }

  get size(): number {
    return this.bySeq.size;
  }

  /** Oldest first. */
  messages(): Message[] {
    this.sortedCache ??= [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    return this.sortedCache;
  }

  last(): Message | undefined {
    const all = this.messages();
    return all[all.length - 1];
  }

  private advance(): void {
    while (this.bySeq.has(this.through + 1) || this.skipped.has(this.through + 1)) this.through += 1;
    if (this.through > this.newest) this.newest = this.through;
  }
}

/** Reconnect delays: 0.5 s doubling to 30 s, with jitter so a thousand agents cut off together do not return together. */
export function backoffDelay(attempt: number, random = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return Math.round(base / 2 + (base / 2) * random());
}

/** A clientMessageId: unique per send, stable across its resends (idempotency key). */
export function newClientMessageId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}
