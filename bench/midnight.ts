import { cpus, loadavg } from 'node:os';
import type WebSocket from 'ws';
import type { LocalStack } from '../infra/local/stack';
import { sizeInfrastructure, defaultTraffic } from '../shared/promo/size-infrastructure';
import type { Meters, MeterSnapshot } from './meters';
import { openKefuSocket } from './open-socket';
import { distribution, round, type Distribution } from './stats';

/**
 * The midnight step (issue 10): at one shop whose pre-sale group is too small for the opening, buyers
 * whose sockets are already open (a shop page open before 00:00, as on a real promo night) send their
 * first question at a base rate, then at ten times that rate from one second to the next. The step is
 * messages, not connects: every buyer's socket is opened (with retries) before the timed part, so a slow
 * connect cannot thin out one half. Each half has the same bounded number of buyers (small enough that
 * the local routing consumer is not the bottleneck: the agents' capacity is), in a fresh tenant: promo
 * routing OFF (no promo) and ON (a Double 11 peak phase in force that lends the after-sale group to
 * pre-sale). An unmeasured warm-up half first (the stack's first requests compile and open pools), then
 * halves OFF, ON, ON, OFF (ABBA) so a machine getting busier or quieter during the run does not favour
 * one side; the report gives each half and the medians per side. Agents answer each
 * buyer at once and close the conversation after a hold time, so capacity frees up and the line drains.
 * Driven from the stack's own process (its handlers share the CPU with it, as in a real small box).
 */
export interface MidnightRun {
  routing: 'off' | 'on';
  /** Buyers whose sockets were open before the timed part (the same number in every half, or an error says why not). */
  buyers: number;
  answered: number;
  /** Buyer's first message → the agent's first reply on the buyer's socket. */
  firstResponseMs: Distribution;
  longestWaitMs: number;
  /** Most conversations waiting in the shop's pre-sale line at one poll (every 250 ms). */
  maxWaitingLine: number;
  /** Step start → the last buyer answered and the line empty. */
  drainSeconds: number;
  /** Errors of the timed part: error frames, questions never acked (e.g. a handler timeout), unanswered buyers, failed board polls. */
  errors: Record<string, number>;
  /** Socket opens that failed before the timed part and were retried (not part of the measured load). */
  setupRetries: number;
  /** Billed DynamoDB write units (every function) per second over the busiest one-second window from the step to the drain. */
  peakWriteUnitsPerSecond: number;
  /** The same, averaged from the step's start to the drain's end. */
  meanWriteUnitsPerSecond: number;
  /** Billed write units of the whole timed part, per buyer (one reception each). */
  writeUnitsPerReception: number;
  stepReceptionsPerSecond: number;
  /** Conversations assigned to the pre-sale and the after-sale agents: borrowing engaged when after > 0. */
  assignedTo: { preSaleAgents: number; afterSaleAgents: number };
  loadAverage: number;
}

type Side = { firstResponseP50: number; firstResponseP99: number; longestWaitMs: number; maxWaitingLine: number; drainSeconds: number; peakWriteUnitsPerSecond: number; writeUnitsPerReception: number };

export interface MidnightResult {
  scenario: 'midnight';
  description: string;
  measuredAt: string;
  machine: { cpus: number; cpuModel: string | undefined; loadAverageBefore: number; loadAverageAfter: number };
  shape: typeof shape;
  runs: MidnightRun[];
  /** Medians of the halves per side. */
  medians: { off: Side; on: Side };
  /** ON over OFF, from the medians of the same run. */
  ratios: { firstResponseP50: number; firstResponseP99: number; longestWait: number; maxWaitingLine: number; drainSeconds: number };
  /**
   * The planner's sizing model (shared/promo/size-infrastructure.ts) fed the bench's own inputs: the step's
   * receptions per second and the bench's messages per reception, peak factor and headroom 1; beside it
   * what the benchmark measured (median of the halves).
   */
  forecast: {
    receptionsPerSecond: number;
    messagesPerReception: number;
    writeUnitsPerSecond: { table: number; gsi1: number; gsi2: number; total: number };
    writeUnitsPerReception: number;
    measuredPeakWriteUnitsPerSecond: { off: number; on: number };
    measuredWriteUnitsPerReception: { off: number; on: number };
    peakMeasuredOverForecast: { off: number; on: number };
    perReceptionMeasuredOverForecast: { off: number; on: number };
  };
  elapsedSeconds: number;
}

