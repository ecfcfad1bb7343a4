import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseIdForRefund } from '../../shared/after-sales/case';
import { caseChangesFor } from '../../shared/after-sales/cases-from-order-event';
import type { AfterSalesCase } from '../../shared/after-sales/case';
import { applyOrderEvent } from '../../shared/orders/apply-order-event';
import { envelopeSchema, refundStatuses, type Envelope } from '../../shared/orders/envelope';
import { adaptDouyinWebhook } from '../../shared/orders/ingest/adapt-douyin-webhook';
import { adaptKefuEvents } from '../../shared/orders/ingest/adapt-kefu-events';
import { adaptShopifyWebhook } from '../../shared/orders/ingest/adapt-shopify-webhook';
import { adaptTaobaoMessage } from '../../shared/orders/ingest/adapt-taobao-message';
import type { IngestResult } from '../../shared/orders/ingest/ingest-result';
import { verifyShopifyWebhook } from '../../shared/orders/ingest/verify-shopify-webhook';
import { newOrderState, type OrderState } from '../../shared/orders/order';

/** Hostile input never throws out of an adapter (it would be a 500 or a poison message): row 20. */
const kinds = new Set(['accepted', 'ignored', 'rejected']);
const wellFormed = (result: IngestResult) => {
  expect(kinds.has(result.kind)).toBe(true);
  if (result.kind === 'accepted') expect(envelopeSchema.safeParse(result.envelope).success).toBe(true);
  if (result.kind === 'rejected') expect(result.message.length).toBeGreaterThan(0);
};
const bytes = (text: string) => Buffer.from(text, 'utf8');
const shopOfSeller = (seller: string) => (seller === '1' ? 'shop-1' : undefined);
const jsonText = fc.oneof(fc.json(), fc.string(), fc.constant('{"__proto__":{"polluted":1},"tid":1}'), fc.constant('{"tid":99999999999999999999999,"status":"WAIT_BUYER_PAY"}'));

describe('adapters under hostile input (fast-check, row 20)', () => {
  it('the Taobao adapter classifies any message and any content without throwing', () => {
    const topics = fc.constantFrom('taobao_trade_TradeBuyerPay', 'taobao_refund_RefundCreated', 'taobao_logistics_LogsticDetailTrace', 'taobao_trade_TradeRated', 'x');
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ id: fc.oneof(fc.string(), fc.nat()), topic: topics, pub_time: fc.oneof(fc.string(), fc.nat()), user_id: fc.constantFrom('1', 1, '2'), content: jsonText })), (message) => {
        wellFormed(adaptTaobaoMessage(message, shopOfSeller));
      }),
      { numRuns: 500 },
    );
  });

  it('the Douyin, Shopify and kefu adapters classify any body without throwing', () => {
    const headers = fc.record({ 'msg-id': fc.string(), 'x-shopify-topic': fc.constantFrom('orders/paid', 'refunds/create', 'returns/request', 'fulfillment_events/create', 'x'), 'x-shopify-event-id': fc.string(), 'x-shopify-triggered-at': fc.constantFrom('2026-11-11T00:00:00Z', 'x') });
    fc.assert(
      fc.property(jsonText, headers, (text, h) => {
        wellFormed(adaptDouyinWebhook(bytes(text), h, 'shop-1'));
        wellFormed(adaptShopifyWebhook(bytes(text), h, 'shop-1'));
        for (const result of adaptKefuEvents(bytes(text), { shopId: 'shop-1', platform: 'taobao', taobaoSellerId: '1' })) wellFormed(result);
      }),
      { numRuns: 500 },
    );
  });

  it('does not let a __proto__ key in a body pollute objects', () => {
    adaptKefuEvents(bytes('{"events":[{"__proto__":{"polluted":true},"messageId":"m","topic":"order.updated"}]}'), { shopId: 'shop-1', platform: 'taobao' });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('refuses every single-byte change to a signed body (row 23)', () => {
    const secret = 'whsec';
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 256 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (body, position, flip) => {
        const signature = createHmac('sha256', secret).update(body).digest('base64');
        const tampered = Uint8Array.from(body);
        tampered[position % body.length] = (tampered[position % body.length]! ^ flip) & 0xff;
        expect(verifyShopifyWebhook(body, { 'x-shopify-hmac-sha256': signature }, [secret]).ok).toBe(true);
        expect(verifyShopifyWebhook(tampered, { 'x-shopify-hmac-sha256': signature }, [secret]).ok).toBe(false);
      }),
    );
  });
});

describe('a refund’s case under reordering and redelivery (fast-check)', () => {
  it('ends in the same state, outcome and refund version for any arrival order', () => {
    const steps = fc.array(fc.record({ version: fc.integer({ min: 1, max: 8 }), status: fc.constantFrom(...refundStatuses) }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        steps.chain((list) => {
          const events: Envelope[] = list.map(({ version, status }, index) => ({
            platform: 'taobao',
            shopId: 'shop-1',
            messageId: `m${index}`,
            sourceTopic: 'test',
            occurredAt: new Date(Date.UTC(2026, 10, 14) + version * 60_000).toISOString(),
            businessVersion: version,
            topic: 'refund.updated',
            payload: { orderId: 'o1', refundId: 'R1', status, kind: 'return-and-refund' },
          }));
          return fc.shuffledSubarray([...events, ...events], { minLength: events.length * 2, maxLength: events.length * 2 }).map((delivery) => ({ events, delivery }));
        }),
        ({ events, delivery }) => {
          const endCase = (list: Envelope[]) => {
            let order: OrderState = newOrderState({ tenantId: 't1', shopId: 'shop-1', platform: 'taobao', orderId: 'o1' });
            let current: AfterSalesCase | undefined;
            for (const event of list) {
              const { state, outcome } = applyOrderEvent(order, event);
              order = state;
              if (outcome === 'duplicate') continue;
              for (const change of caseChangesFor(order, event)) current = change.apply(current);
            }
            return current;
          };
          const expected = endCase(events)!;
          const actual = endCase(delivery)!;
          expect(actual.caseId).toBe(caseIdForRefund('taobao', 'shop-1', 'R1'));
          expect({ state: actual.state, outcome: actual.outcome, refund: actual.refund }).toEqual({ state: expected.state, outcome: expected.outcome, refund: expected.refund });
        },
      ),
      { numRuns: 300 },
    );
  });
});
