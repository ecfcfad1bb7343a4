import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOrderEvent } from '../../shared/orders/apply-order-event';
import type { Envelope } from '../../shared/orders/envelope';
import { newOrderState, orderStatusOf, type OrderState } from '../../shared/orders/order';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { keys } from '../../shared/store/keys';
import {
  applyOrderEventToStore,
  claimTtlDays,
  getOrder,
  getOrderOfRefund,
  listOrdersOfPlatformBuyer,
  maxEventsPerOrder,
  UnappliableOrderEventError,
} from '../../shared/store/orders';
import { storedItem } from '../support/table';
import { consume, message, orderEvent, refundEvent, signedEvent } from './orders-fixtures';
import { measure } from './routing-fixtures';

/**
 * The order store against DynamoDB Local: dedupe claims, conditional writes on a stored revision,
 * refund pointers and the buyer index (docs/access-patterns.md "Orders"), and the orders consumer's
 * partial batch responses. Row numbers from reliability.md.
 */

const tenant = `tenant-orders-${randomUUID().slice(0, 8)}`;
const shop = 'shop-o';
let counter = 0;
const newOrderId = () => `o${Date.now()}${counter++}`;
const key = (orderId: string, tenantId = tenant, shopId = shop) => ({ tenantId, shopId, platform: 'taobao' as const, orderId });

/** What the pure reducer makes of the events in this order: the state the store must hold. */
const folded = (tenantId: string, orderId: string, events: readonly Envelope[]) =>
  events.reduce<OrderState>((state, event) => applyOrderEvent(state, event).state, newOrderState(key(orderId, tenantId)));

