import { cpus, loadavg } from 'node:os';
import type WebSocket from 'ws';
import type { LocalStack } from '../infra/local/stack';
import { sizeInfrastructure, defaultTraffic } from '../shared/promo/size-infrastructure';
import type { Meters, MeterSnapshot } from './meters';
import { openKefuSocket } from './open-socket';
import { distribution, round, type Distribution } from './stats';

/**
 * The midnight step (issue 10): new buyers arrive at a base rate, then at ten times that rate from one
 * second to the next, at one shop whose pre-sale group is too small for the step. Run twice on the same
 * stack, each in a fresh tenant: promo routing OFF (no promo) and ON (a Double 11 peak phase in force that
 * lends the after-sale group to pre-sale). Agents answer each buyer at once and close the conversation
 * after a hold time, so capacity frees up and the waiting line drains. Driven from the stack's own
 * process (simpler than a worker; the stack's handlers share the CPU with it, as in a real small box).
 */
export interface MidnightRun {
  routing: 'off' | 'on';
  buyers: number;
  answered: number;
  /** Buyer's first message → the agent's first reply on the buyer's socket. */
  firstResponseMs: Distribution;
  longestWaitMs: number;
  /** Most conversations waiting in the shop's pre-sale line at one poll (every 250 ms). */
  maxWaitingLine: number;
  /** Step start → the last buyer answered and the line empty. */
  drainSeconds: number;
  errors: Record<string, number>;
  /** Billed DynamoDB write units per second over the step's second and the next (every function). */
  measuredWriteUnitsPerSecond: number;
  /** Billed write units from the step's start to the drain's end, per buyer of the step (every function). */
  measuredWriteUnitsPerReception: number;
  stepReceptionsPerSecond: number;
  /** Conversations assigned to the pre-sale and the after-sale agents: borrowing engaged when after > 0. */
  assignedTo: { preSaleAgents: number; afterSaleAgents: number };
}

export interface MidnightResult {
  scenario: 'midnight';
  description: string;
  measuredAt: string;
  machine: { cpus: number; cpuModel: string | undefined; loadAverageBefore: number; loadAverageAfter: number };
  shape: typeof shape;
  runs: MidnightRun[];
  /** ON over OFF, from the same run. */
  ratios: { firstResponseP50: number; longestWait: number; maxWaitingLine: number; drainSeconds: number };
  /** The planner's sizing model fed the step's receptions per second (peak factor and headroom 1, the bench's 2 messages per reception). */
  forecast: {
    tableWriteUnitsPerSecond: number;
    writeUnitsPerReception: number;
    measuredOverForecast: { off: number; on: number };
    perReceptionMeasuredOverForecast: { off: number; on: number };
  };
  elapsedSeconds: number;
}

const shape = {
  baseBuyersPerSecond: 2,
  baseSeconds: 4,
  stepFactor: 10,
  stepSeconds: 3,
  preSaleAgents: 2,
  afterSaleAgents: 2,
  cap: 6,
  holdMs: 1500,
  answerTimeoutSeconds: 120,
};

const shopId = 'midnight-shop';
const groups = { 'pre-sale': 'mid-pre', 'in-sale': 'mid-in', 'after-sale': 'mid-after' } as const;

