import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as deleteQuickReplyHandler } from '../../functions/http/delete-quick-reply';
import { handler as listQuickRepliesHandler } from '../../functions/http/list-quick-replies';
import { handler as putQuickReplyHandler } from '../../functions/http/put-quick-reply';
import { prepareQuickReply } from '../../shared/quick-replies/prepare-quick-reply';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { keys } from '../../shared/store/keys';
import { claimNextVariant, maxRepliesPerLibrary } from '../../shared/store/quick-replies';
import { chooseVariant } from '../../shared/quick-replies/choose-variant';
import type { DevUser } from '../../infra/local/token-issuer';
import { httpEvent, lambdaContext } from '../support/events';
import { itemsOfPartition } from '../support/table';
import { seedQuickReply } from './quick-replies-fixtures';
import { createShop } from './routing-fixtures';

const tenantId = 'tenant-quick-replies';
const otherTenantId = 'tenant-quick-replies-other';
const agentA: DevUser = { userId: 'qr-agent-a', tenantId, role: 'agent', shopIds: ['shop-a'] };
const agentB: DevUser = { userId: 'qr-agent-b', tenantId, role: 'agent', shopIds: ['shop-a'] };
const supervisorA: DevUser = { userId: 'qr-sup-a', tenantId, role: 'supervisor', shopIds: ['shop-a'] };
const adminT: DevUser = { userId: 'qr-admin', tenantId, role: 'admin', shopIds: ['shop-a', 'shop-b'] };
/** Same user and shop ids as tenant one's staff: only the tenant tells them apart. */
const otherAdmin: DevUser = { userId: 'qr-admin', tenantId: otherTenantId, role: 'admin', shopIds: ['shop-a', 'shop-b'] };
const buyer: DevUser = { userId: 'qr-buyer', tenantId, role: 'buyer', shopIds: [] };

type Response = { statusCode: number; body: string };
const greeting = { title: '问候', variants: ['{buyerName}您好，欢迎光临{shopName}', '亲，在的哦', '您好呀 {^_^}'], tags: ['售前'] };

