import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { localCredentials, localRegion } from '../../infra/local/engines';
import type { LocalStack } from '../../infra/local/stack';
import { useDemoStack } from '../support/demo-stack';
import { demoTenant } from '../../infra/local/demo-data';
import type { Role } from '../../shared/auth/identity';
import { keys } from '../../shared/store/keys';
import { taskIdFor } from '../../shared/outreach/task';
import { postSmsReceipts } from '../../infra/local/platform-simulator/sms-receipts';
import { asyncApi, contractRecorder, openApi } from '../support/contract-conformance';
import { qcContracts } from '../../shared/contracts/qc-contracts';
import { ChatClient } from '../support/ws-client';

/**
 * The published documents against the running stack. A client written only from docs/openapi.json and
 * docs/asyncapi.yaml must be able to parse every response and frame it can get, so this file drives every
 * HTTP operation and every WebSocket action through the local stack, success and error paths alike
 * (400, 401, 403, 404, 409, 413, the gateway's own answers, error frames, refused handshakes, close
 * codes), and checks everything it saw against the documents (test/support/contract-conformance.ts).
 * The other e2e files check what they see the same way, in their afterAll.
 */
const demo = useDemoStack({}, 180_000);
/** The booted stack, once the demo-stack helper's beforeAll (registered first) has run. */
let stack: LocalStack;
beforeAll(() => {
  stack = demo.stack;
});

const tenantId = demoTenant.tenantId;
const sign = (userId: string, role: Role, shopIds: string[] = []) => demo.token(userId, role, shopIds);
const allShops = ['peach-glow', 'henggong-appliances', 'old-time-apparel'];
const connect = demo.connect;

async function call(method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${stack.httpUrl}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

const shopBody = {
  name: '契约测试店 Contract Shop',
  category: 'apparel',
  routing: { mode: 'by-stage', groups: { 'pre-sale': 'contract-pre', 'in-sale': 'contract-in', 'after-sale': 'contract-after' } },
};

describe('every HTTP operation, as documented', () => {
  it('answers the session routes, and refuses undeclared input and bad tokens the documented way', async () => {
    expect((await call('GET', '/health')).status).toBe(200);
    const agent = await sign('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    expect(await call('GET', '/v1/me', { token: agent })).toMatchObject({ status: 200, body: { userId: 'xiaomei' } });
    const undeclared = await call('GET', '/v1/me?tenantId=other&role=admin', { token: agent });
    expect(undeclared.status).toBe(400);
    expect(undeclared.body?.error.details.map((detail: { field: string }) => detail.field)).toEqual(['query.tenantId', 'query.role']);
    expect(await call('GET', '/v1/me')).toEqual({ status: 401, body: { message: 'Unauthorized' } });
    expect(await call('GET', '/v1/me', { token: `${agent}x` })).toEqual({ status: 401, body: { message: 'Unauthorized' } });
    expect(await call('DELETE', '/v1/me', { token: agent })).toEqual({ status: 404, body: { message: 'Not Found' } });
    expect(await call('GET', '/v1/no-such-route')).toEqual({ status: 404, body: { message: 'Not Found' } });

    expect((await call('POST', '/v1/connect-tickets', { token: agent })).status).toBe(201);
    expect((await call('POST', '/v1/connect-tickets', { token: agent, body: {} })).status).toBe(201);
    const smuggled = await call('POST', '/v1/connect-tickets', { token: agent, body: { role: 'admin' } });
    expect(smuggled).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.role' }] } } });
  });

  it('creates and reads shops and agents, with 403 for a buyer and 404 for what does not exist', async () => {
    const admin = await sign('admin-contract', 'admin');
    const buyer = await sign('buyer-contract', 'buyer');
    expect(await call('PUT', '/v1/shops/contract-shop', { token: admin, body: shopBody })).toMatchObject({ status: 200 });
    expect(await call('PUT', '/v1/shops/contract-shop', { token: buyer, body: shopBody })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await call('PUT', '/v1/shops/contract-shop', { token: admin, body: { ...shopBody, name: '' } })).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/shops/contract-shop', { token: admin })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/shops/no-such-shop', { token: admin })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await call('GET', '/v1/shops/contract-shop/board', { token: admin })).toMatchObject({ status: 200, body: { shopId: 'contract-shop' } });
    expect(await call('GET', '/v1/shops/no-such-shop/board', { token: admin })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await call('GET', '/v1/shops/contract-shop/board', { token: buyer })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    // An agent reads the names of exactly the shops its token lists, of its own tenant only (issue 11).
    const agentOfShop = await sign('agent-contract', 'agent', ['contract-shop', 'no-such-shop']);
    expect(await call('GET', '/v1/me/shops', { token: agentOfShop })).toEqual({
      status: 200,
      body: { shops: [{ shopId: 'contract-shop', name: shopBody.name, category: 'apparel' }] },
    });
    expect(await call('GET', '/v1/me/shops', { token: await sign('agent-elsewhere', 'agent', ['peach-glow']) })).toMatchObject({ status: 200, body: { shops: [{ shopId: 'peach-glow' }] } });
    const otherTenantAgent = await stack.issuer.sign({ userId: 'agent-contract', tenantId: 'another-tenant', role: 'agent', shopIds: ['contract-shop'] });
    expect(await call('GET', '/v1/me/shops', { token: otherTenantAgent })).toEqual({ status: 200, body: { shops: [] } });
    expect(await call('GET', '/v1/me/shops', { token: buyer })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });

    const agentBody = { name: '契约', shopIds: ['contract-shop'], groupIds: ['contract-pre'], cap: 3 };
    expect(await call('PUT', '/v1/agents/contract-agent', { token: admin, body: agentBody })).toMatchObject({ status: 200 });
    expect(await call('PUT', '/v1/agents/contract-agent', { token: admin, body: { ...agentBody, load: 0 } })).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/agents/contract-agent', { token: admin })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/agents/no-such-agent', { token: admin })).toMatchObject({ status: 404 });
    expect(await call('GET', '/v1/agents/contract-agent', { token: buyer })).toMatchObject({ status: 403 });

    const xiaomei = await sign('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    expect(await call('GET', '/v1/agents/xiaomei/response-stats?day=2026-11-11', { token: xiaomei })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/agents/xiaomei/response-stats?day=11-11', { token: xiaomei })).toMatchObject({ status: 400 });
  });

  it('keeps a quick-reply library: 201, 200, 204, 404, 413 from kefu and from the gateway, 409 at the limit', async () => {
    const xiaomei = await sign('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    const reply = { title: '问候', variants: ['{buyerName}您好，{shopName}在的哦', '亲，在的哦'] };
    expect(await call('PUT', '/v1/quick-replies/%2Fhi?scope=agent', { token: xiaomei, body: reply })).toMatchObject({ status: 201 });
    expect(await call('PUT', '/v1/quick-replies/%2Fhi?scope=agent', { token: xiaomei, body: reply })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/quick-replies?scope=agent', { token: xiaomei })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/quick-replies?scope=everyone', { token: xiaomei })).toMatchObject({ status: 400 });
    // A promo version (issue 10 §2): the demo's Double 11 names the double11 set; a set no phase names is a 400 by field.
    expect(await call('PUT', '/v1/quick-replies/%2Fhi?scope=agent&contentSet=double11', { token: xiaomei, body: reply })).toMatchObject({ status: 201 });
    expect(await call('PUT', '/v1/quick-replies/%2Fhi?scope=agent&contentSet=double12', { token: xiaomei, body: reply })).toMatchObject({
      status: 400,
      body: { error: { details: [{ field: 'query.contentSet' }] } },
    });
    expect(await call('GET', '/v1/quick-replies?scope=agent', { token: xiaomei })).toMatchObject({ status: 200, body: { items: expect.arrayContaining([expect.objectContaining({ shortcut: '/hi', contentSet: 'double11' })]) } });
    expect(await call('GET', '/v1/quick-replies?scope=shop&shopId=peach-glow', { token: xiaomei })).toMatchObject({ status: 200 });
    expect(await call('DELETE', '/v1/quick-replies/%2Fhi?scope=agent&contentSet=double11', { token: xiaomei })).toMatchObject({ status: 204 });

    const big = { title: 'big', variants: ['长'.repeat(30_000)] };
    expect(await call('PUT', '/v1/quick-replies/big?scope=agent', { token: xiaomei, body: big })).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const huge = await call('PUT', '/v1/quick-replies/huge?scope=agent', { token: xiaomei, rawBody: 'x'.repeat(10 * 1024 * 1024 + 1) });
    expect(huge).toMatchObject({ status: 413, body: { message: expect.any(String) } });

    expect(await call('DELETE', '/v1/quick-replies/%2Fbye?scope=agent', { token: xiaomei })).toMatchObject({ status: 404 });
    expect(await call('PUT', '/v1/quick-replies/%2Fbye?scope=agent', { token: xiaomei, body: reply })).toMatchObject({ status: 201 });
    expect(await call('DELETE', '/v1/quick-replies/%2Fbye?scope=agent', { token: xiaomei })).toMatchObject({ status: 204, body: undefined });

    // A library holds 500 replies. Filling one over HTTP takes a minute on this machine, so the
    // library's count is set to 499 in the table (its only state besides the replies), then two creates.
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: stack.engines.dynamoEndpoint, region: localRegion, credentials: localCredentials }),
    );
    await documents.send(
      new UpdateCommand({
        TableName: stack.engines.tableName,
        Key: keys.quickReplyLibrary(tenantId, keys.quickReplyScope({ kind: 'agent', agentId: 'contract-filler' })),
        UpdateExpression: 'SET replyCount = :almostFull',
        ExpressionAttributeValues: { ':almostFull': 499 },
      }),
    );
    documents.destroy();
    const filler = await sign('contract-filler', 'agent', ['peach-glow']);
    expect(await call('PUT', '/v1/quick-replies/last?scope=agent', { token: filler, body: { title: 't', variants: ['v'] } })).toMatchObject({ status: 201 });
    expect(await call('PUT', '/v1/quick-replies/one-more?scope=agent', { token: filler, body: { title: 't', variants: ['v'] } })).toMatchObject({
      status: 409,
      body: { error: { code: 'QUICK_REPLY_LIMIT' } },
    });
  });

  it("reads and sets a shop's response clock and reads its response rate: 200, 400 naming the field, 404 for another shop", async () => {
    const admin = await sign('admin-contract', 'admin');
    const supervisor = await sign('supervisor-contract', 'supervisor', ['peach-glow']);
    expect(await call('GET', '/v1/shops/henggong-appliances/response-policy', { token: admin })).toMatchObject({ status: 200, body: { source: 'default' } });
    const policy = { timeZone: 'Asia/Shanghai', serviceHours: [{ start: '09:00', end: '23:00' }], targetSeconds: 180, atRiskSeconds: 120, targetRate: 0.9, clock: 'wall' };
    expect(await call('PUT', '/v1/shops/henggong-appliances/response-policy', { token: admin, body: policy })).toMatchObject({ status: 200, body: { source: 'shop', policy } });
    expect(await call('PUT', '/v1/shops/henggong-appliances/response-policy', { token: admin, body: { ...policy, timeZone: 'Mars/Olympus' } })).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.timeZone' }] } },
    });
    expect(await call('GET', '/v1/shops/henggong-appliances/response-policy', { token: supervisor })).toMatchObject({ status: 404 });
    expect(await call('GET', '/v1/shops/peach-glow/response-rate?day=2026-11-11', { token: supervisor })).toMatchObject({ status: 200, body: { shopId: 'peach-glow', rounds: 0 } });
    expect(await call('GET', '/v1/shops/peach-glow/response-rate?day=11-11', { token: supervisor })).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/shops/henggong-appliances/response-rate?day=2026-11-11', { token: supervisor })).toMatchObject({ status: 404 });
  });
});

