import { describe, expect, it } from 'vitest';
import { adaptDouyinWebhook } from '../../shared/orders/ingest/adapt-douyin-webhook';
import { adaptKefuEvents } from '../../shared/orders/ingest/adapt-kefu-events';
import { adaptShopifyWebhook } from '../../shared/orders/ingest/adapt-shopify-webhook';
import { adaptTaobaoMessage, type TmcMessage } from '../../shared/orders/ingest/adapt-taobao-message';
import { parseDecimalMoney } from '../../shared/orders/money';

const sellers: Record<string, string> = { '2200001': 'shop-tb' };
const shopOfSeller = (sellerId: string) => sellers[sellerId];
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');

/** Content JSON as TMC writes it: ids are bare 19-digit numbers, past Number.MAX_SAFE_INTEGER. */
const tmc = (topic: string, content: string, extra: Partial<TmcMessage> = {}): TmcMessage => ({
  id: '7000000000000000001',
  topic,
  pub_time: '2026-11-11 00:00:05',
  user_id: 2200001,
  user_nick: 'brand旗舰店',
  content,
  ...extra,
});

describe('adaptTaobaoMessage', () => {
  it('turns a buyer-paid trade message into order.updated, keeping the 19-digit tid exact', () => {
    const result = adaptTaobaoMessage(
      tmc('taobao_trade_TradeBuyerPay', '{"tid":3712345678901234567,"oid":3712345678901234568,"buyer_open_uid":"AAH_x9","buyer_nick":"t**1","payment":"199.90","status":"WAIT_SELLER_SEND_GOODS","modified":"2026-11-11 00:00:04"}'),
      shopOfSeller,
    );
    expect(result).toEqual({
      kind: 'accepted',
      envelope: {
        platform: 'taobao',
        shopId: 'shop-tb',
        messageId: '7000000000000000001',
        topic: 'order.updated',
        sourceTopic: 'taobao_trade_TradeBuyerPay',
        occurredAt: '2026-11-10T16:00:05.000Z',
        businessVersion: Date.parse('2026-11-10T16:00:04Z'),
        payload: {
          orderId: '3712345678901234567',
          status: 'paid',
          platformStatus: 'WAIT_SELLER_SEND_GOODS',
          buyer: { buyerId: 'AAH_x9', nick: 't**1' },
          total: { minor: 19990, currency: 'CNY' },
        },
      },
    });
  });

  it.each([
    ['taobao_trade_TradeCreate', '{"tid":1,"status":"WAIT_BUYER_PAY"}', 'created'],
    ['taobao_trade_TradeBuyerStepPay', '{"tid":1,"status":"WAIT_BUYER_PAY"}', 'deposit-paid'],
    ['taobao_trade_TradeSellerShip', '{"tid":1}', 'shipped'],
    ['taobao_trade_TradePartlySellerShip', '{"tid":1,"status":"SELLER_CONSIGNED_PART"}', 'partly-shipped'],
    ['taobao_trade_TradeSuccess', '{"tid":1,"status":"TRADE_FINISHED"}', 'finished'],
    ['taobao_trade_TradeClose', '{"tid":1,"status":"TRADE_CLOSED_BY_TAOBAO"}', 'cancelled'],
    ['taobao_trade_TradeClose', '{"tid":1,"status":"TRADE_CLOSED"}', 'closed'],
    ['taobao_trade_TradeChanged', '{"tid":1,"status":"TRADE_BUYER_SIGNED"}', 'signed'],
  ])('%s with %s → status %s', (topic, content, status) => {
    const result = adaptTaobaoMessage(tmc(topic, content), shopOfSeller);
    expect(result).toMatchObject({ kind: 'accepted', envelope: { topic: 'order.updated', payload: { orderId: '1', status } } });
  });

  it.each([
    ['taobao_refund_RefundCreated', 'return_bill', 'requested', 'return-and-refund'],
    ['taobao_refund_RefundSellerAgreeAgreement', 'refund_bill', 'agreed', 'refund-only'],
    ['taobao_refund_RefundSellerAgreeAgreement', 'return_bill', 'waiting-return', 'return-and-refund'],
    ['taobao_refund_RefundSellerRefuseAgreement', 'refund_bill', 'refused', 'refund-only'],
    ['taobao_refund_RefundBuyerReturnGoods', 'replace_bill', 'returned', 'exchange'],
    ['taobao_refund_TaobaoInterApplied', 'refund_bill', 'platform-intervening', 'refund-only'],
    ['taobao_refund_RefundSuccess', 'refund_bill', 'succeeded', 'refund-only'],
    ['taobao_refund_RefundClosed', 'refund_bill', 'closed', 'refund-only'],
  ])('%s (%s) → refund %s, %s', (topic, billType, status, kind) => {
    const content = `{"refund_id":5500000000000000001,"tid":3712345678901234567,"oid":3712345678901234568,"refund_fee":"50.00","bill_type":"${billType}","refund_phase":"aftersale","modified":"2026-11-14 10:00:00"}`;
    const result = adaptTaobaoMessage(tmc(topic, content), shopOfSeller);
    expect(result).toMatchObject({
      kind: 'accepted',
      envelope: {
        topic: 'refund.updated',
        businessVersion: Date.parse('2026-11-14T02:00:00Z'),
        payload: { orderId: '3712345678901234567', refundId: '5500000000000000001', lineId: '3712345678901234568', status, kind, phase: 'after-sale', amount: { minor: 5000, currency: 'CNY' } },
      },
    });
  });

  it('carries the platform deadline from refund_remind_timeout, and prefers refund_version as the version', () => {
    const content = JSON.stringify({
      refund_id: '55',
      tid: '1',
      bill_type: 'refund_bill',
      refund_version: 1731550000123,
      modified: '2026-11-14 10:00:00',
      refund_remind_timeout: { remind_type: 1, exist_timeout: true, timeout: '2026-11-15 10:00:00' },
    });
    const result = adaptTaobaoMessage(tmc('taobao_refund_RefundCreated', content), shopOfSeller);
    expect(result).toMatchObject({ kind: 'accepted', envelope: { businessVersion: 1731550000123, payload: { deadline: { at: '2026-11-15T02:00:00.000Z', remindType: '1' } } } });
  });

  it.each([
    ['SIGNED', 'signed'],
    ['FAILED', 'failed'],
    ['LOST', 'lost'],
    ['SENT_SCAN', 'out-for-delivery'],
    ['SOMETHING_NEW', 'other'],
  ])('logistics action %s → %s, versioned by the trace time', (action, expected) => {
    const content = JSON.stringify({ tid: 1, out_sid: 'SF1234567890', company_name: '顺丰', action, desc: '已签收', time: '2026-11-13 15:30:00' });
    const result = adaptTaobaoMessage(tmc('taobao_logistics_LogsticDetailTrace', content), shopOfSeller);
    expect(result).toMatchObject({
      kind: 'accepted',
      envelope: { topic: 'logistics.updated', businessVersion: Date.parse('2026-11-13T07:30:00Z'), payload: { parcelId: 'SF1234567890', action: expected, platformAction: action, at: '2026-11-13T07:30:00.000Z' } },
    });
  });

  it('maps rated and timeout-reminder messages', () => {
    expect(adaptTaobaoMessage(tmc('taobao_trade_TradeRated', '{"tid":1,"rater":"buyer"}'), shopOfSeller)).toMatchObject({ envelope: { topic: 'order.rated', payload: { rater: 'buyer' } } });
    expect(adaptTaobaoMessage(tmc('taobao_trade_TradeTimeoutRemind', '{"tid":1}'), shopOfSeller)).toMatchObject({ envelope: { topic: 'order.reminded' } });
  });

  it('records unknown topics as ignored, and known ones kefu does not model as NOT_MODELLED', () => {
    expect(adaptTaobaoMessage(tmc('taobao_item_ItemAdd', '{}'), shopOfSeller)).toEqual({ kind: 'ignored', platform: 'taobao', shopId: 'shop-tb', messageId: '7000000000000000001', sourceTopic: 'taobao_item_ItemAdd', reason: 'UNKNOWN_TOPIC' });
    expect(adaptTaobaoMessage(tmc('taobao_trade_TradeSomethingNew', '{"tid":1}'), shopOfSeller)).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_TOPIC' });
    expect(adaptTaobaoMessage(tmc('taobao_trade_TradeMemoModified', '{"tid":1}'), shopOfSeller)).toMatchObject({ kind: 'ignored', reason: 'NOT_MODELLED' });
    expect(adaptTaobaoMessage(tmc('taobao_trade_TradeChanged', '{"tid":1}'), shopOfSeller)).toMatchObject({ kind: 'ignored', reason: 'NOT_MODELLED' });
  });

  it.each([
    ['content that is not JSON', tmc('taobao_trade_TradeBuyerPay', '{tid:1'), 'MALFORMED_JSON', 'message.content'],
    ['content that is a JSON array', tmc('taobao_trade_TradeBuyerPay', '[1]'), 'INVALID_FIELD', 'message.content'],
    ['no tid', tmc('taobao_trade_TradeBuyerPay', '{"status":"WAIT_SELLER_SEND_GOODS"}'), 'INVALID_FIELD', 'message.content.tid'],
    ['an unknown trade status', tmc('taobao_trade_TradeBuyerPay', '{"tid":1,"status":"WAIT_FOR_GODOT"}'), 'INVALID_FIELD', 'message.content.status'],
    ['a float payment', tmc('taobao_trade_TradeBuyerPay', '{"tid":1,"payment":"1.005"}'), 'INVALID_FIELD', 'message.content.payment'],
    ['a refund without bill_type', tmc('taobao_refund_RefundCreated', '{"tid":1,"refund_id":2}'), 'INVALID_FIELD', 'message.content.bill_type'],
    ['a refund without refund_id', tmc('taobao_refund_RefundCreated', '{"tid":1,"bill_type":"refund_bill"}'), 'INVALID_FIELD', 'message.content.refund_id'],
    ['a trace without out_sid', tmc('taobao_logistics_LogsticDetailTrace', '{"tid":1,"action":"SIGNED"}'), 'INVALID_FIELD', 'message.content.out_sid'],
    ['a garbled pub_time', tmc('taobao_trade_TradeBuyerPay', '{"tid":1}', { pub_time: 'yesterday' }), 'INVALID_FIELD', 'message.pub_time'],
    ['a seller kefu does not serve', tmc('taobao_trade_TradeBuyerPay', '{"tid":1}', { user_id: 999 }), 'UNKNOWN_SHOP', 'message.user_id'],
  ])('rejects %s with its reason and field', (_name, message, reason, field) => {
    expect(adaptTaobaoMessage(message, shopOfSeller)).toMatchObject({ kind: 'rejected', reason, field, messageId: '7000000000000000001' });
  });

  it('rejects a message without an id, naming the field', () => {
    const { id: _id, ...withoutId } = tmc('taobao_trade_TradeBuyerPay', '{"tid":1}');
    expect(adaptTaobaoMessage(withoutId, shopOfSeller)).toMatchObject({ kind: 'rejected', reason: 'INVALID_FIELD', field: 'message.id' });
  });
});