const shape = {
  baseBuyersPerSecond: 1,
  baseSeconds: 4,
  stepFactor: 10,
  stepSeconds: 2,
  preSaleAgents: 2,
  afterSaleAgents: 2,
  cap: 2,
  holdMs: 4000,
  /** Per reception: the buyer's question and the agent's answer. */
  messagesPerReception: 2,
  answerTimeoutSeconds: 90,
  order: ['off', 'on', 'on', 'off'] as ('off' | 'on')[],
  warmUpBuyers: 6,
};

const shopId = 'midnight-shop';
const groups = { 'pre-sale': 'mid-pre', 'in-sale': 'mid-in', 'after-sale': 'mid-after' } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function writeUnitsOf(snapshot: MeterSnapshot): number {
  let units = 0;
  for (const operations of Object.values(snapshot.dynamo)) for (const stats of Object.values(operations)) units += stats.billedWriteUnits;
  return units;
}

/** Opens a socket, retrying a refused or timed-out open (the machine is shared): setup, not the measured load. */
async function openWithRetries(stack: LocalStack, token: () => Promise<string>, onRetry: () => void): Promise<WebSocket> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await openKefuSocket(stack, await token());
    } catch (error) {
      if (attempt >= 4) throw error;
      onRetry();
      await sleep(500 * attempt);
    }
  }
}

/** The median, averaging the two middle values of an even count (the ABBA order gives two halves per side). */
function middle(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
}

