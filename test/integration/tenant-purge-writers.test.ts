import { randomUUID } from 'node:crypto';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createTenant } from '../../functions/http/create-tenant';
import { handler as putIntegration } from '../../functions/http/put-order-integration';
import { handler as shopifyWebhook } from '../../functions/http/receive-shopify-webhook';
import { shopifyHeaders } from '../../infra/local/platform-simulator/webhook-signing';
import type { Identity } from '../../shared/auth/identity';
import { fireTask } from '../../shared/outreach/fire-task';
import { sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';
import { keys } from '../../shared/store/keys';
import { createTask, getTask } from '../../shared/store/outreach';
import { purgeDependencies, purgeDueTenants } from '../../shared/tenants/purge-tenants';
import { callHttp } from '../support/call-http';
import { httpEvent, lambdaContext } from '../support/events';
import { receiveAll } from '../support/queues';
import { itemsOfPartition, storedItem } from '../support/table';
import { campaignTask, ownOutreachQueue, recordingGateway } from './outreach-fixtures';
import { createShop } from './routing-fixtures';
import { confirmDeletionOf, operator, tenantBody } from './tenant-purge-fixtures';

/**
 * Issue 12 §1: a deleted tenant is one nobody works for any more, including the writers that are not
 * signed-in requests. A signed webhook delivery for its shop is refused (410 TENANT_DELETED) with nothing
 * queued or recorded; its queued outreach is cancelled, never sent to a buyer of a firm that is gone; and
 * the purge's walk deletes the shop's webhook endpoint with its integration, before the sweep.
 */
const run = randomUUID().slice(0, 8);
const tenantId = `writers-${run}`;
const shopId = 'shop-w';
const admin: Identity = { tenantId, userId: 'boss', role: 'admin', shopIds: [] };
const secret = 'shopify-secret-of-a-deleted-firm-01';
// Later than the unfiltered purge runs of other files (30, 60 days), so they never take this tenant.
const restoreDays = 89;
let ordersQueue: string;
let endpointId: string;
let purgeAt: Date;
const task = campaignTask(tenantId, shopId, `ot_deleted_${run}`, 'buyer-w', new Date('2026-12-05T02:00:00.000Z'));

beforeAll(async () => {
  ordersQueue = (await sqs().send(new CreateQueueCommand({ QueueName: `orders-deleted-${run}` }))).QueueUrl!;
  process.env.ORDERS_QUEUE_URL = ordersQueue;
  await ownOutreachQueue('deleted-tenant');
  resetEnvForTests();
  expect((await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body: tenantBody(tenantId, restoreDays) })).status).toBe(201);
  await createShop(tenantId, shopId);
  const integration = await callHttp(putIntegration, admin, { method: 'PUT', path: `/v1/shops/${shopId}/order-integration`, pathParameters: { shopId }, body: { platform: 'shopify', platformShopId: 'w.myshopify.com', webhookSecret: secret } });
  expect(integration.status).toBe(200);
  endpointId = integration.body.endpointId;
  expect(await createTask(task)).toBe('created');
  purgeAt = await confirmDeletionOf(tenantId);
});

describe('writers for a deleted tenant (DynamoDB Local + the SQS server)', () => {
  it('refuses a correctly signed webhook delivery for a deleted tenant with 410 TENANT_DELETED: nothing queued, nothing in the order event log', async () => {
    const body = Buffer.from(JSON.stringify({ id: 9001, updated_at: new Date().toISOString(), created_at: new Date().toISOString(), currency: 'CNY', financial_status: 'paid', total_price: '9.00', customer: { id: 'buyer-w' }, line_items: [] }));
    const headers = shopifyHeaders(body, secret, { topic: 'orders/paid', eventId: randomUUID(), triggeredAt: new Date() });
    const event = httpEvent({ method: 'POST', path: `/v1/webhooks/shopify/${endpointId}`, pathParameters: { endpointId }, headers, rawBody: body.toString('utf8') });
    const response = (await shopifyWebhook(event, lambdaContext)) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(410);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'TENANT_DELETED' } });
    expect(await receiveAll(ordersQueue)).toEqual([]);
    expect(await itemsOfPartition(keys.orderEventLogOfDay(tenantId, shopId, new Date().toISOString().slice(0, 10)).pk)).toEqual([]);
  });

  it('cancels an outreach task of a deleted tenant when it comes due: nothing is sent (reason tenant-deleted)', async () => {
    const gateway = recordingGateway();
    expect(await fireTask({ type: 'fire', tenantId, taskId: task.taskId, dueMinute: task.dueMinute, phase: 'send' }, new Date(task.dueAt), gateway.deps)).toBe('cancelled');
    expect(gateway.sent).toEqual([]);
    expect(gateway.coupons).toEqual([]);
    expect(await getTask(tenantId, task.taskId)).toMatchObject({ status: 'cancelled', reason: 'tenant-deleted' });
  });

  it("the purge's walk deletes the shop's webhook endpoint with its order integration, before any sweep page", async () => {
    expect(await storedItem(keys.webhookEndpoint(endpointId))).toBeDefined();
    const ours = { ...purgeDependencies, duePurges: async (due: Date, limit: number) => (await purgeDependencies.duePurges(due, 1000)).filter((m) => m.tenantId === tenantId).slice(0, limit) };
    expect(await purgeDueTenants(purgeAt, { stopSweepingAt: 0 }, ours)).toMatchObject({ continuing: { tenantId, sweptItems: 0 } });
    expect(await storedItem(keys.webhookEndpoint(endpointId))).toBeUndefined();
    expect(await storedItem(keys.orderIntegration(tenantId, shopId))).toBeUndefined();
  });
});