describe('prototype keys as platform values (row 20)', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('treats %s as unknown everywhere', (name) => {
    expect(adaptTaobaoMessage(tmc(`taobao_trade_${name}`, '{"tid":1}'), shopOfSeller)).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_TOPIC' });
    expect(adaptTaobaoMessage(tmc(`taobao_refund_${name}`, '{"tid":1}'), shopOfSeller)).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_TOPIC' });
    expect(adaptTaobaoMessage(tmc('taobao_trade_TradeChanged', JSON.stringify({ tid: 1, status: name })), shopOfSeller)).toMatchObject({ kind: 'rejected', field: 'message.content.status' });
    expect(adaptTaobaoMessage(tmc('taobao_refund_RefundCreated', JSON.stringify({ tid: 1, refund_id: 2, bill_type: name })), shopOfSeller)).toMatchObject({ kind: 'rejected', field: 'message.content.bill_type' });
    expect(adaptTaobaoMessage(tmc('taobao_logistics_LogsticDetailTrace', JSON.stringify({ tid: 1, out_sid: 'SF1', action: name })), shopOfSeller)).toMatchObject({ kind: 'accepted', envelope: { payload: { action: 'other' } } });
    expect(adaptDouyinWebhook(bytes({ event: name, content: '{}' }), { 'msg-id': 'm' }, 'shop-dy')).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_TOPIC' });
    const shopifyHeaders = { 'x-shopify-topic': name, 'x-shopify-event-id': 'e', 'x-shopify-triggered-at': '2026-11-11T00:00:00Z' };
    expect(adaptShopifyWebhook(bytes('{}'), shopifyHeaders, 'shop-sh')).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_TOPIC' });
  });
});