async function runOnce(stack: LocalStack, meters: Meters, routing: 'off' | 'on', half: number, scale = 1): Promise<MidnightRun> {
  const tenantId = `bench-midnight-${half}-${routing}-${Date.now().toString(36)}`;
  const sign = (userId: string, role: 'admin' | 'agent' | 'buyer' | 'ops', shopIds: string[]) => stack.issuer.sign({ userId, tenantId, role, shopIds, name: userId }, { expiresInSeconds: 3600 });
  const admin = await sign('bench-admin', 'admin', []);
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${stack.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, any>) : {};
  };
  await call('PUT', `/v1/shops/${shopId}`, admin, { name: '午夜店 Midnight', category: 'apparel', routing: { mode: 'by-stage', groups, idleCloseMinutes: 30, defaultAgentCap: shape.cap } });
  const agentIds = [
    ...Array.from({ length: shape.preSaleAgents }, (_, i) => ({ id: `pre-${i}`, group: groups['pre-sale'] })),
    ...Array.from({ length: shape.afterSaleAgents }, (_, i) => ({ id: `after-${i}`, group: groups['after-sale'] })),
  ];
  for (const agent of agentIds) await call('PUT', `/v1/agents/${agent.id}`, admin, { name: agent.id, shopIds: [shopId], groupIds: [agent.group], cap: shape.cap });

  if (routing === 'on') {
    // A peak phase from a few minutes on, triggered at once: its routing is in force from now.
    const ops = await sign('bench-ops', 'ops', []);
    const local = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 16);
    const start = Math.ceil((Date.now() + 120_000) / 60_000) * 60_000;
    await call('PUT', '/v1/promos/midnight', ops, {
      name: '双11 bench',
      zone: 'Asia/Shanghai',
      shopIds: [shopId],
      phases: [{ phaseId: 'peak', kind: 'peak', startsAt: local(start), endsAt: local(start + 2 * 3600_000), routing: { stageBorrowing: [{ from: 'after-sale', to: 'pre-sale' }] } }],
    });
    await call('POST', '/v1/promos/midnight/phases/peak/trigger', ops);
  }

  const errors: Record<string, number> = {};
  const assignedTo = { preSaleAgents: 0, afterSaleAgents: 0 };
  const count = (code: string) => (errors[code] = (errors[code] ?? 0) + 1);
  let setupRetries = 0;
  const sockets: WebSocket[] = [];
  let ref = 0;
  const send = (socket: WebSocket, frame: Record<string, unknown>) => socket.send(JSON.stringify({ ...frame, ref: `r${(ref += 1)}` }));

  // Agents: answer an assigned conversation at once, close it after the hold time (capacity frees up).
  for (const agent of agentIds) {
    const socket = await openWithRetries(stack, () => sign(agent.id, 'agent', [shopId]), () => (setupRetries += 1));
    sockets.push(socket);
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { type?: string; conversationId?: string; code?: string };
      if (frame.type === 'error') count(`agent:${frame.code}`);
      if (frame.type !== 'assigned' || !frame.conversationId) return;
      if (agent.group === groups['pre-sale']) assignedTo.preSaleAgents += 1;
      else assignedTo.afterSaleAgents += 1;
      const conversationId = frame.conversationId;
      send(socket, { action: 'sendMessage', conversationId, clientMessageId: `a-${conversationId}`, text: '亲，在的，马上为您处理' });
      setTimeout(() => send(socket, { action: 'closeConversation', conversationId }), shape.holdMs);
    });
    send(socket, { action: 'setPresence', presence: 'online' });
  }

  // Before midnight: every buyer's shop page is open (four opens at a time, retried).
  const stepRate = shape.baseBuyersPerSecond * shape.stepFactor;
  const buyerCount = Math.ceil((shape.baseBuyersPerSecond * shape.baseSeconds + stepRate * shape.stepSeconds) * scale);
  const buyers: { buyerId: string; socket: WebSocket; sentAt?: number }[] = [];
  const pending = new Set<string>();
  const unacked = new Set<string>();
  const firstResponse: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < buyerCount) {
        const buyerId = `buyer-${next++}`;
        const socket = await openWithRetries(stack, () => sign(buyerId, 'buyer', []), () => (setupRetries += 1));
        sockets.push(socket);
        const buyer: { buyerId: string; socket: WebSocket; sentAt?: number } = { buyerId, socket };
        buyers.push(buyer);
        socket.on('message', (raw) => {
          const frame = JSON.parse(String(raw)) as { type?: string; code?: string; clientMessageId?: string; message?: { senderRole?: string } };
          if (frame.type === 'error') count(`buyer:${frame.code}`);
          if (frame.type === 'ack' && frame.clientMessageId === `q-${buyerId}`) unacked.delete(buyerId);
          if (frame.type === 'message' && frame.message?.senderRole === 'agent' && buyer.sentAt !== undefined && pending.delete(buyerId)) {
            firstResponse.push(performance.now() - buyer.sentAt);
          }
        });
      }
    }),
  );
  await sleep(2000); // let the connects' own writes and routing settle before the clock starts

  let maxWaitingLine = 0;
  let waitingNow = 0;
  let polling = true;
  // One board read at a time, 250 ms apart: on a loaded machine a fixed-interval timer would stack up reads and add to the load it measures.
  const poller = (async () => {
    while (polling) {
      try {
        const board = await call('GET', `/v1/shops/${shopId}/board`, admin);
        waitingNow = (board.stages as { stage: string; waiting: number }[]).find((s) => s.stage === 'pre-sale')?.waiting ?? 0;
        maxWaitingLine = Math.max(maxWaitingLine, waitingNow);
      } catch {
        count('board');
      }
      await sleep(250);
    }
  })();

  // The timed part: questions at the base rate, then ×10 from one second to the next, on open sockets.
  meters.reset();
  const started = performance.now();
  const ask = (buyer: (typeof buyers)[number]) => {
    pending.add(buyer.buyerId);
    unacked.add(buyer.buyerId);
    buyer.sentAt = performance.now();
    send(buyer.socket, { action: 'sendMessage', shopId, clientMessageId: `q-${buyer.buyerId}`, text: '双11的满减怎么算？' });
  };
  const baseBuyers = Math.min(buyerCount, shape.baseBuyersPerSecond * shape.baseSeconds);
  for (let i = 0; i < buyerCount; i += 1) {
    const at = i < baseBuyers ? (i * 1000) / shape.baseBuyersPerSecond : shape.baseSeconds * 1000 + ((i - baseBuyers) * 1000) / stepRate;
    await sleep(Math.max(0, at - (performance.now() - started)));
    ask(buyers[i]!);
  }
  const stepStarted = started + shape.baseSeconds * 1000;
  const atStep = meters.snapshot();
  let previous = writeUnitsOf(atStep);
  let peakWriteUnitsPerSecond = 0;
  let lastSample = performance.now();
  const deadline = performance.now() + shape.answerTimeoutSeconds * 1000;
  // Sample the billed writes every second from the step on: the busiest second is the figure to hold against the forecast.
  while ((pending.size > 0 || waitingNow > 0) && performance.now() < deadline) {
    await sleep(1000 - Math.min(1000, performance.now() - lastSample));
    const units = writeUnitsOf(meters.snapshot());
    peakWriteUnitsPerSecond = Math.max(peakWriteUnitsPerSecond, ((units - previous) * 1000) / (performance.now() - lastSample));
    previous = units;
    lastSample = performance.now();
  }
  const drainSeconds = (performance.now() - stepStarted) / 1000;
  const throughDrain = meters.snapshot();
  polling = false;
  await poller;
  if (pending.size > 0) errors.unanswered = pending.size;
  if (unacked.size > 0) errors.notAcked = unacked.size;
  for (const socket of sockets) socket.terminate();
  await sleep(3000); // let the closes and disconnects finish before the next half

  const stepToDrainUnits = writeUnitsOf(throughDrain) - writeUnitsOf(atStep);
  return {
    routing,
    buyers: buyers.length,
    answered: firstResponse.length,
    firstResponseMs: distribution(firstResponse),
    longestWaitMs: Math.round(Math.max(0, ...firstResponse)),
    maxWaitingLine,
    drainSeconds: round(drainSeconds, 2),
    errors,
    setupRetries,
    peakWriteUnitsPerSecond: round(peakWriteUnitsPerSecond),
    meanWriteUnitsPerSecond: round(stepToDrainUnits / Math.max(drainSeconds, 0.001)),
    writeUnitsPerReception: round(writeUnitsOf(throughDrain) / buyers.length, 2),
    stepReceptionsPerSecond: stepRate,
    assignedTo,
    loadAverage: round(loadavg()[0]!, 2),
  };
}

