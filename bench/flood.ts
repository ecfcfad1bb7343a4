import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LocalStack } from '../infra/local/stack';
import { awsPrices } from './aws-prices';
import type { FloodPlan, FloodReport, FloodWorkerMessage } from './flood-worker';
import type { Meters, MeterSnapshot } from './meters';
import { distribution, round } from './stats';

/**
 * `flood`: one buyer socket sends 2,500 sendMessage frames in 0.5 s while a buyer of another tenant and
 * shop sends one message every 200 ms; then one user opens 200 sockets with one token. Measures what the
 * flooder gets back (acks, RATE_LIMITED, SERVICE_UNAVAILABLE, API Gateway's throttle frame), how much of
 * the flood is stored, how long the backlog takes to drain, and the other tenant's ack latency unloaded
 * vs during the flood in the same run (reliability row 22: p99 within 2x).
 */
export const floodDefaults = {
  frames: 2500,
  floodMs: 500,
  victimIntervalMs: 200,
  /** 10 shops in turn: each of the buyer's conversations gets a message every 2 s (faster, its own conversations collide on this loaded 2-core machine). */
  victimShops: 10,
  /** 75 samples per window; with fewer than 100, p99 is the slowest one, so compare medians over runs. */
  baselineSeconds: 15,
  minDuringSeconds: 15,
  drainTimeoutSeconds: 90,
  victimTimeoutMs: 30_000,
  sockets: 200,
} as const;

export interface FloodResult {
  scenario: 'flood';
  measuredAt: string;
  description: string;
  tenants: { flooder: string; victim: string };
  victimAck: { unloaded: ReturnType<typeof distribution>; duringFlood: ReturnType<typeof distribution>; p99Ratio: number; row22Met: boolean };
  victim: Omit<FloodReport['victim'], 'unloadedAckMs' | 'duringAckMs'>;
  /** The other tenant's ack p99 in each 1-second slice from the flood's start (the flood lasts the first ~0.5 s). */
  victimP99BySecond?: number[];
  flood: FloodReport['flood'];
  sockets: FloodReport['sockets'];
  /** What the send handler spent on the victim's unloaded messages: the limiter's price per message. */
  unloadedUnits: { messages: number; sendHandler: UnitsPerMessage; byOperation: Record<string, { calls: number; writeUnits: number; readUnits: number }> };
  /** Everything the stack spent during the flood, per flood frame. */
  floodUnits: { frames: number; perFrame: UnitsPerMessage; invocations: Record<string, number> };
  elapsedSeconds: number;
  /** 1-minute load average at the start and at the end: this machine is shared. */
  loadAverage: number[];
  /** Set when the run ran out of time: what is here was measured before that. */
  incomplete?: string;
}

interface UnitsPerMessage {
  writeUnits: number;
  readUnits: number;
  usdPerMillion: number;
}