describe('order ingestion operations, as documented (issue 7 §1)', () => {
  const sim = async (path: string, body: Record<string, unknown> = {}) => {
    const response = await fetch(`${stack.simulatorUrl}/sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, path).toBe(200);
    return (await response.json()) as Record<string, any>;
  };

  it('writes and reads an integration without its secrets: 200, 400, 404, 409', async () => {
    const admin = await sign('admin-contract', 'admin');
    expect(await call('PUT', '/v1/shops/contract-orders', { token: admin, body: { ...shopBody, name: '订单契约店' } })).toMatchObject({ status: 200 });
    const body = { platform: 'shopify', platformShopId: 'contract.myshopify.com', webhookSecret: 'contract-webhook-secret-1' };
    const put = await call('PUT', '/v1/shops/contract-orders/order-integration', { token: admin, body });
    expect(put).toMatchObject({ status: 200, body: { platform: 'shopify', webhookPaths: { shopify: expect.any(String), kefu: expect.any(String) } } });
    expect(JSON.stringify(put.body)).not.toContain('contract-webhook-secret-1');
    expect(await call('PUT', '/v1/shops/contract-orders/order-integration', { token: admin, body: { ...body, webhookSecret: 'short' } })).toMatchObject({ status: 400 });
    expect(await call('PUT', '/v1/shops/contract-orders/order-integration', { token: admin, body: { ...body, platform: 'douyin' } })).toMatchObject({ status: 409, body: { error: { code: 'INTEGRATION_PLATFORM_FIXED' } } });
    expect(await call('GET', '/v1/shops/contract-orders/order-integration', { token: admin })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/shops/no-such-shop/order-integration', { token: admin })).toMatchObject({ status: 404 });
  });

  it("receives the simulator's signed Shopify, Douyin and relayed kefu-format webhooks (200), and refuses bad signatures (401) and unknown endpoints (404)", async () => {
    for (const shop of ['old-time-apparel', 'henggong-appliances', 'cloud-mist-tea']) {
      const placed = await sim('orders', { shop, buyer: 'buyer-taotao' });
      expect(placed.deliveries.map((d: { status: number }) => d.status), shop).toEqual([200]);
    }
    const supervisor = await sign('supervisor-wang', 'supervisor', allShops);
    const integration = (await call('GET', '/v1/shops/old-time-apparel/order-integration', { token: supervisor })).body!;
    const forged = await fetch(`${stack.httpUrl}${integration.webhookPaths.shopify}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': `${'A'.repeat(43)}=`, 'x-shopify-topic': 'orders/paid' },
      body: '{"id":1}',
    });
    expect(forged.status).toBe(401);
    for (const kind of ['shopify', 'douyin', 'kefu']) {
      const unknown = await fetch(`${stack.httpUrl}/v1/webhooks/${kind}/AAAAAAAAAAAAAAAAAAAAAA`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(unknown.status, kind).toBe(404);
    }
    const ignored = await call('GET', `/v1/shops/old-time-apparel/order-event-log?day=${new Date().toISOString().slice(0, 10)}`, { token: supervisor });
    expect(ignored).toMatchObject({ status: 200, body: { entries: expect.any(Array) } });
    expect(await call('GET', '/v1/shops/old-time-apparel/order-event-log?day=yesterday', { token: supervisor })).toMatchObject({ status: 400 });
  });

  it('runs promo mode: calendar (dry run, save, 400 by field, 403), trigger twice, status, plan', async () => {
    const ops = await sign('ops-contract', 'ops');
    const supervisor = await sign('sup-contract', 'supervisor', ['peach-glow']);
    const year = new Date().getUTCFullYear() + 1;
    const promo = {
      name: '双11',
      zone: 'Asia/Shanghai',
      shopIds: ['peach-glow'],
      phases: [
        { phaseId: 'peak', kind: 'peak', startsAt: `${year}-11-11T00:00`, endsAt: `${year}-11-11T02:00`, routing: { stageBorrowing: [{ from: 'after-sale', to: 'pre-sale' }] }, infrastructure: { preset: 'promo' } },
        { phaseId: 'tail', kind: 'after-sales-tail', startsAt: `${year}-11-14T00:00`, endsAt: `${year}-11-29T00:00` },
      ],
    };
    expect(await call('PUT', '/v1/promos/contract-11?dryRun=true', { token: ops, body: promo })).toMatchObject({ status: 200, body: { dryRun: true } });
    expect(await call('GET', '/v1/promos/contract-11', { token: ops })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await call('PUT', '/v1/promos/contract-11', { token: ops, body: promo })).toMatchObject({ status: 200, body: { dryRun: false, promo: { version: 1 } } });
    const overlapping = { ...promo, phases: [promo.phases[0], { ...promo.phases[1], startsAt: `${year}-11-11T01:00` }] };
    expect(await call('PUT', '/v1/promos/contract-11', { token: ops, body: overlapping })).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.phases.1.startsAt' }] } },
    });
    expect(await call('PUT', '/v1/promos/contract-11', { token: supervisor, body: promo })).toMatchObject({ status: 403 });
    expect(await call('GET', '/v1/promos', { token: ops })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/promos/contract-11', { token: ops })).toMatchObject({ status: 200 });
    expect(await call('POST', '/v1/promos/contract-11/phases/peak/trigger', { token: ops })).toMatchObject({ status: 200, body: { result: 'triggered' } });
    expect(await call('POST', '/v1/promos/contract-11/phases/peak/trigger', { token: ops })).toMatchObject({ status: 200, body: { result: 'unchanged' } });
    expect(await call('POST', '/v1/promos/contract-11/phases/nope/trigger', { token: ops })).toMatchObject({ status: 404 });
    expect(await call('GET', '/v1/promos/contract-11/status', { token: ops })).toMatchObject({ status: 200, body: { phases: [{ state: 'in-force' }, { state: 'scheduled' }] } });
    const sales = [{ shopId: 'peach-glow', phaseId: 'peak', gmvTarget: 6_800_000, averageOrderValue: 340, conversionRate: 0.04, inquiryRate: 0.085 }];
    expect(await call('POST', '/v1/promos/contract-11/plan', { token: ops, body: { sales } })).toMatchObject({ status: 200 });
    expect(await call('POST', '/v1/promos/contract-11/plan', { token: ops, body: { sales: [{ ...sales[0], phaseId: 'nope' }] } })).toMatchObject({ status: 400 });

    const roster = `userId,name,stage,shopIds,cap,startsAt,expiresAt\nmilitia-1,人事小王,pre-sale,peach-glow,30,2020-11-01T00:00:00Z,${year}-11-30T00:00:00Z\n`;
    expect(await call('POST', '/v1/militia/imports?dryRun=true', { token: ops, body: { csv: roster } })).toMatchObject({ status: 200, body: { valid: true, imported: 0 } });
    expect(await call('POST', '/v1/militia/imports', { token: ops, body: { csv: roster.replace('peach-glow', 'no-such-shop') } })).toMatchObject({
      status: 400,
      body: { error: { details: [{ field: 'body.csv.line.2.shopIds' }] } },
    });
    expect(await call('POST', '/v1/militia/imports', { token: ops, body: { csv: roster } })).toMatchObject({ status: 200, body: { imported: 1 } });
  });
});

