import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../shared/auth/identity';
import { handler as getOrderHandler } from '../../functions/http/get-order';
import { handler as getRefundHandler } from '../../functions/http/get-refund';
import { handler as listBuyerOrdersHandler } from '../../functions/http/list-buyer-orders';
import { handler as ordersHandler } from '../../functions/ws/orders';
import { orderCardsResponse, orderCardsFrame, orderResponse, refundResponse } from '../../shared/orders/frames';
import { openConversation } from '../../shared/store/conversations';
import { applyOrderEventToStore } from '../../shared/store/orders';
import { callWs, httpEvent, lambdaContext } from '../support/events';
import { orderEvent, refundEvent } from './orders-fixtures';

/**
 * The order card on request, over HTTP and WebSocket, against DynamoDB Local: who may read it (staff
 * serving the shop; rows 14, 15), what undeclared or malformed input gets (400 / error frame naming the
 * field, row 16, row 20), and that cards show only what the platform sent.
 */

const tenant = `tenant-cards-${randomUUID().slice(0, 8)}`;
const other = `${tenant}-other`;
const shop = 'shop-c';
const user = (userId: string, role: Identity['role'], shopIds: string[] = [], tenantId = tenant): Identity => ({ tenantId, userId, role, shopIds });
const agent = user('ag-c', 'agent', [shop]);
const supervisor = user('sup-c', 'supervisor', [shop]);
const admin = user('admin-c', 'admin');
const agentElsewhere = user('ag-x', 'agent', ['shop-x']);
const supervisorElsewhere = user('sup-x', 'supervisor', ['shop-x']);
const buyerZhou = user('buyer-zhou', 'buyer');
const otherTenantAgent = user('ag-c', 'agent', [shop], other);
const otherTenantAdmin = user('admin-c', 'admin', [], other);
let conversationId: string;

async function get(handler: typeof getOrderHandler, path: string, pathParameters: Record<string, string>, identity: Identity, query?: Record<string, string>) {
  const result = (await handler(httpEvent({ method: 'GET', path, identity, pathParameters, ...(query ? { query } : {}) }), lambdaContext)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: result.body ? JSON.parse(result.body) : undefined };
}
const listOrders = (identity: Identity, shopId = shop, buyerId = 'buyer-zhou', query?: Record<string, string>) =>
  get(listBuyerOrdersHandler, `/v1/shops/${shopId}/buyers/${buyerId}/orders`, { shopId, buyerId }, identity, query);
const getOrder = (identity: Identity, orderId = 'o-c-2', platform = 'taobao', shopId = shop) =>
  get(getOrderHandler, `/v1/shops/${shopId}/orders/${platform}/${orderId}`, { shopId, platform, orderId }, identity);
const getRefund = (identity: Identity, refundId = 'rf-c-1', platform = 'taobao', shopId = shop) =>
  get(getRefundHandler, `/v1/shops/${shopId}/refunds/${platform}/${refundId}`, { shopId, platform, refundId }, identity);

beforeAll(async () => {
  await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId: 'o-c-1', minute: 10, status: 'finished', buyerId: 'buyer-zhou', lines: 1 }));
  await applyOrderEventToStore(tenant, refundEvent({ shopId: shop, orderId: 'o-c-1', minute: 20, refundId: 'rf-c-1', status: 'requested' }));
  await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId: 'o-c-2', minute: 30, status: 'paid', buyerId: 'buyer-zhou', lines: 3 }));
  // Another shop's order of the same buyer, and another buyer's order at this shop.
  await applyOrderEventToStore(tenant, orderEvent({ shopId: 'shop-x', orderId: 'o-x-1', minute: 40, status: 'paid', buyerId: 'buyer-zhou' }));
  await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId: 'o-c-9', minute: 50, status: 'paid', buyerId: 'buyer-li' }));
  conversationId = (await openConversation({ tenantId: tenant, shopId: shop, buyerId: 'buyer-zhou', stage: 'pre-sale' })).conversation.conversationId;
});

