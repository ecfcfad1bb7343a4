import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { cpus, loadavg } from 'node:os';
import { localCredentials, localRegion } from '../infra/local/engines';
import type { LocalStack } from '../infra/local/stack';
import { eventsOf, type PlatformEvent, type SimAction, type SimOrder } from '../infra/local/platform-simulator/platform-events';
import { kefuHeaders } from '../infra/local/platform-simulator/webhook-signing';
import { keys } from '../shared/store/keys';
import { awsPrices } from './aws-prices';
import type { Meters, MeterSnapshot } from './meters';
import { distribution, round } from './stats';

/**
 * `orders`: the midnight burst of issue 7. Order events of many shops arrive through the real public
 * webhook route (kefu's signed format, one event per delivery, the way a relay inside the platform's cloud
 * forwards TMC messages), a share of them twice (a platform's redelivery) and a share out of order (a
 * later step of an order before an earlier one). Everything after the answer is the real path: the orders
 * queue, the orders consumer and its after-steps, DynamoDB Local.
 *
 * Measured: the webhook's answer time; the apply lag (the delivery's start → the claim's `appliedAt`, an
 * upper bound of receivedAt → applied, since receivedAt is taken inside the handler after the request
 * started); lost events (a distinct event whose message id is not in its order's `seenMessageIds`);
 * events applied twice (an order's `rev`, bumped by every write, above the number of its events that
 * claimed a write); DynamoDB units per distinct event by function, and US$ per million events.
 */
export const ordersDefaults = { rate: 333, seconds: 60, shops: 50, duplicateShare: 0.1, outOfOrderShare: 0.1, drainTimeoutSeconds: 240, maxInFlight: 64 } as const;
export const ordersBounds = { rate: [1, 2000], seconds: [5, 120], shops: [1, 50] } as const;

export interface OrdersOptions {
  /** Deliveries per second, duplicates included (the issue's 20,000 in 60 s is 333/s). */
  rate: number;
  seconds: number;
  shops: number;
}

export interface OrdersResult {
  scenario: 'orders';
  measuredAt: string;
  description: string;
  machine: { cpus: number; cpuModel: string | undefined; loadAverage: number[] };
  options: OrdersOptions & { duplicateShare: number; outOfOrderShare: number };
  targets: { rate: number; seconds: number; shops: number; deliveries: number };
  /** True when every delivery was made, every distinct event applied within the drain timeout, none lost, none twice. */
  completed: boolean;
  /** Each target on its own: the rate asked for held (≥ 90 %), every delivery answered 200, none lost, none twice. */
  targetsMet: { rateHeld: boolean; all200: boolean; noneLost: boolean; noneTwice: boolean; issueScale: boolean };
  deliveries: { planned: number; made: number; distinctEvents: number; duplicates: number; outOfOrder: number; orders: number; non200: Record<string, number>; sendSeconds: number; achievedRate: number };
  ingestAnswerMs: ReturnType<typeof distribution>;
  applyLagMs: ReturnType<typeof distribution>;
  drainSeconds: number;
  lost: number;
  appliedTwice: number;
  /** Outcomes the consumer recorded in the claims: applied, stale (a late event taken into history), ... */
  outcomes: Record<string, number>;
  perEvent: {
    writeUnits: number;
    readUnits: number;
    byFunction: Record<string, { writeUnits: number; readUnits: number; invocations: number }>;
    /** function → DynamoDB operation → calls and billed units per distinct event: where the units go. */
    byOperation: Record<string, Record<string, { calls: number; writeUnits: number; readUnits: number }>>;
    sqsRequests: number;
    lambdaGbSeconds: number;
  };
  usdPerMillionEvents: { dynamo: number; sqs: number; lambdaRequests: number; lambdaCompute: number; total: number };
  notes: string[];
  incomplete?: string;
}

/** A small deterministic generator (mulberry32): the same run plan every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PlannedEvent {
  shop: number;
  orderIndex: number;
  event: Extract<PlatformEvent, { platform: 'taobao' }>;
}

/** Each order's life as Taobao publishes it: create, pay, ship (trade + trace), signed trace: 5 events. */
function orderEvents(order: SimOrder, nextId: () => string, startMs: number): PlatformEvent[] {
  const out: PlatformEvent[] = [];
  let at = startMs;
  const step = (action: SimAction, change: () => void) => {
    at += 1000;
    change();
    out.push(...eventsOf(order, action, nextId, at));
  };
  step('place', () => undefined);
  step('pay', () => Object.assign(order, { status: 'paid', paidMs: at, modifiedMs: at }));
  step('ship', () => Object.assign(order, { status: 'shipped', modifiedMs: at, parcel: { parcelId: `SF${order.orderId.slice(-10)}`, carrier: '顺丰速运', action: 'consigned', atMs: at } }));
  step('sign', () => Object.assign(order, { status: 'signed', parcel: { ...order.parcel!, action: 'signed', atMs: at } }));
  return out;
}

