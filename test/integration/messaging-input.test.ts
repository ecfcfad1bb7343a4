import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { handler as sendMessageHandler } from '../../functions/ws/send-message';
import { handler as helloHandler } from '../../functions/ws/hello';
import { handler as resumeHandler } from '../../functions/ws/resume';
import { handler as markReadHandler } from '../../functions/ws/mark-read';
import { callWs } from '../support/events';
import { ownQueues } from '../support/queues';
import { countTenantItems, seedShop, uniqueTenant, who } from './messaging-fixtures';

/** Rows 20 and 22: hostile and broken frames get error frames before any AWS call; floods are throttled. */
const tenant = uniqueTenant('input');
const shop = 'shop-in';
const buyer = who(tenant, 'buyer', 'buyer-in');
const agent = who(tenant, 'agent', 'agent-in', [shop]);

const valid = { action: 'sendMessage', shopId: shop, clientMessageId: 'ok-1', text: 'hello' };
let connection = 0;
/** A fresh connection per call, so flood control does not mix into the input checks. */
const send = (frame: unknown, caller = buyer, handler = sendMessageHandler) => callWs(handler, caller, frame, `conn-input-${++connection}`);

describe('bad input on the message actions (row 20)', () => {
  beforeAll(async () => {
    await ownQueues('input');
    await seedShop(tenant, shop);
  });

  it.each([
    ['invalid JSON', '{"action":"sendMessage",', 'VALIDATION_FAILED', '(frame)'],
    ['an empty frame', '', 'VALIDATION_FAILED', '(frame)'],
    ['a JSON array', '[1,2,3]', 'VALIDATION_FAILED', '(root)'],
    ['a missing text', { ...valid, text: undefined }, 'VALIDATION_FAILED', 'text'],
    ['a missing shopId', { ...valid, shopId: undefined }, 'VALIDATION_FAILED', 'shopId'],
    ['a missing clientMessageId', { ...valid, clientMessageId: undefined }, 'VALIDATION_FAILED', 'clientMessageId'],
    ['an empty text', { ...valid, text: '' }, 'VALIDATION_FAILED', 'text'],
    ['a whitespace-only text', { ...valid, text: ' \n\t  ' }, 'VALIDATION_FAILED', 'text'],
    ['a text of 4001 characters', { ...valid, text: 'a'.repeat(4001) }, 'VALIDATION_FAILED', 'text'],
    ['4001 emoji', { ...valid, text: '😀'.repeat(4001) }, 'VALIDATION_FAILED', 'text'],
    ['a lone high surrogate', '{"action":"sendMessage","shopId":"shop-in","clientMessageId":"x","text":"hi \\ud800"}', 'VALIDATION_FAILED', 'text'],
    ['a lone low surrogate', '{"action":"sendMessage","shopId":"shop-in","clientMessageId":"x","text":"\\udc00"}', 'VALIDATION_FAILED', 'text'],
    ['a NUL character', { ...valid, text: 'a\u0000b' }, 'VALIDATION_FAILED', 'text'],
    ['a clientMessageId of 65 characters', { ...valid, clientMessageId: 'x'.repeat(65) }, 'VALIDATION_FAILED', 'clientMessageId'],
    ['a clientMessageId with a #', { ...valid, clientMessageId: 'a#b' }, 'VALIDATION_FAILED', 'clientMessageId'],
    ['a clientMessageId with emoji', { ...valid, clientMessageId: '😀' }, 'VALIDATION_FAILED', 'clientMessageId'],
    ['a shopId with a key separator', { ...valid, shopId: 'x#T#other' }, 'VALIDATION_FAILED', 'shopId'],
    ['an unknown stage', { ...valid, stage: 'crm' }, 'VALIDATION_FAILED', 'stage'],
    ['a __proto__ key', '{"action":"sendMessage","shopId":"shop-in","clientMessageId":"x","text":"x","__proto__":{"role":"admin"}}', 'VALIDATION_FAILED', '__proto__'],
    ['a tenantId field', { ...valid, tenantId: 'other' }, 'VALIDATION_FAILED', 'tenantId'],
    ['a seq field', { ...valid, seq: 1 }, 'VALIDATION_FAILED', 'seq'],
    ['a text that is a 10k-element array', { ...valid, text: Array.from({ length: 10_000 }, () => 0) }, 'VALIDATION_FAILED', 'text'],
    ['a frame over 32 KB', { ...valid, text: 'a'.repeat(40_000) }, 'PAYLOAD_TOO_LARGE', undefined],
    ['a frame over 128 KB', { ...valid, text: '长'.repeat(50_000) }, 'PAYLOAD_TOO_LARGE', undefined],
  ])('answers %s with an error frame naming the field', async (_name, frame, code, field) => {
    const reply = await send(frame);
    expect(reply.type).toBe('error');
    expect(reply.code).toBe(code);
    if (field) expect(reply.field).toBe(field);
  });

  it.each([
    ['hello with a tenantId', helloHandler, { action: 'hello', tenantId: 'x' }, 'tenantId'],
    ['resume with 10k conversations', resumeHandler, { action: 'resume', conversations: Array.from({ length: 10_000 }, () => 0) }, 'conversations'],
    ['resume with 21 conversations', resumeHandler, { action: 'resume', conversations: Array.from({ length: 21 }, (_, i) => ({ conversationId: `c${i}`, afterSeq: 0 })) }, 'conversations'],
    ['resume with a negative afterSeq', resumeHandler, { action: 'resume', conversations: [{ conversationId: 'c', afterSeq: -1 }] }, 'conversations.0.afterSeq'],
    ['resume with a limit of 101', resumeHandler, { action: 'resume', conversations: [{ conversationId: 'c', afterSeq: 0 }], limit: 101 }, 'limit'],
    ['resume with __proto__ in an entry', resumeHandler, '{"action":"resume","conversations":[{"conversationId":"c","afterSeq":0,"__proto__":{"x":1}}]}', 'conversations.0.__proto__'],
    ['markRead with a fractional seq', markReadHandler, { action: 'markRead', conversationId: 'c', seq: 1.5 }, 'seq'],
    ['markRead with a string seq', markReadHandler, { action: 'markRead', conversationId: 'c', seq: '3' }, 'seq'],
    ['markRead with a huge seq', markReadHandler, { action: 'markRead', conversationId: 'c', seq: 1e300 }, 'seq'],
  ] as const)('answers %s with VALIDATION_FAILED', async (_name, handler, frame, field) => {
    const reply = await send(frame, agent, handler);
    expect(reply).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', field });
  });

  it('accepts emoji, right-to-left, zero-width and combining text and returns it unchanged', async () => {
    const texts = ['👩‍👩‍👧‍👦🇨🇳', 'مرحبا بك في المتجر', '\u200b\u200d零宽', 'é (e + \u0301)', '\u202eevil\u202c', '第一行\n第二行'];
    const acks = [];
    for (const [i, text] of texts.entries()) acks.push(await send({ ...valid, clientMessageId: `u-${i}`, text }));
    expect(acks.map((a) => a.type)).toEqual(texts.map(() => 'ack'));
    const reply = await send({ action: 'resume', conversations: [{ conversationId: acks[0].conversationId, afterSeq: 0 }] }, buyer, resumeHandler);
    expect(reply.pages[0].messages.map((m: { text: string }) => m.text)).toEqual(texts);
  });

  it('stores a 4000-emoji message (16 KB of UTF-8) within item and key limits', async () => {
    const reply = await send({ ...valid, clientMessageId: 'max-emoji', text: '😀'.repeat(4000) });
    expect(reply).toMatchObject({ type: 'ack', duplicate: false });
  });

  it('never answers a fuzzed sendMessage frame with INTERNAL; every refusal names a client mistake or a limit and stores nothing', async () => {
    const id = fc.oneof(fc.constant(shop), fc.string({ unit: 'grapheme', maxLength: 70 }), fc.constantFrom('', '#', 'a#b', '__proto__', 'x'.repeat(65)));
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 50 }),
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.constantFrom('', ' ', '\ud800', 'a\udc00b', '😀'.repeat(4001)),
      fc.anything(),
    );
    const frame = fc.oneof(
      fc.record(
        {
          action: fc.oneof(fc.constant('sendMessage'), fc.string()),
          shopId: id,
          clientMessageId: fc.oneof(fc.constant('fz'), fc.string({ maxLength: 70 })),
          text,
          ref: fc.oneof(fc.string({ maxLength: 80 }), fc.integer()),
          stage: fc.oneof(fc.constantFrom('pre-sale', 'in-sale', 'after-sale'), fc.string()),
          tenantId: fc.string(),
          seq: fc.integer(),
          __proto__: fc.object(),
        },
        { requiredKeys: [] },
      ),
      fc.anything(),
      fc.json(),
    );
    // The buyer's conversation with the shop is open already, so an accepted frame adds exactly a message and a claim.
    expect(await send({ ...valid, clientMessageId: 'fz-open' })).toMatchObject({ type: 'ack' });
    const before = await countTenantItems(tenant);
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(frame, async (candidate) => {
        const reply = await send(typeof candidate === 'string' ? candidate : (JSON.stringify(candidate) ?? 'undefined'));
        if (reply.type === 'ack') {
          if (!reply.duplicate) stored += 2;
          return;
        }
        expect(reply.type).toBe('error');
        // NOT_FOUND: a well-formed id of a shop the tenant does not have. RATE_LIMITED: the user's budget
        // (300 sends per 10 s over all connections) is spent by this many frames in a few seconds; it is
        // checked before parsing and stores nothing either.
        expect(['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'RATE_LIMITED']).toContain(reply.code);
      }),
      { numRuns: 300 },
    );
    expect(await countTenantItems(tenant)).toBe(before + stored);
  });
});