async function runOnce(stack: LocalStack, meters: Meters, routing: 'off' | 'on'): Promise<MidnightRun> {
  const tenantId = `bench-midnight-${routing}-${Date.now().toString(36)}`;
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
    // A peak phase from the next minute, triggered at once: its routing is in force from now.
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
  const sockets: WebSocket[] = [];
  let ref = 0;
  const send = (socket: WebSocket, frame: Record<string, unknown>) => socket.send(JSON.stringify({ ...frame, ref: `r${(ref += 1)}` }));

  // Agents: answer an assigned conversation at once, close it after the hold time (capacity frees up).
  for (const agent of agentIds) {
    const socket = await openKefuSocket(stack, await sign(agent.id, 'agent', [shopId]));
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

  const firstResponse: number[] = [];
  const pendingBuyers = new Set<string>();
  let buyersStarted = 0;
  const startBuyer = async (index: number) => {
    const buyerId = `buyer-${index}`;
    buyersStarted += 1;
    pendingBuyers.add(buyerId);
    let socket: WebSocket;
    try {
      socket = await openKefuSocket(stack, await sign(buyerId, 'buyer', []));
    } catch (error) {
      count(`connect:${String(error).slice(0, 60)}`);
      pendingBuyers.delete(buyerId);
      return;
    }
    sockets.push(socket);
    const sentAt = performance.now();
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { type?: string; code?: string; message?: { senderRole?: string } };
      if (frame.type === 'error') count(`buyer:${frame.code}`);
      if (frame.type === 'message' && frame.message?.senderRole === 'agent' && pendingBuyers.delete(buyerId)) firstResponse.push(performance.now() - sentAt);
    });
    send(socket, { action: 'sendMessage', shopId, clientMessageId: `q-${buyerId}`, text: '双11的满减怎么算？' });
  };

  let maxWaitingLine = 0;
  let waitingNow = 0;
  const poller = setInterval(() => {
    call('GET', `/v1/shops/${shopId}/board`, admin)
      .then((board) => {
        waitingNow = (board.stages as { stage: string; waiting: number }[]).find((s) => s.stage === 'pre-sale')?.waiting ?? 0;
        maxWaitingLine = Math.max(maxWaitingLine, waitingNow);
      })
      .catch(() => count('board'));
  }, 250);

  // Base rate, then ×10 from one second to the next.
  const launches: Promise<void>[] = [];
  const arrive = async (perSecond: number, seconds: number) => {
    for (let s = 0; s < seconds; s += 1) {
      const second = performance.now();
      for (let i = 0; i < perSecond; i += 1) {
        launches.push(startBuyer(buyersStarted));
        await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - second))));
    }
  };
  await arrive(shape.baseBuyersPerSecond, shape.baseSeconds);
  meters.reset();
  const stepStarted = performance.now();
  const stepRate = shape.baseBuyersPerSecond * shape.stepFactor;
  await arrive(stepRate, shape.stepSeconds);
  const stepWindow: MeterSnapshot = meters.snapshot();
  const stepWindowSeconds = (performance.now() - stepStarted) / 1000;
  await Promise.all(launches);
  const deadline = performance.now() + shape.answerTimeoutSeconds * 1000;
  while ((pendingBuyers.size > 0 || waitingNow > 0) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const drainSeconds = (performance.now() - stepStarted) / 1000;
  const throughDrain: MeterSnapshot = meters.snapshot();
  clearInterval(poller);
  if (pendingBuyers.size > 0) errors.unanswered = pendingBuyers.size;
  for (const socket of sockets) socket.terminate();

  const writeUnitsOf = (snapshot: MeterSnapshot) => {
    let units = 0;
    for (const operations of Object.values(snapshot.dynamo)) for (const stats of Object.values(operations)) units += stats.billedWriteUnits;
    return units;
  };
  const writeUnits = writeUnitsOf(stepWindow);
  const stepBuyers = stepRate * shape.stepSeconds;
  return {
    routing,
    buyers: buyersStarted,
    answered: firstResponse.length,
    firstResponseMs: distribution(firstResponse),
    longestWaitMs: Math.round(Math.max(0, ...firstResponse)),
    maxWaitingLine,
    drainSeconds: round(drainSeconds, 2),
    errors,
    measuredWriteUnitsPerSecond: round(writeUnits / stepWindowSeconds),
    measuredWriteUnitsPerReception: round(writeUnitsOf(throughDrain) / stepBuyers),
    stepReceptionsPerSecond: stepRate,
    assignedTo,
  };
}