/** The deliveries in sending order: orders interleaved across shops, some steps swapped, some sent again. */
export function planDeliveries(options: OrdersOptions, tenantSuffix: string) {
  const rand = random(20261201);
  const planned = Math.max(1, Math.round(options.rate * options.seconds));
  const distinctWanted = Math.max(1, Math.round(planned / (1 + ordersDefaults.duplicateShare)));
  const perOrder = 5;
  const orderCount = Math.max(1, Math.ceil(distinctWanted / perOrder));
  let sequence = 0;
  const idBase = 4_100_000_000_000_000_000n + BigInt(Date.now()) * 1000n;
  const nextId = () => String(idBase + BigInt(++sequence));
  const startMs = Date.now() - 3600_000;
  const lives: PlannedEvent[][] = [];
  let outOfOrder = 0;
  for (let i = 0; i < orderCount; i++) {
    const shop = i % options.shops;
    const order: SimOrder = {
      orderId: nextId(),
      platform: 'taobao',
      sellerId: `bench-seller-${tenantSuffix}-${shop}`,
      buyerId: `bench-buyer-${i}`,
      lines: [{ lineId: nextId(), title: '双十二 爆款', quantity: 1, priceMinor: 9900 }],
      totalMinor: 9900,
      status: 'created',
      createdMs: startMs,
      modifiedMs: startMs,
      refunds: [],
    };
    const life = orderEvents(order, nextId, startMs).map((event) => ({ shop, orderIndex: i, event: event as PlannedEvent['event'] }));
    // Out of order: two adjacent steps swapped (2 of 5 events late) on a quarter of the orders = 10 % of events.
    if (rand() < ordersDefaults.outOfOrderShare * (perOrder / 2)) {
      const at = Math.floor(rand() * (life.length - 1));
      [life[at], life[at + 1]] = [life[at + 1]!, life[at]!];
      outOfOrder += 2;
    }
    lives.push(life);
  }
  // Interleave: order i's k-th event goes out after every order's (k-1)-th one in its window, so one order's steps are spread.
  const sends: PlannedEvent[] = [];
  const window = 200;
  for (let start = 0; start < lives.length; start += window) {
    const group = lives.slice(start, start + window);
    for (let k = 0; k < perOrder; k++) for (const life of group) if (life[k]) sends.push(life[k]!);
  }
  const distinct = sends.length;
  // Duplicates: 10 % of the distinct events sent again a little later (a platform redelivering).
  let duplicates = 0;
  for (let i = 0; i < distinct; i++) {
    if (rand() >= ordersDefaults.duplicateShare) continue;
    const later = Math.min(sends.length, i + 1 + Math.floor(rand() * 400));
    sends.splice(later, 0, sends[i]!);
    duplicates++;
  }
  return { sends, lives, distinct, duplicates, outOfOrder };
}