describe('adaptDouyinWebhook', () => {
  const headers = { 'msg-id': 'dy-msg-1' };
  it('turns a paid event (content as a JSON string, amounts in fen) into order.updated', () => {
    const body = { event: 'trade.paid', log_id: 'log-1', content: JSON.stringify({ order_id: '69000001', update_time: 1794326405, buyer_open_id: 'dy_buyer', pay_amount: 9900 }) };
    expect(adaptDouyinWebhook(bytes(body), headers, 'shop-dy')).toEqual({
      kind: 'accepted',
      envelope: {
        platform: 'douyin',
        shopId: 'shop-dy',
        messageId: 'dy-msg-1',
        topic: 'order.updated',
        sourceTopic: 'trade.paid',
        occurredAt: new Date(1794326405000).toISOString(),
        businessVersion: 1794326405000,
        payload: { orderId: '69000001', status: 'paid', buyer: { buyerId: 'dy_buyer' }, total: { minor: 9900, currency: 'CNY' } },
      },
    });
  });
  it('maps after-sale events by type, and a rejected parcel to logistics failed', () => {
    const refund = { event: 'refund.agree', content: { order_id: '1', aftersale_id: 'as-9', aftersale_type: 'return', update_time: '2026-11-14 08:00:00' } };
    expect(adaptDouyinWebhook(bytes(refund), headers, 'shop-dy')).toMatchObject({ envelope: { topic: 'refund.updated', payload: { refundId: 'as-9', status: 'waiting-return', kind: 'return-and-refund' } } });
    const trace = { event: 'logistics.trace', content: { order_id: '1', tracking_no: 'YT1', logistics_status: 'rejected', update_time: 1794326405 } };
    expect(adaptDouyinWebhook(bytes(trace), headers, 'shop-dy')).toMatchObject({ envelope: { topic: 'logistics.updated', payload: { parcelId: 'YT1', action: 'failed' } } });
  });
  it('falls back to log_id when Msg-Id is absent, and requires one of them', () => {
    const body = { event: 'trade.create', log_id: 'log-7', content: { order_id: '1', update_time: 1794326405 } };
    expect(adaptDouyinWebhook(bytes(body), {}, 'shop-dy')).toMatchObject({ envelope: { messageId: 'log-7' } });
    expect(adaptDouyinWebhook(bytes({ ...body, log_id: undefined }), {}, 'shop-dy')).toMatchObject({ kind: 'rejected', reason: 'INVALID_FIELD', field: 'headers.msg-id' });
  });
  it('ignores unknown events and the URL-verification challenge', () => {
    expect(adaptDouyinWebhook(bytes({ event: 'im.message', content: '{}' }), headers, 'shop-dy')).toMatchObject({ kind: 'ignored', reason: 'UNKNOWN_TOPIC', sourceTopic: 'im.message' });
    expect(adaptDouyinWebhook(bytes({ event: 'verify_webhook', content: { challenge: 1 } }), headers, 'shop-dy')).toMatchObject({ kind: 'ignored', reason: 'NOT_MODELLED' });
  });
  it.each([
    ['a body that is not JSON', 'nope', 'MALFORMED_JSON', 'body'],
    ['content that is not JSON', { event: 'trade.paid', content: '{' }, 'MALFORMED_JSON', 'body.content'],
    ['no order id', { event: 'trade.paid', content: { update_time: 1 } }, 'INVALID_FIELD', 'body.content.order_id'],
    ['an unknown after-sale type', { event: 'refund.create', content: { order_id: '1', aftersale_id: '2', aftersale_type: 'swap', update_time: 1794326405 } }, 'INVALID_FIELD', 'body.content.aftersale_type'],
    ['a fractional fen amount', { event: 'trade.paid', content: { order_id: '1', update_time: 1794326405, pay_amount: 1.5 } }, 'INVALID_FIELD', 'body.content.pay_amount'],
  ])('rejects %s', (_name, body, reason, field) => {
    expect(adaptDouyinWebhook(bytes(body), headers, 'shop-dy')).toMatchObject({ kind: 'rejected', reason, field });
  });
});

