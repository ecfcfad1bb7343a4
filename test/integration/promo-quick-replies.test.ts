import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as importQuickRepliesHandler } from '../../functions/http/import-quick-replies';
import { handler as listQuickRepliesHandler } from '../../functions/http/list-quick-replies';
import { handler as putPromoHandler } from '../../functions/http/put-promo';
import { handler as putQuickReplyHandler } from '../../functions/http/put-quick-reply';
import { handler as triggerHandler } from '../../functions/http/trigger-promo-phase';
import { handler as sendQuickReplyHandler } from '../../functions/ws/send-quick-reply';
import type { Identity } from '../../shared/auth/identity';
import { sendQuickReply } from '../../shared/quick-replies/send-quick-reply';
import { openConversation } from '../../shared/store/conversations';
import { keys } from '../../shared/store/keys';
import { callWs, httpEvent, lambdaContext } from '../support/events';
import { ownQueues, receiveAll } from '../support/queues';
import { itemsOfPartition } from '../support/table';
import { assign, seedShop, uniqueTenant } from './messaging-fixtures';

/**
 * Promo quick-reply sets (issue 10 §2) on the real engines: a phase naming a content set switches what a
 * shortcut sends for the phase's shops, its end switches it back, and a set belongs to one tenant.
 */
type Response = { statusCode: number; body: string };
const json = (response: Response) => JSON.parse(response.body) as Record<string, any>;
const year = new Date().getUTCFullYear() + 1;
/** Peak 00:00–02:00 Asia/Shanghai on 11-11 next year = 11-10 16:00–18:00 UTC. */
const peakStart = new Date(`${year}-11-10T16:00:00Z`);
const peakEnd = new Date(`${year}-11-10T18:00:00Z`);

const staff = (tenantId: string, role: Identity['role'], userId: string, shopIds: string[] = ['shop-1']): Identity => ({ tenantId, userId, role, shopIds });

async function putReply(user: Identity, shortcut: string, query: Record<string, string>, body: unknown): Promise<Response> {
  return (await putQuickReplyHandler(
    httpEvent({ method: 'PUT', path: `/v1/quick-replies/${encodeURIComponent(shortcut)}`, identity: user, body, query, pathParameters: { shortcut: encodeURIComponent(shortcut) } }),
    lambdaContext,
  )) as Response;
}

async function putDouble11(ops: Identity, promoId = 'double11', contentSet = 'double11'): Promise<void> {
  const response = (await putPromoHandler(
    httpEvent({
      method: 'PUT',
      path: `/v1/promos/${promoId}`,
      identity: ops,
      pathParameters: { promoId },
      body: {
        name: '双11',
        zone: 'Asia/Shanghai',
        shopIds: ['shop-1'],
        phases: [{ phaseId: 'peak', kind: 'peak', startsAt: `${year}-11-11T00:00`, endsAt: `${year}-11-11T02:00`, routing: { contentSet } }],
      },
    }),
    lambdaContext,
  )) as Response;
  expect(response.statusCode).toBe(200);
}

async function openAssigned(tenantId: string, agentId: string): Promise<string> {
  const { conversation } = await openConversation({ tenantId, shopId: 'shop-1', buyerId: `buyer-${randomUUID().slice(0, 8)}`, stage: 'pre-sale' });
  await assign(tenantId, conversation.conversationId, agentId);
  return conversation.conversationId;
}

const libraryItems = async (tenantId: string, scope: Parameters<typeof keys.quickReplyScope>[0]) =>
  (await itemsOfPartition(keys.quickRepliesOfScope(tenantId, keys.quickReplyScope(scope)).pk)).filter((item) => item.sk !== 'LIBRARY');

