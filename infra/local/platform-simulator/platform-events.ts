/**
 * The simulator's orders and how each platform tells the world about them: Taobao as TMC messages (pulled),
 * Shopify and Douyin as webhook bodies (pushed). Shapes follow shared/platforms.md §1 and the adapters in
 * shared/orders/ingest/, so what the simulator sends is what those adapters read from the real platforms.
 */
export type SimPlatform = 'taobao' | 'douyin' | 'shopify';
export type SimRefundKind = 'refund-only' | 'return' | 'exchange';
export type SimRefundStatus = 'requested' | 'agreed' | 'refused' | 'waiting-return' | 'returned' | 'succeeded' | 'closed';

export interface SimLine {
  lineId: string;
  title: string;
  quantity: number;
  priceMinor: number;
}

export interface SimRefund {
  refundId: string;
  lineId: string;
  kind: SimRefundKind;
  status: SimRefundStatus;
  amountMinor: number;
  /** The platform's deadline for the current step (Taobao refund_remind_timeout), epoch ms. */
  deadlineMs?: number;
  versionMs: number;
}

export interface SimOrder {
  orderId: string;
  platform: SimPlatform;
  /** The seller id on the platform (TMC user_id). */
  sellerId: string;
  buyerId: string;
  lines: SimLine[];
  totalMinor: number;
  status: 'created' | 'paid' | 'shipped' | 'signed' | 'finished' | 'cancelled' | 'closed';
  createdMs: number;
  paidMs?: number;
  modifiedMs: number;
  parcel?: { parcelId: string; carrier: string; action: 'consigned' | 'signed' | 'failed' | 'lost'; atMs: number };
  refunds: SimRefund[];
  /** The buyer's rating once rated (`rate` with `result`): good, neutral or bad. */
  rating?: 'good' | 'neutral' | 'bad';
}

/** One thing that happened, as the platform publishes it. */
export type PlatformEvent =
  | { platform: 'taobao'; messageId: string; tmc: TmcMessage }
  | { platform: 'shopify'; messageId: string; topic: string; body: unknown; triggeredAtMs: number }
  | { platform: 'douyin'; messageId: string; body: { event: string; content: string; log_id: string } };

export interface TmcMessage {
  id: string;
  topic: string;
  pub_time: string;
  user_id: string;
  content: string;
}