describe('adaptShopifyWebhook', () => {
  const headersFor = (topic: string) => ({ 'x-shopify-topic': topic, 'x-shopify-event-id': 'evt-1', 'x-shopify-webhook-id': 'wh-1', 'x-shopify-triggered-at': '2026-11-11T00:00:09.000Z' });
  const order = {
    id: 820982911946154500,
    updated_at: '2026-11-11T08:00:05+08:00',
    created_at: '2026-11-11T08:00:00+08:00',
    currency: 'USD',
    financial_status: 'paid',
    fulfillment_status: null,
    total_price: '24.90',
    customer: { id: 115310627314723950 },
    line_items: [{ id: 866550311766439000, title: 'T-shirt', quantity: 2, price: '12.45', sku: 'TS-RED-M' }],
  };

  it('turns orders/paid into order.updated versioned by updated_at, amounts in cents', () => {
    expect(adaptShopifyWebhook(bytes(order), headersFor('orders/paid'), 'shop-sh')).toMatchObject({
      kind: 'accepted',
      envelope: {
        messageId: 'evt-1',
        occurredAt: '2026-11-11T00:00:09.000Z',
        businessVersion: Date.parse('2026-11-11T00:00:05Z'),
        payload: {
          status: 'paid',
          platformStatus: 'paid/unfulfilled',
          total: { minor: 2490, currency: 'USD' },
          lines: [{ lineId: '866550311766439000', title: 'T-shirt', quantity: 2, skuId: 'TS-RED-M', price: { minor: 1245, currency: 'USD' } }],
        },
      },
    });
  });
  it.each([
    [{ financial_status: 'pending' }, 'created'],
    [{ fulfillment_status: 'partial' }, 'partly-shipped'],
    [{ fulfillment_status: 'fulfilled' }, 'shipped'],
    [{ fulfillment_status: 'fulfilled', closed_at: '2026-11-20T00:00:00Z' }, 'finished'],
    [{ financial_status: 'pending', cancelled_at: '2026-11-11T01:00:00Z' }, 'cancelled'],
    [{ financial_status: 'refunded', cancelled_at: '2026-11-11T01:00:00Z' }, 'closed'],
  ])('derives the status from %j → %s', (change, status) => {
    expect(adaptShopifyWebhook(bytes({ ...order, ...change }), headersFor('orders/updated'), 'shop-sh')).toMatchObject({ envelope: { payload: { status } } });
  });
  it('maps refunds, returns and fulfilment events', () => {
    expect(adaptShopifyWebhook(bytes({ id: 509562969, order_id: 450789469, created_at: '2026-11-15T10:00:00Z' }), headersFor('refunds/create'), 'shop-sh')).toMatchObject({
      envelope: { topic: 'refund.updated', payload: { refundId: '509562969', status: 'succeeded', kind: 'refund-only' } },
    });
    expect(adaptShopifyWebhook(bytes({ id: 7, order: { id: 450789469 } }), headersFor('returns/request'), 'shop-sh')).toMatchObject({
      envelope: { topic: 'refund.updated', businessVersion: Date.parse('2026-11-11T00:00:09Z'), payload: { refundId: 'return-7', status: 'requested', kind: 'return-and-refund' } },
    });
    expect(adaptShopifyWebhook(bytes({ id: 1, order_id: 2, fulfillment_id: 3, status: 'delivered', happened_at: '2026-11-13T09:00:00Z' }), headersFor('fulfillment_events/create'), 'shop-sh')).toMatchObject({
      envelope: { topic: 'logistics.updated', payload: { parcelId: '3', action: 'signed', at: '2026-11-13T09:00:00.000Z' } },
    });
  });
  it('dedupes on the event id, falling back to the webhook id', () => {
    const { 'x-shopify-event-id': _e, ...headers } = headersFor('orders/paid');
    expect(adaptShopifyWebhook(bytes(order), headers, 'shop-sh')).toMatchObject({ envelope: { messageId: 'wh-1' } });
  });
  it('ignores topics kefu does not model, without parsing the body', () => {
    expect(adaptShopifyWebhook(bytes('not json'), headersFor('products/update'), 'shop-sh')).toEqual({ kind: 'ignored', platform: 'shopify', shopId: 'shop-sh', messageId: 'evt-1', sourceTopic: 'products/update', reason: 'UNKNOWN_TOPIC' });
  });
  it.each([
    ['a missing topic header', bytes(order), { 'x-shopify-event-id': 'e', 'x-shopify-triggered-at': '2026-11-11T00:00:00Z' }, 'headers.x-shopify-topic'],
    ['a garbled triggered-at', bytes(order), { ...headersFor('orders/paid'), 'x-shopify-triggered-at': 'noon' }, 'headers.x-shopify-triggered-at'],
    ['an order without updated_at', bytes({ ...order, updated_at: undefined }), headersFor('orders/paid'), 'body.updated_at'],
    ['a line with zero quantity', bytes({ ...order, line_items: [{ id: 1, quantity: 0 }] }), headersFor('orders/paid'), 'body.line_items.0.quantity'],
  ])('rejects %s, naming the field', (_name, body, headers, field) => {
    expect(adaptShopifyWebhook(body, headers, 'shop-sh')).toMatchObject({ kind: 'rejected', reason: 'INVALID_FIELD', field });
  });
});