function sideOf(runs: readonly MidnightRun[]): Side {
  return {
    firstResponseP50: middle(runs.map((r) => r.firstResponseMs.p50)),
    firstResponseP99: middle(runs.map((r) => r.firstResponseMs.p99)),
    longestWaitMs: middle(runs.map((r) => r.longestWaitMs)),
    maxWaitingLine: middle(runs.map((r) => r.maxWaitingLine)),
    drainSeconds: middle(runs.map((r) => r.drainSeconds)),
    peakWriteUnitsPerSecond: middle(runs.map((r) => r.peakWriteUnitsPerSecond)),
    writeUnitsPerReception: middle(runs.map((r) => r.writeUnitsPerReception)),
  };
}

export async function runMidnight(stack: LocalStack, meters: Meters): Promise<MidnightResult> {
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  // Warm-up (not reported): the first requests after the stack starts pay for compiling and connection pools.
  await runOnce(stack, meters, 'off', -1, shape.warmUpBuyers / (shape.baseBuyersPerSecond * shape.baseSeconds + shape.baseBuyersPerSecond * shape.stepFactor * shape.stepSeconds));
  const runs: MidnightRun[] = [];
  for (const [half, routing] of shape.order.entries()) runs.push(await runOnce(stack, meters, routing, half));
  const off = sideOf(runs.filter((r) => r.routing === 'off'));
  const on = sideOf(runs.filter((r) => r.routing === 'on'));
  const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : Number.NaN);
  // The planner's model at the bench's own inputs: the step's receptions per second held for a half hour, no peak factor or headroom.
  const stepRate = shape.baseBuyersPerSecond * shape.stepFactor;
  const sizes = sizeInfrastructure(
    { intervals: [{ intervalStart: 'step', shopId, phaseId: 'peak', stage: 'pre-sale', receptions: stepRate * 1800, agentsNeeded: 0 }] },
    { ...defaultTraffic, peakSecondFactor: 1, headroom: 1, messagesPerReception: shape.messagesPerReception },
  );
  const w = sizes.warmThroughput;
  const total = w.table.writeUnitsPerSecond + w.gsi1.writeUnitsPerSecond + w.gsi2.writeUnitsPerSecond;
  const perReception = total / stepRate;
  return {
    scenario: 'midnight',
    description: `buyers' sockets open before midnight; questions at ${shape.baseBuyersPerSecond}/s for ${shape.baseSeconds} s, then ${stepRate}/s for ${shape.stepSeconds} s at one shop (${shape.baseBuyersPerSecond * shape.baseSeconds + stepRate * shape.stepSeconds} buyers per half); ${shape.preSaleAgents} pre-sale + ${shape.afterSaleAgents} after-sale agents, cap ${shape.cap}, answer at once, close after ${shape.holdMs} ms; halves ${shape.order.join(', ')} (promo routing on: after-sale lends to pre-sale)`,
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0]! },
    shape,
    runs,
    medians: { off, on },
    ratios: {
      firstResponseP50: ratio(on.firstResponseP50, off.firstResponseP50),
      firstResponseP99: ratio(on.firstResponseP99, off.firstResponseP99),
      longestWait: ratio(on.longestWaitMs, off.longestWaitMs),
      maxWaitingLine: ratio(on.maxWaitingLine, off.maxWaitingLine),
      drainSeconds: ratio(on.drainSeconds, off.drainSeconds),
    },
    forecast: {
      receptionsPerSecond: stepRate,
      messagesPerReception: shape.messagesPerReception,
      writeUnitsPerSecond: { table: w.table.writeUnitsPerSecond, gsi1: w.gsi1.writeUnitsPerSecond, gsi2: w.gsi2.writeUnitsPerSecond, total },
      writeUnitsPerReception: round(perReception, 2),
      measuredPeakWriteUnitsPerSecond: { off: off.peakWriteUnitsPerSecond, on: on.peakWriteUnitsPerSecond },
      measuredWriteUnitsPerReception: { off: off.writeUnitsPerReception, on: on.writeUnitsPerReception },
      peakMeasuredOverForecast: { off: ratio(off.peakWriteUnitsPerSecond, total), on: ratio(on.peakWriteUnitsPerSecond, total) },
      perReceptionMeasuredOverForecast: { off: ratio(off.writeUnitsPerReception, perReception), on: ratio(on.writeUnitsPerReception, perReception) },
    },
    elapsedSeconds: round((Date.now() - started) / 1000),
  };
}