describe('order cards over HTTP', () => {
  it("gives staff serving the shop the buyer's cards, newest activity first, with the stage they give", async () => {
    for (const caller of [agent, supervisor, admin]) {
      const response = await listOrders(caller);
      expect(response.status).toBe(200);
      const body = orderCardsResponse.parse(response.body);
      expect(body.orders.map((card) => card.orderId)).toEqual(['o-c-2', 'o-c-1']);
      expect(body).toMatchObject({ stage: 'after-sale', stageReason: 'open-refund' });
      // As the platform gave it: the masked nick, nothing kefu made up.
      expect(body.orders[0]?.buyer).toEqual({ buyerId: 'buyer-zhou', nick: 'z**u' });
    }
    expect((await listOrders(agent, shop, 'buyer-zhou', { limit: '1' })).body.orders.map((c: { orderId: string }) => c.orderId)).toEqual(['o-c-2']);
    expect((await listOrders(agent, shop, 'buyer-nobody')).body).toMatchObject({ orders: [], stage: 'pre-sale', stageReason: 'no-orders' });
  });

  it('gives an order and a refund by their platform ids', async () => {
    const order = await getOrder(agent);
    expect(order.status).toBe(200);
    expect(orderResponse.parse(order.body).order).toMatchObject({ orderId: 'o-c-2', status: 'paid', total: { minor: 29700, currency: 'CNY' } });
    const refund = await getRefund(supervisor);
    expect(refund.status).toBe(200);
    expect(refundResponse.parse(refund.body)).toMatchObject({ refund: { refundId: 'rf-c-1', orderId: 'o-c-1', status: 'requested', kind: 'return-and-refund' }, order: { orderId: 'o-c-1' } });
    expect(refund.body.refund.history).toHaveLength(1);
  });

  it("answers another shop's, another tenant's and a missing order exactly alike: 404 (rows 14, 15)", async () => {
    const notFound = { status: 404, body: { error: { code: 'NOT_FOUND' } } };
    for (const caller of [agentElsewhere, supervisorElsewhere, otherTenantAdmin, otherTenantAgent]) {
      expect(await getOrder(caller)).toMatchObject(notFound);
      expect(await getRefund(caller)).toMatchObject(notFound);
    }
    expect(await getOrder(agent, 'o-missing')).toMatchObject(notFound);
    expect(await getRefund(agent, 'rf-missing')).toMatchObject(notFound);
    // Another shop's order through this shop's path is not found either.
    expect(await getOrder(agent, 'o-x-1')).toMatchObject(notFound);
    for (const caller of [agentElsewhere, supervisorElsewhere]) expect(await listOrders(caller)).toMatchObject(notFound);
    // Another tenant whose token names a shop with the same id reads its own tenant: nothing.
    expect((await listOrders(otherTenantAgent)).body).toMatchObject({ orders: [] });
    expect((await listOrders(otherTenantAdmin)).body).toMatchObject({ orders: [] });
  });

  it('refuses buyers (403): the order card is for staff (row 15)', async () => {
    expect(await listOrders(buyerZhou)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await getOrder(buyerZhou)).toMatchObject({ status: 403 });
    expect(await getRefund(buyerZhou)).toMatchObject({ status: 403 });
  });

  it('refuses bad and undeclared input with 400 naming the field (rows 16, 20)', async () => {
    const field = async (response: Promise<{ status: number | undefined; body: any }>) => {
      const { status, body } = await response;
      expect(status).toBe(400);
      return body.error.details.map((detail: { field: string }) => detail.field);
    };
    expect(await field(getOrder(agent, 'o-c-2', 'ebay'))).toEqual(['path.platform']);
    expect(await field(getOrder(agent, 'o#c'))).toEqual(['path.orderId']);
    expect(await field(getRefund(agent, 'x'.repeat(129)))).toEqual(['path.refundId']);
    expect(await field(listOrders(agent, shop, 'buyer-zhou', { limit: '0' }))).toEqual(['query.limit']);
    expect(await field(listOrders(agent, shop, 'buyer-zhou', { limit: '21' }))).toEqual(['query.limit']);
    expect(await field(listOrders(agent, shop, 'buyer-zhou', { tenantId: other }))).toEqual(['query.tenantId']);
    expect(await field(listOrders(agent, shop, 'buyer zhou'))).toEqual(['path.buyerId']);
  });
});

describe('order cards over WebSocket (`orders`)', () => {
  it("answers staff serving the shop with the conversation buyer's cards", async () => {
    for (const caller of [agent, supervisor, admin]) {
      const reply = await callWs(ordersHandler, caller, { action: 'orders', conversationId, ref: 'o-1' });
      expect(orderCardsFrame.parse(reply)).toMatchObject({ type: 'order.cards', ref: 'o-1', conversationId, shopId: shop, buyerId: 'buyer-zhou' });
      expect(reply.orders.map((card: { orderId: string }) => card.orderId)).toEqual(['o-c-2', 'o-c-1']);
    }
  });

  it('answers another shop, another tenant and a missing conversation alike (NOT_FOUND), and buyers FORBIDDEN (rows 14, 15)', async () => {
    for (const caller of [agentElsewhere, supervisorElsewhere, otherTenantAgent, otherTenantAdmin]) {
      expect(await callWs(ordersHandler, caller, { action: 'orders', conversationId, ref: 'o-2' })).toMatchObject({ type: 'error', code: 'NOT_FOUND', ref: 'o-2' });
    }
    expect(await callWs(ordersHandler, agent, { action: 'orders', conversationId: 'no-such-conversation' })).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    expect(await callWs(ordersHandler, buyerZhou, { action: 'orders', conversationId })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
  });

  it('answers bad frames with an error frame naming the field (rows 16, 20)', async () => {
    expect(await callWs(ordersHandler, agent, { action: 'orders' })).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', field: 'conversationId' });
    expect(await callWs(ordersHandler, agent, { action: 'orders', conversationId, tenantId: other })).toMatchObject({ type: 'error', field: 'tenantId' });
    expect(await callWs(ordersHandler, agent, { action: 'orders', conversationId: 'a b' })).toMatchObject({ type: 'error', field: 'conversationId' });
  });
});
