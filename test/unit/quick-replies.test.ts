import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../shared/auth/identity';
import { AppError } from '../../shared/http/errors';
import { parseOrThrow } from '../../shared/http/zod-errors';
import { chooseVariant } from '../../shared/quick-replies/choose-variant';
import { decodeCursor, encodeCursor } from '../../shared/quick-replies/cursor';
import { assertKnownContentSet, contentSetsNamed } from '../../shared/quick-replies/content-sets';
import { authorizeLibrary, resolutionOrder, resolutionWithContentSet } from '../../shared/quick-replies/library-access';
import { unknownPlaceholders } from '../../shared/quick-replies/placeholders';
import { prepareQuickReply, type PrepareQuickReplyDeps } from '../../shared/quick-replies/prepare-quick-reply';
import { renderQuickReply } from '../../shared/quick-replies/render-quick-reply';
import {
  libraryQuerySchema,
  listQuickRepliesQuerySchema,
  quickReplyBodySchema,
  shortcutPathSchema,
} from '../../shared/quick-replies/schemas';
import type { StoredQuickReply } from '../../shared/store/quick-replies';

const randomSource = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('chooseVariant', () => {
  it('never repeats the last index when there is a choice, and stays in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 10 }), fc.nat(), randomSource, (count, last, r) => {
        const lastIndex = last % count;
        const next = chooseVariant(new Array(count).fill('v'), lastIndex, () => r);
        expect(next).not.toBe(lastIndex);
        expect(next).toBeGreaterThanOrEqual(0);
        expect(next).toBeLessThan(count);
      }),
    );
  });

  it('reaches every other variant, so rotation does not cycle between two', () => {
    const seen = new Set<number>();
    for (let r = 0; r < 1; r += 0.05) seen.add(chooseVariant(['a', 'b', 'c', 'd', 'e'], 2, () => r));
    expect([...seen].sort()).toEqual([0, 1, 3, 4]);
  });

  it('starts anywhere on first use or after the reply shrank, and always sends a single variant', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.option(fc.integer({ min: -5, max: 50 }), { nil: undefined }), randomSource, (count, last, r) => {
        const next = chooseVariant(new Array(count).fill('v'), last, () => r);
        expect(next).toBeGreaterThanOrEqual(0);
        expect(next).toBeLessThan(count);
      }),
    );
    expect(chooseVariant(['only'], 0)).toBe(0);
    expect(chooseVariant(['a', 'b', 'c'], undefined, () => 0.99)).toBe(2);
  });

  it('survives a random source outside [0, 1)', () => {
    for (const r of [1, 7, -1, Number.NaN]) {
      const next = chooseVariant(['a', 'b', 'c'], 1, () => r);
      expect([0, 2]).toContain(next);
    }
  });

  it('refuses an empty reply', () => {
    expect(() => chooseVariant([], undefined)).toThrow(RangeError);
  });
});

describe('renderQuickReply', () => {
  it('fills known placeholders', () => {
    expect(renderQuickReply('{buyerName}您好，欢迎光临{shopName}，订单{orderNumber}已发货', {
      buyerName: '小王',
      shopName: '韩都衣舍',
      orderNumber: '2316-88',
    })).toBe('小王您好，欢迎光临韩都衣舍，订单2316-88已发货');
  });

  it('renders missing or blank values as neutral words: 亲 for the buyer, 本店 for the shop, nothing for the order', () => {
    expect(renderQuickReply('{buyerName}，欢迎光临{shopName}！您的订单{orderNumber}已发货', { buyerName: '  ' })).toBe(
      '亲，欢迎光临本店！您的订单已发货',
    );
  });

  it('inserts values literally, never expanding a placeholder inside a value', () => {
    expect(renderQuickReply('hi {buyerName}', { buyerName: '{shopName}$&$1' })).toBe('hi {shopName}$&$1');
  });

  it('leaves emoticon braces and unknown names as written', () => {
    expect(renderQuickReply('{^_^} { } {coupon}', {})).toBe('{^_^} { } {coupon}');
  });
});