describe('applying platform events to stored orders', () => {
  it('applies the same event delivered twice once: one claim, one revision, the second a duplicate (rows 1, 3)', async () => {
    const orderId = newOrderId();
    const paid = orderEvent({ shopId: shop, orderId, minute: 1, status: 'paid', buyerId: 'buyer-zhou', lines: 2 });
    const first = await applyOrderEventToStore(tenant, paid);
    const second = await applyOrderEventToStore(tenant, paid);
    expect([first.outcome, second.outcome]).toEqual(['applied', 'duplicate']);
    expect(second.order).toEqual(first.order);

    const item = await storedItem(keys.order(tenant, shop, 'taobao', orderId));
    expect(item?.rev).toBe(1);
    expect(item?.state.seenMessageIds).toEqual([paid.messageId]);
    const claim = await storedItem(keys.orderEventClaim(tenant, 'taobao', paid.messageId));
    expect(claim?.outcome).toBe('applied');
    // Kept at least 7 days (row 23's replay protection for platforms that sign no timestamp).
    expect(claim?.expiresAt * 1000 - Date.now()).toBeGreaterThan(7 * 86_400_000);
    expect(claimTtlDays).toBeGreaterThanOrEqual(7);
  });

  it('refuses a reused message id with other content instead of taking it as a duplicate; nothing changes', async () => {
    const orderId = newOrderId();
    const created = orderEvent({ shopId: shop, orderId, minute: 1, status: 'created', buyerId: 'buyer-zhou' });
    await applyOrderEventToStore(tenant, created);
    const reused = orderEvent({ shopId: shop, orderId, minute: 2, status: 'paid', messageId: created.messageId });
    const error = await applyOrderEventToStore(tenant, reused).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnappliableOrderEventError);
    expect((error as UnappliableOrderEventError).reason).toBe('MESSAGE_ID_REUSED');
    const order = await getOrder(key(orderId), { consistent: true });
    expect(order && orderStatusOf(order)).toBe('created');
  });

  it('keeps the newer status when an older event arrives late: stale, never a regression; the timeline has both', async () => {
    const orderId = newOrderId();
    await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId, minute: 3, status: 'shipped', buyerId: 'buyer-zhou' }));
    const late = await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId, minute: 2, status: 'paid' }));
    expect(late.outcome).toBe('stale');
    const order = (await getOrder(key(orderId), { consistent: true }))!;
    expect(orderStatusOf(order)).toBe('shipped');
    expect(order.statusHistory.map((entry) => entry.status)).toEqual(['paid', 'shipped']);
  });

  it('ends in the same stored order for any arrival order of the same events, duplicates included', async () => {
    const events = (orderId: string, messageIds: string[]) => [
      orderEvent({ shopId: shop, orderId, minute: 1, status: 'created', buyerId: 'buyer-zhou', lines: 1, messageId: messageIds[0] }),
      orderEvent({ shopId: shop, orderId, minute: 2, status: 'paid', messageId: messageIds[1] }),
      orderEvent({ shopId: shop, orderId, minute: 3, status: 'shipped', messageId: messageIds[2] }),
      signedEvent({ shopId: shop, orderId, minute: 4, parcelId: 'SF1', messageId: messageIds[3] }),
      refundEvent({ shopId: shop, orderId, minute: 5, refundId: `r-${orderId}`, status: 'requested', messageId: messageIds[4] }),
    ];
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }), fc.array(fc.nat(4), { maxLength: 3 }), async (order, repeats) => {
        const orderId = newOrderId();
        // Message ids are unique per platform within a tenant (the claim's key): fresh ones per run.
        const all = events(orderId, [1, 2, 3, 4, 5].map((n) => `${orderId}-m${n}`));
        for (const index of [...order, ...repeats]) await applyOrderEventToStore(tenant, all[index]!);
        const stored = await getOrder(key(orderId), { consistent: true });
        // The reducer folded in the natural order, with the order id this run used.
        expect(stored).toEqual(folded(tenant, orderId, all));
      }),
      { numRuns: 6 },
    );
  });

  it('applies concurrent events of one order each once: a lost race re-reads and re-applies (rows 2, 10)', async () => {
    const orderId = newOrderId();
    const all = [
      orderEvent({ shopId: shop, orderId, minute: 1, status: 'created', buyerId: 'buyer-zhou' }),
      orderEvent({ shopId: shop, orderId, minute: 2, status: 'paid' }),
      orderEvent({ shopId: shop, orderId, minute: 3, status: 'shipped' }),
      signedEvent({ shopId: shop, orderId, minute: 4, parcelId: 'SF1' }),
    ];
    // Every event twice, all at once.
    const outcomes = await Promise.all([...all, ...all].map((event) => applyOrderEventToStore(tenant, event)));
    expect(outcomes.filter((o) => o.outcome !== 'duplicate')).toHaveLength(4);
    const item = await storedItem(keys.order(tenant, shop, 'taobao', orderId));
    expect(item?.rev).toBe(4);
    expect(item?.state).toEqual(folded(tenant, orderId, all));
  });

  it('finds a refund by its id, only in its own tenant and shop', async () => {
    const orderId = newOrderId();
    const refundId = `r-${orderId}`;
    await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId, minute: 1, status: 'signed', buyerId: 'buyer-zhou' }));
    await applyOrderEventToStore(tenant, refundEvent({ shopId: shop, orderId, minute: 2, refundId, status: 'requested' }));
    expect((await getOrderOfRefund(tenant, shop, 'taobao', refundId))?.orderId).toBe(orderId);
    expect(await getOrderOfRefund(tenant, 'another-shop', 'taobao', refundId)).toBeUndefined();
    expect(await getOrderOfRefund(`${tenant}-other`, shop, 'taobao', refundId)).toBeUndefined();
    expect(await getOrderOfRefund(tenant, shop, 'douyin', refundId)).toBeUndefined();
    // The same order id in another tenant is another order.
    expect(await getOrder(key(orderId, `${tenant}-other`), { consistent: true })).toBeUndefined();
  });

  it('refuses a refund another order already holds: a platform data error goes to the DLQ, not silently merged', async () => {
    const [first, second] = [newOrderId(), newOrderId()];
    await applyOrderEventToStore(tenant, refundEvent({ shopId: shop, orderId: first, minute: 1, refundId: `r-shared-${first}`, status: 'requested' }));
    const error = await applyOrderEventToStore(tenant, refundEvent({ shopId: shop, orderId: second, minute: 2, refundId: `r-shared-${first}`, status: 'requested' })).catch((e: unknown) => e);
    expect((error as UnappliableOrderEventError).reason).toBe('REFUND_OF_ANOTHER_ORDER');
    expect(await getOrder(key(second), { consistent: true })).toBeUndefined();
  });

  it("lists a buyer's orders at a shop newest activity first, bounded, and none of another shop's or buyer's", async () => {
    const buyer = `pb-${randomUUID().slice(0, 8)}`;
    const [older, newest, middle] = [newOrderId(), newOrderId(), newOrderId()];
    await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId: older, minute: 10, status: 'finished', buyerId: buyer }));
    await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId: newest, minute: 30, status: 'paid', buyerId: buyer }));
    await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId: middle, minute: 20, status: 'created', buyerId: buyer }));
    await applyOrderEventToStore(tenant, orderEvent({ shopId: 'another-shop', orderId: newOrderId(), minute: 40, status: 'paid', buyerId: buyer }));
    await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId: newOrderId(), minute: 50, status: 'paid', buyerId: `${buyer}-x` }));
    expect((await listOrdersOfPlatformBuyer(tenant, shop, buyer, 10)).map((o) => o.orderId)).toEqual([newest, middle, older]);
    expect((await listOrdersOfPlatformBuyer(tenant, shop, buyer, 2)).map((o) => o.orderId)).toEqual([newest, middle]);
    // New activity on the oldest order moves it to the front.
    await applyOrderEventToStore(tenant, refundEvent({ shopId: shop, orderId: older, minute: 60, refundId: `r-${older}`, status: 'requested' }));
    expect((await listOrdersOfPlatformBuyer(tenant, shop, buyer, 10)).map((o) => o.orderId)).toEqual([older, newest, middle]);
    expect(await listOrdersOfPlatformBuyer(`${tenant}-other`, shop, buyer, 10)).toEqual([]);
  });

  it(`refuses an order past ${maxEventsPerOrder} events rather than truncating it; nothing is written`, async () => {
    const orderId = newOrderId();
    const full: OrderState = { ...newOrderState(key(orderId)), seenMessageIds: Array.from({ length: maxEventsPerOrder }, (_, i) => `old-${String(i).padStart(5, '0')}`) };
    await dynamo().send(new PutCommand({ TableName: env().TABLE_NAME, Item: { ...keys.order(tenant, shop, 'taobao', orderId), entity: 'Order', rev: 7, state: full } }));
    const event = orderEvent({ shopId: shop, orderId, minute: 1, status: 'paid' });
    const error = await applyOrderEventToStore(tenant, event).catch((e: unknown) => e);
    expect((error as UnappliableOrderEventError).reason).toBe('ORDER_TOO_LARGE');
    expect((await storedItem(keys.order(tenant, shop, 'taobao', orderId)))?.rev).toBe(7);
    expect(await storedItem(keys.orderEventClaim(tenant, 'taobao', event.messageId))).toBeUndefined();
  });
});