describe('promo quick-reply sets (DynamoDB Local + SQS)', () => {
  const tenantId = uniqueTenant('promo-qr');
  const ops = staff(tenantId, 'ops', 'pqr-ops', []);
  const admin = staff(tenantId, 'admin', 'pqr-admin');
  const agent = staff(tenantId, 'agent', 'pqr-agent');
  let deliveryQueue: string;

  beforeAll(async () => {
    deliveryQueue = (await ownQueues('pqr')).delivery;
    await seedShop(tenantId, 'shop-1', '桃气美妆');
    await putDouble11(ops);
    expect((await putReply(admin, '/hi', { scope: 'tenant' }, { title: '问候', variants: ['您好，欢迎光临{shopName}'] })).statusCode).toBe(201);
    expect((await putReply(admin, '/hi', { scope: 'shop', shopId: 'shop-1', contentSet: 'double11' }, { title: '双11问候', variants: ['双11快乐！{shopName}满300减50'] })).statusCode).toBe(201);
    expect((await putReply(admin, '/bye', { scope: 'tenant', contentSet: 'double11' }, { title: '双11再见', variants: ['双11再见'] })).statusCode).toBe(201);
  });

  it('sends the set\'s version while the phase is in force and the everyday reply before and after it', async () => {
    const conversationId = await openAssigned(tenantId, agent.userId);
    const frame = (n: number) => ({ action: 'sendQuickReply' as const, conversationId, clientMessageId: `m-${n}`, shortcut: '/hi' });
    const before = await sendQuickReply(agent, frame(1), new Date(peakStart.getTime() - 60_000));
    const during = await sendQuickReply(agent, frame(2), new Date(peakStart.getTime() + 60_000));
    const after = await sendQuickReply(agent, frame(3), peakEnd);
    expect([before.text, during.text, after.text]).toEqual(['您好，欢迎光临桃气美妆', '双11快乐！桃气美妆满300减50', '您好，欢迎光临桃气美妆']);
    expect(before.contentSet).toBeUndefined();
    expect(during.contentSet).toBe('double11');
    expect(after.contentSet).toBeUndefined();
    // What the buyer got is what was stored and delivered.
    const stored = (await itemsOfPartition(keys.conversation(tenantId, conversationId).pk)).filter((item) => String(item.sk).startsWith('MSG#'));
    expect(stored.map((item) => item.text)).toEqual([before.text, during.text, after.text]);
    expect((await receiveAll(deliveryQueue)).map((job) => (job.message as { text: string }).text)).toEqual([before.text, during.text, after.text]);
  });

  it('never sends a tagged version outside its phase: a shortcut that only has one is NOT_FOUND then', async () => {
    const conversationId = await openAssigned(tenantId, agent.userId);
    const frame = { action: 'sendQuickReply' as const, conversationId, clientMessageId: 'bye-1', shortcut: '/bye' };
    await expect(sendQuickReply(agent, frame, new Date(peakStart.getTime() - 60_000))).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect((await sendQuickReply(agent, { ...frame, clientMessageId: 'bye-2' }, peakStart)).text).toBe('双11再见');
    await receiveAll(deliveryQueue);
  });

  it('lists the promo versions marked with their set, right after the everyday reply', async () => {
    const response = (await listQuickRepliesHandler(httpEvent({ method: 'GET', path: '/v1/quick-replies', identity: agent, query: { scope: 'tenant' } }), lambdaContext)) as Response;
    expect(json(response).items.map((item: { shortcut: string; contentSet?: string }) => [item.shortcut, item.contentSet ?? null])).toEqual([
      ['/bye', 'double11'],
      ['/hi', null],
    ]);
    const shop = json((await listQuickRepliesHandler(httpEvent({ method: 'GET', path: '/v1/quick-replies', identity: agent, query: { scope: 'shop', shopId: 'shop-1' } }), lambdaContext)) as Response);
    expect(shop.items).toMatchObject([{ shortcut: '/hi', contentSet: 'double11', scope: 'shop', shopId: 'shop-1' }]);
    // Next year's phase is not in force today.
    expect(shop.contentSetInForce).toBeUndefined();
  });

  it('pages through a library across a shortcut and its set versions without losing or repeating one', async () => {
    await putReply(admin, '/hi', { scope: 'tenant', contentSet: 'double11' }, { title: 't', variants: ['tenant 双11'] });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = json((await listQuickRepliesHandler(httpEvent({ method: 'GET', path: '/v1/quick-replies', identity: agent, query: { scope: 'tenant', limit: '1', ...(cursor ? { cursor } : {}) } }), lambdaContext)) as Response);
      seen.push(...page.items.map((item: { shortcut: string; contentSet?: string }) => `${item.shortcut}@${item.contentSet ?? ''}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['/bye@double11', '/hi@', '/hi@double11']);
  });

  it('refuses an unknown or malformed set name with a 400 naming query.contentSet, and writes nothing', async () => {
    const before = await libraryItems(tenantId, { kind: 'tenant' });
    for (const contentSet of ['double12', 'double 11']) {
      const response = await putReply(admin, '/hi', { scope: 'tenant', contentSet }, { title: 't', variants: ['v'] });
      expect(response.statusCode).toBe(400);
      expect(json(response).error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'query.contentSet' })]));
    }
    expect(await libraryItems(tenantId, { kind: 'tenant' })).toEqual(before);
  });

  it('imports set versions from CSV (content_set column or ?contentSet=), refusing the whole file for a row with an unknown set', async () => {
    const importCsv = async (csv: string, query: Record<string, string> = {}) =>
      (await importQuickRepliesHandler(httpEvent({ method: 'POST', path: '/v1/quick-reply-imports', identity: admin, query: { scope: 'shop', shopId: 'shop-1', ...query }, body: { format: 'csv', csv } }), lambdaContext)) as Response;
    const before = await libraryItems(tenantId, { kind: 'shop', shopId: 'shop-1' });
    const refused = await importCsv('shortcut,title,variant_1,content_set\n/ship,发货,今天发货,\n/ship,发货,双11发货,nope\n');
    expect(refused.statusCode).toBe(400);
    expect(json(refused).error.details).toEqual([expect.objectContaining({ field: 'rows.2.contentSet' })]);
    expect(await libraryItems(tenantId, { kind: 'shop', shopId: 'shop-1' })).toEqual(before);

    const imported = await importCsv('shortcut,title,variant_1,content_set\n/ship,发货,今天发货,\n/ship,发货,双11发货,double11\n');
    expect(json(imported)).toMatchObject({ created: 2, replaced: 0, errors: [] });
    const viaQuery = await importCsv('shortcut,title,variant_1\n/size,尺码,双11尺码表\n', { contentSet: 'double11' });
    expect(json(viaQuery)).toMatchObject({ created: 1 });
    const items = await libraryItems(tenantId, { kind: 'shop', shopId: 'shop-1' });
    expect(items.map((item) => [item.sk, item.contentSet ?? null])).toEqual([
      ['QR#/hi#SET#double11', 'double11'],
      ['QR#/ship', null],
      ['QR#/ship#SET#double11', 'double11'],
      ['QR#/size#SET#double11', 'double11'],
    ]);
  });
});

describe('promo quick-reply sets across tenants (DynamoDB Local + SQS)', () => {
  const tenantA = uniqueTenant('promo-qr-a');
  const tenantB = uniqueTenant('promo-qr-b');
  const adminA = staff(tenantA, 'admin', 'pqr-admin');
  const adminB = staff(tenantB, 'admin', 'pqr-admin');
  const agentB = staff(tenantB, 'agent', 'pqr-agent');

  beforeAll(async () => {
    await ownQueues('pqr-x');
    for (const tenantId of [tenantA, tenantB]) await seedShop(tenantId, 'shop-1', `shop of ${tenantId}`);
    await putDouble11(staff(tenantA, 'ops', 'ops-a', []));
    expect((await putReply(adminA, '/hi', { scope: 'tenant', contentSet: 'double11' }, { title: 'A', variants: ['A 的双11问候'] })).statusCode).toBe(201);
    expect((await putReply(adminB, '/hi', { scope: 'tenant' }, { title: 'B', variants: ['B 的日常问候'] })).statusCode).toBe(201);
  });

  it('refuses a set only another tenant\'s calendar names', async () => {
    const response = await putReply(adminB, '/hi', { scope: 'tenant', contentSet: 'double11' }, { title: 'B', variants: ['B 双11'] });
    expect(response.statusCode).toBe(400);
    expect(json(response).error.details).toEqual([expect.objectContaining({ field: 'query.contentSet' })]);
  });

  it('never resolves one tenant\'s set version for another, even with a phase of the same set triggered there', async () => {
    // Tenant B's own Double 11 phase, started now by an ops trigger (the handler reads the real clock).
    const opsB = staff(tenantB, 'ops', 'ops-b', []);
    await putDouble11(opsB);
    const trigger = (await triggerHandler(httpEvent({ method: 'POST', path: '/v1/promos/double11/phases/peak/trigger', identity: opsB, pathParameters: { promoId: 'double11', phaseId: 'peak' } }), lambdaContext)) as Response;
    expect(json(trigger)).toMatchObject({ result: 'triggered' });
    const conversationId = await openAssigned(tenantB, agentB.userId);
    const ack = await callWs(sendQuickReplyHandler, agentB, { action: 'sendQuickReply', conversationId, clientMessageId: 'x-1', shortcut: '/hi' }, `conn-${randomUUID()}`);
    expect(ack).toMatchObject({ type: 'ack', text: 'B 的日常问候' });
    expect(ack.contentSet).toBeUndefined();

    // Once B has its own version, the triggered phase sends it (through the handler, on the real clock).
    expect((await putReply(adminB, '/hi', { scope: 'tenant', contentSet: 'double11' }, { title: 'B', variants: ['B 的双11问候'] })).statusCode).toBe(201);
    const promo = await callWs(sendQuickReplyHandler, agentB, { action: 'sendQuickReply', conversationId, clientMessageId: 'x-2', shortcut: '/hi' }, `conn-${randomUUID()}`);
    expect(promo).toMatchObject({ type: 'ack', text: 'B 的双11问候', contentSet: 'double11' });
  });
});