export async function runOrders(stack: LocalStack, meters: Meters, options: OrdersOptions): Promise<OrdersResult> {
  const loadAverage = [round(loadavg()[0]!, 2)];
  const notes: string[] = [];
  const suffix = Date.now().toString(36);
  const tenantId = `bench-orders-${suffix}`;
  const admin = await stack.issuer.sign({ userId: 'bench-admin', tenantId, role: 'admin', shopIds: [], name: 'bench-admin' }, { expiresInSeconds: 3600 });
  const plan = planDeliveries(options, suffix);
  const secret = `bench-orders-secret-${suffix}`;

  // Onboarding as an operator would: each shop, then its order integration (kefu-format webhooks).
  const webhookPaths: string[] = [];
  for (let shop = 0; shop < options.shops; shop++) {
    const shopId = `orders-shop-${shop}`;
    const put = async (path: string, body: unknown) => {
      const response = await fetch(`${stack.httpUrl}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`PUT ${path}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    await put(`/v1/shops/${shopId}`, {
      name: `${shopId} bench`,
      category: 'apparel',
      routing: { mode: 'by-stage', groups: { 'pre-sale': `${shopId}-pre`, 'in-sale': `${shopId}-in`, 'after-sale': `${shopId}-after` }, idleCloseMinutes: 30, defaultAgentCap: 50 },
    });
    const integration = await put(`/v1/shops/${shopId}/order-integration`, { platform: 'taobao', platformShopId: `bench-seller-${suffix}-${shop}`, webhookSecret: secret });
    webhookPaths.push(String((integration.webhookPaths as { kefu: string }).kefu));
  }

  // Only the burst is metered: onboarding is not part of an event's price.
  meters.reset();
  const firstSendMs = new Map<string, number>();
  const answers: number[] = [];
  const non200: Record<string, number> = {};
  let made = 0;
  let inFlight = 0;
  let behind = 0;
  const sendStarted = Date.now();
  const intervalMs = 1000 / options.rate;
  const sendDeadline = sendStarted + options.seconds * 1000 * 3;
  let stoppedEarly: string | undefined;
  await new Promise<void>((resolve) => {
    let next = 0;
    let done = 0;
    const pump = () => {
      const now = Date.now();
      if (now > sendDeadline && next < plan.sends.length) {
        stoppedEarly = `sending took longer than 3x the planned ${options.seconds} s: ${next} of ${plan.sends.length} deliveries made`;
        plan.sends.length = next;
      }
      while (next < plan.sends.length && sendStarted + next * intervalMs <= now) {
        if (inFlight >= ordersDefaults.maxInFlight) {
          behind++;
          break;
        }
        const planned = plan.sends[next++]!;
        inFlight++;
        const body = Buffer.from(JSON.stringify({ events: [{ tmc: planned.event.tmc }] }));
        const started = Date.now();
        if (!firstSendMs.has(planned.event.messageId)) firstSendMs.set(planned.event.messageId, started);
        fetch(`${stack.httpUrl}${webhookPaths[planned.shop]}`, { method: 'POST', headers: kefuHeaders(body, [secret], new Date()), body })
          .then(async (response) => {
            await response.arrayBuffer();
            answers.push(Date.now() - started);
            if (response.status !== 200) non200[response.status] = (non200[response.status] ?? 0) + 1;
          })
          .catch(() => void (non200.error = (non200.error ?? 0) + 1))
          .finally(() => {
            inFlight--;
            made++;
            if (++done === plan.sends.length) resolve();
          });
      }
      if (done === plan.sends.length) return resolve();
      if (next < plan.sends.length) setTimeout(pump, Math.max(1, Math.min(10, intervalMs)));
    };
    pump();
  });
  const sendSeconds = (Date.now() - sendStarted) / 1000;
  if (behind > 0) notes.push(`the sender waited ${behind} times on ${ordersDefaults.maxInFlight} deliveries in flight: the stack answered slower than the rate`);

  // Drain: every distinct event sent has its claim (applied, stale, ...), or the timeout.
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.engines.dynamoEndpoint, region: localRegion, credentials: localCredentials }));
  meters.ignoredClients.add(client);
  const table = stack.engines.tableName;
  const sentIds = [...firstSendMs.keys()];
  const claims = new Map<string, { appliedAt: string; outcome: string; orderId: string }>();
  const drainStarted = Date.now();
  const drainDeadline = drainStarted + ordersDefaults.drainTimeoutSeconds * 1000;
  while (claims.size < sentIds.length && Date.now() < drainDeadline) {
    const missing = sentIds.filter((id) => !claims.has(id));
    const idByPk = new Map(missing.map((id) => [keys.orderEventClaim(tenantId, 'taobao', id).pk, id]));
    for (const item of await batchGet(client, table, missing.map((id) => keys.orderEventClaim(tenantId, 'taobao', id)))) {
      claims.set(idByPk.get(String(item.pk))!, { appliedAt: String(item.appliedAt), outcome: String(item.outcome), orderId: String(item.orderId) });
    }
    if (claims.size < sentIds.length) await new Promise((r) => setTimeout(r, 1000));
  }
  const drainSeconds = (Date.now() - drainStarted) / 1000;
  const measured = meters.snapshot();

  // Verify against the stored orders: each distinct event in its order once, nothing applied twice.
  const sentByOrder = new Map<number, PlannedEvent[]>();
  for (const life of plan.lives) for (const planned of life) if (firstSendMs.has(planned.event.messageId)) sentByOrder.set(planned.orderIndex, [...(sentByOrder.get(planned.orderIndex) ?? []), planned]);
  const orderKeys = [...sentByOrder.values()].map((events) => {
    const first = events[0]!;
    return { index: first.orderIndex, key: keys.order(tenantId, `orders-shop-${first.shop}`, 'taobao', JSON.parse(first.event.tmc.content).tid as string) };
  });
  const stored = new Map<string, Record<string, unknown>>();
  for (const item of await batchGet(client, table, orderKeys.map((o) => o.key))) stored.set(`${String(item.pk)}|${String(item.sk)}`, item);
  let lost = 0;
  let appliedTwice = 0;
  for (const { index, key } of orderKeys) {
    const item = stored.get(`${String(key.pk)}|${String(key.sk)}`);
    const events = sentByOrder.get(index)!;
    const seen = new Set(((item?.state as { seenMessageIds?: string[] } | undefined)?.seenMessageIds ?? []) as string[]);
    lost += events.filter((e) => !seen.has(e.event.messageId)).length;
    const writes = events.filter((e) => ['applied', 'stale'].includes(claims.get(e.event.messageId)?.outcome ?? '')).length;
    if (item && Number(item.rev) > writes) appliedTwice += Number(item.rev) - writes;
  }
  const outcomes: Record<string, number> = {};
  for (const claim of claims.values()) outcomes[claim.outcome] = (outcomes[claim.outcome] ?? 0) + 1;
  if (Object.keys(outcomes).some((outcome) => !['applied', 'stale'].includes(outcome))) notes.push(`claim outcomes other than applied/stale: ${JSON.stringify(outcomes)} (a write is counted only for applied and stale)`);
  const lags = sentIds.flatMap((id) => {
    const claim = claims.get(id);
    return claim ? [Date.parse(claim.appliedAt) - firstSendMs.get(id)!] : [];
  });

  const distinctSent = sentIds.length;
  const perEvent = unitsPerEvent(measured, distinctSent);
  const usd = {
    dynamo: ((perEvent.writeUnits * awsPrices.dynamoWriteRequestUnit + perEvent.readUnits * awsPrices.dynamoReadRequestUnit) * 1e6),
    sqs: perEvent.sqsRequests * awsPrices.sqsRequest * 1e6,
    lambdaRequests: perEvent.lambdaRequests * awsPrices.lambdaRequest * 1e6,
    lambdaCompute: perEvent.lambdaGbSeconds * awsPrices.lambdaArmGbSecond * 1e6,
  };
  loadAverage.push(round(loadavg()[0]!, 2));
  const deliveriesMade = made;
  const completed = !stoppedEarly && claims.size === distinctSent && lost === 0 && appliedTwice === 0 && deliveriesMade === plan.sends.length && Object.keys(non200).length === 0;
  notes.push(
    'apply lag = the delivery request start → the claim’s appliedAt: an upper bound of receivedAt → applied (receivedAt is set inside the handler).',
    'units per distinct event include everything metered during the burst and the drain: the webhook handler, the SQS pollers, the orders consumer and its after-steps (no conversations or cases exist for these buyers, so those steps only read).',
    `this 2-core machine is shared with other helpers (load average ${loadAverage.join(' → ')}): times are noisy; counts and units are not.`,
  );
  return {
    scenario: 'orders',
    measuredAt: new Date().toISOString(),
    description: 'midnight burst of order events through the kefu-format webhook route: duplicates, out-of-order steps; answer time, apply lag, lost, applied twice, units and price per event',
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), loadAverage },
    options: { ...options, duplicateShare: ordersDefaults.duplicateShare, outOfOrderShare: ordersDefaults.outOfOrderShare },
    targets: { rate: 333, seconds: 60, shops: 50, deliveries: 20_000 },
    completed,
    targetsMet: {
      rateHeld: deliveriesMade / sendSeconds >= 0.9 * options.rate,
      all200: Object.keys(non200).length === 0,
      noneLost: lost === 0 && claims.size === distinctSent,
      noneTwice: appliedTwice === 0,
      issueScale: options.rate * options.seconds >= 20_000 && options.shops >= 50,
    },
    deliveries: {
      planned: plan.sends.length,
      made: deliveriesMade,
      distinctEvents: distinctSent,
      duplicates: plan.duplicates,
      outOfOrder: plan.outOfOrder,
      orders: sentByOrder.size,
      non200,
      sendSeconds: round(sendSeconds, 1),
      achievedRate: round(deliveriesMade / sendSeconds, 1),
    },
    ingestAnswerMs: distribution(answers),
    applyLagMs: distribution(lags),
    drainSeconds: round(drainSeconds, 1),
    lost,
    appliedTwice,
    outcomes,
    perEvent: { writeUnits: perEvent.writeUnits, readUnits: perEvent.readUnits, byFunction: perEvent.byFunction, byOperation: perEvent.byOperation, sqsRequests: perEvent.sqsRequests, lambdaGbSeconds: perEvent.lambdaGbSeconds },
    usdPerMillionEvents: { dynamo: round(usd.dynamo, 3), sqs: round(usd.sqs, 3), lambdaRequests: round(usd.lambdaRequests, 3), lambdaCompute: round(usd.lambdaCompute, 3), total: round(usd.dynamo + usd.sqs + usd.lambdaRequests + usd.lambdaCompute, 3) },
    notes,
    ...(stoppedEarly ? { incomplete: stoppedEarly } : claims.size < distinctSent ? { incomplete: `${distinctSent - claims.size} distinct events not applied within ${ordersDefaults.drainTimeoutSeconds} s` } : {}),
  };
}