describe('what applying costs', () => {
  it('applies an event to a small order for 2 strongly consistent reads and one transaction of claim + order (+ index)', async () => {
    const orderId = newOrderId();
    await applyOrderEventToStore(tenant, orderEvent({ shopId: shop, orderId, minute: 1, status: 'created', buyerId: 'buyer-cost', lines: 3 }));
    const paid = orderEvent({ shopId: shop, orderId, minute: 2, status: 'paid' });
    const applied = await measure(() => applyOrderEventToStore(tenant, paid));
    const duplicate = await measure(() => applyOrderEventToStore(tenant, paid));
    console.info(`apply: ${applied.rru} RRU, ${applied.wru} WRU (${applied.calls.join(', ')}); duplicate: ${duplicate.rru} RRU, ${duplicate.wru} WRU`);
    // Claim and order read consistently (1 each under 4 KB). Written: the claim (< 1 KB) and the order
    // (1.4 KB here: 2 units), each billed twice in a transaction, and the buyer index (its sort key moves
    // with the order's activity: a delete and a put). The meter (routing-fixtures.ts) doubles the table's
    // units of a transaction, but DynamoDB Local already reports them doubled (one small transactional Put
    // reports 2): it shows 16 here (2 × 7 table units + 2 index units) for about 8 billed.
    expect(applied.rru).toBe(2);
    expect(applied.wru).toBeLessThanOrEqual(2 * (2 * (1 + 2)) + 4);
    // A duplicate costs the two reads and writes nothing.
    expect(duplicate).toMatchObject({ rru: 2, wru: 0 });
  });
});

describe('the orders consumer', () => {
  it('fails only the malformed and the unappliable records of a batch, so they alone reach the DLQ (rows 4, 5)', async () => {
    const orderId = newOrderId();
    const good = orderEvent({ shopId: shop, orderId, minute: 1, status: 'paid', buyerId: 'buyer-nobody-open' });
    const reused = orderEvent({ shopId: shop, orderId, minute: 2, status: 'shipped', messageId: good.messageId });
    // The first content of a message id wins; records of a batch run concurrently, so it is applied first.
    expect((await consume([JSON.stringify(message(tenant, good))])).batchItemFailures).toEqual([]);
    const bodies = [
      JSON.stringify(message(tenant, good)),
      'not json',
      JSON.stringify({ ...message(tenant, good), tenantId: 'has a space' }),
      JSON.stringify({ ...message(tenant, good), envelope: { ...good, topic: 'order.exploded' } }),
    ];
    const response = await consume(bodies);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier.split('-')[1])).toEqual(['1', '2', '3']);
    // The reused id, alone in its batch (a batch whose every record failed is thrown whole by Powertools:
    // SQS redelivers it all the same).
    await expect(consume([JSON.stringify(message(tenant, reused))])).rejects.toThrow(/All records failed/);
    expect(orderStatusOf((await getOrder(key(orderId), { consistent: true }))!)).toBe('paid');
  });

  it('answers a redelivered batch with no failures and applies nothing twice (row 3)', async () => {
    const orderId = newOrderId();
    const events = [
      orderEvent({ shopId: shop, orderId, minute: 1, status: 'paid', buyerId: 'buyer-nobody-open' }),
      orderEvent({ shopId: shop, orderId, minute: 2, status: 'shipped' }),
    ];
    const bodies = events.map((event) => JSON.stringify(message(tenant, event)));
    expect((await consume(bodies)).batchItemFailures).toEqual([]);
    expect((await consume(bodies)).batchItemFailures).toEqual([]);
    expect((await storedItem(keys.order(tenant, shop, 'taobao', orderId)))?.rev).toBe(2);
  });
});