describe('flood control (row 22)', () => {
  it('throttles one connection after its burst while other connections go on', async () => {
    const flooder = who(tenant, 'buyer', 'flooder');
    const frames = Array.from({ length: 60 }, (_, i) => ({ action: 'sendMessage', shopId: shop, clientMessageId: `f-${i}` }));
    // Invalid frames (no text) still spend tokens: flood control runs before parsing, so nothing is stored either way.
    // Sent at once, as a flood arrives, so the bucket does not refill in between.
    const replies = await Promise.all(frames.map((frame) => callWs(sendMessageHandler, flooder, frame, 'conn-flood')));
    const codes = replies.map((r) => r.code);
    // The burst of 40, plus what the bucket refills (20/s) while a loaded machine spreads the 60 calls out.
    const admitted = codes.filter((code) => code === 'VALIDATION_FAILED').length;
    expect(admitted).toBeGreaterThanOrEqual(40);
    expect(admitted).toBeLessThanOrEqual(50);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(60 - admitted);
    expect(replies.find((r) => r.code === 'RATE_LIMITED')).toMatchObject({ type: 'error', message: expect.stringContaining('slow down') });
    const other = who(uniqueTenant('input-other'), 'buyer', 'calm');
    await seedShop(other.tenantId, shop);
    expect(await callWs(sendMessageHandler, other, { ...valid, clientMessageId: 'calm-1' }, 'conn-calm')).toMatchObject({ type: 'ack' });
  });
});
