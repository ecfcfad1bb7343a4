import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as startImport } from '../../functions/http/start-catalogue-import';
import { handler as getImport } from '../../functions/http/get-catalogue-import';
import { handler as searchProducts } from '../../functions/http/search-products';
import { handler as getChecklist } from '../../functions/http/get-shop-checklist';
import { handler as importQuickReplies } from '../../functions/http/import-quick-replies';
import { handler as putShop } from '../../functions/http/put-shop';
import { handler as getShop } from '../../functions/http/get-shop';
import { handler as putAgent } from '../../functions/http/put-agent';
import { handler as listAudit } from '../../functions/http/list-audit-entries';
import { handler as importBatches } from '../../functions/queue/import-catalogue-batches';
import type { Identity } from '../../shared/auth/identity';
import { sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';
import { keys } from '../../shared/store/keys';
import { callHttp } from '../support/call-http';
import { lambdaContext } from '../support/events';
import { itemsOfPartition, storedItem } from '../support/table';

const run = Date.now().toString(36);
const tenant = `shops-a-${run}`;
const otherTenant = `shops-b-${run}`;
const admin: Identity = { tenantId: tenant, userId: 'boss', role: 'admin', shopIds: [] };
const foreignAdmin: Identity = { tenantId: otherTenant, userId: 'boss', role: 'admin', shopIds: [] };
const supervisor: Identity = { tenantId: tenant, userId: 'sup', role: 'supervisor', shopIds: ['glow'] };
const otherSupervisor: Identity = { tenantId: tenant, userId: 'sup-2', role: 'supervisor', shopIds: ['tea'] };
const agent: Identity = { tenantId: tenant, userId: 'mei', role: 'agent', shopIds: ['glow'] };
const otherAgent: Identity = { tenantId: tenant, userId: 'lan', role: 'agent', shopIds: ['tea'] };
const buyer: Identity = { tenantId: tenant, userId: 'buyer', role: 'buyer', shopIds: [] };

const shopBody = {
  name: 'Peach Glow',
  category: 'cosmetics',
  persona: { tone: 'sweet' },
  routing: { mode: 'by-stage', groups: { 'pre-sale': 'glow-pre', 'in-sale': 'glow-pre', 'after-sale': 'glow-after' } },
};
const profile = { platform: 'taobao', platformShopId: '57301234', timeZone: 'Asia/Shanghai', serviceHours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], open: '09:00', close: '23:00' }] };

let queueUrl: string;
/** The consumer's manifest timeout (120 s), not the 30 s of the default test context. */
const consumerContext = { ...lambdaContext, getRemainingTimeInMillis: () => 120_000 };
const shopPath = (shopId: string, suffix = '') => ({ path: `/v1/shops/${shopId}${suffix}`, pathParameters: { shopId } });
const post = (identity: Identity, shopId: string, body: unknown) => callHttp(startImport, identity, { method: 'POST', ...shopPath(shopId, '/catalogue-imports'), body });
const search = (identity: Identity, shopId: string, query: Record<string, string>) => callHttp(searchProducts, identity, { method: 'GET', ...shopPath(shopId, '/products'), query });

function catalogueCsv(rows: number, prefix = 'PG', bom = false): string {
  const lines = ['sku,title,price_minor,currency,attr.sizes,attr.warranty'];
  for (let i = 0; i < rows; i++) {
    const n = String(i).padStart(5, '0');
    lines.push(`${prefix}-${n},"${i % 2 === 0 ? '雪润保湿面霜' : 'Velvet matte lipstick'} ${n}",${1000 + i},CNY,${i % 2 === 0 ? '50ml|100ml' : ''},"1 year, limited"`);
  }
  return `${bom ? '\ufeff' : ''}${lines.join('\r\n')}\r\n`;
}