describe('quick replies over HTTP (DynamoDB Local)', () => {
  // Shop libraries exist only for shops the tenant has; the other tenant has none of these.
  beforeAll(async () => {
    for (const shopId of ['shop-a', 'shop-b', 'shop-unlisted']) await createShop(tenantId, shopId);
  });

  async function put(user: DevUser, shortcut: string, query: Record<string, string>, body: unknown): Promise<Response> {
    const path = `/v1/quick-replies/${encodeURIComponent(shortcut)}`;
    return (await putQuickReplyHandler(
      httpEvent({ method: 'PUT', path, identity: user, body, query, pathParameters: { shortcut: encodeURIComponent(shortcut) } }),
      lambdaContext,
    )) as Response;
  }
  async function list(user: DevUser, query: Record<string, string>): Promise<Response> {
    return (await listQuickRepliesHandler(httpEvent({ method: 'GET', path: '/v1/quick-replies', identity: user, query }), lambdaContext)) as Response;
  }
  async function remove(user: DevUser, shortcut: string, query: Record<string, string>): Promise<Response> {
    const path = `/v1/quick-replies/${encodeURIComponent(shortcut)}`;
    return (await deleteQuickReplyHandler(
      httpEvent({ method: 'DELETE', path, identity: user, query, pathParameters: { shortcut: encodeURIComponent(shortcut) } }),
      lambdaContext,
    )) as Response;
  }
  const shortcutsOf = async (user: DevUser, query: Record<string, string>) =>
    (JSON.parse((await list(user, query)).body) as { items: { shortcut: string }[] }).items.map((item) => item.shortcut);
  /** Everything stored under a library partition, head included: proves "no partial write". */
  async function rawLibrary(tenant: string, scope: Parameters<typeof keys.quickReplyScope>[0]) {
    return itemsOfPartition(keys.quickRepliesOfScope(tenant, keys.quickReplyScope(scope)).pk);
  }

  it('creates, replaces, lists and deletes a reply in the agent\'s own library', async () => {
    const created = await put(agentA, '/hi', { scope: 'agent' }, greeting);
    expect(created.statusCode).toBe(201);
    const reply = JSON.parse(created.body);
    expect(reply).toMatchObject({ shortcut: '/hi', scope: 'agent', variants: greeting.variants, tags: ['售前'], updatedBy: agentA.userId });

    const replaced = await put(agentA, '/hi', { scope: 'agent' }, { title: '问候2', variants: ['hello'], stage: 'pre-sale' });
    expect(replaced.statusCode).toBe(200);
    expect(JSON.parse(replaced.body)).toMatchObject({ title: '问候2', variants: ['hello'], tags: [], stage: 'pre-sale', createdAt: reply.createdAt });

    const listed = JSON.parse((await list(agentA, { scope: 'agent' })).body);
    expect(listed).toEqual({ items: [JSON.parse(replaced.body)] });

    expect((await remove(agentA, '/hi', { scope: 'agent' })).statusCode).toBe(204);
    const again = await remove(agentA, '/hi', { scope: 'agent' });
    expect(again.statusCode).toBe(404);
    expect(JSON.parse(again.body).error.code).toBe('NOT_FOUND');
    expect(await shortcutsOf(agentA, { scope: 'agent' })).toEqual([]);
    const head = (await rawLibrary(tenantId, { kind: 'agent', agentId: agentA.userId })).find((item) => item.sk === 'LIBRARY');
    expect(head?.replyCount).toBe(0);
  });

  it('takes the shortcut URL-encoded or as the gateway decoded it', async () => {
    const decoded = (await putQuickReplyHandler(
      httpEvent({ method: 'PUT', path: '/v1/quick-replies/%2Fbye', identity: agentA, body: greeting, query: { scope: 'agent' }, pathParameters: { shortcut: '/bye' } }),
      lambdaContext,
    )) as Response;
    expect(decoded.statusCode).toBe(201);
    expect((await remove(agentA, '/bye', { scope: 'agent' })).statusCode).toBe(204);
  });

  it('pages a library in shortcut order with an opaque cursor', async () => {
    const shortcuts = ['/p1', '/p2', '/p3', '/p4', '/p5'];
    for (const shortcut of shortcuts) expect((await put(agentB, shortcut, { scope: 'agent' }, greeting)).statusCode).toBe(201);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = JSON.parse((await list(agentB, { scope: 'agent', limit: '2', ...(cursor ? { cursor } : {}) })).body);
      seen.push(...page.items.map((item: { shortcut: string }) => item.shortcut));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(shortcuts);
    expect(pages).toBeLessThanOrEqual(4);

    const forged = await list(agentB, { scope: 'agent', cursor: 'not-a-cursor' });
    expect(forged.statusCode).toBe(400);
    expect(JSON.parse(forged.body).error.details[0].field).toBe('query.cursor');
  });

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const cases: [unknown, string][] = [
      [{ ...greeting, variants: ['a', 'b', '亲 {coupon}'] }, 'body.variants.2'],
      [{ ...greeting, variants: ['a', 'lone \ud800'] }, 'body.variants.1'],
      [{ ...greeting, variants: [] }, 'body.variants'],
      [{ ...greeting, title: '' }, 'body.title'],
      [{ variants: ['a'] }, 'body.title'],
    ];
    for (const [body, field] of cases) {
      const response = await put(agentA, '/bad', { scope: 'agent' }, body);
      expect(response.statusCode, field).toBe(400);
      const { error } = JSON.parse(response.body);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details[0].field).toBe(field);
    }
    const badShortcut = await put(agentA, '/has space', { scope: 'agent' }, greeting);
    expect(JSON.parse(badShortcut.body).error.details[0].field).toBe('path.shortcut');
    const badScope = await put(agentA, '/ok', { scope: 'shop' }, greeting);
    expect(JSON.parse(badScope.body).error.details[0].field).toBe('query.shopId');
    const notJson = (await putQuickReplyHandler(
      httpEvent({ method: 'PUT', path: '/v1/quick-replies/x', identity: agentA, rawBody: '{"title":', query: { scope: 'agent' }, pathParameters: { shortcut: 'x' } }),
      lambdaContext,
    )) as Response;
    expect(notJson.statusCode).toBe(400);
    const stored = (await rawLibrary(tenantId, { kind: 'agent', agentId: agentA.userId })).map((item) => item.sk);
    expect(stored.filter((sk) => ['QR#/bad', 'QR#/ok', 'QR#x'].includes(sk))).toEqual([]);
  });

  it('ignores nobody\'s word but the token: tenantId in the body is refused, and nothing lands in either tenant (row 16)', async () => {
    const response = await put(agentA, '/mass', { scope: 'agent' }, { ...greeting, tenantId: otherTenantId, role: 'admin', createdAt: '2000-01-01T00:00:00Z' });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.details.map((detail: { field: string }) => detail.field)).toEqual(['body.tenantId', 'body.role', 'body.createdAt']);
    const tenantParam = await put(agentA, '/mass', { scope: 'agent', tenantId: otherTenantId }, greeting);
    expect(tenantParam.statusCode).toBe(400);
    expect(await rawLibrary(otherTenantId, { kind: 'agent', agentId: agentA.userId })).toEqual([]);
    expect(await shortcutsOf(agentA, { scope: 'agent' })).not.toContain('/mass');
  });

  it('keeps each agent to their own library: another agent\'s cannot be named, read or written', async () => {
    expect((await put(agentA, '/mine', { scope: 'agent' }, greeting)).statusCode).toBe(201);
    const named = await put(agentB, '/mine', { scope: 'agent', agentId: agentA.userId }, { ...greeting, title: 'hijack' });
    expect(named.statusCode).toBe(400);
    expect(await shortcutsOf(agentB, { scope: 'agent' })).not.toContain('/mine');
    expect((await remove(agentB, '/mine', { scope: 'agent' })).statusCode).toBe(404);
    const stillMine = JSON.parse((await list(agentA, { scope: 'agent' })).body).items.find((item: { shortcut: string }) => item.shortcut === '/mine');
    expect(stillMine).toMatchObject({ title: greeting.title, updatedBy: agentA.userId });
  });

  it('lets agents read but not write their shop library; supervisors and admins write it', async () => {
    expect((await put(supervisorA, '/ship', { scope: 'shop', shopId: 'shop-a' }, greeting)).statusCode).toBe(201);
    expect(await shortcutsOf(agentA, { scope: 'shop', shopId: 'shop-a' })).toEqual(['/ship']);
    const agentWrite = await put(agentA, '/ship', { scope: 'shop', shopId: 'shop-a' }, { ...greeting, title: 'x' });
    expect(agentWrite.statusCode).toBe(403);
    expect((await remove(agentA, '/ship', { scope: 'shop', shopId: 'shop-a' })).statusCode).toBe(403);
    expect((await put(adminT, '/ship2', { scope: 'shop', shopId: 'shop-a' }, greeting)).statusCode).toBe(201);
  });

  it('lets a tenant admin open any shop library of the tenant, even one their token does not list', async () => {
    const adminNoShops: DevUser = { userId: 'qr-admin-2', tenantId, role: 'admin', shopIds: [] };
    expect((await put(adminNoShops, '/any-shop', { scope: 'shop', shopId: 'shop-unlisted' }, greeting)).statusCode).toBe(201);
    expect(await shortcutsOf(adminNoShops, { scope: 'shop', shopId: 'shop-unlisted' })).toContain('/any-shop');
  });

  it('refuses a shop library for a shop the tenant does not have with 404, writing nothing', async () => {
    const response = await put(adminT, '/ghost', { scope: 'shop', shopId: 'shop-never-created' }, greeting);
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).error.code).toBe('NOT_FOUND');
    expect(await rawLibrary(tenantId, { kind: 'shop', shopId: 'shop-never-created' })).toEqual([]);
    // Another tenant's shop of the same id is not this tenant's shop.
    expect((await put(otherAdmin, '/ghost', { scope: 'shop', shopId: 'shop-a' }, greeting)).statusCode).toBe(404);
    expect(await rawLibrary(otherTenantId, { kind: 'shop', shopId: 'shop-a' })).toEqual([]);
  });

  it('lets admins alone write the tenant library, and all staff read it', async () => {
    expect((await put(supervisorA, '/t', { scope: 'tenant' }, greeting)).statusCode).toBe(403);
    expect((await put(agentA, '/t', { scope: 'tenant' }, greeting)).statusCode).toBe(403);
    expect((await put(adminT, '/t', { scope: 'tenant' }, greeting)).statusCode).toBe(201);
    for (const user of [agentA, supervisorA, adminT]) expect(await shortcutsOf(user, { scope: 'tenant' })).toContain('/t');
  });

  it('gives another shop the same 404 as a missing reply, and changes nothing (row 15)', async () => {
    expect((await put(adminT, '/b-only', { scope: 'shop', shopId: 'shop-b' }, greeting)).statusCode).toBe(201);
    const missing = JSON.parse((await remove(supervisorA, '/never-existed', { scope: 'shop', shopId: 'shop-a' })).body);
    const expected = { error: { code: missing.error.code, message: missing.error.message } };
    for (const response of [
      await list(agentA, { scope: 'shop', shopId: 'shop-b' }),
      await list(agentA, { scope: 'shop', shopId: 'no-such-shop' }),
      await put(supervisorA, '/b-only', { scope: 'shop', shopId: 'shop-b' }, { ...greeting, title: 'overwritten' }),
      await remove(supervisorA, '/b-only', { scope: 'shop', shopId: 'shop-b' }),
      await remove(supervisorA, '/b-only', { scope: 'shop', shopId: 'no-such-shop' }),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body)).toMatchObject(expected);
    }
    expect(JSON.parse((await list(adminT, { scope: 'shop', shopId: 'shop-b' })).body).items).toMatchObject([{ shortcut: '/b-only', title: greeting.title }]);
  });

  it('keeps tenants apart even when user and shop ids collide (row 14)', async () => {
    expect((await put(adminT, '/secret', { scope: 'shop', shopId: 'shop-a' }, greeting)).statusCode).toBe(201);
    expect((await put(adminT, '/secret', { scope: 'tenant' }, greeting)).statusCode).toBe(201);
    expect((await put(adminT, '/secret', { scope: 'agent' }, greeting)).statusCode).toBe(201);
    const queries: Record<string, string>[] = [{ scope: 'shop', shopId: 'shop-a' }, { scope: 'tenant' }, { scope: 'agent' }];
    for (const query of queries) {
      expect(await shortcutsOf(otherAdmin, query)).toEqual([]);
      const response = await remove(otherAdmin, '/secret', query);
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body).error).toMatchObject({ code: 'NOT_FOUND', message: 'quick reply not found' });
    }
    expect(await shortcutsOf(adminT, { scope: 'tenant' })).toContain('/secret');
  });

  it('refuses buyers and missing tokens', async () => {
    expect((await list(buyer, { scope: 'tenant' })).statusCode).toBe(403);
    expect((await put(buyer, '/x', { scope: 'agent' }, greeting)).statusCode).toBe(403);
    const anonymous = (await listQuickRepliesHandler(httpEvent({ method: 'GET', path: '/v1/quick-replies', query: { scope: 'tenant' } }), lambdaContext)) as Response;
    expect(anonymous.statusCode).toBe(401);
  });

  it('caps a library, still allowing replacements and freeing a slot on delete', async () => {
    const scope = { kind: 'shop' as const, shopId: 'shop-b' };
    const segment = keys.quickReplyScope(scope);
    await dynamo().send(
      new PutCommand({ TableName: env().TABLE_NAME, Item: { ...keys.quickReplyLibrary(tenantId, segment), entity: 'QuickReplyLibrary', replyCount: maxRepliesPerLibrary - 1 } }),
    );
    expect((await put(adminT, '/last', { scope: 'shop', shopId: 'shop-b' }, greeting)).statusCode).toBe(201);
    const full = await put(adminT, '/one-too-many', { scope: 'shop', shopId: 'shop-b' }, greeting);
    expect(full.statusCode).toBe(409);
    expect(JSON.parse(full.body).error.code).toBe('QUICK_REPLY_LIMIT');
    expect((await put(adminT, '/last', { scope: 'shop', shopId: 'shop-b' }, { ...greeting, title: 'edited' })).statusCode).toBe(200);
    expect((await remove(adminT, '/last', { scope: 'shop', shopId: 'shop-b' })).statusCode).toBe(204);
    expect((await put(adminT, '/one-too-many', { scope: 'shop', shopId: 'shop-b' }, greeting)).statusCode).toBe(201);
    expect(await shortcutsOf(adminT, { scope: 'shop', shopId: 'shop-b' })).not.toContain('/last');
  });

  it('answers any text or shortcut with a stored reply or a 400, never a 500, and stores text exactly (row 20)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom('\u200b', '\u202e', '😀'.repeat(600))),
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9/_-]{1,32}$/), fc.string({ maxLength: 40 })),
        async (variant, shortcut) => {
          const response = await put(agentB, shortcut, { scope: 'agent' }, { title: 'fuzz', variants: [variant] });
          expect([200, 201, 400], response.body).toContain(response.statusCode);
          if (response.statusCode === 400) expect(JSON.parse(response.body).error.details[0].field).toMatch(/^(body|path)\./);
          else expect(JSON.parse(response.body).variants).toEqual([variant]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('counts concurrent creates of one shortcut once', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => put(supervisorA, '/race', { scope: 'shop', shopId: 'shop-a' }, { ...greeting, title: `t${n}` })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 201]);
    const before = (await rawLibrary(tenantId, { kind: 'shop', shopId: 'shop-a' })).find((item) => item.sk === 'LIBRARY')?.replyCount as number;
    expect((await remove(supervisorA, '/race', { scope: 'shop', shopId: 'shop-a' })).statusCode).toBe(204);
    const after = (await rawLibrary(tenantId, { kind: 'shop', shopId: 'shop-a' })).find((item) => item.sk === 'LIBRARY')?.replyCount;
    expect(after).toBe(before - 1);
    expect(before).toBe((await rawLibrary(tenantId, { kind: 'shop', shopId: 'shop-a' })).filter((item) => item.sk !== 'LIBRARY').length + 1);
  });
});