export async function runMidnight(stack: LocalStack, meters: Meters): Promise<MidnightResult> {
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  const runs = [await runOnce(stack, meters, 'off'), await runOnce(stack, meters, 'on')];
  const [off, on] = runs as [MidnightRun, MidnightRun];
  const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : Number.NaN);
  // The planner's model at the step's receptions per second: one half hour at that rate, no peak factor or headroom.
  const stepRate = shape.baseBuyersPerSecond * shape.stepFactor;
  const sizes = sizeInfrastructure(
    { intervals: [{ intervalStart: 'step', shopId, phaseId: 'peak', stage: 'pre-sale', receptions: stepRate * 1800, agentsNeeded: 0 }] },
    { ...defaultTraffic, peakSecondFactor: 1, headroom: 1, messagesPerReception: 2 },
  );
  const forecast = sizes.warmThroughput.table.writeUnitsPerSecond + sizes.warmThroughput.gsi1.writeUnitsPerSecond + sizes.warmThroughput.gsi2.writeUnitsPerSecond;
  const perReception = forecast / stepRate;
  return {
    scenario: 'midnight',
    description: `${shape.baseBuyersPerSecond} new buyers/s for ${shape.baseSeconds} s, then ${stepRate}/s for ${shape.stepSeconds} s at one shop; ${shape.preSaleAgents} pre-sale + ${shape.afterSaleAgents} after-sale agents, cap ${shape.cap}, answer at once, close after ${shape.holdMs} ms; promo routing off, then on (after-sale lends to pre-sale)`,
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0]! },
    shape,
    runs,
    ratios: {
      firstResponseP50: ratio(on.firstResponseMs.p50, off.firstResponseMs.p50),
      longestWait: ratio(on.longestWaitMs, off.longestWaitMs),
      maxWaitingLine: ratio(on.maxWaitingLine, off.maxWaitingLine),
      drainSeconds: ratio(on.drainSeconds, off.drainSeconds),
    },
    forecast: {
      tableWriteUnitsPerSecond: forecast,
      writeUnitsPerReception: round(perReception, 2),
      measuredOverForecast: { off: ratio(off.measuredWriteUnitsPerSecond, forecast), on: ratio(on.measuredWriteUnitsPerSecond, forecast) },
      perReceptionMeasuredOverForecast: { off: ratio(off.measuredWriteUnitsPerReception, perReception), on: ratio(on.measuredWriteUnitsPerReception, perReception) },
    },
    elapsedSeconds: round((Date.now() - started) / 1000),
  };
}

export function formatMidnight(result: MidnightResult): string {
  const lines = [`midnight (${result.description})`];
  lines.push('routing  buyers answered  first response p50 / p95 / max ms   longest wait ms  max line  drain s  WRU/s (step)  WRU/reception  assigned pre/after  errors');
  for (const r of result.runs) {
    lines.push(
      `${r.routing.padEnd(8)} ${String(r.buyers).padStart(6)} ${String(r.answered).padStart(8)}  ${`${r.firstResponseMs.p50} / ${r.firstResponseMs.p95} / ${r.firstResponseMs.max}`.padEnd(34)} ` +
        `${String(r.longestWaitMs).padStart(15)} ${String(r.maxWaitingLine).padStart(9)} ${String(r.drainSeconds).padStart(8)} ${String(r.measuredWriteUnitsPerSecond).padStart(13)} ${String(r.measuredWriteUnitsPerReception).padStart(14)} ${`${r.assignedTo.preSaleAgents}/${r.assignedTo.afterSaleAgents}`.padStart(19)}  ${JSON.stringify(r.errors)}`,
    );
  }
  const x = result.ratios;
  lines.push(`on / off: first response p50 ${x.firstResponseP50}, longest wait ${x.longestWait}, max line ${x.maxWaitingLine}, drain ${x.drainSeconds}`);
  lines.push(
    `planner forecast at the step's ${result.runs[0]?.stepReceptionsPerSecond} receptions/s: ${result.forecast.tableWriteUnitsPerSecond} WRU/s (table + indexes); measured / forecast: off ${result.forecast.measuredOverForecast.off}, on ${result.forecast.measuredOverForecast.on}; per reception ${result.forecast.writeUnitsPerReception} WRU forecast, measured / forecast: off ${result.forecast.perReceptionMeasuredOverForecast.off}, on ${result.forecast.perReceptionMeasuredOverForecast.on}`,
  );
  lines.push(`load average ${result.machine.loadAverageBefore.toFixed(2)} before, ${result.machine.loadAverageAfter.toFixed(2)} after; ${result.elapsedSeconds} s`);
  return lines.join('\n');
}