describe('adaptKefuEvents', () => {
  const endpoint = { shopId: 'shop-tb', platform: 'taobao' as const, taobaoSellerId: '2200001' };
  const event = { messageId: 'erp-1', topic: 'order.updated', occurredAt: '2026-11-11T00:00:00Z', businessVersion: 1, payload: { orderId: 'o1', status: 'paid' } };

  it('takes the shop from the endpoint, each item one result, in order', () => {
    const results = adaptKefuEvents(bytes({ events: [event, { ...event, messageId: 'erp-2', topic: 'coupon.sent' }, { ...event, messageId: 'erp-3', payload: { orderId: 'o1' } }] }), endpoint);
    expect(results).toEqual([
      { kind: 'accepted', envelope: { ...event, platform: 'taobao', shopId: 'shop-tb', sourceTopic: 'order.updated' } },
      { kind: 'ignored', platform: 'taobao', shopId: 'shop-tb', messageId: 'erp-2', sourceTopic: 'coupon.sent', reason: 'UNKNOWN_TOPIC' },
      expect.objectContaining({ kind: 'rejected', reason: 'INVALID_FIELD', field: 'body.events.2.payload.status', messageId: 'erp-3' }),
    ]);
  });
  it('refuses a body that names a shop or another platform (row 16)', () => {
    expect(adaptKefuEvents(bytes({ events: [{ ...event, shopId: 'shop-other' }] }), endpoint)).toMatchObject([{ kind: 'rejected', field: 'body.events.0.shopId' }]);
    expect(adaptKefuEvents(bytes({ events: [{ ...event, platform: 'douyin' }] }), endpoint)).toMatchObject([{ kind: 'rejected', field: 'body.events.0.platform' }]);
  });
  it('passes raw TMC messages from a relay through the Taobao adapter, only for this shop’s seller', () => {
    const mine = tmc('taobao_trade_TradeBuyerPay', '{"tid":3712345678901234567,"status":"WAIT_SELLER_SEND_GOODS"}');
    const theirs = { ...mine, user_id: 999 };
    expect(adaptKefuEvents(bytes({ events: [{ tmc: mine }, { tmc: theirs }] }), endpoint)).toMatchObject([
      { kind: 'accepted', envelope: { shopId: 'shop-tb', payload: { orderId: '3712345678901234567', status: 'paid' } } },
      { kind: 'rejected', reason: 'UNKNOWN_SHOP' },
    ]);
  });
  it('refuses an empty or oversized batch and a non-JSON body as a whole', () => {
    expect(adaptKefuEvents(bytes({ events: [] }), endpoint)).toMatchObject([{ kind: 'rejected', field: 'body.events' }]);
    expect(adaptKefuEvents(bytes({ events: Array.from({ length: 101 }, () => event) }), endpoint)).toMatchObject([{ kind: 'rejected', field: 'body.events' }]);
    expect(adaptKefuEvents(bytes('{'), endpoint)).toMatchObject([{ kind: 'rejected', reason: 'MALFORMED_JSON' }]);
  });
});

describe('parseDecimalMoney', () => {
  it.each([
    ['12.30', 1230],
    ['12.3', 1230],
    ['0.07', 7],
    ['100', 10000],
    [0.1, 10],
  ])('%s → %i minor units, without float error', (text, minor) => {
    expect(parseDecimalMoney(text, 'CNY')).toEqual({ minor, currency: 'CNY' });
  });
  it.each(['1.005', '-1', '1e3', '', ' ', 'abc', null])('refuses %j', (text) => {
    expect(parseDecimalMoney(text, 'CNY')).toBeUndefined();
  });
});
