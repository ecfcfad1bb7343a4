import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buyerSendMessageFrameSchema,
  maxMessageBytes,
  messageTextSchema,
  resumeFrameSchema,
  staffSendMessageFrameSchema,
} from '../../shared/conversations/frames';
import { TokenBuckets } from '../../shared/conversations/flood-control';
import { headEffectOf } from '../../shared/conversations/response-facts';
import { sumResponseFacts } from '../../shared/conversations/response-stats';
import { canRead, canWrite, serviceDay, type Conversation } from '../../shared/conversations/conversation';
import { ValidationError } from '../../shared/http/errors';
import { parseOrThrow } from '../../shared/http/zod-errors';
import { keys } from '../../shared/store/keys';

describe('message frames (unit)', () => {
  it('parses any input to a frame or a ValidationError naming a field, never anything else (row 20)', () => {
    const schemas = [buyerSendMessageFrameSchema, staffSendMessageFrameSchema, resumeFrameSchema];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ withNullPrototype: true, withObjectString: true }),
          fc.record({ action: fc.constant('sendMessage'), shopId: fc.string(), conversationId: fc.string(), clientMessageId: fc.string(), text: fc.string({ unit: 'binary' }) }, { requiredKeys: [] }),
        ),
        fc.constantFrom(...schemas),
        (input, schema) => {
          try {
            parseOrThrow(schema, input);
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            expect((error as ValidationError).details.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('accepts every well-formed text of 1..4000 characters, trimmed, and keeps its keys and item small', () => {
    const text = fc
      .string({ unit: fc.oneof(fc.constantFrom('😀', '\u200d', 'ש', '长', ' ', 'a'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 4000 })
      .filter((s) => s.trim().length > 0 && [...s.trim()].length <= 4000 && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(s));
    fc.assert(
      fc.property(text, fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), (value, clientMessageId) => {
        const parsed = messageTextSchema.parse(value);
        expect(parsed).toBe(value.trim());
        expect(Buffer.byteLength(parsed)).toBeLessThanOrEqual(maxMessageBytes);
        // DynamoDB: sort key ≤ 1,024 bytes, partition key ≤ 2,048 bytes, ids 64 characters at most.
        const claim = keys.clientMessageClaim('t'.repeat(64), 'c'.repeat(64), 'u'.repeat(64), clientMessageId);
        expect(Buffer.byteLength(claim.sk)).toBeLessThanOrEqual(1024);
        expect(Buffer.byteLength(claim.pk)).toBeLessThanOrEqual(2048);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['a lone high surrogate', '\ud83d', 'contains an unpaired surrogate'],
    ['a lone low surrogate', 'ok\udc00', 'contains an unpaired surrogate'],
    ['whitespace only', ' \t\n ', 'must not be empty'],
    ['4001 characters', 'a'.repeat(4001), 'must be at most 4000 characters'],
    ['a control character', 'bell\u0007', 'contains control characters'],
  ])('refuses a text with %s', (_name, value, message) => {
    const result = messageTextSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(message);
  });
});

describe('flood control (unit)', () => {
  it('allows a burst, then the sustained rate, per connection', () => {
    const control = new TokenBuckets({ ratePerSecond: 20, burst: 40 });
    const t0 = 1_000_000;
    const burst = Array.from({ length: 45 }, () => control.take('c1', t0));
    expect(burst.filter(Boolean)).toHaveLength(40);
    expect(control.take('c2', t0)).toBe(true);
    // 100 ms later: 2 tokens.
    expect([control.take('c1', t0 + 100), control.take('c1', t0 + 100), control.take('c1', t0 + 100)]).toEqual([true, true, false]);
    // Long idle refills only up to the burst.
    expect(Array.from({ length: 50 }, () => control.take('c1', t0 + 60_000)).filter(Boolean)).toHaveLength(40);
  });

  it('keeps at most maxKeys buckets, dropping the least recently used', () => {
    const control = new TokenBuckets({ ratePerSecond: 1, burst: 1, maxKeys: 2 });
    expect(control.take('a', 0)).toBe(true);
    expect(control.take('a', 0)).toBe(false);
    control.take('b', 0);
    control.take('c', 0);
    // 'a' was evicted, so it starts full again.
    expect(control.take('a', 0)).toBe(true);
  });
});

describe('response facts (unit)', () => {
  it('asks on a buyer message, answers the pending question on a staff reply', () => {
    expect(headEffectOf({ senderRole: 'buyer', createdAt: '2026-11-11T00:00:05Z' }, '2026-11-11T00:00:00Z')).toEqual({ kind: 'question' });
    expect(headEffectOf({ senderRole: 'agent', createdAt: '2026-11-11T00:00:05Z' }, undefined)).toEqual({ kind: 'reply' });
    expect(headEffectOf({ senderRole: 'supervisor', createdAt: '2026-11-11T00:00:05.250Z' }, '2026-11-11T00:00:00Z')).toEqual({
      kind: 'reply',
      answers: { pendingSince: '2026-11-11T00:00:00Z', responseMs: 5250 },
    });
    // Clock skew between containers never yields a negative wait.
    expect(headEffectOf({ senderRole: 'agent', createdAt: '2026-11-11T00:00:00Z' }, '2026-11-11T00:00:01Z')).toMatchObject({ answers: { responseMs: 0 } });
  });

  it('sums facts into first response, average response and reply/question ratio', () => {
    const facts = (questions: number, replies: number, responseMsTotal: number, responseCount: number, firstResponseMs?: number) =>
      ({ responseFacts: { questions, replies, responseMsTotal, responseCount, ...(firstResponseMs === undefined ? {} : { firstResponseMs }) } }) as Conversation;
    expect(sumResponseFacts('a', '2026-11-11', [facts(3, 2, 9000, 2, 3000), facts(1, 0, 0, 0), facts(2, 4, 1000, 1, 1000)])).toEqual({
      agentId: 'a',
      day: '2026-11-11',
      conversations: 3,
      questions: 6,
      replies: 6,
      responseCount: 3,
      responseMsTotal: 10_000,
      averageResponseMs: 3333,
      averageFirstResponseMs: 2000,
      replyQuestionRatio: 1,
    });
  });

  it('counts the service day in China Standard Time', () => {
    expect(serviceDay(new Date('2026-11-10T16:30:00Z'))).toBe('2026-11-11');
    expect(serviceDay(new Date('2026-11-10T15:59:59Z'))).toBe('2026-11-10');
  });
});

describe('conversation access (unit)', () => {
  const conversation = { buyerId: 'b1', shopId: 's1', assigneeId: 'a1' };
  it.each([
    [{ role: 'buyer', userId: 'b1', shopIds: [] }, true, true],
    [{ role: 'buyer', userId: 'b2', shopIds: [] }, false, false],
    [{ role: 'agent', userId: 'a1', shopIds: ['s1'] }, true, true],
    [{ role: 'agent', userId: 'a2', shopIds: ['s1'] }, true, false],
    [{ role: 'agent', userId: 'a1', shopIds: ['s2'] }, false, false],
    [{ role: 'supervisor', userId: 's', shopIds: ['s1'] }, true, true],
    [{ role: 'supervisor', userId: 's', shopIds: ['s2'] }, false, false],
    [{ role: 'admin', userId: 'x', shopIds: [] }, true, true],
  ])('%j may read: %s, write: %s', (identity, read, write) => {
    expect(canRead(conversation, identity)).toBe(read);
    expect(canWrite(conversation, identity)).toBe(write);
  });
});