describe('placeholders and the body schema', () => {
  const body = { title: '问候', variants: ['{buyerName}您好', '亲，在的哦 {^_^}'] };
  const fieldsOf = (input: unknown) => {
    try {
      parseOrThrow(quickReplyBodySchema, input, 'body');
      return [];
    } catch (error) {
      return (error as AppError).details.map((detail) => detail.field);
    }
  };

  it('finds unknown placeholders only', () => {
    expect(unknownPlaceholders('{buyerName} {coupon} {^_^} {shopName}{x1}')).toEqual(['coupon', 'x1']);
  });

  it('accepts a good body, emoji and RTL text included, counting code points', () => {
    expect(fieldsOf(body)).toEqual([]);
    expect(fieldsOf({ ...body, variants: ['😀'.repeat(2000), 'שלום\u200f مرحبا', '零\u200b宽'], tags: ['售前'], stage: 'pre-sale' })).toEqual([]);
  });

  it('names the offending variant', () => {
    expect(fieldsOf({ ...body, variants: ['a', 'b', '亲 {coupon}'] })).toEqual(['body.variants.2']);
    expect(fieldsOf({ ...body, variants: ['a', 'x'.repeat(2001)] })).toEqual(['body.variants.1']);
    expect(fieldsOf({ ...body, variants: ['a', 'bad \ud800 surrogate'] })).toEqual(['body.variants.1']);
    expect(fieldsOf({ ...body, variants: ['a', ' \n '] })).toEqual(['body.variants.1']);
    expect(fieldsOf({ ...body, variants: ['a', 'b', 'a'] })).toEqual(['body.variants.2']);
    expect(fieldsOf({ ...body, variants: ['bell\u0007'] })).toEqual(['body.variants.0']);
    expect(fieldsOf({ ...body, variants: ['ok', ' {orderNumber} '] })).toEqual(['body.variants.1']);
  });

  it('bounds counts and sizes', () => {
    expect(fieldsOf({ ...body, variants: [] })).toEqual(['body.variants']);
    expect(fieldsOf({ ...body, variants: Array.from({ length: 11 }, (_, i) => `v${i}`) })).toEqual(['body.variants']);
    expect(fieldsOf({ ...body, variants: Array.from({ length: 10_000 }, () => 'v') })).toContain('body.variants');
    expect(fieldsOf({ ...body, title: 'x'.repeat(101) })).toEqual(['body.title']);
    expect(fieldsOf({ ...body, title: 'two\nlines' })).toEqual(['body.title']);
    expect(fieldsOf({ ...body, stage: 'crm' })).toEqual(['body.stage']);
  });

  it('refuses server-owned and unknown fields instead of ignoring them (mass assignment)', () => {
    for (const extra of ['tenantId', 'role', 'createdAt', 'updatedBy', 'shortcut', 'scope']) {
      expect(fieldsOf({ ...body, [extra]: 'x' })).toEqual([`body.${extra}`]);
    }
    expect(fieldsOf(JSON.parse('{"title":"t","variants":["v"],"__proto__":{"admin":true}}'))).toEqual(['body.__proto__']);
  });
});

describe('query and path schemas', () => {
  it('decodes an encoded shortcut and accepts a decoded one', () => {
    expect(parseOrThrow(shortcutPathSchema, { shortcut: '%2Fhi' }).shortcut).toBe('/hi');
    expect(parseOrThrow(shortcutPathSchema, { shortcut: '/hi' }).shortcut).toBe('/hi');
    for (const shortcut of ['%E0%A4%A', '%2F%20hi', '', 'x'.repeat(33), '/你好']) {
      expect(() => parseOrThrow(shortcutPathSchema, { shortcut }, 'path')).toThrow(/path\.shortcut/);
    }
  });

  it('ties shopId to scope=shop and refuses agentId or tenantId parameters', () => {
    expect(parseOrThrow(libraryQuerySchema, { scope: 'shop', shopId: 's1' })).toEqual({ scope: 'shop', shopId: 's1' });
    expect(() => parseOrThrow(libraryQuerySchema, { scope: 'shop' }, 'query')).toThrow(/query\.shopId/);
    expect(() => parseOrThrow(libraryQuerySchema, { scope: 'agent', shopId: 's1' }, 'query')).toThrow(/query\.shopId/);
    expect(() => parseOrThrow(libraryQuerySchema, { scope: 'agent', agentId: 'other' }, 'query')).toThrow(/query/);
    expect(() => parseOrThrow(libraryQuerySchema, { scope: 'tenant', tenantId: 'other' }, 'query')).toThrow(/query/);
    expect(() => parseOrThrow(libraryQuerySchema, { scope: 'everyone' }, 'query')).toThrow(/query\.scope/);
  });

  it('parses limit and a cursor it issued, and refuses forged cursors', () => {
    const parsed = parseOrThrow(listQuickRepliesQuerySchema, { scope: 'agent', limit: '20', cursor: encodeCursor({ shortcut: '/hi' }) });
    expect(parsed).toEqual({ scope: 'agent', limit: 20, cursor: { shortcut: '/hi' } });
    for (const cursor of ['x', 'eyJ2IjoyfQ', Buffer.from('[1]').toString('base64url'), '!!']) {
      expect(() => parseOrThrow(listQuickRepliesQuerySchema, { scope: 'agent', cursor }, 'query')).toThrow(/query\.cursor/);
    }
    expect(() => parseOrThrow(listQuickRepliesQuerySchema, { scope: 'agent', limit: '0' }, 'query')).toThrow(/query\.limit/);
    expect(decodeCursor(encodeCursor({ shortcut: 'a/b' }))).toEqual({ shortcut: 'a/b' });
  });

  it('carries a promo version\'s content set in the cursor, and refuses a cursor whose set is not an id', () => {
    expect(decodeCursor(encodeCursor({ shortcut: '/hi', contentSet: 'double11' }))).toEqual({ shortcut: '/hi', contentSet: 'double11' });
    const forged = Buffer.from(JSON.stringify({ v: 1, after: '/hi', set: 'x#SET#y' })).toString('base64url');
    expect(() => parseOrThrow(listQuickRepliesQuerySchema, { scope: 'agent', cursor: forged }, 'query')).toThrow(/query\.cursor/);
  });

  it('addresses a promo version by a contentSet id in the query, naming query.contentSet when it is not one', () => {
    expect(parseOrThrow(libraryQuerySchema, { scope: 'tenant', contentSet: 'double11' })).toEqual({ scope: 'tenant', contentSet: 'double11' });
    for (const contentSet of ['double 11', 'a#SET#b', '', 'x'.repeat(65)]) {
      expect(() => parseOrThrow(libraryQuerySchema, { scope: 'tenant', contentSet }, 'query')).toThrow(/query\.contentSet/);
    }
    // The set is part of the reply's key, not of its content: a body naming it is refused, not ignored.
    expect(() => parseOrThrow(quickReplyBodySchema, { title: 't', variants: ['v'], contentSet: 'double11' }, 'body')).toThrow(/body/);
  });
});

