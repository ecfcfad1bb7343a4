import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postSmsReceipts } from './sms-receipts';
import { douyinHeaders, kefuHeaders, shopifyHeaders } from './webhook-signing';
import {
  eventsOf,
  shopifyOrder,
  taobaoTrade,
  type PlatformEvent,
  type SimAction,
  type SimOrder,
  type SimPlatform,
  type SimRefund,
  type SimRefundKind,
  type SimRefundStatus,
  type TmcMessage,
} from './platform-events';

/**
 * The platforms, played locally (issue 7 §1): one HTTP server that
 *  - serves Taobao's message service the way TMC behaves: `POST /tmc/messages/consume` hands out up to
 *    `quantity` (10–200) messages and leases them; `POST /tmc/messages/confirm` removes the ids given; an
 *    unconfirmed message is handed out again once its lease ends (at least once, no order promised);
 *  - serves an order read API for the reconciliation sweep (`GET /orders/changed`);
 *  - fires signed Shopify-, Douyin- and kefu-format webhooks at the kefu stack, retried like the platforms
 *    do on a non-2xx;
 *  - takes commands (`POST /sim/...`) to place, pay, ship, sign, finish, cancel, refund (refund-only,
 *    return, exchange; with a platform deadline), fail or lose a parcel and rate orders, from tests, the
 *    demo (`npm run sim -- ...`) and the benchmark.
 * Platform buyer ids are kefu user ids (`buyer-zhou`), so the orders consumer can link them by convention.
 */
export interface SimShop {
  tenantId: string;
  shopId: string;
  platform: SimPlatform;
  /** Seller id on the platform: TMC `user_id`, the order API's seller. */
  platformShopId: string;
  /** kefu's endpoint id for this shop's webhooks. */
  endpointId: string;
  webhookSecret?: string;
  /** API credentials' app key: the TMC and order APIs answer 401 without it. */
  appKey?: string;
  /** Taobao shop relayed through kefu's own webhook format (a relay inside the platform's cloud) instead of pulled. */
  relay?: boolean;
}

export interface PlatformSimulatorOptions {
  port?: number;
  /** Where the kefu HTTP API listens, for the webhooks. */
  kefuUrl: string;
  shops?: readonly SimShop[];
  /** How long a consumed, unconfirmed TMC message is leased before it is handed out again (TMC: minutes). */
  redeliverAfterMs?: number;
  /** The SMS provider's delivery receipt follows each new SMS after this long (0: none sent by itself). */
  smsDeliveredAfterMs?: number;
  /** Webhook retries after a non-2xx (Shopify retries 8 times over 4 hours; here quickly). */
  webhookRetryDelaysMs?: readonly number[];
  log?: (line: string) => void;
}

export interface PlatformSimulator {
  url: string;
  addShop(shop: SimShop): void;
  stop(): Promise<void>;
}

interface Delivery {
  messageId: string;
  platform: SimPlatform | 'kefu';
  shopId: string;
  status: number | 'queued' | 'error';
  attempts: number;
}

interface Leased {
  message: TmcMessage;
  leasedUntil: number;
}