export async function runFlood(stack: LocalStack, meters: Meters): Promise<FloodResult> {
  const started = Date.now();
  const loadAverage = [loadavg()[0]!];
  const suffix = Date.now().toString(36);
  const flooderTenant = `bench-flood-a-${suffix}`;
  const victimTenant = `bench-flood-b-${suffix}`;
  const sign = (tenantId: string, userId: string, role: 'admin' | 'buyer') =>
    stack.issuer.sign({ userId, tenantId, role, shopIds: [], name: userId }, { expiresInSeconds: 3600 });
  const seedShop = async (tenantId: string, shopId: string) => {
    const response = await fetch(`${stack.httpUrl}/v1/shops/${shopId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await sign(tenantId, 'bench-admin', 'admin')}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `${shopId} bench`,
        category: 'apparel',
        routing: { mode: 'by-stage', groups: { 'pre-sale': `${shopId}-pre`, 'in-sale': `${shopId}-in`, 'after-sale': `${shopId}-after` }, idleCloseMinutes: 30, defaultAgentCap: 50 },
      }),
    });
    if (!response.ok) throw new Error(`PUT /v1/shops/${shopId}: HTTP ${response.status} ${await response.text()}`);
  };
  await seedShop(flooderTenant, 'flood-shop-a');
  const victimShops = Array.from({ length: floodDefaults.victimShops }, (_, i) => `flood-shop-b${i + 1}`);
  for (const shopId of victimShops) await seedShop(victimTenant, shopId);

  const plan: FloodPlan = {
    httpUrl: stack.httpUrl,
    wsUrl: stack.wsUrl,
    flooder: { token: await sign(flooderTenant, 'flooder', 'buyer'), shopId: 'flood-shop-a' },
    victim: { token: await sign(victimTenant, 'quiet-buyer', 'buyer'), shopIds: victimShops },
    flooderAdminToken: await sign(flooderTenant, 'bench-admin', 'admin'),
    socketUser: { token: await sign(flooderTenant, 'many-tabs', 'buyer') },
    frames: floodDefaults.frames,
    floodMs: floodDefaults.floodMs,
    victimIntervalMs: floodDefaults.victimIntervalMs,
    baselineSeconds: floodDefaults.baselineSeconds,
    minDuringSeconds: floodDefaults.minDuringSeconds,
    drainTimeoutSeconds: floodDefaults.drainTimeoutSeconds,
    victimTimeoutMs: floodDefaults.victimTimeoutMs,
    sockets: floodDefaults.sockets,
  };
  const description =
    `one buyer socket sends ${plan.frames} sendMessage frames in ${plan.floodMs} ms; a buyer of another tenant sends every ` +
    `${plan.victimIntervalMs} ms to ${victimShops.length} shops in turn (${plan.baselineSeconds} s unloaded, then during the flood and its drain, ≥ ${plan.minDuringSeconds} s); then one token opens ${plan.sockets} sockets`;
  console.log(`\n[flood] ${description}`);

  let baseline: MeterSnapshot | undefined;
  let flood: MeterSnapshot | undefined;
  let partial: FloodReport | undefined;
  let incomplete: string | undefined;
  const report = await new Promise<FloodReport>((resolve, reject) => {
    const worker = new Worker(new URL('./flood-worker.ts', import.meta.url), { workerData: plan });
    // Bounded: the drain timeout plus setup, read-back and sockets; what was measured by then is kept.
    const watchdog = setTimeout(() => {
      void worker.terminate();
      incomplete = 'no result within 300 s; worker stopped';
      if (partial) resolve(partial);
      else reject(new Error(`flood: ${incomplete}`));
    }, 300_000);
    worker.on('message', (message: FloodWorkerMessage) => {
      if (message.kind === 'log') return console.log(`  ${message.text}`);
      if (message.kind === 'partial') return void (partial = message.report);
      if (message.kind === 'failed') return (clearTimeout(watchdog), reject(new Error(`flood: ${message.error}`)));
      if (message.kind === 'result') return (clearTimeout(watchdog), resolve(message.report));
      if (message.name === 'baseline-start') meters.reset();
      if (message.name === 'flood-start') {
        baseline = meters.snapshot();
        meters.reset();
      }
      if (message.name === 'flood-drained') flood = meters.snapshot();
      worker.postMessage({ kind: 'ack', id: message.id });
    });
    worker.on('error', (error) => (clearTimeout(watchdog), reject(error)));
  });
  if (!baseline || !flood) throw new Error('flood: a phase was not captured');

  const unloaded = distribution(report.victim.unloadedAckMs);
  const during = distribution(report.victim.duringAckMs);
  const p99Ratio = round(during.p99 / unloaded.p99, 2);
  const victimMessages = report.victim.unloadedAckMs.length;
  const sendDynamo = baseline.dynamo.WsSendMessage ?? {};
  const byOperation = Object.fromEntries(
    Object.entries(sendDynamo).map(([operation, stats]) => [operation, { calls: stats.calls, writeUnits: round(stats.billedWriteUnits, 2), readUnits: round(stats.billedReadUnits, 2) }]),
  );
  const sum = (snapshot: MeterSnapshot, fn?: string) => {
    let write = 0;
    let read = 0;
    for (const [name, operations] of Object.entries(snapshot.dynamo)) {
      if (fn && name !== fn) continue;
      for (const stats of Object.values(operations)) {
        write += stats.billedWriteUnits;
        read += stats.billedReadUnits;
      }
    }
    return { write, read };
  };
  const perMessage = (units: { write: number; read: number }, count: number): UnitsPerMessage => ({
    writeUnits: round(units.write / Math.max(1, count), 3),
    readUnits: round(units.read / Math.max(1, count), 3),
    usdPerMillion: round(((units.write * awsPrices.dynamoWriteRequestUnit + units.read * awsPrices.dynamoReadRequestUnit) / Math.max(1, count)) * 1e6, 3),
  });
  return {
    scenario: 'flood',
    measuredAt: new Date().toISOString(),
    description,
    tenants: { flooder: flooderTenant, victim: victimTenant },
    victimAck: { unloaded, duringFlood: during, p99Ratio, row22Met: Number.isFinite(p99Ratio) && p99Ratio <= 2 && report.victim.duringTimeouts === 0 },
    victimP99BySecond: Array.from({ length: Math.ceil(Math.max(0, ...report.victim.duringTimeline.map(([at]) => at + 1)) / 1000) }, (_, second) =>
      distribution(report.victim.duringTimeline.filter(([at, ms]) => ms >= 0 && Math.floor(at / 1000) === second).map(([, ms]) => ms)).p99,
    ),
    victim: {
      duringTimeline: report.victim.duringTimeline,
      unloadedTimeouts: report.victim.unloadedTimeouts,
      duringTimeouts: report.victim.duringTimeouts,
      duringErrors: report.victim.duringErrors,
    },
    flood: report.flood,
    sockets: report.sockets,
    unloadedUnits: { messages: victimMessages, sendHandler: perMessage(sum(baseline, 'WsSendMessage'), victimMessages), byOperation },
    floodUnits: {
      frames: report.flood.framesSent,
      perFrame: perMessage(sum(flood), report.flood.framesSent),
      invocations: Object.fromEntries(Object.entries(flood.invocations).map(([name, stats]) => [name, stats.invocations])),
    },
    elapsedSeconds: round((Date.now() - started) / 1000),
    loadAverage: [...loadAverage, loadavg()[0]!].map((value) => round(value, 1)),
    ...(incomplete ? { incomplete } : {}),
  };
}

export function formatFlood(result: FloodResult): string {
  const f = result.flood;
  const v = result.victimAck;
  const lines = [
    `flood (${result.measuredAt}, load average ${result.loadAverage.join(' → ')})${result.incomplete ? ` INCOMPLETE: ${result.incomplete}` : ''}`,
    `  flooder: ${f.framesSent} frames in ${Math.round(f.sendMs)} ms → ${Object.entries(f.replies).map(([k, n]) => `${k} ${n}`).join(', ')}${f.unanswered ? `, unanswered ${f.unanswered}` : ''}`,
    `  stored from the flood: ${f.stored} (5 s after the flooder closed: ${f.storedFiveSecondsAfterClose}); socket closed by the server: ${f.socketClosedByServer}`,
    `  backlog drain (last flood frame sent → last reply): ${f.drained ? `${round(f.drainMs / 1000, 2)} s` : `not drained within ${round(f.drainMs / 1000, 1)} s`}`,
    `  other tenant's ack: unloaded p50 ${v.unloaded.p50} / p99 ${v.unloaded.p99} ms (n=${v.unloaded.count}); during the flood p50 ${v.duringFlood.p50} / p99 ${v.duringFlood.p99} ms (n=${v.duringFlood.count}, timeouts ${result.victim.duringTimeouts}, errors ${JSON.stringify(result.victim.duringErrors)})`,
    `  other tenant's ack p99 per second from the flood's start: ${(result.victimP99BySecond ?? []).join(', ')} ms`,
    `  p99 during / unloaded: ${v.p99Ratio}x → row 22 (≤ 2x, no timeouts) ${v.row22Met ? 'met' : 'NOT met'}`,
    `  ${result.sockets.attempted} sockets from one token${result.sockets.completed ? '' : ' (stopped after 60 s)'}: ${result.sockets.opened} opened, refused ${JSON.stringify(result.sockets.refusedByStatus)}${result.sockets.refusalBodies.length ? ` (${result.sockets.refusalBodies.join(' | ')})` : ''}`,
    `  send handler per unloaded message: ${result.unloadedUnits.sendHandler.writeUnits} WRU + ${result.unloadedUnits.sendHandler.readUnits} RRU (US$${result.unloadedUnits.sendHandler.usdPerMillion} per million); by operation ${JSON.stringify(result.unloadedUnits.byOperation)}`,
    `  during the flood, everything per flood frame: ${result.floodUnits.perFrame.writeUnits} WRU + ${result.floodUnits.perFrame.readUnits} RRU; invocations ${JSON.stringify(result.floodUnits.invocations)}`,
  ];
  return lines.join('\n');
}