describe('promo content sets (issue 10 §2)', () => {
  const phase = (contentSet?: string) => ({ routing: { stageBorrowing: [], ...(contentSet ? { contentSet } : {}) } });

  it('knows the sets any phase of the calendar names, past or future, and nothing else', () => {
    const promos = [{ phases: [phase('double11'), phase()] }, { phases: [phase('618')] }] as never[];
    expect([...contentSetsNamed(promos)].sort()).toEqual(['618', 'double11']);
    expect(contentSetsNamed([]).size).toBe(0);
  });

  it('refuses a set the calendar does not name with a 400 naming the field, and accepts a known or no set', () => {
    const known = new Set(['double11']);
    expect(() => assertKnownContentSet('double11', known, 'query.contentSet')).not.toThrow();
    expect(() => assertKnownContentSet(undefined, known, 'query.contentSet')).not.toThrow();
    try {
      assertKnownContentSet('dobule11', known, 'query.contentSet');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', details: [{ field: 'query.contentSet' }] });
    }
  });

  it('looks the set\'s version up agent → shop → tenant first, then the usual order; without a set only the usual order', () => {
    expect(resolutionWithContentSet('a1', 's1', 'double11')).toEqual([
      { scope: { kind: 'agent', agentId: 'a1' }, contentSet: 'double11' },
      { scope: { kind: 'shop', shopId: 's1' }, contentSet: 'double11' },
      { scope: { kind: 'tenant' }, contentSet: 'double11' },
      { scope: { kind: 'agent', agentId: 'a1' } },
      { scope: { kind: 'shop', shopId: 's1' } },
      { scope: { kind: 'tenant' } },
    ]);
    expect(resolutionWithContentSet('a1', 's1', undefined)).toEqual(resolutionOrder('a1', 's1').map((scope) => ({ scope })));
  });
});

