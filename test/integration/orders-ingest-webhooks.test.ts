import { randomUUID } from 'node:crypto';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler as getIntegrationHandler } from '../../functions/http/get-order-integration';
import { handler as getLogHandler } from '../../functions/http/get-order-event-log';
import { handler as putIntegrationHandler } from '../../functions/http/put-order-integration';
import { handler as douyinHandler } from '../../functions/http/receive-douyin-webhook';
import { handler as kefuHandler } from '../../functions/http/receive-kefu-webhook';
import { handler as shopifyHandler } from '../../functions/http/receive-shopify-webhook';
import { douyinHeaders, kefuHeaders, shopifyHeaders } from '../../infra/local/platform-simulator/webhook-signing';
import type { Identity } from '../../shared/auth/identity';
import { ingestWebhook, webhookDependencies } from '../../shared/orders/ingest-webhook';
import { sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';
import { keys } from '../../shared/store/keys';
import { saveShop } from '../../shared/store/shops';
import { httpEvent, lambdaContext } from '../support/events';
import { receiveAll } from '../support/queues';
import { storedItem } from '../support/table';

/**
 * Order integrations and the public webhook routes against DynamoDB Local and the SQS server: a signed
 * delivery becomes a message on the orders queue for the endpoint's tenant and shop; anything that fails
 * the signature is a 401 with nothing queued or stored (reliability row 23); secrets are write-only.
 */
const tenantA = `t-ingest-a-${randomUUID().slice(0, 8)}`;
const tenantB = `t-ingest-b-${randomUUID().slice(0, 8)}`;
const adminA: Identity = { userId: 'admin-a', tenantId: tenantA, role: 'admin', shopIds: [] };
const supervisorA: Identity = { userId: 'sup-a', tenantId: tenantA, role: 'supervisor', shopIds: ['shop-shopify'] };
const agentA: Identity = { userId: 'agent-a', tenantId: tenantA, role: 'agent', shopIds: ['shop-shopify'] };
const adminB: Identity = { userId: 'admin-b', tenantId: tenantB, role: 'admin', shopIds: [] };

const secretA = 'shopify-secret-of-tenant-a-0001';
const secretB = 'shopify-secret-of-tenant-b-0001';
const kefuSecret = 'kefu-relay-secret-0000000001';

type Response = { statusCode: number; body: string; headers?: Record<string, string> };
const json = (response: Response) => (response.body ? JSON.parse(response.body) : undefined);
let ordersQueue: string;

const putIntegration = async (user: Identity, shopId: string, body: unknown) =>
  (await putIntegrationHandler(
    httpEvent({ method: 'PUT', path: `/v1/shops/${shopId}/order-integration`, identity: user, body, pathParameters: { shopId } }),
    lambdaContext,
  )) as Response;
const getIntegration = async (user: Identity, shopId: string) =>
  (await getIntegrationHandler(httpEvent({ method: 'GET', path: `/v1/shops/${shopId}/order-integration`, identity: user, pathParameters: { shopId } }), lambdaContext)) as Response;
const getLog = async (user: Identity, shopId: string, day: string) =>
  (await getLogHandler(
    httpEvent({ method: 'GET', path: `/v1/shops/${shopId}/order-event-log`, identity: user, pathParameters: { shopId }, query: { day } }),
    lambdaContext,
  )) as Response;

const handlers = { shopify: shopifyHandler, douyin: douyinHandler, kefu: kefuHandler };
async function deliver(kind: keyof typeof handlers, endpointId: string, body: Buffer, headers: Record<string, string>, options: { base64?: boolean } = {}) {
  const event = httpEvent({ method: 'POST', path: `/v1/webhooks/${kind}/${endpointId}`, pathParameters: { endpointId }, headers, rawBody: options.base64 ? body.toString('base64') : body.toString('utf8') });
  event.isBase64Encoded = options.base64 ?? false;
  return (await handlers[kind](event, lambdaContext)) as Response;
}

const shopifyOrder = (id: number, updatedAt: string, extra: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      id,
      updated_at: updatedAt,
      created_at: updatedAt,
      currency: 'CNY',
      financial_status: 'paid',
      fulfillment_status: null,
      total_price: '199.00',
      customer: { id: 'buyer-zhou' },
      line_items: [{ id: 11, title: '云雾绿茶 礼盒', quantity: 1, price: '199.00' }],
      note: '包装好看一点',
      ...extra,
    }),
  );