describe('prepareQuickReply (DynamoDB Local)', () => {
  const tenant = 'tenant-quick-replies-send';
  const now = new Date('2026-11-11T00:00:00Z');
  const save = (scope: Parameters<typeof keys.quickReplyScope>[0], shortcut: string, variants: string[]) =>
    seedQuickReply(tenant, scope, shortcut, variants, now);
  let messageNumber = 0;
  const input = (shortcut: string, conversationId = 'conv-1', clientMessageId = `m-${++messageNumber}`) => ({
    tenantId: tenant,
    agentId: 'agent-1',
    shopId: 'shop-1',
    conversationId,
    clientMessageId,
    shortcut,
    values: { buyerName: '小王', shopName: '韩都衣舍' },
  });

  beforeAll(async () => {
    await save({ kind: 'tenant' }, '/hi', ['tenant hello']);
    await save({ kind: 'shop', shopId: 'shop-1' }, '/hi', ['shop hello']);
    await save({ kind: 'shop', shopId: 'shop-1' }, '/ship', ['{buyerName}，{shopName}今天发货']);
    await save({ kind: 'agent', agentId: 'agent-1' }, '/hi', ['A {buyerName}', 'B {buyerName}']);
    await save({ kind: 'tenant' }, '/bye', ['再见']);
    await save({ kind: 'shop', shopId: 'shop-2' }, '/other-shop', ['not yours']);
  });

  it('resolves agent, then shop, then tenant', async () => {
    expect((await prepareQuickReply(input('/hi'))).scope).toBe('agent');
    expect(await prepareQuickReply(input('/ship'))).toMatchObject({ scope: 'shop', text: '小王，韩都衣舍今天发货' });
    expect(await prepareQuickReply(input('/bye'))).toMatchObject({ scope: 'tenant', text: '再见' });
    await expect(prepareQuickReply(input('/other-shop'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(prepareQuickReply({ ...input('/hi'), tenantId: 'tenant-quick-replies-none' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('alternates variants in a conversation, two sends at once included', async () => {
    const sequential = [];
    for (let i = 0; i < 6; i++) sequential.push((await prepareQuickReply(input('/hi', 'conv-seq'))).variantIndex);
    for (let i = 1; i < sequential.length; i++) expect(sequential[i]).not.toBe(sequential[i - 1]);

    const texts = await Promise.all([1, 2].map(() => prepareQuickReply(input('/hi', 'conv-pair'))));
    expect(texts.map((prepared) => prepared.text).sort()).toEqual(['A 小王', 'B 小王']);
  });

  it('gives a resent client message the variant it got first, without moving the rotation', async () => {
    const first = await prepareQuickReply(input('/hi', 'conv-resend', 'same-id'));
    const resent = await prepareQuickReply(input('/hi', 'conv-resend', 'same-id'));
    expect(resent.variantIndex).toBe(first.variantIndex);
    const next = await prepareQuickReply(input('/hi', 'conv-resend', 'next-id'));
    expect(next.variantIndex).not.toBe(first.variantIndex);
  });

  it('makes concurrent sends that read the same last variant pick again instead of repeating it', async () => {
    // Every sender reads the rotation item before any of them writes (a barrier on the first reads), so
    // only the conditional write keeps them apart. With two variants the serialized picks must alternate.
    const senders = 4;
    let waiting: (() => void)[] = [];
    let barrierOpen = false;
    const real = dynamo();
    const racingClient = {
      async send(command: unknown) {
        const result = await real.send(command as never);
        if (!barrierOpen && command instanceof GetCommand) {
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            if (waiting.length === senders) {
              barrierOpen = true;
              for (const release of waiting) release();
              waiting = [];
            }
          });
        }
        return result;
      },
    } as unknown as DynamoDBDocumentClient;
    const picks = await Promise.all(
      Array.from({ length: senders }, () =>
        claimNextVariant(tenant, 'conv-race', '/hi', `race-${Math.random()}`, (last) => chooseVariant(['A', 'B'], last), now, racingClient),
      ),
    );
    expect(picks.sort()).toEqual([0, 0, 1, 1]);
    const item = await real.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.quickReplyRotation(tenant, 'conv-race', '/hi'), ConsistentRead: true }));
    expect(item.Item).toMatchObject({ uses: senders });
  });
});