export async function startPlatformSimulator(options: PlatformSimulatorOptions): Promise<PlatformSimulator> {
  const redeliverAfterMs = options.redeliverAfterMs ?? 60_000;
  const retryDelays = options.webhookRetryDelaysMs ?? [500, 2000, 5000];
  const log = options.log ?? (() => undefined);
  const shops = new Map<string, SimShop>();
  const orders = new Map<string, SimOrder>();
  /** TMC's queue per seller, in publish order. */
  const tmcQueues = new Map<string, Leased[]>();
  const deliveries: Delivery[] = [];
  /** Outreach sends and coupons by idempotency key (a repeat is counted, not delivered again). */
  const outreachSends = new Map<string, { path: string; body: Record<string, unknown>; receivedAt: number; repeats: number; answer: unknown }>();
  const inflight = new Set<Promise<unknown>>();
  const smsDeliveredAfterMs = options.smsDeliveredAfterMs ?? 1000;
  const smsReceipt = (sms: Record<string, unknown>, status: 'delivered' | 'read') =>
    postSmsReceipts(options.kefuUrl, [{ tenantId: String(sms.tenantId), taskId: String(sms.taskId), status, at: new Date().toISOString() }]);
  let sequence = 0;
  // 19-digit ids like Taobao's tid and TMC message ids (past 2^53: the adapters must keep them exact).
  const idBase = 3_700_000_000_000_000_000n + BigInt(Date.now()) * 1000n;
  const nextId = () => String(idBase + BigInt(++sequence));
  const shopKey = (tenantId: string, shopId: string) => `${tenantId}/${shopId}`;
  for (const shop of options.shops ?? []) shops.set(shopKey(shop.tenantId, shop.shopId), shop);

  const findShop = (shopId: string, tenantId?: string): SimShop => {
    const matches = [...shops.values()].filter((s) => s.shopId === shopId && (!tenantId || s.tenantId === tenantId));
    if (matches.length !== 1) throw new SimError(404, matches.length === 0 ? `no simulated shop ${shopId}` : `shop ${shopId} is in several tenants: pass tenant`);
    return matches[0]!;
  };
  const shopOf = (order: SimOrder) => [...shops.values()].find((s) => s.platform === order.platform && s.platformShopId === order.sellerId)!;
  const orderOf = (orderId: unknown): SimOrder => {
    const order = typeof orderId === 'string' ? orders.get(orderId) : undefined;
    if (!order) throw new SimError(404, `no order ${String(orderId)}`);
    return order;
  };
  /** Versions move by at least a second (platform times have second resolution), so every change is newer. */
  const touch = (previousMs: number) => Math.max(Math.floor(Date.now() / 1000) * 1000, previousMs + 1000);

  async function publish(order: SimOrder, action: SimAction): Promise<Delivery[]> {
    const shop = shopOf(order);
    const events = eventsOf(order, action, nextId, Date.now());
    const results: Delivery[] = [];
    for (const event of events) results.push(await deliver(shop, event));
    return results;
  }

  async function deliver(shop: SimShop, event: PlatformEvent): Promise<Delivery> {
    const delivery: Delivery = { messageId: event.messageId, platform: event.platform, shopId: shop.shopId, status: 'queued', attempts: 0 };
    deliveries.push(delivery);
    if (event.platform === 'taobao' && !shop.relay) {
      const queue = tmcQueues.get(shop.platformShopId) ?? [];
      queue.push({ message: event.tmc, leasedUntil: 0 });
      tmcQueues.set(shop.platformShopId, queue);
      return delivery;
    }
    const secret = shop.webhookSecret ?? '';
    let kind: 'shopify' | 'douyin' | 'kefu';
    let body: Buffer;
    let headers: () => Record<string, string>;
    if (event.platform === 'taobao') {
      kind = 'kefu';
      delivery.platform = 'kefu';
      body = Buffer.from(JSON.stringify({ events: [{ tmc: event.tmc }] }));
      headers = () => kefuHeaders(body, [secret], new Date());
    } else if (event.platform === 'shopify') {
      kind = 'shopify';
      body = Buffer.from(JSON.stringify(event.body));
      headers = () => shopifyHeaders(body, secret, { topic: event.topic, eventId: event.messageId, triggeredAt: new Date(event.triggeredAtMs) });
    } else {
      kind = 'douyin';
      body = Buffer.from(JSON.stringify(event.body));
      headers = () => douyinHeaders(body, secret, event.messageId);
    }
    const url = `${options.kefuUrl}/v1/webhooks/${kind}/${shop.endpointId}`;
    const attempt = async () => {
      delivery.attempts++;
      try {
        const response = await fetch(url, { method: 'POST', headers: headers(), body: new Uint8Array(body) });
        await response.arrayBuffer();
        delivery.status = response.status;
      } catch {
        delivery.status = 'error';
      }
      return delivery.status === 200;
    };
    // The first attempt is awaited, so a command's answer says how kefu took it; retries go on behind.
    if (!(await attempt())) {
      const retries = (async () => {
        for (const delay of retryDelays) {
          await new Promise((r) => setTimeout(r, delay));
          if (await attempt()) return;
        }
        log(`[simulator] ${kind} webhook ${event.messageId} for ${shop.shopId} gave up after ${delivery.attempts} attempts (last ${delivery.status})`);
      })();
      inflight.add(retries);
      void retries.finally(() => inflight.delete(retries));
    }
    return delivery;
  }

  // ── commands ──
  async function command(path: string[], body: Record<string, unknown>): Promise<unknown> {
    const [resource, id, verb, refundId, refundVerb] = path;
    if (resource === 'shops' && id === undefined) {
      if (body.shopId) {
        const shop = body as unknown as SimShop;
        shops.set(shopKey(shop.tenantId, shop.shopId), shop);
        return { shop: publicShop(shop) };
      }
      return { shops: [...shops.values()].map(publicShop) };
    }
    if (resource !== 'orders') throw new SimError(404, `unknown command ${path.join('/')}`);
    if (id === undefined) return place(body);
    const order = orderOf(id);
    if (verb === undefined) return { order };
    if (verb === 'refunds' && refundId !== undefined) return refundStep(order, refundId, refundVerb, body);
    if (verb === 'refunds') return openRefund(order, body);
    if (verb === 'rate' && body.result !== undefined) {
      if (!['good', 'neutral', 'bad'].includes(String(body.result))) throw new SimError(400, 'result: good, neutral or bad');
      order.rating = body.result as SimOrder['rating'];
    }
    return orderStep(order, verb);
  }

  async function place(body: Record<string, unknown>) {
    const shop = findShop(String(body.shop ?? ''), typeof body.tenant === 'string' ? body.tenant : undefined);
    const buyerId = String(body.buyer ?? '');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(buyerId)) throw new SimError(400, 'buyer: a kefu user id such as buyer-zhou');
    const priceMinor = Math.round(Number(body.price ?? 199) * 100);
    const quantity = Number(body.quantity ?? 1);
    if (!Number.isFinite(priceMinor) || priceMinor <= 0 || !Number.isInteger(quantity) || quantity <= 0) throw new SimError(400, 'price and quantity must be positive');
    const now = touch(0);
    const order: SimOrder = {
      orderId: nextId(),
      platform: shop.platform,
      sellerId: shop.platformShopId,
      buyerId,
      lines: [{ lineId: nextId(), title: String(body.title ?? '测试商品 demo item'), quantity, priceMinor }],
      totalMinor: priceMinor * quantity,
      status: 'created',
      createdMs: now,
      modifiedMs: now,
      refunds: [],
    };
    orders.set(order.orderId, order);
    return { order, deliveries: await publish(order, 'place') };
  }

  async function orderStep(order: SimOrder, verb: string) {
    const allowed: Record<string, SimOrder['status'][]> = {
      pay: ['created'],
      ship: ['paid'],
      sign: ['shipped'],
      fail: ['shipped'],
      lose: ['shipped'],
      finish: ['shipped', 'signed'],
      cancel: ['created', 'paid'],
      rate: ['signed', 'finished'],
    };
    const from = allowed[verb];
    if (!from) throw new SimError(404, `unknown order command ${verb}`);
    if (!from.includes(order.status)) throw new SimError(409, `cannot ${verb} an order that is ${order.status}`);
    const now = touch(order.modifiedMs);
    if (verb === 'pay') Object.assign(order, { status: 'paid', paidMs: now });
    if (verb === 'ship') Object.assign(order, { status: 'shipped', parcel: { parcelId: `SF${nextId().slice(-12)}`, carrier: '顺丰速运', action: 'consigned', atMs: now } });
    if (verb === 'sign') Object.assign(order, { status: 'signed', parcel: { ...order.parcel!, action: 'signed', atMs: now } });
    if (verb === 'fail' || verb === 'lose') order.parcel = { ...order.parcel!, action: verb === 'fail' ? 'failed' : 'lost', atMs: now };
    if (verb === 'finish') order.status = 'finished';
    if (verb === 'cancel') order.status = order.paidMs ? 'closed' : 'cancelled';
    // A logistics fact or a rating does not change the trade's version.
    if (!['sign', 'fail', 'lose', 'rate'].includes(verb)) order.modifiedMs = now;
    return { order, deliveries: await publish(order, verb as SimAction) };
  }

  async function openRefund(order: SimOrder, body: Record<string, unknown>) {
    if (['created', 'cancelled'].includes(order.status)) throw new SimError(409, `nothing to refund on an order that is ${order.status}`);
    const kind = String(body.kind ?? 'refund-only') as SimRefundKind;
    if (!['refund-only', 'return', 'exchange'].includes(kind)) throw new SimError(400, 'kind: refund-only, return or exchange');
    const now = touch(order.modifiedMs);
    const hours = body.deadlineHours === undefined ? 48 : Number(body.deadlineHours);
    const refund: SimRefund = {
      refundId: nextId(),
      lineId: order.lines[0]!.lineId,
      kind,
      status: 'requested',
      amountMinor: body.amount === undefined ? order.totalMinor : Math.round(Number(body.amount) * 100),
      versionMs: now,
      ...(hours > 0 ? { deadlineMs: now + hours * 3600_000 } : {}),
    };
    order.refunds.push(refund);
    return { order, refund, deliveries: await publish(order, { refund, step: 'requested' }) };
  }

  async function refundStep(order: SimOrder, refundId: string, verb: string | undefined, body: Record<string, unknown>) {
    const refund = order.refunds.find((r) => r.refundId === refundId);
    if (!refund) throw new SimError(404, `no refund ${refundId} on order ${order.orderId}`);
    if (verb === undefined) return { refund };
    const steps: Record<string, SimRefundStatus> = { agree: refund.kind === 'refund-only' ? 'agreed' : 'waiting-return', refuse: 'refused', 'return-goods': 'returned', succeed: 'succeeded', close: 'closed' };
    const step = steps[verb];
    if (!step) throw new SimError(404, `unknown refund command ${verb}`);
    if (refund.status === 'succeeded' || refund.status === 'closed') throw new SimError(409, `the refund is ${refund.status}`);
    refund.status = step;
    refund.versionMs = touch(refund.versionMs);
    const hours = body.deadlineHours === undefined ? undefined : Number(body.deadlineHours);
    if (step === 'succeeded' || step === 'closed') delete refund.deadlineMs;
    else if (hours !== undefined) refund.deadlineMs = refund.versionMs + hours * 3600_000;
    return { order, refund, deliveries: await publish(order, { refund, step }) };
  }

  // ── platform APIs ──
  const authorized = (request: IncomingMessage, sellerId: string) => {
    const shop = [...shops.values()].find((s) => s.platformShopId === sellerId);
    return shop?.appKey !== undefined && request.headers['x-app-key'] === shop.appKey;
  };

  function consume(sellerId: string, quantity: number) {
    const now = Date.now();
    const queue = tmcQueues.get(sellerId) ?? [];
    const taken: TmcMessage[] = [];
    for (const entry of queue) {
      if (taken.length >= quantity) break;
      if (entry.leasedUntil > now) continue;
      entry.leasedUntil = now + redeliverAfterMs;
      taken.push(entry.message);
    }
    return { messages: taken };
  }

  function confirm(sellerId: string, ids: string[]) {
    const queue = tmcQueues.get(sellerId) ?? [];
    const wanted = new Set(ids);
    const kept = queue.filter((entry) => !wanted.has(entry.message.id));
    tmcQueues.set(sellerId, kept);
    return { confirmed: queue.length - kept.length };
  }

  function changedOrders(sellerId: string, fromMs: number, toMs: number) {
    const changed = [...orders.values()].filter((order) => {
      if (order.sellerId !== sellerId) return false;
      const latest = Math.max(order.modifiedMs, ...order.refunds.map((r) => r.versionMs));
      return latest >= fromMs && latest < toMs;
    });
    // Each platform's own order shape: Taobao trades with their refunds, Shopify orders (no Douyin reader yet).
    return { trades: changed.flatMap((o): unknown[] => (o.platform === 'taobao' ? [taobaoTrade(o)] : o.platform === 'shopify' ? [shopifyOrder(o)] : [])) };
  }

  const server = createServer((request, response) => {
    void handle(request, response);
  });

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      const path = url.pathname.split('/').filter(Boolean);
      if (request.method === 'GET' && url.pathname === '/sim/outreach') {
        const all = [...outreachSends.entries()].map(([key, item]) => ({ key, path: item.path, taskId: item.body.taskId, dueAt: item.body.dueAt, receivedAt: new Date(item.receivedAt).toISOString(), repeats: item.repeats }));
        return send(200, { sends: all.slice(-Number(url.searchParams.get('limit') ?? 500)), total: all.length, repeats: all.reduce((sum, item) => sum + item.repeats, 0) });
      }
      if (path[0] === 'sim') {
        // The buyer reads an SMS: the provider's read report for the task's SMS, signed, to kefu.
        if (request.method === 'POST' && path[1] === 'sms' && path[2] === 'read') {
          const sms = [...outreachSends.values()].find((item) => item.path === '/sms/messages' && item.body.taskId === body.taskId && (!body.tenantId || item.body.tenantId === body.tenantId));
          if (!sms) throw new SimError(404, `no SMS for task ${String(body.taskId)}`);
          return send(200, await smsReceipt(sms.body, 'read'));
        }
        if (request.method === 'GET' && path[1] === 'deliveries') return send(200, { deliveries: deliveries.slice(-500) });
        // Minutes pass: every leased, unconfirmed TMC message can be handed out again now (tests, the demo).
        if (request.method === 'POST' && path[1] === 'tmc' && path[2] === 'expire-leases') {
          let expired = 0;
          for (const queue of tmcQueues.values()) for (const entry of queue) if (entry.leasedUntil > 0) (entry.leasedUntil = 0), expired++;
          return send(200, { expired });
        }
        if (request.method === 'GET' && path[1] === 'tmc') {
          return send(200, Object.fromEntries([...tmcQueues].map(([seller, q]) => [seller, { pending: q.length, leased: q.filter((e) => e.leasedUntil > Date.now()).length }])));
        }
        return send(200, await command(path.slice(1), request.method === 'GET' ? {} : body));
      }
      if (request.method === 'POST' && url.pathname === '/tmc/messages/consume') {
        const sellerId = String(body.sellerId ?? '');
        if (!authorized(request, sellerId)) return send(401, { error: 'invalid app key' });
        const quantity = Math.min(200, Math.max(10, Number(body.quantity ?? 100)));
        return send(200, consume(sellerId, quantity));
      }
      if (request.method === 'POST' && url.pathname === '/tmc/messages/confirm') {
        const sellerId = String(body.sellerId ?? '');
        if (!authorized(request, sellerId)) return send(401, { error: 'invalid app key' });
        const ids = Array.isArray(body.ids) ? body.ids.map(String).slice(0, 200) : [];
        return send(200, confirm(sellerId, ids));
      }
      // Outreach (issue 8): the platform's chat push and coupon issuance, and the SMS provider, each taking
      // kefu's idempotency key: a repeat is answered like the first and counted, never delivered twice.
      if (request.method === 'POST' && ['/outreach/chat', '/sms/messages', '/outreach/coupons'].includes(url.pathname)) {
        const key = String(request.headers['idempotency-key'] ?? '');
        if (!key) return send(400, { error: 'idempotency-key header required' });
        const seen = outreachSends.get(key);
        if (seen) {
          seen.repeats++;
          return send(200, seen.answer);
        }
        const answer = url.pathname === '/outreach/coupons' ? { couponId: `CP${nextId().slice(-12)}` } : { accepted: true };
        outreachSends.set(key, { path: url.pathname, body, receivedAt: Date.now(), repeats: 0, answer });
        // The provider's delivery report, a moment later (read reports: POST /sim/sms/read).
        if (url.pathname === '/sms/messages' && smsDeliveredAfterMs > 0) {
          const timer = setTimeout(() => void smsReceipt(body, 'delivered').catch((error) => log(`sms receipt failed: ${(error as Error).message}`)), smsDeliveredAfterMs);
          timer.unref();
        }
        return send(200, answer);
      }
      if (request.method === 'GET' && url.pathname === '/orders/changed') {
        const sellerId = url.searchParams.get('sellerId') ?? '';
        if (!authorized(request, sellerId)) return send(401, { error: 'invalid app key' });
        return send(200, changedOrders(sellerId, Date.parse(url.searchParams.get('from') ?? ''), Date.parse(url.searchParams.get('to') ?? '')));
      }
      send(404, { error: 'not found' });
    } catch (error) {
      if (error instanceof SimError) return send(error.status, { error: error.message });
      if (error instanceof SyntaxError) return send(400, { error: 'body is not JSON' });
      send(500, { error: (error as Error).message });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    addShop: (shop) => shops.set(shopKey(shop.tenantId, shop.shopId), shop),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A shop as the simulator shows it: never its secret. */
const publicShop = ({ webhookSecret: _secret, ...shop }: SimShop) => shop;