describe('every onboarding operation (issue 12), as documented', () => {
  const platform = () => stack.issuer.sign({ userId: 'operator', tenantId: 'kefu-platform', role: 'platform', shopIds: [] });
  const firm = { tenantId: 'contract-firm', name: '契约外包', region: 'cn-north-1', timeZone: 'Asia/Shanghai', limits: { shops: 10, seats: 10 }, firstAdmin: { userId: 'contract-boss' } };

  it('creates, reads, edits, deletes in two steps and restores a tenant: 201, 200, 202, 400, 403, 404, 409', async () => {
    const operator = await platform();
    const boss = await stack.issuer.sign({ userId: 'contract-boss', tenantId: 'contract-firm', role: 'admin', shopIds: [] });
    expect(await call('POST', '/v1/tenants', { token: operator, body: firm })).toMatchObject({ status: 201 });
    expect(await call('POST', '/v1/tenants', { token: operator, body: firm })).toMatchObject({ status: 409, body: { error: { code: 'TENANT_EXISTS' } } });
    expect(await call('POST', '/v1/tenants', { token: boss, body: firm })).toMatchObject({ status: 403 });
    expect(await call('POST', '/v1/tenants', { token: operator, body: { ...firm, region: 'mars' } })).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/tenants/contract-firm', { token: boss })).toMatchObject({ status: 200 });
    expect(await call('GET', `/v1/tenants/${tenantId}`, { token: boss })).toMatchObject({ status: 404 });
    expect(await call('PATCH', '/v1/tenants/contract-firm', { token: boss, body: { name: '契约外包二部' } })).toMatchObject({ status: 200 });
    expect(await call('PATCH', '/v1/tenants/contract-firm', { token: boss, body: { limits: { shops: 99, seats: 99 } } })).toMatchObject({ status: 403 });
    const requested = await call('POST', '/v1/tenants/contract-firm/deletion', { token: operator });
    expect(requested).toMatchObject({ status: 202 });
    expect(await call('POST', '/v1/tenants/contract-firm/deletion/confirm', { token: operator, body: { confirmationCode: 'wrong-code-123' } })).toMatchObject({ status: 409 });
    expect(await call('POST', '/v1/tenants/contract-firm/deletion/confirm', { token: operator, body: { confirmationCode: requested.body?.confirmationCode } })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/me', { token: boss })).toMatchObject({ status: 403, body: { error: { code: 'TENANT_DELETED' } } });
    expect(await call('DELETE', '/v1/tenants/contract-firm/deletion', { token: operator })).toMatchObject({ status: 200 });
    expect(await call('DELETE', '/v1/tenants/contract-firm/deletion', { token: operator })).toMatchObject({ status: 409 });
    expect(await call('GET', '/v1/audit-entries?limit=2', { token: boss })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/audit-entries?limit=0', { token: boss })).toMatchObject({ status: 400 });
  }, 30_000);

  it('imports a catalogue and a quick-reply library, searches products, polls the import and reads the checklist', async () => {
    const admin = await sign('admin-contract', 'admin');
    const xiaomei = await sign('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    const csv = 'sku,title,price_minor,attr.sizes\nPG-CREAM-50,雪润保湿面霜 50ml,12900,50ml\nPG-LIP-01,丝绒哑光口红,8900,\n';
    expect(await call('POST', '/v1/shops/peach-glow/catalogue-imports', { token: admin, body: { importId: 'contract-cat', format: 'csv', csv, dryRun: true } })).toMatchObject({ status: 200 });
    expect(await call('POST', '/v1/shops/peach-glow/catalogue-imports', { token: admin, body: { importId: 'contract-bad', format: 'csv', csv: 'sku,name\n' } })).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/shops/peach-glow/catalogue-imports', { token: admin, body: { importId: 'contract-cat', format: 'csv', csv } })).toMatchObject({ status: 202 });
    expect(await call('POST', '/v1/shops/peach-glow/catalogue-imports', { token: admin, body: { importId: 'contract-cat', format: 'json', products: [{ sku: 'X', title: 'x', priceMinor: 1 }] } })).toMatchObject({ status: 409 });
    expect(await call('POST', '/v1/shops/no-such-shop/catalogue-imports', { token: admin, body: { importId: 'c', format: 'csv', csv } })).toMatchObject({ status: 404 });
    let status = '';
    for (let i = 0; i < 100 && status !== 'done'; i++) {
      status = (await call('GET', '/v1/shops/peach-glow/catalogue-imports/contract-cat', { token: admin })).body?.status;
      if (status !== 'done') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('done');
    expect(await call('GET', '/v1/shops/peach-glow/catalogue-imports/nope', { token: admin })).toMatchObject({ status: 404 });
    expect(await call('GET', `/v1/shops/peach-glow/products?q=${encodeURIComponent('面霜')}`, { token: xiaomei })).toMatchObject({ status: 200, body: { items: [{ sku: 'PG-CREAM-50' }] } });
    expect(await call('GET', '/v1/shops/peach-glow/products?sku=PG-', { token: xiaomei })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/shops/peach-glow/products', { token: xiaomei })).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/shops/henggong-appliances/products?sku=A', { token: xiaomei })).toMatchObject({ status: 404 });

    const replies = 'shortcut,title,variant_1\n/size,尺码,亲，按平时尺码拍就好哦\n';
    expect(await call('POST', '/v1/quick-reply-imports?scope=shop&shopId=peach-glow', { token: admin, body: { format: 'csv', csv: replies } })).toMatchObject({ status: 200 });
    expect(await call('POST', '/v1/quick-reply-imports?scope=shop&shopId=peach-glow', { token: admin, body: { format: 'csv', csv: 'shortcut,title,variant_1\n/x,x,{nope}\n' } })).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/quick-reply-imports?scope=shop&shopId=no-such-shop', { token: admin, body: { format: 'csv', csv: replies } })).toMatchObject({ status: 404 });
    expect(await call('GET', '/v1/shops/peach-glow/checklist', { token: admin })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/shops/no-such-shop/checklist', { token: admin })).toMatchObject({ status: 404 });
  }, 30_000);

  it('invites, lists, re-roles, disables, re-enables and imports users: 200, 201, 400, 403, 404, 409 (SEAT_LIMIT, USER_EXISTS)', async () => {
    const people = { ...firm, tenantId: 'contract-people', limits: { shops: 10, seats: 4 }, firstAdmin: { userId: 'people-boss' } };
    expect(await call('POST', '/v1/tenants', { token: await platform(), body: people })).toMatchObject({ status: 201 });
    const signIn = (userId: string, role: Role, shopIds: string[] = []) => stack.issuer.sign({ userId, tenantId: 'contract-people', role, shopIds });
    const boss = await signIn('people-boss', 'admin');
    expect(await call('PUT', '/v1/shops/people-shop', { token: boss, body: shopBody })).toMatchObject({ status: 200 });
    const supervisor = await signIn('people-sup', 'supervisor', ['people-shop']);
    expect(await call('POST', '/v1/users', { token: boss, body: { userId: 'people-sup', name: '主管', role: 'supervisor', shopIds: ['people-shop'] } })).toMatchObject({ status: 201 });
    expect(await call('POST', '/v1/users', { token: supervisor, body: { userId: 'people-a1', name: '客服一', role: 'agent', shopIds: ['people-shop'] } })).toMatchObject({ status: 201 });
    expect(await call('POST', '/v1/users', { token: boss, body: { userId: 'people-a1', name: '又一个', role: 'agent', shopIds: ['people-shop'] } })).toMatchObject({ status: 409, body: { error: { code: 'USER_EXISTS' } } });
    expect(await call('POST', '/v1/users', { token: boss, body: { userId: 'people-x', name: 'x', role: 'boss' } })).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/users', { token: supervisor, body: { userId: 'people-x', name: 'x', role: 'agent', shopIds: ['elsewhere'] } })).toMatchObject({ status: 404 });
    expect(await call('GET', '/v1/users?status=active&limit=50', { token: boss })).toMatchObject({ status: 200, body: { users: [{ userId: 'people-a1' }, { userId: 'people-boss' }, { userId: 'people-sup' }] } });
    expect(await call('GET', '/v1/users?limit=0', { token: boss })).toMatchObject({ status: 400 });
    const csv = 'userId,name,role,shopIds\npeople-a2,客服二,agent,people-shop\npeople-a3,客服三,agent,people-shop\n';
    expect(await call('POST', '/v1/user-imports?dryRun=true', { token: boss, body: { csv } })).toMatchObject({ status: 200, body: { valid: false, errors: [{ code: 'SEAT_LIMIT' }] } });
    expect(await call('POST', '/v1/user-imports', { token: boss, body: { csv } })).toMatchObject({ status: 409, body: { error: { code: 'SEAT_LIMIT' } } });
    expect(await call('POST', '/v1/user-imports', { token: boss, body: { csv: `${csv}people-a2,重复,agent,people-shop\n` } })).toMatchObject({ status: 400, body: { error: { details: [{ code: 'DUPLICATE_USER' }] } } });
    expect(await call('POST', '/v1/user-imports', { token: boss, body: { csv: 'userId,name,role,shopIds\npeople-a2,客服二,agent,people-shop\n' } })).toMatchObject({ status: 200, body: { imported: 1 } });
    expect(await call('POST', '/v1/user-imports', { token: supervisor, body: { csv } })).toMatchObject({ status: 403 });
    expect(await call('PATCH', '/v1/users/people-a2', { token: supervisor, body: { role: 'supervisor' } })).toMatchObject({ status: 403 });
    expect(await call('PATCH', '/v1/users/people-a2', { token: boss, body: { name: '客服二号' } })).toMatchObject({ status: 200, body: { version: 2 } });
    expect(await call('PATCH', '/v1/users/nobody', { token: boss, body: { name: 'x' } })).toMatchObject({ status: 404 });
    expect(await call('POST', '/v1/users/people-a1/disable', { token: supervisor })).toMatchObject({ status: 200, body: { status: 'disabled' } });
    expect(await call('GET', '/v1/me', { token: await signIn('people-a1', 'agent', ['people-shop']) })).toMatchObject({ status: 403, body: { error: { code: 'USER_DISABLED' } } });
    expect(await call('POST', '/v1/users/people-boss/disable', { token: boss })).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/users', { token: boss, body: { userId: 'people-a4', name: '客服四', role: 'agent', shopIds: ['people-shop'] } })).toMatchObject({ status: 201 });
    expect(await call('POST', '/v1/users/people-a1/enable', { token: boss })).toMatchObject({ status: 409, body: { error: { code: 'SEAT_LIMIT' } } });
    expect(await call('POST', '/v1/users/people-a4/disable', { token: boss })).toMatchObject({ status: 200 });
    expect(await call('POST', '/v1/users/people-a1/enable', { token: boss })).toMatchObject({ status: 200, body: { status: 'active' } });
    expect(await call('POST', '/v1/users/people-a1/enable', { token: await sign('admin-contract', 'admin') })).toMatchObject({ status: 404 });
  }, 30_000);

  it('imports a large user file asynchronously: 202, the progress polled (200, 404) and pushed to the admin as userImport.progress', async () => {
    const big = { ...firm, tenantId: 'contract-big', limits: { shops: 10, seats: 700 }, firstAdmin: { userId: 'big-boss' } };
    expect(await call('POST', '/v1/tenants', { token: await platform(), body: big })).toMatchObject({ status: 201 });
    const bossToken = await stack.issuer.sign({ userId: 'big-boss', tenantId: 'contract-big', role: 'admin', shopIds: [] });
    expect(await call('PUT', '/v1/shops/big-shop', { token: bossToken, body: shopBody })).toMatchObject({ status: 200 });
    const boss = await demo.connectWith(bossToken);
    const csv = ['userId,name,role,shopIds', ...Array.from({ length: 600 }, (_, i) => `big-${i},客服${i},agent,big-shop`)].join('\n');
    const accepted = await call('POST', '/v1/user-imports', { token: bossToken, body: { csv } });
    expect(accepted).toMatchObject({ status: 202, body: { status: 'importing', rows: 600 } });
    const done = await boss.next((frame) => frame.type === 'userImport.progress' && frame.status === 'done', 60_000);
    expect(done).toMatchObject({ importId: accepted.body?.importId, imported: 600, skipped: 0 });
    expect(await call('GET', `/v1/user-imports/${accepted.body?.importId}`, { token: bossToken })).toMatchObject({ status: 200, body: { status: 'done', imported: 600 } });
    expect(await call('GET', `/v1/user-imports/${'0'.repeat(32)}`, { token: bossToken })).toMatchObject({ status: 404 });
  }, 90_000);
});

describe('every WebSocket action, pushed frame, refusal and close, as documented', () => {
  let conversationId: string;
  let agent: ChatClient;
  let buyer: ChatClient;
  let supervisor: ChatClient;

  it('refuses handshakes without a ticket (401) and with a bad or used ticket (403)', async () => {
    await expect(ChatClient.open(stack.wsUrl)).rejects.toMatchObject({ status: 401 });
    await expect(ChatClient.open(`${stack.wsUrl}?ticket=`)).rejects.toMatchObject({ status: 401 });
    await expect(ChatClient.open(`${stack.wsUrl}?ticket=made-up`)).rejects.toMatchObject({ status: 403 });
    const ticket = (await call('POST', '/v1/connect-tickets', { token: await sign('buyer-contract', 'buyer') })).body?.ticket as string;
    demo.closeAfterwards(await ChatClient.open(`${stack.wsUrl}?ticket=${ticket}`));
    await expect(ChatClient.open(`${stack.wsUrl}?ticket=${ticket}`)).rejects.toMatchObject({ status: 403 });
  });

  it('opens a conversation: hello, presence, a buyer message routed to the agent, replies both ways', async () => {
    agent = await connect('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    expect(await agent.request({ action: 'ping' })).toMatchObject({ type: 'pong' });
    expect(await agent.request({ action: 'hello' })).toMatchObject({ type: 'inbox' });
    expect(await agent.request({ action: 'setPresence', presence: 'online' })).toMatchObject({ type: 'ack', presence: 'online' });

    buyer = await connect('buyer-contract', 'buyer');
    expect(await buyer.request({ action: 'setPresence', presence: 'online' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    const ack = await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', clientMessageId: 'c1', text: '这款面霜适合干皮吗？' });
    expect(ack).toMatchObject({ type: 'ack', seq: 1 });
    conversationId = String(ack.conversationId);
    await agent.next((frame) => frame.type === 'assigned' && frame.conversationId === conversationId);

    expect(await agent.request({ action: 'sendMessage', conversationId, clientMessageId: 'a1', text: '亲，适合的哦' })).toMatchObject({ type: 'ack', seq: 2 });
    await buyer.next((frame) => frame.type === 'message' && frame.seq === 2);
    expect(await agent.request({ action: 'sendQuickReply', conversationId, clientMessageId: 'a2', shortcut: '/hi' })).toMatchObject({ type: 'ack', seq: 3 });
    await buyer.next((frame) => frame.type === 'message' && frame.seq === 3);
    expect(await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', conversationId, clientMessageId: 'c2', text: '好的' })).toMatchObject({ seq: 4 });
    await agent.next((frame) => frame.type === 'message' && frame.seq === 4);

    expect(await buyer.request({ action: 'resume', conversations: [{ conversationId, afterSeq: 0 }] })).toMatchObject({ type: 'resumed' });
    expect(await buyer.request({ action: 'markRead', conversationId, seq: 4 })).toMatchObject({ type: 'read' });
    expect(await buyer.request({ action: 'hello' })).toMatchObject({ type: 'inbox' });
    const history = await call('GET', `/v1/conversations/${conversationId}/messages?afterSeq=0`, { token: await sign('buyer-contract', 'buyer') });
    expect(history).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/conversations/no-such-conversation/messages', { token: await sign('buyer-contract', 'buyer') })).toMatchObject({ status: 404 });
  });

  it('answers bad frames with error frames: validation, unknown action, not found, too large, rate limited', async () => {
    expect(await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', clientMessageId: 'c3', text: '' })).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', field: 'text' });
    expect(await buyer.request({ action: 'markRead', conversationId, seq: 4, tenantId: 'other' })).toMatchObject({ type: 'error', field: 'tenantId' });
    expect(await buyer.request({ action: 'dance' })).toMatchObject({ type: 'error', field: 'action' });
    expect(await buyer.request({ action: 'markRead', conversationId: 'no-such-conversation', seq: 1 })).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    buyer.send({ action: 'ping', ref: 'big', padding: 'x'.repeat(40 * 1024) });
    await buyer.next((frame) => frame.type === 'error' && frame.code === 'PAYLOAD_TOO_LARGE');
    buyer.send('not json');
    await buyer.next((frame) => frame.type === 'error' && frame.field === '(frame)');

    // 80 sends at once, past the burst of 40: malformed ones (empty text) spend the connection's tokens too
    // and cost no storage. The gateway runs 4 of a connection's frames at a time and queues 32; past that it
    // answers API Gateway's throttled frame (no ref) without running a handler. So every one of the 80 is
    // answered: VALIDATION_FAILED, RATE_LIMITED, or throttled.
    const before = buyer.frames.length;
    for (let i = 0; i < 80; i++) buyer.send({ action: 'sendMessage', shopId: 'peach-glow', conversationId, clientMessageId: `burst-${i}`, text: '', ref: `burst-${i}` });
    const isBurstAnswer = (frame: Record<string, unknown>) =>
      (typeof frame.ref === 'string' && frame.ref.startsWith('burst-')) || frame.message === 'Too Many Requests';
    let answered = 0;
    await buyer.next((frame) => isBurstAnswer(frame) && ++answered === 80, 30_000);
    const answers = buyer.frames.slice(before).filter(isBurstAnswer);
    const kinds = new Set(answers.map((frame) => (frame.message === 'Too Many Requests' ? 'THROTTLED' : frame.code)));
    expect([...kinds].every((kind) => ['VALIDATION_FAILED', 'RATE_LIMITED', 'THROTTLED'].includes(kind as string))).toBe(true);
    expect(kinds.has('VALIDATION_FAILED')).toBe(true);
    // Past the burst something must refuse: the handler's bucket or the gateway's bound.
    expect(kinds.has('RATE_LIMITED') || kinds.has('THROTTLED')).toBe(true);
  }, 60_000);

  it('moves the conversation: watch, reassign (unassigned/assigned), transfer, close (conversationClosed), 409 once closed', async () => {
    supervisor = await connect('supervisor-wang', 'supervisor', allShops);
    expect(await supervisor.request({ action: 'watch', conversationId })).toMatchObject({ type: 'ack', action: 'watch' });
    const lili = await connect('lili', 'agent', allShops);
    expect(await lili.request({ action: 'setPresence', presence: 'online' })).toMatchObject({ type: 'ack' });

    expect(await supervisor.request({ action: 'reassign', conversationId, toAgentId: 'lili', note: '转给莉莉' })).toMatchObject({ type: 'ack', status: 'assigned', assigneeId: 'lili' });
    await agent.next((frame) => frame.type === 'unassigned' && frame.conversationId === conversationId);
    await lili.next((frame) => frame.type === 'assigned' && frame.conversationId === conversationId);

    expect(await lili.request({ action: 'transfer', conversationId, toAgentId: 'xiaomei', note: '售前问题，还给小美' })).toMatchObject({ type: 'ack', assigneeId: 'xiaomei' });
    await agent.next((frame) => frame.type === 'assigned' && frame.conversationId === conversationId && frame.transferredBy === 'lili');

    expect(await agent.request({ action: 'closeConversation', conversationId })).toMatchObject({ type: 'ack', status: 'closed' });
    await buyer.next((frame) => frame.type === 'conversationClosed' && frame.conversationId === conversationId);
    expect(await supervisor.request({ action: 'watch', conversationId })).toMatchObject({ type: 'error', code: 'CONVERSATION_CLOSED' });
    expect(await agent.request({ action: 'transfer', conversationId, toGroupId: 'peach-in', note: 'x' })).toMatchObject({ type: 'error' });
  });

  it('follows the buyer\'s orders: conversation.stage and unassigned on a stage change, cards in assigned, on `orders` and over HTTP', async () => {
    const orderBuyer = await connect('buyer-contract-orders', 'buyer');
    const ack = await orderBuyer.request({ action: 'sendMessage', shopId: 'peach-glow', clientMessageId: 'o1', text: '我刚下单，什么时候发货？' });
    const orderConversation = String(ack.conversationId);
    await agent.next((frame) => frame.type === 'assigned' && frame.conversationId === orderConversation, 15_000);
    const lili = await connect('lili', 'agent', allShops);
    expect(await lili.request({ action: 'setPresence', presence: 'online' })).toMatchObject({ type: 'ack' });

    // The platform (the simulator's role) says the buyer paid, then asks for a refund: through the orders queue.
    const sqsClient = new SQSClient({ endpoint: stack.engines.sqsEndpoint, region: localRegion, credentials: localCredentials });
    const occurredAt = new Date().toISOString();
    const envelope = (messageId: string, topic: string, payload: Record<string, unknown>, businessVersion: number) => ({
      tenantId,
      via: 'simulator',
      receivedAt: occurredAt,
      envelope: { platform: 'taobao', shopId: 'peach-glow', messageId, sourceTopic: 'test', occurredAt, businessVersion, topic, payload },
    });
    const orderId = `contract-${Date.now()}`;
    const send = (body: unknown) => sqsClient.send(new SendMessageCommand({ QueueUrl: stack.engines.queueUrls.orders, MessageBody: JSON.stringify(body) }));
    await send(envelope(`${orderId}-paid`, 'order.updated', { orderId, status: 'paid', buyer: { buyerId: 'buyer-contract-orders', nick: 'b**s' }, lines: [{ lineId: 'l1', title: '面霜', quantity: 1 }], total: { minor: 19900, currency: 'CNY' } }, Date.now()));
    // xiaomei serves pre-sale only: the conversation goes to the in-sale group (lili), who gets it with the order card.
    await agent.next((frame) => frame.type === 'conversation.stage' && frame.conversationId === orderConversation && frame.stage === 'in-sale', 20_000);
    await agent.next((frame) => frame.type === 'unassigned' && frame.conversationId === orderConversation && frame.reason === 'stage-changed', 20_000);
    await orderBuyer.next((frame) => frame.type === 'conversation.stage' && frame.stage === 'in-sale', 20_000);
    const assigned = await lili.next((frame) => frame.type === 'assigned' && frame.conversationId === orderConversation, 20_000);
    expect(assigned.orders).toMatchObject([{ orderId, status: 'paid' }]);

    const cards = await lili.request({ action: 'orders', conversationId: orderConversation });
    expect(cards).toMatchObject({ type: 'order.cards', orders: [{ orderId }] });
    expect(await lili.request({ action: 'orders' })).toMatchObject({ type: 'error', field: 'conversationId' });
    expect(await orderBuyer.request({ action: 'orders', conversationId: orderConversation })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });

    await send(envelope(`${orderId}-refund`, 'refund.updated', { orderId, refundId: `${orderId}-r1`, status: 'requested', kind: 'refund-only' }, Date.now()));
    await lili.next((frame) => frame.type === 'conversation.stage' && frame.stage === 'after-sale', 20_000);
    sqsClient.destroy();

    const liliToken = await sign('lili', 'agent', allShops);
    const listed = await call('GET', '/v1/shops/peach-glow/buyers/buyer-contract-orders/orders?limit=5', { token: liliToken });
    expect(listed).toMatchObject({ status: 200, body: { stage: 'after-sale', orders: [{ orderId }] } });
    expect(await call('GET', '/v1/shops/peach-glow/buyers/buyer-contract-orders/orders?limit=0', { token: liliToken })).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/shops/peach-glow/buyers/buyer-contract-orders/orders', { token: await sign('buyer-contract-orders', 'buyer') })).toMatchObject({ status: 403 });
    expect(await call('GET', `/v1/shops/peach-glow/orders/taobao/${orderId}`, { token: liliToken })).toMatchObject({ status: 200, body: { order: { orderId } } });
    expect(await call('GET', `/v1/shops/peach-glow/orders/ebay/${orderId}`, { token: liliToken })).toMatchObject({ status: 400 });
    expect(await call('GET', `/v1/shops/peach-glow/orders/taobao/${orderId}`, { token: await sign('ajie', 'agent', ['henggong-appliances']) })).toMatchObject({ status: 404 });
    expect(await call('GET', `/v1/shops/peach-glow/refunds/taobao/${orderId}-r1`, { token: liliToken })).toMatchObject({ status: 200, body: { refund: { status: 'requested' } } });
    expect(await call('GET', '/v1/shops/peach-glow/refunds/taobao/no-such-refund', { token: liliToken })).toMatchObject({ status: 404 });
  }, 90_000);

  it('tells a buyer with nobody free their place in line', async () => {
    // Nobody serving Henggong is online in this run.
    const waiting = await connect('buyer-waiting', 'buyer');
    const ack = await waiting.request({ action: 'sendMessage', shopId: 'henggong-appliances', clientMessageId: 'w1', text: '这台空调怎么安装？' });
    await waiting.next((frame) => frame.type === 'queuePosition' && frame.conversationId === ack.conversationId, 15_000);
  }, 30_000);

  it("alerts the shop's supervisor live when a buyer waits past the policy's at-risk point (response.at-risk)", async () => {
    // A policy of 1 s to at risk, all day, so the check comes off the rounds queue at once.
    const policy = { timeZone: 'Asia/Shanghai', serviceHours: [{ start: '00:00', end: '24:00' }], targetSeconds: 3, atRiskSeconds: 1, targetRate: 0.9, clock: 'wall' };
    expect((await call('PUT', '/v1/shops/old-time-apparel/response-policy', { token: await sign('admin-contract', 'admin'), body: policy })).status).toBe(200);
    const shopSupervisor = await connect('supervisor-zhou', 'supervisor', ['old-time-apparel']);
    const asking = await connect('buyer-at-risk', 'buyer');
    const ack = await asking.request({ action: 'sendMessage', shopId: 'old-time-apparel', clientMessageId: 'r1', text: '这件旗袍有S码吗？' });
    await shopSupervisor.next((frame) => frame.type === 'response.at-risk' && frame.conversationId === ack.conversationId, 15_000);
  }, 30_000);

  it('closes a socket with the documented codes: 1003 for a binary frame, 1007 for invalid UTF-8, 1009 over 128 KB', async () => {
    const binary = await connect('buyer-binary', 'buyer');
    binary.send(Buffer.from('{"action":"ping"}'));
    expect(await binary.closedWithin(5000)).toBe(1003);

    const invalidUtf8 = await connect('buyer-utf8', 'buyer');
    invalidUtf8.socket.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    expect(await invalidUtf8.closedWithin(5000)).toBe(1007);

    const tooBig = await connect('buyer-big', 'buyer');
    tooBig.send({ action: 'ping', padding: 'x'.repeat(129 * 1024) });
    expect(await tooBig.closedWithin(5000)).toBe(1009);
  });
});

describe('after-sales cases: every route and pushed frame, as documented', () => {
  it('opens, reads, moves, annotates, reassigns and lists a case; the owner gets case.opened / case.updated, the sweep a case.warning', async () => {
    const shopId = 'peach-glow';
    const supervisor = await sign('supervisor-wang', 'supervisor', allShops);
    const xiaomei = await sign('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    const settingsPath = `/v1/shops/${shopId}/case-settings`;
    // A quality complaint is due 3.6 s after it enters its state: the local sweep warns within two minutes.
    const settings = {
      safetyMarginMinutes: 0,
      warningPoints: [1],
      supervisorIds: ['supervisor-wang'],
      deadlineRules: [{ id: 'e2e-quick', platform: '*', caseType: 'quality-complaint', state: '*', hours: 0.001 }],
    };
    expect(await call('GET', settingsPath, { token: supervisor })).toMatchObject({ status: 200 });
    expect(await call('PUT', settingsPath, { token: supervisor, body: settings })).toMatchObject({ status: 200 });
    expect(await call('PUT', settingsPath, { token: supervisor, body: { ...settings, warningPoints: [2] } })).toMatchObject({ status: 400 });
    expect(await call('PUT', settingsPath, { token: xiaomei, body: settings })).toMatchObject({ status: 403 });
    expect(await call('GET', '/v1/shops/no-such-shop/case-settings', { token: supervisor })).toMatchObject({ status: 404 });

    const buyer = await connect('buyer-case', 'buyer');
    const ack = await buyer.request({ action: 'sendMessage', shopId, clientMessageId: 'case-1', text: '面霜用了过敏，怎么处理？' });
    const conversationId = String(ack.conversationId);
    const owner = await connect('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    const dawei = await connect('dawei', 'agent', ['henggong-appliances', 'peach-glow']);
    const watching = await connect('supervisor-wang', 'supervisor', allShops);

    const body = { clientRequestId: 'e2e-case-0001', type: 'quality-complaint', conversationId, platform: 'taobao', note: '买家反馈过敏' };
    const opened = await call('POST', `/v1/shops/${shopId}/cases`, { token: xiaomei, body });
    expect(opened).toMatchObject({ status: 201, body: { ownerId: 'xiaomei', state: 'open' } });
    const caseId = String(opened.body?.caseId);
    expect(await call('POST', `/v1/shops/${shopId}/cases`, { token: xiaomei, body })).toMatchObject({ status: 200, body: { caseId } });
    expect(await call('POST', `/v1/shops/${shopId}/cases`, { token: xiaomei, body: { ...body, type: 'exchange' } })).toMatchObject({ status: 409 });
    expect(await call('POST', `/v1/shops/${shopId}/cases`, { token: xiaomei, body: { ...body, ownerId: 'dawei' } })).toMatchObject({ status: 400 });
    expect(await call('POST', `/v1/shops/${shopId}/cases`, { token: xiaomei, body: { ...body, clientRequestId: 'e2e-case-0002', conversationId: 'no-such-conversation' } })).toMatchObject({ status: 404 });
    await owner.next((frame) => frame.type === 'case.opened' && (frame.case as { caseId?: string }).caseId === caseId, 30_000);

    expect(await call('GET', `/v1/cases/${caseId}`, { token: xiaomei })).toMatchObject({ status: 200, body: { caseId } });
    expect(await call('GET', '/v1/cases/no-such-case', { token: xiaomei })).toMatchObject({ status: 404 });
    expect(await call('POST', `/v1/cases/${caseId}/transitions`, { token: xiaomei, body: { to: 'waiting-buyer' } })).toMatchObject({ status: 200 });
    expect(await call('POST', `/v1/cases/${caseId}/transitions`, { token: xiaomei, body: { to: 'resolved' } })).toMatchObject({ status: 409, body: { error: { code: 'CASE_OUTCOME_REQUIRED' } } });
    expect(await call('POST', `/v1/cases/${caseId}/transitions`, { token: xiaomei, body: { to: 'limbo' } })).toMatchObject({ status: 400 });
    expect(await call('POST', `/v1/cases/${caseId}/notes`, { token: xiaomei, body: { text: '已请买家上传照片' } })).toMatchObject({ status: 201 });
    expect(await call('POST', `/v1/cases/${caseId}/notes`, { token: await sign('dawei', 'agent', ['peach-glow']), body: { text: 'x' } })).toMatchObject({ status: 403 });
    expect(await call('POST', `/v1/cases/${caseId}/evidence`, { token: xiaomei, body: { url: 'https://img.example.com/allergy.jpg' } })).toMatchObject({ status: 201 });
    expect(await call('POST', `/v1/cases/${caseId}/evidence`, { token: xiaomei, body: { url: 'ftp://x' } })).toMatchObject({ status: 400 });
    expect(await call('POST', `/v1/cases/${caseId}/retention`, { token: xiaomei, body: {} })).toMatchObject({ status: 409, body: { error: { code: 'CASE_OUTCOME_NOT_ALLOWED' } } });
    expect(await call('PUT', `/v1/cases/${caseId}/owner`, { token: xiaomei, body: { ownerId: 'dawei' } })).toMatchObject({ status: 403 });
    expect(await call('PUT', `/v1/cases/${caseId}/owner`, { token: supervisor, body: { ownerId: 'dawei' } })).toMatchObject({ status: 200, body: { ownerId: 'dawei' } });
    await dawei.next((frame) => frame.type === 'case.updated' && (frame.case as { ownerId?: string }).ownerId === 'dawei', 30_000);
    // Back on the seller's side: its clock restarts and the sweep warns the new owner and the supervisor.
    const daweiToken = await sign('dawei', 'agent', ['henggong-appliances', 'peach-glow']);
    expect(await call('POST', `/v1/cases/${caseId}/transitions`, { token: daweiToken, body: { to: 'waiting-seller' } })).toMatchObject({ status: 200 });

    expect(await call('GET', `/v1/shops/${shopId}/cases?limit=5`, { token: supervisor })).toMatchObject({ status: 200 });
    expect(await call('GET', `/v1/shops/${shopId}/cases?cursor=forged`, { token: supervisor })).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/shops/no-such-shop/cases', { token: xiaomei })).toMatchObject({ status: 404 });
    expect(await call('GET', '/v1/me/cases', { token: daweiToken })).toMatchObject({ status: 200 });

    await dawei.next((frame) => frame.type === 'case.warning' && frame.caseId === caseId, 150_000);
    await watching.next((frame) => frame.type === 'case.warning' && frame.caseId === caseId, 10_000);
    expect(await call('GET', `/v1/shops/${shopId}/cases?overdue=true`, { token: supervisor })).toMatchObject({ status: 200, body: { cases: [{ caseId }] } });
  }, 200_000);
});

describe('QC and scorecards, as documented', () => {
  it('rubrics, settings, the work list, reviews, disputes, calibration and scorecards answer as documented, bad input refused with code and field', async () => {
    const supervisor = await sign('supervisor-wang', 'supervisor', allShops);
    const qc = await sign('qc-zhou', 'qc', ['peach-glow', 'henggong-appliances']);
    const xiaomei = await sign('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    const dawei = await sign('dawei', 'agent', ['henggong-appliances', 'peach-glow']);
    const shop = '/v1/shops/peach-glow/qc';
    const rubric = qcContracts[`PUT /v1/shops/{shopId}/qc/rubrics/{stage}`]!.examples![0]!.body as { items: { weight: number }[] };

    // Rubrics: the seeded ones are there; bad weights, an empty rubric and a QC writer are refused.
    expect(await call('GET', `${shop}/rubrics`, { token: qc })).toMatchObject({ status: 200, body: { rubrics: [{ stage: 'after-sale' }, { stage: 'pre-sale' }] } });
    expect(await call('GET', '/v1/shops/old-time-apparel/qc/rubrics', { token: qc })).toMatchObject({ status: 404 });
    expect(await call('GET', `${shop}/rubrics/pre-sale`, { token: qc })).toMatchObject({ status: 200, body: { version: 1 } });
    expect(await call('GET', `${shop}/rubrics/in-sale`, { token: qc })).toMatchObject({ status: 404 });
    expect(await call('PUT', `${shop}/rubrics/pre-sale`, { token: supervisor, body: rubric })).toMatchObject({ status: 200, body: { version: 2 } });
    const unbalanced = { ...rubric, items: rubric.items.map((item, i) => (i === 0 ? { ...item, weight: item.weight + 5 } : item)) };
    expect(await call('PUT', `${shop}/rubrics/pre-sale`, { token: supervisor, body: unbalanced })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.items' }] } } });
    expect(await call('PUT', `${shop}/rubrics/pre-sale`, { token: supervisor, body: { ...rubric, items: [] } })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.items' }] } } });
    expect(await call('PUT', `${shop}/rubrics/pre-sale`, { token: qc, body: rubric })).toMatchObject({ status: 403 });

    // Settings, and the work list before and after the cycle job froze it.
    expect(await call('GET', `${shop}/settings`, { token: qc })).toMatchObject({ status: 200, body: { source: 'default' } });
    expect(await call('PUT', `${shop}/settings`, { token: supervisor, body: { sampling: { ratePercent: 150 } } })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.sampling.ratePercent' }] } } });
    expect(await call('PUT', `${shop}/settings`, { token: supervisor, body: { sampling: { perAgent: 3 }, autoChecks: { forbiddenWords: ['自己看'] } } })).toMatchObject({ status: 200, body: { source: 'shop' } });
    expect(await call('GET', `${shop}/work-list`, { token: qc })).toMatchObject({ status: 200 });
    await stack.runSchedule('FreezeQcSamples', new Date());
    expect(await call('GET', `${shop}/work-list`, { token: qc })).toMatchObject({ status: 200, body: { frozen: true } });
    expect(await call('GET', `${shop}/work-list?cycle=2026-13-01`, { token: qc })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'query.cycle' }] } } });

    // A conversation to review: xiaomei answers with a greeting, a promise and a closing phrase.
    const agentSocket = await connect('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    await agentSocket.request({ action: 'setPresence', presence: 'online' });
    const buyer = await connect('buyer-qc', 'buyer');
    const conversationId = String((await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', clientMessageId: 'qc-1', text: '这款面霜干皮能用吗？' })).conversationId);
    await agentSocket.next((frame) => frame.type === 'assigned' && frame.conversationId === conversationId, 20_000);
    await agentSocket.request({ action: 'sendMessage', conversationId, clientMessageId: 'qc-a1', text: '亲，您好！这款一定适合干皮' });
    await agentSocket.request({ action: 'sendMessage', conversationId, clientMessageId: 'qc-a2', text: '感谢您的咨询，祝您生活愉快' });
    const conversationPath = `${shop}/conversations/${conversationId}`;
    const automatic = await call('GET', conversationPath, { token: qc });
    expect(automatic).toMatchObject({ status: 200, body: { reviews: [], automatic: { values: { greet: 1, closing: 1, 'no-forbidden-words': 1 } } } });

    const values = { greet: 1, guide: 3, introduce: 4, 'urge-payment': 'na', 'close-sale': 'na', confirm: 'na', 'cross-sell': 'na', closing: 1, 'after-sale-basics': 'na', 'no-forbidden-words': 1 };
    expect(await call('POST', `${conversationPath}/reviews`, { token: qc, body: { values: { ...values, greet: 5 } } })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.values.greet' }] } } });
    const review = await call('POST', `${conversationPath}/reviews`, { token: qc, body: { values, comment: '介绍到位' } });
    expect(review).toMatchObject({ status: 201, body: { agentId: 'xiaomei', passed: true, overrides: [] } });
    expect(await call('POST', `${conversationPath}/reviews`, { token: supervisor, body: { values: { ...values, closing: 0, introduce: 2 } } })).toMatchObject({ status: 201, body: { overrides: [{ itemId: 'closing', automatic: 1, human: 0 }] } });
    expect(await call('POST', `/v1/shops/old-time-apparel/qc/conversations/${conversationId}/reviews`, { token: qc, body: { values } })).toMatchObject({ status: 404 });
    expect(await call('GET', conversationPath, { token: qc })).toMatchObject({ status: 200, body: { calibration: { reviewers: 2 } } });

    // The reviewed agent disputes; a colleague cannot; a supervisor rules, once.
    const reviewPath = `${conversationPath}/reviews/${review.body?.reviewId}`;
    expect(await call('POST', `${reviewPath}/dispute`, { token: dawei, body: { reason: '不是我的' } })).toMatchObject({ status: 404 });
    expect(await call('POST', `${reviewPath}/dispute`, { token: xiaomei, body: { reason: '引导环节已做' } })).toMatchObject({ status: 200, body: { dispute: { state: 'open' } } });
    expect(await call('POST', `${reviewPath}/dispute`, { token: xiaomei, body: { reason: 'again' } })).toMatchObject({ status: 409, body: { error: { code: 'ALREADY_DISPUTED' } } });
    expect(await call('GET', `${shop}/disputes`, { token: supervisor })).toMatchObject({ status: 200, body: { reviews: [{ reviewId: review.body?.reviewId }] } });
    expect(await call('POST', `${reviewPath}/ruling`, { token: qc, body: { ruling: 'upheld' } })).toMatchObject({ status: 403 });
    expect(await call('POST', `${reviewPath}/ruling`, { token: supervisor, body: { ruling: 'overturned', note: '复核属实' } })).toMatchObject({ status: 200, body: { dispute: { state: 'overturned' } } });
    expect(await call('POST', `${reviewPath}/ruling`, { token: supervisor, body: { ruling: 'upheld' } })).toMatchObject({ status: 409, body: { error: { code: 'NO_OPEN_DISPUTE' } } });
    expect(await call('GET', '/v1/qc/my-reviews', { token: xiaomei })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/qc/my-reviews', { token: qc })).toMatchObject({ status: 403 });

    // Scorecards: one without KPI items (the KPI aggregates are another module), manual items, the month.
    const month = new Date().toISOString().slice(0, 7);
    const card = qcContracts['PUT /v1/shops/{shopId}/scorecard']!.examples![1]!.body as { items: { weight: number }[] };
    expect(await call('PUT', '/v1/shops/peach-glow/scorecard', { token: supervisor, body: card })).toMatchObject({ status: 200 });
    expect(await call('PUT', '/v1/shops/peach-glow/scorecard', { token: supervisor, body: { ...card, items: card.items.slice(1) } })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.items' }] } } });
    expect(await call('GET', '/v1/shops/peach-glow/scorecard', { token: supervisor })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/shops/old-time-apparel/scorecard', { token: supervisor })).toMatchObject({ status: 404 });
    const manualPath = `/v1/shops/peach-glow/scorecards/${month}/agents/xiaomei/manual`;
    expect(await call('PUT', manualPath, { token: supervisor, body: { values: { 'order-review': 90, learning: 80 }, adjustments: [{ points: 3, reason: '好评表扬' }] } })).toMatchObject({ status: 200 });
    expect(await call('PUT', manualPath, { token: supervisor, body: { values: { qc: 90 } } })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.values.qc' }] } } });
    expect(await call('PUT', manualPath, { token: xiaomei, body: { values: {} } })).toMatchObject({ status: 403 });
    expect(await call('GET', `/v1/shops/peach-glow/scorecards/${month}`, { token: supervisor })).toMatchObject({ status: 200, body: { category: 'cosmetics' } });
    expect(await call('GET', '/v1/shops/peach-glow/scorecards/2026-13', { token: supervisor })).toMatchObject({ status: 400 });
  }, 120_000);
});

describe('KPIs from the change stream, attribution rules and the usage export', () => {
  it("a buyer's message reaches the supervisor's dashboard as kpi.updated through the stream consumer; reads are isolated", async () => {
    const supervisor = await connect('sup-kpi', 'supervisor', ['peach-glow']);
    expect(await supervisor.request({ action: 'kpis.watch', shopId: 'peach-glow' })).toMatchObject({ type: 'ack', action: 'kpis.watch', shopId: 'peach-glow' });
    expect(await supervisor.request({ action: 'kpis.watch', shopId: 'henggong-appliances' })).toMatchObject({ type: 'error', code: 'NOT_FOUND' });

    const kpiBuyer = await connect('buyer-kpi', 'buyer');
    const sentAt = Date.now();
    expect(await kpiBuyer.request({ action: 'sendMessage', shopId: 'peach-glow', clientMessageId: 'k1', text: '有没有适合油皮的？' })).toMatchObject({ type: 'ack', seq: 1 });
    const updated = await supervisor.next((frame) => frame.type === 'kpi.updated' && frame.shopId === 'peach-glow' && Date.parse(String(frame.updatedAt)) >= sentAt, 20_000);
    expect(updated.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const day = String(updated.day);
    const supervisorToken = await sign('sup-kpi', 'supervisor', ['peach-glow']);
    const read = await call('GET', `/v1/shops/peach-glow/kpis?from=${day}&to=${day}&granularity=hour`, { token: supervisorToken });
    expect(read).toMatchObject({ status: 200, body: { shopId: 'peach-glow', granularity: 'hour' } });
    expect(read.body?.total.counters.buyerMessages).toBeGreaterThanOrEqual(1);
    expect(read.body?.total.counters.conversations).toBeGreaterThanOrEqual(1);

    // Isolation: another shop's supervisor, a colleague's figures, another tenant.
    expect(await call('GET', `/v1/shops/henggong-appliances/kpis?from=${day}&to=${day}`, { token: supervisorToken })).toMatchObject({ status: 404 });
    const xiaomei = await sign('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    expect(await call('GET', `/v1/shops/peach-glow/kpis?from=${day}&to=${day}`, { token: xiaomei })).toMatchObject({ status: 200, body: { agentId: 'xiaomei' } });
    expect(await call('GET', `/v1/shops/peach-glow/kpis?from=${day}&to=${day}&agentId=lili`, { token: xiaomei })).toMatchObject({ status: 404 });
    const foreign = await stack.issuer.sign({ userId: 'sup-kpi', tenantId: 'demo-firm-b', role: 'supervisor', shopIds: ['peach-glow'] });
    expect(await call('GET', `/v1/shops/peach-glow/kpis?from=${day}&to=${day}`, { token: foreign })).toMatchObject({ status: 404 });
    // Bad input: 400 with the field.
    expect(await call('GET', `/v1/shops/peach-glow/kpis?from=2026-11-12&to=2026-11-11`, { token: supervisorToken })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'query.from' }] } } });
    expect(await call('GET', `/v1/shops/peach-glow/kpis?from=${day}&to=${day}&granularity=week`, { token: supervisorToken })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'query.granularity' }] } } });
  }, 60_000);

  it('sets a shop\'s attribution rule (2-15 days) and exports usage as JSON and CSV', async () => {
    const admin = await sign('admin-contract', 'admin');
    expect(await call('GET', '/v1/shops/peach-glow/attribution-rule', { token: admin })).toMatchObject({ status: 200, body: { source: 'default' } });
    expect(await call('PUT', '/v1/shops/peach-glow/attribution-rule', { token: admin, body: { mode: 'order-first', inquiryWindowDays: 16 } })).toMatchObject({
      status: 400,
      body: { error: { details: [{ field: 'body.inquiryWindowDays' }] } },
    });
    expect(await call('GET', '/v1/shops/peach-glow/attribution-rule', { token: admin })).toMatchObject({ status: 200, body: { source: 'default' } });
    expect(await call('PUT', '/v1/shops/peach-glow/attribution-rule', { token: admin, body: { mode: 'order-first', inquiryWindowDays: 7 } })).toMatchObject({
      status: 200,
      body: { mode: 'order-first', inquiryWindowDays: 7, version: 1, recompute: { version: 1, state: 'pending', monthsDone: 0, monthsTotal: 3 } },
    });
    // The stream consumer enqueues the recompute; the local stack's recompute queue consumer runs it to done.
    let recomputed = await call('GET', '/v1/shops/peach-glow/attribution-rule', { token: admin });
    for (const until = Date.now() + 30_000; (recomputed.body?.recompute as { state?: string })?.state !== 'done' && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      recomputed = await call('GET', '/v1/shops/peach-glow/attribution-rule', { token: admin });
    }
    expect(recomputed).toMatchObject({ status: 200, body: { version: 1, activeVersion: 1, recomputing: false, recompute: { version: 1, state: 'done', monthsDone: 3, monthsTotal: 3 } } });
    expect(await call('PUT', '/v1/shops/no-such-shop/attribution-rule', { token: admin, body: { mode: 'payment', inquiryWindowDays: 3 } })).toMatchObject({ status: 404 });
    const supervisorToken = await sign('sup-kpi', 'supervisor', ['henggong-appliances']);
    expect(await call('GET', '/v1/shops/peach-glow/attribution-rule', { token: supervisorToken })).toMatchObject({ status: 404 });

    const today = new Date().toISOString().slice(0, 10);
    const usage = await call('GET', `/v1/usage?from=${today}&to=${today}&format=json`, { token: admin });
    expect(usage).toMatchObject({ status: 200, body: { from: today } });
    const lines = usage.body?.lines as { costUsdCents: number }[];
    expect(lines.reduce((sum, line) => sum + line.costUsdCents, 0)).toBe(usage.body?.totalCostUsdCents);
    expect(await call('GET', `/v1/usage?from=${today}&to=${today}`, { token: supervisorToken })).toMatchObject({ status: 403 });
    const csv = await fetch(`${stack.httpUrl}/v1/usage?from=${today}&to=${today}&format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).split('\r\n')[0]).toBe('\ufeffday,shopId,conversations,messagesIn,messagesOut,robotAnswers,outreachSent,cases,agentMinutes,costUsdCents');
  }, 60_000);
});

describe('the attribution recompute on its queue (issue 9)', () => {
  it("a rule change is recomputed by the recompute queue's consumer and its shop's KPI watcher gets kpi.recomputed", async () => {
    const watcher = await connect('sup-recompute', 'supervisor', ['henggong-appliances']);
    expect(await watcher.request({ action: 'kpis.watch', shopId: 'henggong-appliances' })).toMatchObject({ type: 'ack', action: 'kpis.watch' });
    const admin = await sign('admin-recompute', 'admin');
    expect(await call('PUT', '/v1/shops/henggong-appliances/attribution-rule', { token: admin, body: { mode: 'order-placed', inquiryWindowDays: 5 } })).toMatchObject({
      status: 200,
      body: { version: 1, activeVersion: 0, recomputing: true, recompute: { version: 1, state: 'pending' } },
    });
    const recomputed = await watcher.next((frame) => frame.type === 'kpi.recomputed' && frame.shopId === 'henggong-appliances', 30_000);
    expect(recomputed).toMatchObject({ version: 1, mode: 'order-placed', inquiryWindowDays: 5, recompute: { version: 1, state: 'done', monthsDone: 3, monthsTotal: 3 } });
    expect(await call('GET', '/v1/shops/henggong-appliances/attribution-rule', { token: admin })).toMatchObject({ status: 200, body: { activeVersion: 1, recomputing: false } });
  }, 60_000);
});

describe('outreach: every route, and the demo (a signed order produces a callback task for a demo agent)', () => {
  it("a Shopify order signed in the simulator becomes 小雨's delivery callback, with its order card, through the sweep schedule", async () => {
    const shopId = 'old-time-apparel';
    const supervisor = await sign('supervisor-zhou', 'supervisor', [shopId]);
    const settingsPath = `/v1/shops/${shopId}/outreach-settings`;
    // No quiet hours and no delay: the demo does not depend on the hour it runs at.
    const settings = { quietHours: { start: '00:00', end: '00:00' }, deliveryCallback: { delayMinutes: 0, assignTo: 'agents' } };
    expect(await call('GET', settingsPath, { token: supervisor })).toMatchObject({ status: 200, body: { shopId } });
    expect(await call('PUT', settingsPath, { token: supervisor, body: settings })).toMatchObject({ status: 200 });
    expect(await call('PUT', settingsPath, { token: supervisor, body: { reviewInvitation: { template: '五星好评返现' } } })).toMatchObject({ status: 422, body: { error: { code: 'REWARD_TIED_TO_RATING' } } });
    expect(await call('PUT', settingsPath, { token: supervisor, body: { urgeToPay: { template: '{who}' } } })).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_PLACEHOLDER' } } });
    expect(await call('PUT', settingsPath, { token: await sign('xiaoyu', 'agent', [shopId]), body: settings })).toMatchObject({ status: 403 });
    expect(await call('GET', '/v1/shops/no-such-shop/outreach-settings', { token: supervisor })).toMatchObject({ status: 404 });

    const xiaoyu = await connect('xiaoyu', 'agent', [shopId, 'peach-glow']);
    expect(await xiaoyu.request({ action: 'setPresence', presence: 'online' })).toMatchObject({ type: 'ack' });
    const command = async (path: string) => {
      const response = await fetch(`${stack.simulatorUrl}/sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(path === 'orders' ? { shop: shopId, buyer: 'buyer-callback' } : {}) });
      expect(response.status, path).toBe(200);
      return (await response.json()) as Record<string, any>;
    };
    const orderId = String((await command('orders')).order.orderId);
    for (const step of ['pay', 'ship', 'sign']) await command(`orders/${orderId}/${step}`);
    const taskId = taskIdFor(shopId, 'shopify', orderId, 'delivery-callback');
    const token = await sign('xiaoyu', 'agent', [shopId, 'peach-glow']);
    let task: Record<string, any> | undefined;
    for (let tries = 0; tries < 60 && !task; tries++) {
      const answer = await call('GET', `/v1/shops/${shopId}/outreach-tasks/${taskId}`, { token });
      if (answer.status === 200) task = answer.body;
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(task).toMatchObject({ kind: 'delivery-callback', status: 'scheduled', assignTo: 'agents' });
    expect(await call('GET', `/v1/shops/peach-glow/outreach-tasks/${taskId}`, { token })).toMatchObject({ status: 404 });
    // The sweep for the task's minute (the local Scheduler, planned time given): the queue consumer assigns it.
    await stack.runSchedule('SweepOutreach', new Date(`${task!.dueMinute}:30.000Z`));
    let mine: Record<string, any> | undefined;
    for (let tries = 0; tries < 60; tries++) {
      mine = (await call('GET', '/v1/me/outreach-tasks?limit=10', { token })).body;
      if (mine?.tasks.some((item: { task: { taskId: string } }) => item.task.taskId === taskId)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(mine?.tasks).toContainEqual(expect.objectContaining({ task: expect.objectContaining({ taskId, assigneeId: 'xiaoyu', status: 'assigned' }), order: expect.objectContaining({ orderId }) }));
    expect(await call('GET', '/v1/me/outreach-tasks?limit=1000', { token })).toMatchObject({ status: 400 });
    expect(await call('POST', `/v1/outreach-tasks/${taskId}/outcome`, { token: supervisor, body: { outcome: 'reached' } })).toMatchObject({ status: 403 });
    expect(await call('POST', `/v1/outreach-tasks/${taskId}/outcome`, { token, body: { outcome: 'reached' } })).toMatchObject({ status: 200, body: { task: { status: 'done', outcome: 'reached' } } });
    expect(await call('POST', `/v1/outreach-tasks/${taskId}/outcome`, { token, body: { outcome: 'reached' } })).toMatchObject({ status: 409, body: { error: { code: 'OUTREACH_TASK_NOT_OPEN' } } });
    expect(await call('POST', '/v1/outreach-tasks/no-such-task/outcome', { token, body: { outcome: 'reached' } })).toMatchObject({ status: 404 });

    const campaign = { clientRequestId: 'e2e-campaign-0001', platform: 'shopify', buyerId: 'buyer-callback', dueAt: '2099-11-11T02:00:00Z', template: '亲，{shopName}上新啦' };
    expect(await call('POST', `/v1/shops/${shopId}/outreach-tasks`, { token: supervisor, body: campaign })).toMatchObject({ status: 201 });
    expect(await call('POST', `/v1/shops/${shopId}/outreach-tasks`, { token: supervisor, body: campaign })).toMatchObject({ status: 200 });
    expect(await call('POST', `/v1/shops/${shopId}/outreach-tasks`, { token: supervisor, body: { ...campaign, clientRequestId: 'e2e-campaign-0002', dueAt: '2020-01-01T00:00:00Z' } })).toMatchObject({ status: 400, body: { error: { code: 'DUE_TIME_IN_PAST' } } });
  }, 120_000);

  it("an SMS campaign goes through the simulator's SMS provider, whose signed delivery and read receipts are recorded on the task's reach", async () => {
    // A shop whose settings no consumer has cached yet (they are kept 30 s per instance).
    const shopId = 'henggong-appliances';
    const supervisor = await sign('supervisor-zhou', 'supervisor', [shopId]);
    const settings = { quietHours: { start: '00:00', end: '00:00' }, channels: { sms: { enabled: true, startPerDay: 100, growth: 1 } } };
    expect(await call('PUT', `/v1/shops/${shopId}/outreach-settings`, { token: supervisor, body: settings })).toMatchObject({ status: 200 });
    const created = await call('POST', `/v1/shops/${shopId}/outreach-tasks`, {
      token: supervisor,
      body: { clientRequestId: `e2e-sms-${Date.now()}`, platform: 'shopify', buyerId: 'buyer-sms', dueAt: new Date().toISOString(), template: '亲，{shopName}上新啦', channel: 'sms' },
    });
    expect(created).toMatchObject({ status: 201 });
    const { taskId, dueMinute } = created.body as { taskId: string; dueMinute: string };
    // A minute after the task's: the run re-reads the minutes just before its cursor, so an earlier run of that minute loses nothing.
    await stack.runSchedule('SweepOutreach', new Date(Date.parse(`${dueMinute}:30.000Z`) + 60_000));
    const reachOf = async () => (await call('GET', `/v1/shops/${shopId}/outreach-tasks/${taskId}`, { token: supervisor })).body?.reach as Record<string, string> | undefined;
    let reach: Record<string, string> | undefined;
    for (let tries = 0; tries < 60 && !reach?.deliveredAt; tries++) {
      reach = await reachOf();
      if (!reach?.deliveredAt) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(reach).toMatchObject({ channel: 'sms', deliveredAt: expect.any(String) });
    // The buyer reads it: the simulator's provider posts the signed read receipt.
    const read = await fetch(`${stack.simulatorUrl}/sim/sms/read`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ taskId }) });
    expect(await read.json()).toMatchObject({ status: 200, body: { recorded: 1, ignored: 0 } });
    expect(await reachOf()).toMatchObject({ readAt: expect.any(String) });
    // The receipt route as documented: a repeat is ignored; a forged or unsigned callback is a 401.
    expect(await postSmsReceipts(stack.httpUrl, [{ tenantId, taskId, status: 'read', at: new Date().toISOString() }])).toEqual({ status: 200, body: { recorded: 0, ignored: 1 } });
    expect(await postSmsReceipts(stack.httpUrl, [{ tenantId, taskId, status: 'read', at: new Date().toISOString() }], 'a-forged-secret-not-the-provider')).toMatchObject({ status: 401, body: { error: { code: 'SIGNATURE_MISMATCH' } } });
    expect(await call('POST', '/v1/sms/receipts', { body: { receipts: [] } })).toMatchObject({ status: 401, body: { error: { code: 'MISSING_SIGNATURE' } } });
  }, 120_000);
});

describe('the FAQ robot operations, as documented (issue 8 §3)', () => {
  it('keeps FAQ entries, imports them, sets the robot and reads its stats; bad input is a 400 with the field, other shops a 404', async () => {
    const supervisor = await sign('supervisor-wang', 'supervisor', allShops);
    const entry = { questions: ['能开发票吗'], keywords: ['发票'], answers: ['{buyerName}，支持电子发票哦~'] };
    expect(await call('PUT', '/v1/shops/old-time-apparel/faq-entries/contract-invoice', { token: supervisor, body: entry })).toMatchObject({ status: 200, body: { faqId: 'contract-invoice' } });
    expect(await call('GET', '/v1/shops/old-time-apparel/faq-entries/contract-invoice', { token: supervisor })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/shops/old-time-apparel/faq-entries', { token: supervisor })).toMatchObject({ status: 200 });
    const bad = await call('PUT', '/v1/shops/old-time-apparel/faq-entries/contract-bad', { token: supervisor, body: { ...entry, answers: ['{coupon}'] } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.answers.0' }] } } });
    expect(await call('POST', '/v1/shops/old-time-apparel/faq-imports', { token: supervisor, body: { entries: [{ faqId: 'contract-import', entry }] } })).toMatchObject({ status: 200, body: { imported: 1 } });
    expect(await call('DELETE', '/v1/shops/old-time-apparel/faq-entries/contract-import', { token: supervisor })).toMatchObject({ status: 204 });
    expect(await call('DELETE', '/v1/shops/old-time-apparel/faq-entries/contract-import', { token: supervisor })).toMatchObject({ status: 404 });
    expect(await call('PUT', '/v1/shops/old-time-apparel/robot-settings', { token: supervisor, body: { mode: 'off', confidenceThreshold: 1.5 } })).toMatchObject({ status: 400 });
    expect(await call('PUT', '/v1/shops/old-time-apparel/robot-settings', { token: supervisor, body: { mode: 'off' } })).toMatchObject({ status: 200, body: { source: 'shop' } });
    expect(await call('GET', '/v1/shops/old-time-apparel/robot-settings', { token: supervisor })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/shops/old-time-apparel/robot-stats?from=2026-11-01&to=2026-11-11', { token: supervisor })).toMatchObject({ status: 200 });
    expect(await call('GET', '/v1/shops/no-such-shop/robot-settings', { token: supervisor })).toMatchObject({ status: 404 });
  });
});

describe('the documents describe everything this suite saw', () => {
  it('covers every HTTP operation, every WebSocket action and every message kefu sends', () => {
    const documentedOperations = Object.entries(openApi.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const pattern = (key: string) => new RegExp(`^${key.replace(/\{[^}]+\}/g, '[^/?]+').replace(' ', ' ')}(\\?|$)`);
    const exercised = documentedOperations.filter((key) => contractRecorder.http.some((exchange) => pattern(key).test(`${exchange.method} ${exchange.url}`)));
    expect(exercised.sort()).toEqual(documentedOperations.sort());

    const sentActions = Object.values(asyncApi.operations as Record<string, any>)
      .filter((operation) => operation.action === 'receive' && operation.messages.length > 0 && !operation['x-kefu-route'].startsWith('$'))
      .map((operation) => operation['x-kefu-route'] as string);
    const answered = new Set(contractRecorder.frames.map((frame) => frame.replyTo).filter(Boolean));
    expect(sentActions.filter((action) => !answered.has(action))).toEqual([]);

    // API Gateway's error frame needs a crashed function; nothing else may go unseen.
    const unprovoked = new Set(['gatewayError']);
    const seenTypes = new Set(contractRecorder.frames.map((frame) => (JSON.parse(frame.text) as { type?: string }).type));
    const messageTypes = Object.entries(asyncApi.components.messages as Record<string, any>)
      .filter(([name]) => !unprovoked.has(name))
      .map(([name, message]) => [name, asyncApi.components.schemas[message.payload.$ref.split('/').pop()]?.properties?.type?.const] as const)
      .filter(([, type]) => type !== undefined);
    expect(messageTypes.filter(([, type]) => !seenTypes.has(type)).map(([name]) => name)).toEqual([]);
  });

  it('matches every response, frame, refused handshake and close against the documents', async () => {
    expect(await contractRecorder.violations()).toEqual([]);
    const counts = contractRecorder.counts();
    expect(counts.http).toBeGreaterThan(40);
    expect(counts.frames).toBeGreaterThan(80);
    expect(counts.handshakes).toBe(4);
    expect(counts.closes).toBe(3);
  });
});