async function batchGet(client: DynamoDBDocumentClient, table: string, keyList: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < keyList.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = { [table]: { Keys: keyList.slice(i, i + 100) } };
    while (request && Object.keys(request).length > 0) {
      const result = await client.send(new BatchGetCommand({ RequestItems: request }));
      out.push(...(result.Responses?.[table] ?? []));
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return out;
}

function unitsPerEvent(snapshot: MeterSnapshot, events: number) {
  const n = Math.max(1, events);
  const byFunction: Record<string, { writeUnits: number; readUnits: number; invocations: number }> = {};
  let write = 0;
  let read = 0;
  for (const [fn, operations] of Object.entries(snapshot.dynamo)) {
    const w = Object.values(operations).reduce((sum, s) => sum + s.billedWriteUnits, 0);
    const r = Object.values(operations).reduce((sum, s) => sum + s.billedReadUnits, 0);
    write += w;
    read += r;
    byFunction[fn] = { writeUnits: round(w / n, 3), readUnits: round(r / n, 3), invocations: snapshot.invocations[fn]?.invocations ?? 0 };
  }
  const byOperation = Object.fromEntries(
    Object.entries(snapshot.dynamo).map(([fn, operations]) => [
      fn,
      Object.fromEntries(Object.entries(operations).map(([op, st]) => [op, { calls: round(st.calls / n, 3), writeUnits: round(st.billedWriteUnits / n, 3), readUnits: round(st.billedReadUnits / n, 3) }])),
    ]),
  );
  const sqsRequests = Object.values(snapshot.sqs).flatMap((m) => Object.values(m)).reduce((sum, s) => sum + s.billedRequests, 0);
  const lambdaRequests = Object.values(snapshot.invocations).reduce((sum, s) => sum + s.invocations, 0);
  const gbSeconds = Object.values(snapshot.invocations).reduce((sum, s) => sum + (s.billedMs / 1000) * (s.memoryMb / 1024), 0);
  return { writeUnits: round(write / n, 3), readUnits: round(read / n, 3), byFunction, byOperation, sqsRequests: round(sqsRequests / n, 3), lambdaRequests: lambdaRequests / n, lambdaGbSeconds: gbSeconds / n };
}

export function formatOrders(result: OrdersResult): string {
  const d = result.deliveries;
  return [
    `orders: ${result.completed ? 'completed' : `NOT completed${result.incomplete ? ` (${result.incomplete})` : ''}`} — ${d.made}/${d.planned} deliveries (${d.distinctEvents} distinct events of ${d.orders} orders in ${result.options.shops} shops, ${d.duplicates} duplicates, ${d.outOfOrder} out of order) in ${d.sendSeconds} s = ${d.achievedRate}/s (target ${result.targets.deliveries} in ${result.targets.seconds} s across ${result.targets.shops} shops)`,
    `  targets met: ${JSON.stringify(result.targetsMet)}; non-200 answers: ${JSON.stringify(d.non200)}`,
    `  ingest answer ms: p50 ${result.ingestAnswerMs.p50}, p99 ${result.ingestAnswerMs.p99}, max ${result.ingestAnswerMs.max}`,
    `  apply lag ms (delivery start → applied): p50 ${result.applyLagMs.p50}, p99 ${result.applyLagMs.p99}, max ${result.applyLagMs.max}; drained ${result.drainSeconds} s after the last answer`,
    `  lost ${result.lost}, applied twice ${result.appliedTwice}; claim outcomes ${JSON.stringify(result.outcomes)}`,
    `  per distinct event: ${result.perEvent.writeUnits} WRU + ${result.perEvent.readUnits} RRU, ${result.perEvent.sqsRequests} SQS requests; by function ${JSON.stringify(result.perEvent.byFunction)}`,
    `  by operation (per event): ${JSON.stringify(result.perEvent.byOperation)}`,
    `  US$ per million events at list prices (${awsPrices.region}, ${awsPrices.asOf}): ${JSON.stringify(result.usdPerMillionEvents)}`,
    ...result.notes.map((note) => `  note: ${note}`),
  ].join('\n');
}