export function formatMidnight(result: MidnightResult): string {
  const lines = [`midnight (${result.description})`];
  lines.push('half routing buyers answered  first response p50 / p99 / max ms  longest wait ms  max line  drain s  peak WRU/s  WRU/reception  assigned pre/after  setup retries  load  errors');
  result.runs.forEach((r, half) => {
    lines.push(
      `${String(half + 1).padStart(4)} ${r.routing.padEnd(7)} ${String(r.buyers).padStart(6)} ${String(r.answered).padStart(8)}  ${`${r.firstResponseMs.p50} / ${r.firstResponseMs.p99} / ${r.firstResponseMs.max}`.padEnd(33)} ` +
        `${String(r.longestWaitMs).padStart(15)} ${String(r.maxWaitingLine).padStart(9)} ${String(r.drainSeconds).padStart(8)} ${String(r.peakWriteUnitsPerSecond).padStart(11)} ${String(r.writeUnitsPerReception).padStart(14)} ${`${r.assignedTo.preSaleAgents}/${r.assignedTo.afterSaleAgents}`.padStart(19)} ${String(r.setupRetries).padStart(14)} ${String(r.loadAverage).padStart(5)}  ${JSON.stringify(r.errors)}`,
    );
  });
  const m = result.medians;
  for (const side of ['off', 'on'] as const) {
    lines.push(`median ${side.padEnd(3)}: first response p50 ${m[side].firstResponseP50} ms, p99 ${m[side].firstResponseP99} ms, longest wait ${m[side].longestWaitMs} ms, max line ${m[side].maxWaitingLine}, drain ${m[side].drainSeconds} s`);
  }
  const x = result.ratios;
  lines.push(`on / off: first response p50 ${x.firstResponseP50}, p99 ${x.firstResponseP99}, longest wait ${x.longestWait}, max line ${x.maxWaitingLine}, drain ${x.drainSeconds}`);
  const f = result.forecast;
  lines.push(
    `planner forecast at ${f.receptionsPerSecond} receptions/s × ${f.messagesPerReception} messages: ${f.writeUnitsPerSecond.total} WCU/s (table ${f.writeUnitsPerSecond.table}, gsi1 ${f.writeUnitsPerSecond.gsi1}, gsi2 ${f.writeUnitsPerSecond.gsi2}) | measured peak WRU/s: off ${f.measuredPeakWriteUnitsPerSecond.off}, on ${f.measuredPeakWriteUnitsPerSecond.on} (measured / forecast ${f.peakMeasuredOverForecast.off}, ${f.peakMeasuredOverForecast.on})`,
  );
  lines.push(
    `per reception: forecast ${f.writeUnitsPerReception} WCU | measured off ${f.measuredWriteUnitsPerReception.off}, on ${f.measuredWriteUnitsPerReception.on} WRU (measured / forecast ${f.perReceptionMeasuredOverForecast.off}, ${f.perReceptionMeasuredOverForecast.on})`,
  );
  lines.push(`load average ${result.machine.loadAverageBefore.toFixed(2)} before, ${result.machine.loadAverageAfter.toFixed(2)} after; ${result.elapsedSeconds} s`);
  return lines.join('\n');
}