/** `yyyy-MM-dd HH:mm:ss` in China time, as Taobao and Douyin write times. */
export function chinaTime(epochMs: number): string {
  return new Date(epochMs + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

const yuan = (minor: number) => (minor / 100).toFixed(2);

const taobaoTradeStatus: Record<SimOrder['status'], string> = {
  created: 'WAIT_BUYER_PAY',
  paid: 'WAIT_SELLER_SEND_GOODS',
  shipped: 'WAIT_BUYER_CONFIRM_GOODS',
  signed: 'TRADE_BUYER_SIGNED',
  finished: 'TRADE_FINISHED',
  cancelled: 'TRADE_CLOSED_BY_TAOBAO',
  closed: 'TRADE_CLOSED',
};
const taobaoRefundStatus: Record<SimRefundStatus, string> = {
  requested: 'WAIT_SELLER_AGREE',
  agreed: 'WAIT_SELLER_AGREE',
  refused: 'SELLER_REFUSE_BUYER',
  'waiting-return': 'WAIT_BUYER_RETURN_GOODS',
  returned: 'WAIT_SELLER_CONFIRM_GOODS',
  succeeded: 'SUCCESS',
  closed: 'CLOSED',
};
const billType: Record<SimRefundKind, string> = { 'refund-only': 'refund_bill', return: 'return_bill', exchange: 'replace_bill' };

export type SimAction =
  | 'place'
  | 'pay'
  | 'ship'
  | 'sign'
  | 'finish'
  | 'cancel'
  | 'fail'
  | 'lose'
  | 'rate'
  | { refund: SimRefund; step: SimRefundStatus };

/** The events the order's platform publishes for an action just applied to `order`. */
export function eventsOf(order: SimOrder, action: SimAction, nextId: () => string, nowMs: number): PlatformEvent[] {
  switch (order.platform) {
    case 'taobao':
      return taobaoEvents(order, action, nextId, nowMs);
    case 'shopify':
      return shopifyEvents(order, action, nextId, nowMs);
    case 'douyin':
      return douyinEvents(order, action, nextId);
  }
}

function taobaoEvents(order: SimOrder, action: SimAction, nextId: () => string, nowMs: number): PlatformEvent[] {
  const tmc = (topic: string, content: Record<string, unknown>): PlatformEvent => {
    const id = nextId();
    return { platform: 'taobao', messageId: id, tmc: { id, topic, pub_time: chinaTime(nowMs), user_id: order.sellerId, content: JSON.stringify(content) } };
  };
  const trade = (name: string) =>
    tmc(`taobao_trade_${name}`, {
      tid: order.orderId,
      buyer_open_uid: order.buyerId,
      payment: yuan(order.totalMinor),
      status: taobaoTradeStatus[order.status],
      modified: chinaTime(order.modifiedMs),
    });
  const trace = (platformAction: string) =>
    tmc('taobao_logistics_LogsticDetailTrace', {
      tid: order.orderId,
      out_sid: order.parcel!.parcelId,
      company_name: order.parcel!.carrier,
      action: platformAction,
      time: chinaTime(order.parcel!.atMs),
      desc: `parcel ${platformAction.toLowerCase()}`,
    });
  if (typeof action === 'object') {
    const { refund, step } = action;
    const topic = {
      requested: 'RefundCreated',
      agreed: 'RefundSellerAgreeAgreement',
      'waiting-return': 'RefundSellerAgreeAgreement',
      refused: 'RefundSellerRefuseAgreement',
      returned: 'RefundBuyerReturnGoods',
      succeeded: 'RefundSuccess',
      closed: 'RefundClosed',
    }[step];
    return [
      tmc(`taobao_refund_${topic}`, {
        tid: order.orderId,
        oid: refund.lineId,
        refund_id: refund.refundId,
        buyer_open_uid: order.buyerId,
        bill_type: billType[refund.kind],
        refund_fee: yuan(refund.amountMinor),
        refund_phase: order.status === 'paid' ? 'onsale' : 'aftersale',
        refund_version: refund.versionMs,
        modified: chinaTime(refund.versionMs),
        ...(refund.deadlineMs ? { refund_remind_timeout: { exist_timeout: true, timeout: chinaTime(refund.deadlineMs), remind_type: 1 } } : {}),
      }),
    ];
  }
  switch (action) {
    case 'place':
      return [trade('TradeCreate')];
    case 'pay':
      return [trade('TradeBuyerPay')];
    case 'ship':
      return [trade('TradeSellerShip'), trace('CONSIGN')];
    case 'sign':
      return [trace('SIGNED')];
    case 'fail':
      return [trace('FAILED')];
    case 'lose':
      return [trace('LOST')];
    case 'finish':
      return [trade('TradeSuccess')];
    case 'cancel':
      return [trade('TradeClose')];
    case 'rate':
      return [tmc('taobao_trade_TradeRated', { tid: order.orderId, rater: 'buyer', ...(order.rating ? { result: order.rating } : {}), modified: chinaTime(order.modifiedMs) })];
  }
}

function shopifyEvents(order: SimOrder, action: SimAction, nextId: () => string, nowMs: number): PlatformEvent[] {
  const event = (topic: string, body: unknown): PlatformEvent => ({ platform: 'shopify', messageId: nextId(), topic, body, triggeredAtMs: nowMs });
  const iso = (ms: number) => new Date(ms).toISOString();
  const orderBody = () => shopifyOrder(order);
  const fulfillment = (status: string) =>
    event('fulfillment_events/create', {
      id: nextId(),
      order_id: order.orderId,
      fulfillment_id: order.parcel!.parcelId,
      status,
      happened_at: iso(order.parcel!.atMs),
      message: `parcel ${status}`,
    });
  if (typeof action === 'object') {
    const { refund, step } = action;
    if (refund.kind === 'refund-only') {
      // A Shopify refund is money already returned: only its success is an event.
      return step === 'requested' ? [event('refunds/create', { id: refund.refundId, order_id: order.orderId, created_at: iso(refund.versionMs) })] : [];
    }
    const topic = { requested: 'returns/request', 'waiting-return': 'returns/approve', agreed: 'returns/approve', refused: 'returns/decline', returned: undefined, succeeded: 'returns/close', closed: 'returns/cancel' }[step];
    return topic ? [event(topic, { id: refund.refundId, order: { id: order.orderId } })] : [];
  }
  switch (action) {
    case 'place':
      return [event('orders/create', orderBody())];
    case 'pay':
      return [event('orders/paid', orderBody())];
    case 'ship':
      return [event('orders/fulfilled', orderBody()), fulfillment('in_transit')];
    case 'sign':
      return [fulfillment('delivered')];
    case 'fail':
    case 'lose':
      return [fulfillment('failure')];
    case 'finish':
    case 'cancel':
      return [event('orders/updated', orderBody())];
    case 'rate':
      return [];
  }
}

function douyinEvents(order: SimOrder, action: SimAction, nextId: () => string): PlatformEvent[] {
  const event = (name: string, content: Record<string, unknown>): PlatformEvent => {
    const id = nextId();
    return { platform: 'douyin', messageId: id, body: { event: name, content: JSON.stringify({ order_id: order.orderId, buyer_open_id: order.buyerId, ...content }), log_id: id } };
  };
  const trace = (status: string) =>
    event('logistics.trace', { update_time: chinaTime(order.parcel!.atMs), tracking_no: order.parcel!.parcelId, logistics_status: status, company: order.parcel!.carrier });
  const trade = (name: string) => event(name, { update_time: chinaTime(order.modifiedMs), pay_amount: order.totalMinor });
  if (typeof action === 'object') {
    const { refund, step } = action;
    const name = { requested: 'refund.create', agreed: 'refund.agree', 'waiting-return': 'refund.agree', refused: 'refund.refuse', returned: 'refund.return_shipped', succeeded: 'refund.success', closed: 'refund.close' }[step];
    return [
      event(name, { update_time: chinaTime(refund.versionMs), aftersale_id: refund.refundId, aftersale_type: refund.kind, refund_amount: refund.amountMinor }),
    ];
  }
  switch (action) {
    case 'place':
      return [trade('trade.create')];
    case 'pay':
      return [trade('trade.paid')];
    case 'ship':
      return [trade('trade.shipped'), trace('in_transit')];
    case 'sign':
      return [trace('signed')];
    case 'fail':
      return [trace('rejected')];
    case 'lose':
      return [trace('lost')];
    case 'finish':
      return [trade('trade.success')];
    case 'cancel':
      return [trade('trade.cancel')];
    case 'rate':
      return [];
  }
}

/** The order as Shopify's Admin API returns it (and as its orders/* webhooks carry it). */
export function shopifyOrder(order: SimOrder) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: order.orderId,
    updated_at: iso(order.modifiedMs),
    created_at: iso(order.createdMs),
    currency: 'CNY',
    financial_status: order.paidMs ? 'paid' : 'pending',
    fulfillment_status: ['shipped', 'signed', 'finished'].includes(order.status) ? 'fulfilled' : null,
    cancelled_at: order.status === 'cancelled' || order.status === 'closed' ? iso(order.modifiedMs) : null,
    closed_at: order.status === 'finished' ? iso(order.modifiedMs) : null,
    total_price: yuan(order.totalMinor),
    customer: { id: order.buyerId },
    line_items: order.lines.map((line) => ({ id: line.lineId, title: line.title, quantity: line.quantity, price: yuan(line.priceMinor) })),
  };
}

/** The order as Taobao's order API returns it (taobao.trade.fullinfo.get, simplified), for reconciliation. */
export function taobaoTrade(order: SimOrder) {
  return {
    tid: order.orderId,
    status: taobaoTradeStatus[order.status],
    buyer_open_uid: order.buyerId,
    payment: yuan(order.totalMinor),
    created: chinaTime(order.createdMs),
    ...(order.paidMs ? { pay_time: chinaTime(order.paidMs) } : {}),
    modified: chinaTime(order.modifiedMs),
    orders: order.lines.map((line) => ({ oid: line.lineId, title: line.title, num: line.quantity, price: yuan(line.priceMinor) })),
    refunds: order.refunds.map((refund) => ({
      refund_id: refund.refundId,
      oid: refund.lineId,
      status: taobaoRefundStatus[refund.status],
      bill_type: billType[refund.kind],
      refund_fee: yuan(refund.amountMinor),
      refund_version: refund.versionMs,
      modified: chinaTime(refund.versionMs),
      ...(refund.deadlineMs ? { refund_remind_timeout: { exist_timeout: true, timeout: chinaTime(refund.deadlineMs), remind_type: 1 } } : {}),
    })),
  };
}
export type TaobaoTrade = ReturnType<typeof taobaoTrade>;