const shopifyDelivery = (body: Buffer, secret: string, eventId: string = randomUUID(), topic = 'orders/paid') =>
  shopifyHeaders(body, secret, { topic, eventId, triggeredAt: new Date() });

let endpointA: string;
let endpointB: string;
let endpointKefu: string;

beforeAll(async () => {
  // This file's own orders queue: a receive on the shared one could take another file's messages.
  ordersQueue = (await sqs().send(new CreateQueueCommand({ QueueName: `orders-ingest-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
  process.env.ORDERS_QUEUE_URL = ordersQueue;
  resetEnvForTests();
  const shop = { name: 'shop', category: 'tea', routing: { mode: 'by-stage', groups: { 'pre-sale': 'p', 'in-sale': 'i', 'after-sale': 'a' } } } as never;
  await saveShop(tenantA, 'shop-shopify', shop, { mustExist: false });
  await saveShop(tenantA, 'shop-taobao', shop, { mustExist: false });
  await saveShop(tenantB, 'shop-shopify', shop, { mustExist: false });
  const a = await putIntegration(adminA, 'shop-shopify', { platform: 'shopify', platformShopId: 'a.myshopify.com', webhookSecret: secretA });
  const b = await putIntegration(adminB, 'shop-shopify', { platform: 'shopify', platformShopId: 'b.myshopify.com', webhookSecret: secretB });
  const k = await putIntegration(adminA, 'shop-taobao', { platform: 'taobao', platformShopId: '2200001', webhookSecret: kefuSecret, credentials: { appKey: 'k1', appSecret: 'app-secret-1' } });
  expect([a.statusCode, b.statusCode, k.statusCode]).toEqual([200, 200, 200]);
  endpointA = json(a).endpointId;
  endpointB = json(b).endpointId;
  endpointKefu = json(k).endpointId;
});

afterEach(async () => {
  await receiveAll(ordersQueue);
});

describe('order integrations: write-only secrets, shop-scoped', () => {
  it('returns the integration without any secret, and stores only sealed ones', async () => {
    const view = json(await getIntegration(adminA, 'shop-taobao'));
    expect(view).toMatchObject({
      platform: 'taobao',
      platformShopId: '2200001',
      pulled: true,
      webhookPaths: { kefu: `/v1/webhooks/kefu/${endpointKefu}` },
      credentials: { set: true },
      webhookSecrets: [{ setAt: expect.any(String) }],
    });
    expect(JSON.stringify(view)).not.toMatch(/kefu-relay-secret|app-secret-1|sealed/);
    const stored = JSON.stringify([await storedItem(keys.orderIntegration(tenantA, 'shop-taobao')), await storedItem(keys.webhookEndpoint(endpointKefu))]);
    expect(stored).not.toContain(kefuSecret);
    expect(stored).not.toContain('app-secret-1');
    expect(stored).toContain('gcm1:');
  });

  it('lets a supervisor of the shop write it, refuses an agent, and reports a shop outside the caller as missing', async () => {
    expect((await putIntegration(supervisorA, 'shop-shopify', { platform: 'shopify', platformShopId: 'a.myshopify.com' })).statusCode).toBe(200);
    expect((await putIntegration(agentA, 'shop-shopify', { platform: 'shopify', platformShopId: 'x' })).statusCode).toBe(403);
    expect((await putIntegration(supervisorA, 'shop-taobao', { platform: 'taobao', platformShopId: 'x' })).statusCode).toBe(404);
    expect((await getIntegration(supervisorA, 'shop-taobao')).statusCode).toBe(404);
  });

  it("keeps tenants apart: tenant B's admin neither reads nor changes tenant A's integration (rows 14-16)", async () => {
    // Tenant B has no shop-taobao: reading or writing it is a 404, and A's integration is untouched.
    expect((await getIntegration(adminB, 'shop-taobao')).statusCode).toBe(404);
    expect((await putIntegration(adminB, 'shop-taobao', { platform: 'taobao', platformShopId: 'evil', webhookSecret: 'attacker-secret-000001' })).statusCode).toBe(404);
    expect(json(await getIntegration(adminA, 'shop-taobao')).platformShopId).toBe('2200001');
    // Both tenants have a shop-shopify; each sees its own.
    expect(json(await getIntegration(adminB, 'shop-shopify')).platformShopId).toBe('b.myshopify.com');
    expect(json(await getIntegration(adminB, 'shop-shopify')).endpointId).not.toBe(endpointA);
  });

  it('refuses bad input with 400 naming the field, and a platform change with 409, writing nothing', async () => {
    const before = await storedItem(keys.orderIntegration(tenantA, 'shop-shopify'));
    const short = await putIntegration(adminA, 'shop-shopify', { platform: 'shopify', platformShopId: 'a.myshopify.com', webhookSecret: 'short' });
    expect(short.statusCode).toBe(400);
    expect(json(short).error.details[0].field).toBe('body.webhookSecret');
    expect(json(short).error.message).not.toContain('short');
    const platform = await putIntegration(adminA, 'shop-shopify', { platform: 'ebay', platformShopId: 'x' });
    expect(json(platform).error.details[0].field).toBe('body.platform');
    const smuggled = await putIntegration(adminA, 'shop-shopify', { platform: 'shopify', platformShopId: 'x', tenantId: tenantB });
    expect(json(smuggled).error.details[0].field).toBe('body.tenantId');
    const changed = await putIntegration(adminA, 'shop-shopify', { platform: 'douyin', platformShopId: 'x' });
    expect(changed.statusCode).toBe(409);
    expect(json(changed).error).toMatchObject({ code: 'INTEGRATION_PLATFORM_FIXED', details: [{ field: 'body.platform' }] });
    expect((await putIntegration(adminA, 'no-such-shop', { platform: 'shopify', platformShopId: 'x' })).statusCode).toBe(404);
    expect(await storedItem(keys.orderIntegration(tenantA, 'shop-shopify'))).toEqual(before);
  });
});

describe('webhooks: verified on the raw bytes, then queued for the endpoint tenant and shop (row 23)', () => {
  it('puts a signed Shopify order on the orders queue for tenant A and its shop, and answers 200', async () => {
    const body = shopifyOrder(9001, '2026-11-11T00:00:04+08:00');
    const response = await deliver('shopify', endpointA, body, shopifyDelivery(body, secretA, 'evt-a-1'));
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ accepted: 1, ignored: 0, rejected: 0 });
    const messages = await receiveAll(ordersQueue);
    expect(messages).toEqual([
      expect.objectContaining({ tenantId: tenantA, via: 'webhook', envelope: expect.objectContaining({ platform: 'shopify', shopId: 'shop-shopify', messageId: 'evt-a-1', topic: 'order.updated' }) }),
    ]);
  });

  it('takes the exact bytes of a base64-encoded body (non-ASCII content signed as sent)', async () => {
    const body = shopifyOrder(9002, '2026-11-11T00:01:00+08:00', { note: '请用顺丰 🚚' });
    const response = await deliver('shopify', endpointA, body, shopifyDelivery(body, secretA, 'evt-a-b64'), { base64: true });
    expect(response.statusCode).toBe(200);
    expect((await receiveAll(ordersQueue)).map((m: any) => m.envelope.messageId)).toEqual(['evt-a-b64']);
  });

  it('refuses a wrong secret, a tampered body and a missing signature with 401, queueing and storing nothing', async () => {
    const body = shopifyOrder(9003, '2026-11-11T00:02:00+08:00');
    const wrong = await deliver('shopify', endpointA, body, shopifyDelivery(body, 'not-the-secret-000000001', 'evt-wrong'));
    const tampered = await deliver('shopify', endpointA, Buffer.from(body.toString().replace('199.00', '1.00')), shopifyDelivery(body, secretA, 'evt-tampered'));
    const { 'x-shopify-hmac-sha256': _, ...unsigned } = shopifyDelivery(body, secretA, 'evt-unsigned');
    const missing = await deliver('shopify', endpointA, body, unsigned);
    expect([wrong, tampered, missing].map((r) => [r.statusCode, json(r).error.code])).toEqual([
      [401, 'SIGNATURE_MISMATCH'],
      [401, 'SIGNATURE_MISMATCH'],
      [401, 'MISSING_SIGNATURE'],
    ]);
    expect(await receiveAll(ordersQueue)).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(json(await getLog(adminA, 'shop-shopify', today)).entries.filter((e: any) => String(e.messageId).startsWith('evt-'))).toEqual([]);
  });

  it("never turns tenant A's endpoint into tenant B's messages: B's secret is refused at A's endpoint", async () => {
    const body = shopifyOrder(9004, '2026-11-11T00:03:00+08:00');
    expect((await deliver('shopify', endpointA, body, shopifyDelivery(body, secretB, 'evt-cross'))).statusCode).toBe(401);
    expect((await deliver('shopify', endpointB, body, shopifyDelivery(body, secretB, 'evt-b-1'))).statusCode).toBe(200);
    const messages = await receiveAll(ordersQueue);
    expect(messages.map((m: any) => [m.tenantId, m.envelope.messageId])).toEqual([[tenantB, 'evt-b-1']]);
  });

  it('answers 404 for an unknown endpoint and for a format the endpoint does not take', async () => {
    const body = shopifyOrder(9005, '2026-11-11T00:04:00+08:00');
    expect((await deliver('shopify', 'AAAAAAAAAAAAAAAAAAAAAA', body, shopifyDelivery(body, secretA))).statusCode).toBe(404);
    expect((await deliver('shopify', endpointKefu, body, shopifyDelivery(body, kefuSecret))).statusCode).toBe(404);
    expect((await deliver('douyin', endpointA, body, douyinHeaders(body, secretA, 'm1'))).statusCode).toBe(404);
    expect((await deliver('shopify', 'bad id!', body, shopifyDelivery(body, secretA))).statusCode).toBe(400);
  });

  it('refuses a body over 256 KB with 413', async () => {
    const body = Buffer.alloc(256 * 1024 + 1, 0x20);
    const response = await deliver('shopify', endpointA, body, shopifyDelivery(body, secretA));
    expect([response.statusCode, json(response).error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('records an ignored topic and a malformed-but-authentic event with its reason, answers 200, and shows them to staff only', async () => {
    const ignored = Buffer.from('{"id":1}');
    const ignoredResponse = await deliver('shopify', endpointA, ignored, shopifyDelivery(ignored, secretA, 'evt-ignored', 'products/update'));
    expect(json(ignoredResponse)).toEqual({ accepted: 0, ignored: 1, rejected: 0 });
    const malformed = Buffer.from(JSON.stringify({ id: 1, updated_at: 'yesterday', currency: 'CNY' }));
    const malformedResponse = await deliver('shopify', endpointA, malformed, shopifyDelivery(malformed, secretA, 'evt-malformed'));
    expect(json(malformedResponse)).toEqual({ accepted: 0, ignored: 0, rejected: 1 });
    expect(await receiveAll(ordersQueue)).toEqual([]);

    const today = new Date().toISOString().slice(0, 10);
    const log = json(await getLog(adminA, 'shop-shopify', today));
    expect(log.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'ignored', messageId: 'evt-ignored', sourceTopic: 'products/update', reason: 'UNKNOWN_TOPIC' }),
        expect.objectContaining({ outcome: 'rejected', messageId: 'evt-malformed', reason: 'INVALID_FIELD', field: 'body.updated_at' }),
      ]),
    );
    // Tenant B has a shop of the same id: its log does not hold A's entries.
    expect(json(await getLog(adminB, 'shop-shopify', today)).entries.map((e: any) => e.messageId)).not.toContain('evt-ignored');
    expect((await getLog(adminB, 'shop-taobao', today)).statusCode).toBe(404);
    expect((await getLog(agentA, 'shop-shopify', today)).statusCode).toBe(403);
    expect(json(await getLog(adminA, 'shop-shopify', '11-11')).error.details[0].field).toBe('query.day');
  });

  it('answers 503 when the queue refuses, so the platform sends it again', async () => {
    process.env.ORDERS_QUEUE_URL = `${ordersQueue}-missing`;
    resetEnvForTests();
    try {
      const body = shopifyOrder(9006, '2026-11-11T00:05:00+08:00');
      const response = await deliver('shopify', endpointA, body, shopifyDelivery(body, secretA, 'evt-503'));
      expect([response.statusCode, json(response).error.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    } finally {
      process.env.ORDERS_QUEUE_URL = ordersQueue;
      resetEnvForTests();
    }
  });
});

describe("kefu's own format: signed timestamp, ±5 minutes, two secrets during a rotation (row 23)", () => {
  const relayBody = (messageId: string) =>
    Buffer.from(
      JSON.stringify({
        events: [
          {
            tmc: {
              id: messageId,
              topic: 'taobao_trade_TradeBuyerPay',
              pub_time: '2026-11-11 00:00:05',
              user_id: 2200001,
              content: '{"tid":3712345678901234567,"buyer_open_uid":"buyer-zhou","payment":"88.00","status":"WAIT_SELLER_SEND_GOODS","modified":"2026-11-11 00:00:04"}',
            },
          },
        ],
      }),
    );

  it('queues a relayed TMC message for the shop whose seller id it names, keeping the 19-digit order id', async () => {
    const body = relayBody('tmc-1');
    const response = await deliver('kefu', endpointKefu, body, kefuHeaders(body, [kefuSecret], new Date()));
    expect(json(response)).toEqual({ accepted: 1, ignored: 0, rejected: 0 });
    const [message] = (await receiveAll(ordersQueue)) as any[];
    expect(message).toMatchObject({ tenantId: tenantA, envelope: { platform: 'taobao', shopId: 'shop-taobao', messageId: 'tmc-1', payload: { orderId: '3712345678901234567' } } });
  });

  it('refuses stale and future timestamps, and a captured request replayed after the window, with 401', async () => {
    const body = relayBody('tmc-2');
    const now = Date.now();
    const stale = await deliver('kefu', endpointKefu, body, kefuHeaders(body, [kefuSecret], new Date(now - 301_000)));
    const future = await deliver('kefu', endpointKefu, body, kefuHeaders(body, [kefuSecret], new Date(now + 301_000)));
    expect([json(stale).error.code, json(future).error.code]).toEqual(['STALE_TIMESTAMP', 'FUTURE_TIMESTAMP']);
    // The same signed request, captured and sent again 6 minutes later.
    const captured = kefuHeaders(body, [kefuSecret], new Date(now));
    const replayed = await ingestWebhook('kefu', endpointKefu, { rawBody: body, headers: captured }, new Date(now + 360_000)).catch((error) => error);
    expect(replayed).toMatchObject({ status: 401, code: 'STALE_TIMESTAMP' });
    expect(await receiveAll(ordersQueue)).toEqual([]);
  });

  it('accepts the old and the new secret during a rotation, and only the new one after the rotation period', async () => {
    const rotated = await putIntegration(adminA, 'shop-taobao', { platform: 'taobao', platformShopId: '2200001', webhookSecret: 'kefu-relay-secret-0000000002', rotationPeriodMinutes: 60 });
    expect(json(rotated).webhookSecrets).toEqual([{ setAt: expect.any(String), expiresAt: expect.any(String) }, { setAt: expect.any(String) }]);
    const now = new Date();
    const body = relayBody('tmc-3');
    expect((await deliver('kefu', endpointKefu, body, kefuHeaders(body, [kefuSecret], now))).statusCode).toBe(200);
    expect((await deliver('kefu', endpointKefu, body, kefuHeaders(body, ['kefu-relay-secret-0000000002'], now))).statusCode).toBe(200);
    // 61 minutes on: the old secret has expired (the signature's own time moves with the clock).
    const later = new Date(now.getTime() + 61 * 60_000);
    const oldAfter = await ingestWebhook('kefu', endpointKefu, { rawBody: body, headers: kefuHeaders(body, [kefuSecret], later) }, later).catch((e) => e);
    expect(oldAfter).toMatchObject({ status: 401, code: 'SIGNATURE_MISMATCH' });
    const newAfter = await ingestWebhook('kefu', endpointKefu, { rawBody: body, headers: kefuHeaders(body, ['kefu-relay-secret-0000000002'], later) }, later, webhookDependencies);
    expect(newAfter.accepted).toBe(1);
    expect((await receiveAll(ordersQueue)).map((m: any) => m.envelope.messageId)).toEqual(['tmc-3', 'tmc-3', 'tmc-3']);
  });

  it('refuses a TMC message about another seller as rejected (recorded), never as another shop', async () => {
    const body = Buffer.from(relayBody('tmc-4').toString().replace('2200001', '9999999'));
    const response = await deliver('kefu', endpointKefu, body, kefuHeaders(body, ['kefu-relay-secret-0000000002'], new Date()));
    expect(json(response)).toEqual({ accepted: 0, ignored: 0, rejected: 1 });
    expect(await receiveAll(ordersQueue)).toEqual([]);
  });
});

describe('Douyin-style', () => {
  it('verifies SHA-1(secret ‖ body) and answers the verify_webhook challenge', async () => {
    const put = await putIntegration(adminA, 'shop-shopify', { platform: 'shopify', platformShopId: 'a.myshopify.com' });
    expect(put.statusCode).toBe(200);
    await saveShop(tenantA, 'shop-douyin', { name: 'dy', category: 'tea', routing: { mode: 'by-stage', groups: { 'pre-sale': 'p', 'in-sale': 'i', 'after-sale': 'a' } } } as never, { mustExist: false });
    const douyin = json(await putIntegration(adminA, 'shop-douyin', { platform: 'douyin', platformShopId: 'dy-1', webhookSecret: 'douyin-secret-000000001' }));
    const challenge = Buffer.from(JSON.stringify({ event: 'verify_webhook', content: JSON.stringify({ challenge: 12345 }) }));
    const answered = await deliver('douyin', douyin.endpointId, challenge, douyinHeaders(challenge, 'douyin-secret-000000001', 'msg-v'));
    expect(json(answered)).toMatchObject({ challenge: 12345 });
    const paid = Buffer.from(JSON.stringify({ event: 'trade.paid', content: JSON.stringify({ order_id: '6900001', update_time: '2026-11-11 00:00:07', buyer_open_id: 'buyer-zhou', pay_amount: 8800 }) }));
    expect((await deliver('douyin', douyin.endpointId, paid, douyinHeaders(paid, 'wrong-secret-0000000001', 'msg-1'))).statusCode).toBe(401);
    expect(json(await deliver('douyin', douyin.endpointId, paid, douyinHeaders(paid, 'douyin-secret-000000001', 'msg-1')))).toEqual({ accepted: 1, ignored: 0, rejected: 0 });
    expect((await receiveAll(ordersQueue)).map((m: any) => [m.tenantId, m.envelope.shopId, m.envelope.messageId])).toEqual([[tenantA, 'shop-douyin', 'msg-1']]);
  });
});
