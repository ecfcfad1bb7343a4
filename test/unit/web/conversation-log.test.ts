import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Message } from '../../../shared/conversations/conversation';
import { backoffDelay, ConversationLog } from '../../../web/src/conversation-log';
import { shopColour } from '../../../web/src/shops';

const message = (seq: number, text = `m${seq}`): Message => ({
  conversationId: 'c-1',
  seq,
  senderId: seq % 2 ? 'buyer-1' : 'agent-1',
  senderRole: seq % 2 ? 'buyer' : 'agent',
  clientMessageId: `k${seq}`,
  text,
  createdAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
});

describe('a conversation log in the web clients', () => {
  it('keeps a message delivered twice once, and counts only new ones', () => {
    const log = new ConversationLog();
    expect(log.add([message(1), message(2)])).toBe(2);
    expect(log.add([message(2), message(1)])).toBe(0);
    expect(log.messages().map((m) => m.seq)).toEqual([1, 2]);
  });

  it('resumes from the last seq up to which nothing is missing, not from the newest seen', () => {
    const log = new ConversationLog();
    log.add([message(1), message(2), message(5)]);
    expect(log.through).toBe(2);
    expect(log.missing).toBe(true);
    log.add([message(3), message(4)]);
    expect(log.through).toBe(5);
    expect(log.missing).toBe(false);
  });

  it('counts seqs a send gave up (skippedSeqs) as held, so it does not ask for them forever', () => {
    const log = new ConversationLog();
    log.addPage({ messages: [message(1), message(3)], skippedSeqs: [2] });
    expect(log.through).toBe(3);
    expect(log.missing).toBe(false);
  });

  it('knows a gap from the inbox’s lastSeq before any message of it arrives', () => {
    const log = new ConversationLog();
    log.add([message(1)]);
    log.announce(4);
    expect(log.missing).toBe(true);
    log.addPage({ messages: [message(2), message(3), message(4)] });
    expect(log.missing).toBe(false);
  });

  it('matches an unacknowledged send to its stored message by clientMessageId and sender', () => {
    const log = new ConversationLog();
    log.add([message(2)]);
    expect(log.hasClientMessageId('k2', 'agent-1')).toBe(true);
    expect(log.hasClientMessageId('k2', 'buyer-1')).toBe(false);
  });

  it('ends with every seq once, in order, whatever the order and repetition of live frames and resume pages', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 80 }), (deliveries) => {
        const log = new ConversationLog();
        for (const seq of deliveries) log.add([message(seq)]);
        // A resume from `through` fills whatever the live frames missed.
        log.addPage({ messages: Array.from({ length: 30 - log.through }, (_, i) => message(log.through + 1 + i)) });
        expect(log.messages().map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(log.through).toBe(30);
      }),
    );
  });
});

describe('reconnect backoff', () => {
  it('starts near half a second, doubles, never exceeds 30 s, and is jittered', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 1)).toBe(4000);
    expect(backoffDelay(20, () => 1)).toBe(30_000);
    expect(backoffDelay(20, () => 0)).toBe(15_000);
  });
});

/** WCAG 2.1 relative luminance of an `hsl(h s% l%)` colour. */
function luminance(hsl: string): number {
  const [h, s, l] = hsl.match(/[\d.]+/g)!.map(Number) as [number, number, number];
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(8) + 0.0722 * channel(4);
}

describe('shop colours', () => {
  it('are stable per shop and keep white text readable (WCAG AA, 4.5:1) for any shop id', () => {
    expect(shopColour('peach-glow')).toBe(shopColour('peach-glow'));
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9-]{1,40}$/), (shopId) => {
        const contrast = 1.05 / (luminance(shopColour(shopId)) + 0.05);
        expect(contrast).toBeGreaterThanOrEqual(4.5);
      }),
    );
  });
});