/** Runs the imports consumer over everything on this file's queue until it is empty; returns how many batches ran. */
async function drainImports(): Promise<number> {
  let handled = 0;
  for (;;) {
    const { Messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return handled;
    const event = {
      Records: Messages.map((m) => ({ messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body ?? '', attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:imports', awsRegion: 'us-east-1' })),
    } as unknown as SQSEvent;
    const response = (await importBatches(event, consumerContext)) as { batchItemFailures: unknown[] };
    expect(response.batchItemFailures).toEqual([]);
    for (const m of Messages) await sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    handled += Messages.length;
  }
}

beforeAll(async () => {
  queueUrl = (await sqs().send(new CreateQueueCommand({ QueueName: `onboarding-imports-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
  process.env.IMPORTS_QUEUE_URL = queueUrl;
  resetEnvForTests();
  for (const [who, shopId] of [[admin, 'glow'], [admin, 'tea'], [foreignAdmin, 'glow']] as const) {
    expect((await callHttp(putShop, who, { method: 'PUT', ...shopPath(shopId), body: shopBody })).status).toBe(200);
  }
});

describe('shop onboarding profile', () => {
  it('stores the profile, keeps it when a client that does not know it PUTs the shop, and refuses a bad time zone naming the field', async () => {
    expect(await callHttp(putShop, admin, { method: 'PUT', ...shopPath('glow'), body: { ...shopBody, profile } })).toMatchObject({ status: 200, body: { profile } });
    expect(await callHttp(putShop, supervisor, { method: 'PUT', ...shopPath('glow'), body: { ...shopBody, name: 'Peach Glow 蜜桃' } })).toMatchObject({
      status: 200,
      body: { name: 'Peach Glow 蜜桃', profile },
    });
    const bad = await callHttp(putShop, admin, { method: 'PUT', ...shopPath('glow'), body: { ...shopBody, profile: { ...profile, timeZone: 'China/Beijing' } } });
    expect(bad).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.profile.timeZone' }] } } });
    expect((await callHttp(getShop, admin, { method: 'GET', ...shopPath('glow') })).body.profile).toEqual(profile);
    const audit = (await callHttp(listAudit, admin, { method: 'GET', path: '/v1/audit-entries', query: { limit: '1' } })).body.items[0];
    expect(audit).toMatchObject({ action: 'shop.put', actorId: 'sup', before: { name: 'Peach Glow' }, after: { name: 'Peach Glow 蜜桃' } });
  });
});

describe('catalogue import (DynamoDB Local + SQS)', () => {
  it('refuses a file with a wrong header, over the row limit, or a row without SKU, naming header, body.csv or the row; nothing is imported', async () => {
    const wrongHeader = await post(admin, 'glow', { importId: 'bad-1', format: 'csv', csv: 'code,title,price_minor\nA,B,1\n' });
    expect(wrongHeader).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(wrongHeader.body.error.details.map((d: { field: string }) => d.field)).toEqual(['header', 'header.code']);

    const tooMany = await post(admin, 'glow', { importId: 'bad-2', format: 'csv', csv: `sku,title,price_minor\n${'A-1,t,1\n'.repeat(50_001)}` });
    expect(tooMany).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.csv', message: expect.stringContaining('50000') }] } } });

    const noSku = await post(admin, 'glow', { importId: 'bad-3', format: 'csv', csv: 'sku,title,price_minor\nA-1,面霜,100\n,口红,200\nA-3,眼霜,abc\n' });
    expect(noSku.status).toBe(400);
    expect(noSku.body.error.details.map((d: { field: string }) => d.field)).toEqual(['rows.2.sku', 'rows.3.priceMinor']);

    const jsonNoSku = await post(admin, 'glow', { importId: 'bad-4', format: 'json', products: [{ title: '面霜', priceMinor: 1 }] });
    expect(jsonNoSku).toMatchObject({ status: 400, body: { error: { details: [{ field: 'rows.1.sku' }] } } });

    for (const importId of ['bad-1', 'bad-2', 'bad-3', 'bad-4']) expect(await storedItem(keys.catalogueImport(tenant, 'glow', importId))).toBeUndefined();
    expect(await storedItem(keys.catalogue(tenant, 'glow'))).toBeUndefined();
    expect(await drainImports()).toBe(0);
  });

  it('lists every bad row in a dry run and writes nothing', async () => {
    const dry = await post(admin, 'glow', { importId: 'dry-1', format: 'csv', csv: 'sku,title,price_minor\nA-1,面霜,100\nA-1,面霜,100\nB#2,x,1\n', dryRun: true });
    expect(dry).toMatchObject({ status: 200, body: { dryRun: true, rows: 3 } });
    expect(dry.body.errors.map((e: { field: string }) => e.field)).toEqual(['rows.2.sku', 'rows.3.sku']);
    expect(await storedItem(keys.catalogueImport(tenant, 'glow', 'dry-1'))).toBeUndefined();
  });

  it('imports 3,000 rows asynchronously (UTF-8 with BOM): progress pollable, then searchable by SKU prefix and title words', async () => {
    const accepted = await post(supervisor, 'glow', { importId: 'cat-1', format: 'csv', csv: catalogueCsv(3000, 'PG', true) });
    expect(accepted).toMatchObject({ status: 202, body: { importId: 'cat-1', status: 'importing', rows: 3000, version: 1 } });
    expect(accepted.body.batches).toBeGreaterThan(1);
    expect(await search(agent, 'glow', { sku: 'PG-' })).toMatchObject({ status: 200, body: { items: [] } });

    expect(await drainImports()).toBe(accepted.body.batches);
    const done = await callHttp(getImport, admin, { method: 'GET', path: '/v1/shops/glow/catalogue-imports/cat-1', pathParameters: { shopId: 'glow', importId: 'cat-1' } });
    expect(done).toMatchObject({ status: 200, body: { status: 'done', rowsWritten: 3000, batchesDone: accepted.body.batches } });

    const bySku = await search(agent, 'glow', { sku: 'PG-0012', limit: '50' });
    expect(bySku.body.items.map((p: { sku: string }) => p.sku)).toEqual(Array.from({ length: 10 }, (_, i) => `PG-0012${i}`));
    expect(bySku.body.items[0]).toMatchObject({ title: '雪润保湿面霜 00120', priceMinor: 1120, currency: 'CNY', attributes: { sizes: '50ml|100ml', warranty: '1 year, limited' }, version: 1 });
    const byWords = await search(agent, 'glow', { q: '面霜 00120' });
    expect(byWords.body.items.map((p: { sku: string }) => p.sku)).toEqual(['PG-00120']);
    const byLatin = await search(agent, 'glow', { q: 'MATTE lipstick', limit: '5' });
    expect(byLatin.body.items.map((p: { sku: string }) => p.sku)).toEqual(['PG-00001', 'PG-00003', 'PG-00005', 'PG-00007', 'PG-00009']);
    expect(byLatin.body.truncated).toBe(true); // 1,500 products have "matte": more than one search reads
  }, 120_000);

  it('answers a retried import id with the same import, refuses it for another file (409 body.importId), and switches versions only when complete', async () => {
    const again = await post(supervisor, 'glow', { importId: 'cat-1', format: 'csv', csv: catalogueCsv(3000, 'PG', true) });
    expect(again).toMatchObject({ status: 202, body: { importId: 'cat-1', version: 1, status: 'done' } });
    expect(await drainImports()).toBe(0);
    const other = await post(supervisor, 'glow', { importId: 'cat-1', format: 'csv', csv: catalogueCsv(10) });
    expect(other).toMatchObject({ status: 409, body: { error: { code: 'IMPORT_ID_REUSED', details: [{ field: 'body.importId' }] } } });

    const second = await post(admin, 'glow', { importId: 'cat-2', format: 'json', products: [{ sku: 'NEW-1', title: '桃子精华 Peach serum', priceMinor: 25900, attributes: { ingredients: '桃子提取物' } }] });
    expect(second).toMatchObject({ status: 202, body: { version: 2, batches: 1 } });
    expect((await search(agent, 'glow', { sku: 'PG-00001' })).body).toMatchObject({ version: 1 });
    await drainImports();
    expect((await search(agent, 'glow', { sku: 'PG-' })).body).toEqual({ items: [], version: 2, truncated: false });
    expect((await search(agent, 'glow', { q: 'serum' })).body.items).toMatchObject([{ sku: 'NEW-1', attributes: { ingredients: '桃子提取物' } }]);
    const actions = (await callHttp(listAudit, admin, { method: 'GET', path: '/v1/audit-entries', query: { limit: '4' } })).body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['catalogue.activate', 'catalogue.import', 'catalogue.activate', 'catalogue.import']);
  }, 60_000);

  it("keeps catalogues to their tenant and shop: another tenant's admin, a supervisor or agent of another shop get 404, a buyer 403 (rows 14, 15)", async () => {
    const importPath = { method: 'GET', path: '/v1/shops/glow/catalogue-imports/cat-1', pathParameters: { shopId: 'glow', importId: 'cat-1' } };
    expect((await callHttp(getImport, foreignAdmin, importPath)).status).toBe(404);
    expect((await callHttp(getImport, otherSupervisor, importPath)).status).toBe(404);
    expect((await search(foreignAdmin, 'glow', { q: 'serum' })).body).toEqual({ items: [], truncated: false });
    expect((await search(otherAgent, 'glow', { q: 'serum' })).status).toBe(404);
    expect((await search(buyer, 'glow', { q: 'serum' })).status).toBe(403);
    expect((await post(otherSupervisor, 'glow', { importId: 'x-1', format: 'json', products: [{ sku: 'X', title: 'x', priceMinor: 1 }] })).status).toBe(404);
    expect((await post(foreignAdmin, 'glow', { importId: 'cat-1', format: 'json', products: [{ sku: 'X', title: 'x', priceMinor: 1 }] })).status).toBe(202);
    expect((await search(agent, 'glow', { q: 'serum' })).body.items).toHaveLength(1);
    expect((await post(admin, 'no-such-shop', { importId: 'x-2', format: 'json', products: [{ sku: 'X', title: 'x', priceMinor: 1 }] })).status).toBe(404);
    const smuggled = await post(admin, 'glow', { importId: 'x-3', format: 'json', products: [{ sku: 'X', title: 'x', priceMinor: 1 }], tenantId: otherTenant });
    expect(smuggled).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.tenantId' }] } } });
    await drainImports();
  });
});

describe('quick-reply library import', () => {
  it('refuses a file with a bad row, naming it, and writes none of the good rows', async () => {
    const csv = 'shortcut,title,variant_1,variant_2\n/hi,问候,亲，在的哦~,\n/bad,坏,{unknownPlaceholder},\n';
    const refused = await callHttp(importQuickReplies, admin, { method: 'POST', path: '/v1/quick-reply-imports', query: { scope: 'shop', shopId: 'glow' }, body: { format: 'csv', csv } });
    expect(refused).toMatchObject({ status: 400, body: { error: { details: [{ field: 'rows.2.variants.0' }] } } });
    expect(await itemsOfPartition(keys.quickRepliesOfScope(tenant, 'SHOP#glow').pk)).toEqual([]);
    const header = await callHttp(importQuickReplies, admin, { method: 'POST', path: '/v1/quick-reply-imports', query: { scope: 'shop', shopId: 'glow' }, body: { format: 'csv', csv: 'key,text\na,b\n' } });
    expect(header.body.error.details.map((d: { field: string }) => d.field)).toEqual(['header', 'header', 'header', 'header.key', 'header.text']);
  });

  it('imports a CSV (BOM, quoted line breaks, tags) into a shop library for its supervisor; not for another shop (404) or tenant', async () => {
    const csv = '\ufeffshortcut,title,variant_1,variant_2,tags,stage\r\n/hi,问候,"亲，在的哦~\n有什么可以帮您？",{buyerName}您好,售前|问候,pre-sale\r\n/ship,发货,亲，今天发出哦,,,in-sale\r\n';
    const imported = await callHttp(importQuickReplies, supervisor, { method: 'POST', path: '/v1/quick-reply-imports', query: { scope: 'shop', shopId: 'glow' }, body: { format: 'csv', csv } });
    expect(imported).toMatchObject({ status: 200, body: { dryRun: false, rows: 2, created: 2, replaced: 0 } });
    const stored = await storedItem(keys.quickReply(tenant, 'SHOP#glow', '/hi'));
    expect(stored).toMatchObject({ variants: ['亲，在的哦~\n有什么可以帮您？', '{buyerName}您好'], tags: ['售前', '问候'], stage: 'pre-sale' });
    expect((await callHttp(importQuickReplies, otherSupervisor, { method: 'POST', path: '/v1/quick-reply-imports', query: { scope: 'shop', shopId: 'glow' }, body: { format: 'csv', csv } })).status).toBe(404);
    expect((await callHttp(importQuickReplies, foreignAdmin, { method: 'POST', path: '/v1/quick-reply-imports', query: { scope: 'shop', shopId: 'glow' }, body: { format: 'csv', csv } })).status).toBe(200);
    expect(await storedItem(keys.quickReplyLibrary(tenant, 'SHOP#glow'))).toMatchObject({ replyCount: 2 });
  });
});

describe('go-live checklist', () => {
  it('says what is missing, then is ready once the stage groups have agents; isolated like the shop', async () => {
    const before = await callHttp(getChecklist, admin, { method: 'GET', ...shopPath('tea', '/checklist') });
    expect(before).toMatchObject({ status: 200, body: { ready: false } });
    expect(before.body.items.filter((item: { ok: boolean }) => !item.ok).map((item: { id: string }) => item.id)).toEqual([
      'profile', 'service-hours', 'agents-in-groups', 'agents-online', 'quick-replies', 'catalogue',
    ]);
    const glow = await callHttp(getChecklist, supervisor, { method: 'GET', ...shopPath('glow', '/checklist') });
    expect(glow.body.items.filter((item: { ok: boolean }) => !item.ok).map((item: { id: string }) => item.id)).toEqual(['agents-in-groups', 'agents-online']);
    expect(glow.body.items.find((item: { id: string }) => item.id === 'agents-in-groups').detail).toBe('no agents in groups glow-pre, glow-after');

    expect((await callHttp(putAgent, admin, { method: 'PUT', path: '/v1/agents/mei', pathParameters: { agentId: 'mei' }, body: { name: '小美', shopIds: ['glow'], groupIds: ['glow-pre', 'glow-after'] } })).status).toBe(200);
    const ready = await callHttp(getChecklist, supervisor, { method: 'GET', ...shopPath('glow', '/checklist') });
    expect(ready).toMatchObject({ status: 200, body: { ready: true } });
    expect(ready.body.items.filter((item: { ok: boolean }) => !item.ok).map((item: { id: string }) => item.id)).toEqual(['agents-online']);

    expect((await callHttp(getChecklist, otherSupervisor, { method: 'GET', ...shopPath('glow', '/checklist') })).status).toBe(404);
    expect((await callHttp(getChecklist, agent, { method: 'GET', ...shopPath('glow', '/checklist') })).status).toBe(403);
    const foreign = await callHttp(getChecklist, foreignAdmin, { method: 'GET', ...shopPath('glow', '/checklist') });
    expect(foreign.body.items.find((item: { id: string }) => item.id === 'agents-in-groups').ok).toBe(false);
    expect((await callHttp(listAudit, admin, { method: 'GET', path: '/v1/audit-entries', query: { limit: '1' } })).body.items[0]).toMatchObject({ action: 'agent.put', after: { groupIds: ['glow-pre', 'glow-after'] } });
  });
});