describe('authorizeLibrary', () => {
  const agent: Identity = { tenantId: 't', userId: 'a1', role: 'agent', shopIds: ['s1'] };
  const supervisor: Identity = { ...agent, userId: 'sup', role: 'supervisor' };
  const admin: Identity = { ...agent, userId: 'adm', role: 'admin' };
  const codeOf = (run: () => unknown) => {
    try {
      run();
      return 'OK';
    } catch (error) {
      return (error as AppError).code;
    }
  };

  it('gives every staff member their own library, and only their own', () => {
    for (const identity of [agent, supervisor, admin]) {
      expect(authorizeLibrary(identity, { scope: 'agent' }, 'write')).toEqual({ kind: 'agent', agentId: identity.userId });
    }
  });

  it('lets agents read their shops and supervisors/admins write them; other shops are NOT_FOUND but to a tenant admin', () => {
    expect(codeOf(() => authorizeLibrary(agent, { scope: 'shop', shopId: 's1' }, 'read'))).toBe('OK');
    expect(codeOf(() => authorizeLibrary(agent, { scope: 'shop', shopId: 's1' }, 'write'))).toBe('FORBIDDEN');
    expect(codeOf(() => authorizeLibrary(supervisor, { scope: 'shop', shopId: 's1' }, 'write'))).toBe('OK');
    expect(codeOf(() => authorizeLibrary(admin, { scope: 'shop', shopId: 's1' }, 'write'))).toBe('OK');
    for (const identity of [agent, supervisor]) {
      expect(codeOf(() => authorizeLibrary(identity, { scope: 'shop', shopId: 's2' }, 'read'))).toBe('NOT_FOUND');
      expect(codeOf(() => authorizeLibrary(identity, { scope: 'shop', shopId: 's2' }, 'write'))).toBe('NOT_FOUND');
    }
    // A tenant admin acts for every shop of the tenant, as everywhere else (servesShop).
    expect(codeOf(() => authorizeLibrary(admin, { scope: 'shop', shopId: 's2' }, 'write'))).toBe('OK');
  });

  it('lets all staff read the tenant library and only admins write it; buyers get nothing', () => {
    expect(codeOf(() => authorizeLibrary(agent, { scope: 'tenant' }, 'read'))).toBe('OK');
    expect(codeOf(() => authorizeLibrary(agent, { scope: 'tenant' }, 'write'))).toBe('FORBIDDEN');
    expect(codeOf(() => authorizeLibrary(supervisor, { scope: 'tenant' }, 'write'))).toBe('FORBIDDEN');
    expect(codeOf(() => authorizeLibrary(admin, { scope: 'tenant' }, 'write'))).toBe('OK');
    expect(codeOf(() => authorizeLibrary({ ...agent, role: 'buyer' }, { scope: 'agent' }, 'read'))).toBe('FORBIDDEN');
  });

  it('resolves agent, then shop, then tenant', () => {
    expect(resolutionOrder('a1', 's1')).toEqual([{ kind: 'agent', agentId: 'a1' }, { kind: 'shop', shopId: 's1' }, { kind: 'tenant' }]);
  });
});

describe('prepareQuickReply', () => {
  const reply: StoredQuickReply = {
    shortcut: '/hi',
    title: 'hello',
    variants: ['{buyerName}您好', '{buyerName}，在的哦', '欢迎光临{shopName}'],
    tags: [],
    createdAt: '2026-11-11T00:00:00.000Z',
    updatedAt: '2026-11-11T00:00:00.000Z',
    updatedBy: 'a1',
  };
  const input = { tenantId: 't', agentId: 'a1', shopId: 's1', conversationId: 'c1', clientMessageId: 'm1', shortcut: '/hi', values: { buyerName: '小王' } };

  function deps(overrides: Partial<PrepareQuickReplyDeps> = {}): PrepareQuickReplyDeps & { calls: unknown[][] } {
    const calls: unknown[][] = [];
    let last: number | undefined;
    return {
      calls,
      findQuickReply: async (...args) => {
        calls.push(['find', ...args]);
        return { scope: { kind: 'shop', shopId: 's1' }, reply };
      },
      claimNextVariant: async (_t, _c, _s, _m, pick) => {
        last = pick(last);
        return last;
      },
      random: () => 0,
      now: () => new Date('2026-11-11T00:00:00Z'),
      ...overrides,
    };
  }

  it('looks the shortcut up agent → shop → tenant and renders the chosen variant', async () => {
    const d = deps();
    const prepared = await prepareQuickReply(input, d);
    expect(d.calls[0]).toEqual(['find', 't', resolutionWithContentSet('a1', 's1', undefined), '/hi']);
    expect(prepared).toEqual({ text: '小王您好', scope: 'shop', variantIndex: 0 });
  });

  it('never sends the same variant twice in a row in a conversation', async () => {
    const d = deps({ random: Math.random });
    let previous: number | undefined;
    for (let i = 0; i < 50; i++) {
      const { variantIndex } = await prepareQuickReply(input, d);
      expect(variantIndex).not.toBe(previous);
      previous = variantIndex;
    }
  });

  it('tries the promo set\'s versions first while a set is in force, and says which set it sent', async () => {
    const d = deps({
      findQuickReply: async (...args) => {
        d.calls.push(['find', ...args]);
        return { scope: { kind: 'tenant' }, contentSet: 'double11', reply: { ...reply, contentSet: 'double11', variants: ['双11快乐 {buyerName}'] } };
      },
    });
    const prepared = await prepareQuickReply({ ...input, contentSet: 'double11' }, d);
    expect(d.calls[0]).toEqual(['find', 't', resolutionWithContentSet('a1', 's1', 'double11'), '/hi']);
    expect(prepared).toEqual({ text: '双11快乐 小王', scope: 'tenant', contentSet: 'double11', variantIndex: 0 });
  });

  it('is NOT_FOUND naming the shortcut when no library has it', async () => {
    const d = deps({ findQuickReply: async () => undefined });
    await expect(prepareQuickReply(input, d)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND', details: [{ field: 'shortcut' }] });
  });
});
