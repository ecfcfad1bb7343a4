import { randomUUID } from 'node:crypto';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as pullHandler } from '../../functions/schedule/pull-platform-messages';
import { handler as reconcileHandler } from '../../functions/schedule/reconcile-orders';
import { startPlatformSimulator, type PlatformSimulator } from '../../infra/local/platform-simulator/simulator';
import { putOrderIntegration } from '../../shared/orders/manage-integration';
import { sendOrderEvents } from '../../shared/notify/job-queues';
import { platformClient } from '../../shared/orders/platform-client';
import { pullOnce, type PullDependencies } from '../../shared/orders/pull-connector';
import { reconcileShop, reconciliationWindow } from '../../shared/orders/reconcile';
import { sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';
import { recordOrderEventLog } from '../../shared/store/order-event-log';
import { saveShop } from '../../shared/store/shops';
import { lambdaContext } from '../support/events';
import { receiveAll } from '../support/queues';

/**
 * The Taobao-style pull connector and the reconciliation sweep against the platform simulator, DynamoDB
 * Local and the SQS server: confirm only after the enqueue, redelivery of what was not confirmed, and a
 * sweep over the same window producing the same messages (reliability row 25).
 */
const tenantId = `t-pull-${randomUUID().slice(0, 8)}`;
const shopId = 'peach';
const sellerId = String(2_200_000_000 + Math.floor(Math.random() * 1_000_000));
const credentials = { appKey: `key-${sellerId}`, appSecret: 'app-secret-for-tests' };
const admin = { userId: 'admin', tenantId, role: 'admin' as const, shopIds: [] };
let simulator: PlatformSimulator;
let ordersQueue: string;

async function sim(path: string, body: Record<string, unknown> = {}) {
  const response = await fetch(`${simulator.url}/sim/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, path).toBe(200);
  return (await response.json()) as any;
}
const tmcState = async () => ((await (await fetch(`${simulator.url}/sim/tmc`)).json()) as Record<string, { pending: number; leased: number }>)[sellerId];

beforeAll(async () => {
  simulator = await startPlatformSimulator({ kefuUrl: 'http://127.0.0.1:9', redeliverAfterMs: 10 * 60_000, webhookRetryDelaysMs: [] });
  simulator.addShop({ tenantId, shopId, platform: 'taobao', platformShopId: sellerId, endpointId: 'unused-endpoint-id-01', appKey: credentials.appKey });
  ordersQueue = (await sqs().send(new CreateQueueCommand({ QueueName: `orders-pull-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
  process.env.ORDERS_QUEUE_URL = ordersQueue;
  process.env.PLATFORM_API_URL = simulator.url;
  resetEnvForTests();
  await saveShop(tenantId, shopId, { name: 'Peach', category: 'cosmetics', routing: { mode: 'by-stage', groups: { 'pre-sale': 'p', 'in-sale': 'i', 'after-sale': 'a' } } } as never, { mustExist: false });
  await putOrderIntegration(admin, shopId, { platform: 'taobao', platformShopId: sellerId, credentials });
});

afterAll(async () => {
  await simulator?.stop();
});

const deps = (overrides: Partial<PullDependencies> = {}): PullDependencies => {
  const client = platformClient(sellerId, credentials);
  return {
    consume: client.consume,
    confirm: client.confirm,
    send: (messages) => sendOrderEvents(messages),
    record: (entries) => recordOrderEventLog(tenantId, shopId, entries),
    ...overrides,
  };
};

describe('pull connector against the simulated TMC', () => {
  it('killed between enqueue and confirm: nothing is confirmed, TMC hands the messages out again, and the same messageIds are enqueued again', async () => {
    const placed = await sim('orders', { shop: shopId, tenant: tenantId, buyer: 'buyer-zhou', price: 88 });
    await sim(`orders/${placed.order.orderId}/pay`);
    const order: string[] = [];
    const killed = deps({
      send: async (messages) => {
        const out = await sendOrderEvents(messages);
        order.push('enqueued');
        return out;
      },
      confirm: async () => {
        order.push('confirm reached');
        throw new Error('the function was killed here');
      },
    });
    await expect(pullOnce({ tenantId, shopId, platformShopId: sellerId }, killed, new Date())).rejects.toThrow('killed');
    expect(order).toEqual(['enqueued', 'confirm reached']);
    const first = (await receiveAll(ordersQueue)) as any[];
    expect(first.map((m) => [m.tenantId, m.via, m.envelope.shopId, m.envelope.topic])).toEqual([
      [tenantId, 'pull', shopId, 'order.updated'],
      [tenantId, 'pull', shopId, 'order.updated'],
    ]);
    expect(first[0].envelope.payload.orderId).toBe(placed.order.orderId);
    expect(await tmcState()).toEqual({ pending: 2, leased: 2 });

    // While leased, nothing is handed out; once the lease is over ("minutes later") TMC redelivers the same messages.
    expect(await pullOnce({ tenantId, shopId, platformShopId: sellerId }, deps(), new Date())).toMatchObject({ consumed: 0 });
    await sim('tmc/expire-leases');
    expect(await pullOnce({ tenantId, shopId, platformShopId: sellerId }, deps(), new Date())).toMatchObject({ consumed: 2, enqueued: 2, confirmed: 2 });
    const again = (await receiveAll(ordersQueue)) as any[];
    expect(again.map((m) => m.envelope.messageId)).toEqual(first.map((m) => m.envelope.messageId));
    expect(await tmcState()).toEqual({ pending: 0, leased: 0 });
  });

  it('the scheduled function pulls every Taobao shop with credentials onto the queue and confirms them', async () => {
    const placed = await sim('orders', { shop: shopId, tenant: tenantId, buyer: 'buyer-zhou' });
    await sim(`orders/${placed.order.orderId}/pay`);
    await sim(`orders/${placed.order.orderId}/ship`);
    await pullHandler({ schedule: 'PullPlatformMessages', scheduledTime: new Date().toISOString() }, lambdaContext);
    const messages = ((await receiveAll(ordersQueue)) as any[]).filter((m) => m.envelope.payload.orderId === placed.order.orderId);
    expect(messages.map((m) => m.envelope.topic).sort()).toEqual(['logistics.updated', 'order.updated', 'order.updated', 'order.updated']);
    expect(await tmcState()).toEqual({ pending: 0, leased: 0 });
  });
});

describe('reconciliation sweep against the simulated order API', () => {
  it('re-reads changed orders with their refunds as envelopes carrying the API versions; a second run of the window is harmless (row 25)', async () => {
    const placed = await sim('orders', { shop: shopId, tenant: tenantId, buyer: 'buyer-zhou', price: 120 });
    const orderId = placed.order.orderId as string;
    await sim(`orders/${orderId}/pay`);
    await sim(`orders/${orderId}/ship`);
    const refund = (await sim(`orders/${orderId}/refunds`, { kind: 'return', deadlineHours: 48 })).refund;
    await receiveAll(ordersQueue);

    const window = reconciliationWindow(new Date(Date.now() + 5_000));
    const reconcileDeps = { changedTrades: platformClient(sellerId, credentials).changedTrades, send: deps().send, record: deps().record };
    const shop = { tenantId, shopId, platform: 'taobao' as const };
    expect(await reconcileShop(shop, window, reconcileDeps, new Date())).toMatchObject({ enqueued: expect.any(Number), failed: 0 });
    const first = ((await receiveAll(ordersQueue)) as any[]).filter((m) => m.envelope.payload.orderId === orderId);
    expect(first.map((m) => [m.via, m.envelope.topic, m.envelope.payload.status])).toEqual([
      ['reconciliation', 'order.updated', 'shipped'],
      ['reconciliation', 'refund.updated', 'requested'],
    ]);
    expect(first[1].envelope.payload).toMatchObject({ refundId: refund.refundId, kind: 'return-and-refund', deadline: { at: new Date(refund.deadlineMs).toISOString() } });
    expect(first[1].envelope.businessVersion).toBe(refund.versionMs);

    // The same window again (a retried or overlapping run): the same messages, ids and versions.
    await reconcileShop(shop, window, reconcileDeps, new Date());
    const second = ((await receiveAll(ordersQueue)) as any[]).filter((m) => m.envelope.payload.orderId === orderId);
    expect(second.map((m) => m.envelope)).toEqual(first.map((m) => ({ ...m.envelope, occurredAt: expect.any(String) })));
  });

  it('re-reads a Shopify shop\'s orders through the webhook adapter, with ids derived from updated_at', async () => {
    const shopifySeller = `shop-${sellerId}.myshopify.com`;
    simulator.addShop({ tenantId, shopId: 'apparel', platform: 'shopify', platformShopId: shopifySeller, endpointId: 'unused-endpoint-id-02', appKey: `shopify-${sellerId}` });
    await saveShop(tenantId, 'apparel', { name: 'Apparel', category: 'apparel', routing: { mode: 'by-stage', groups: { 'pre-sale': 'p', 'in-sale': 'i', 'after-sale': 'a' } } } as never, { mustExist: false });
    const shopifyCredentials = { appKey: `shopify-${sellerId}`, appSecret: 'shopify-app-secret' };
    await putOrderIntegration(admin, 'apparel', { platform: 'shopify', platformShopId: shopifySeller, credentials: shopifyCredentials });
    const placed = await sim('orders', { shop: 'apparel', tenant: tenantId, buyer: 'buyer-zhou', price: 59 });
    await sim(`orders/${placed.order.orderId}/pay`);
    const reconcileDeps = { changedTrades: platformClient(shopifySeller, shopifyCredentials).changedTrades, send: deps().send, record: deps().record };
    const window = reconciliationWindow(new Date(Date.now() + 5_000));
    await reconcileShop({ tenantId, shopId: 'apparel', platform: 'shopify' }, window, reconcileDeps, new Date());
    const [message] = (await receiveAll(ordersQueue)) as any[];
    expect(message).toMatchObject({
      tenantId,
      via: 'reconciliation',
      envelope: { platform: 'shopify', shopId: 'apparel', topic: 'order.updated', messageId: expect.stringMatching(/^recon:order:/), payload: { orderId: placed.order.orderId, status: 'paid' } },
    });
  });

  it('the scheduled function reads the window ending at its scheduled time', async () => {
    const placed = await sim('orders', { shop: shopId, tenant: tenantId, buyer: 'buyer-lin' });
    await receiveAll(ordersQueue);
    const old = new Date(Date.now() - 3600_000).toISOString();
    await reconcileHandler({ schedule: 'ReconcileOrders', scheduledTime: old }, lambdaContext).catch(() => undefined);
    expect(((await receiveAll(ordersQueue)) as any[]).filter((m) => m.envelope.payload.orderId === placed.order.orderId)).toEqual([]);
    await reconcileHandler({ schedule: 'ReconcileOrders', scheduledTime: new Date(Date.now() + 1000).toISOString() }, lambdaContext).catch(() => undefined);
    const read = ((await receiveAll(ordersQueue)) as any[]).filter((m) => m.envelope.payload.orderId === placed.order.orderId);
    expect(read.map((m) => [m.tenantId, m.envelope.shopId, m.envelope.payload.buyer.buyerId])).toEqual([[tenantId, shopId, 'buyer-lin']]);
  });
});
