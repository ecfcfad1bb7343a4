import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LocalStack } from '../infra/local/stack';
import type { HotPhaseName, HotPlan, HotReport, HotWorkerMessage } from './hot-worker';
import type { Meters, MeterSnapshot } from './meters';
import type { Ceilings } from './report';
import { seedScenario, type ScenarioDefinition } from './scenarios';
import { distribution, round, round3, type Distribution } from './stats';

/**
 * The `hot` scenario: what a burst into one conversation costs against one sender at a time, measured in
 * the same run. Units are those the send handler (WsSendMessage) and delivery (DeliverMessages) consumed
 * per acked message, as billed on demand (bench/meters.ts corrections: a failed conditional write is
 * billed 1 WRU). See bench/README.md, "hot".
 */

export interface HotPhaseResult {
  name: HotPhaseName;
  sent: number;
  acked: number;
  unacked: number;
  errorsByCode: Record<string, number>;
  ackedAsDuplicate: number;
  undelivered: number;
  conversations: number;
  ackMs: Distribution;
  burstSeconds: number;
  ackedPerSecond: number;
  sendHandler: { writeUnitsPerMessage: number; readUnitsPerMessage: number; conditionFailuresPerMessage: number; callsPerMessage: number };
  hotPath: { writeUnitsPerMessage: number; readUnitsPerMessage: number };
  /** Hot path units per message over the baseline's (write, read). */
  vsBaseline?: { write: number; read: number; total: number };
  byOperation: Record<string, { calls: number; writeUnits: number; readUnits: number; conditionFailures: number }>;
}

export interface HotResult {
  scenario: 'hot';
  description: string;
  measuredAt: string;
  machine: { cpus: number; cpuModel: string | undefined; loadAverageBefore: number; loadAverageAfter: number };
  ceilings: Ceilings;
  phases: HotPhaseResult[];
  readBack: HotReport['readBack'];
  targets: { oneConversationP99Under2s: boolean; oneConversationUnitsWithin1_5x: boolean; correct: boolean };
  elapsedSeconds: number;
}

const socketsPerBuyer = 14;

function units(snapshot: MeterSnapshot, functions: string[]) {
  let write = 0;
  let read = 0;
  let failures = 0;
  let calls = 0;
  const byOperation: HotPhaseResult['byOperation'] = {};
  for (const fn of functions) {
    for (const [operation, stats] of Object.entries(snapshot.dynamo[fn] ?? {})) {
      write += stats.billedWriteUnits;
      read += stats.billedReadUnits;
      failures += stats.conditionFailures;
      calls += stats.calls;
      byOperation[`${fn} ${operation}`] = { calls: stats.calls, writeUnits: round3(stats.billedWriteUnits), readUnits: round3(stats.billedReadUnits), conditionFailures: stats.conditionFailures };
    }
  }
  return { write, read, failures, calls, byOperation };
}

export async function runHot(stack: LocalStack, meters: Meters, definition: ScenarioDefinition, ceilings: Ceilings): Promise<HotResult> {
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  const seeded = await seedScenario(stack, definition);
  const plan: HotPlan = {
    httpUrl: stack.httpUrl,
    wsUrl: stack.wsUrl,
    adminToken: seeded.plan.adminToken,
    agent: { userId: seeded.plan.agents[0]!.userId, token: seeded.plan.agents[0]!.token },
    buyers: seeded.plan.buyers.map((b) => ({ userId: b.userId, token: b.token })),
    shopIds: definition.shops.map((s) => s.shopId),
    socketsPerBuyer,
    baselineMessages: 100,
    oneBurst: 200,
    oneAgentSends: 20,
    sixBurst: 1000,
    drainTimeoutSeconds: definition.drainTimeoutSeconds,
  };
  const snapshots = new Map<HotPhaseName, MeterSnapshot>();
  const report = await new Promise<HotReport>((resolve, reject) => {
    const worker = new Worker(new URL('./hot-worker.ts', import.meta.url), { workerData: plan });
    // Bounded: three drains of at most 120 s each plus setup.
    const watchdog = setTimeout(() => {
      void worker.terminate();
      reject(new Error('hot: no result within 420 s; worker stopped'));
    }, 420_000);
    worker.on('message', (message: HotWorkerMessage) => {
      if (message.kind === 'log') return void console.log(`  ${message.text}`);
      if (message.kind === 'failed') {
        clearTimeout(watchdog);
        void worker.terminate();
        return void reject(new Error(`hot: load generator failed: ${message.error}`));
      }
      if (message.kind === 'result') {
        clearTimeout(watchdog);
        void worker.terminate();
        return void resolve(message.report);
      }
      if (message.name === 'reset') meters.reset();
      else snapshots.set(message.phase, meters.snapshot());
      worker.postMessage({ kind: 'ack', id: message.id });
    });
    worker.on('error', (error) => {
      clearTimeout(watchdog);
      reject(error);
    });
  });

  const phases: HotPhaseResult[] = report.phases.map((phase) => {
    const snapshot = snapshots.get(phase.name);
    const handler = snapshot ? units(snapshot, ['WsSendMessage']) : { write: Number.NaN, read: Number.NaN, failures: 0, calls: 0, byOperation: {} };
    const path = snapshot ? units(snapshot, ['WsSendMessage', 'DeliverMessages']) : handler;
    const per = (value: number) => round3(value / Math.max(1, phase.acked));
    const burstSeconds = phase.burstMs / 1000;
    return {
      name: phase.name,
      sent: phase.sent,
      acked: phase.acked,
      unacked: phase.unacked,
      errorsByCode: phase.errorsByCode,
      ackedAsDuplicate: phase.ackedAsDuplicate,
      undelivered: phase.undelivered,
      conversations: phase.conversations,
      ackMs: distribution(phase.ackMs),
      burstSeconds: round(burstSeconds, 2),
      ackedPerSecond: round(phase.acked / Math.max(0.001, burstSeconds)),
      sendHandler: { writeUnitsPerMessage: per(handler.write), readUnitsPerMessage: per(handler.read), conditionFailuresPerMessage: per(handler.failures), callsPerMessage: per(handler.calls) },
      hotPath: { writeUnitsPerMessage: per(path.write), readUnitsPerMessage: per(path.read) },
      byOperation: path.byOperation,
    };
  });
  const baseline = phases.find((p) => p.name === 'baseline')!;
  for (const phase of phases) {
    if (phase === baseline) continue;
    const base = baseline.hotPath;
    phase.vsBaseline = {
      write: round(phase.hotPath.writeUnitsPerMessage / base.writeUnitsPerMessage, 2),
      read: round(phase.hotPath.readUnitsPerMessage / base.readUnitsPerMessage, 2),
      total: round((phase.hotPath.writeUnitsPerMessage + phase.hotPath.readUnitsPerMessage) / (base.writeUnitsPerMessage + base.readUnitsPerMessage), 2),
    };
  }
  const one = phases.find((p) => p.name === 'one')!;
  const rb = report.readBack;
  const correct = rb.gaps === 0 && rb.duplicates === 0 && rb.seqCollisions === 0 && rb.ackedNotStored === 0 && rb.readErrors === 0 && phases.every((p) => p.unacked === 0);
  return {
    scenario: 'hot',
    description: definition.description,
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim(), loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0]! },
    ceilings,
    phases,
    readBack: rb,
    targets: {
      oneConversationP99Under2s: one.acked === one.sent && one.ackMs.p99 < 2000,
      oneConversationUnitsWithin1_5x: (one.vsBaseline?.total ?? Number.POSITIVE_INFINITY) <= 1.5,
      correct,
    },
    elapsedSeconds: round((Date.now() - started) / 1000),
  };
}

export function formatHot(result: HotResult): string {
  const lines = [`hot (${result.description})`];
  lines.push('phase      sent  acked  err  unacked  ack p50 / p99 / max ms       acked/s  send WRU/RRU   hot path WRU/RRU  x baseline (W/R/total)  cond.fail/msg');
  for (const p of result.phases) {
    const errors = Object.values(p.errorsByCode).reduce((a, b) => a + b, 0);
    lines.push(
      `${p.name.padEnd(9)} ${String(p.sent).padStart(5)} ${String(p.acked).padStart(6)} ${String(errors).padStart(4)} ${String(p.unacked).padStart(8)}  ` +
        `${`${p.ackMs.p50} / ${p.ackMs.p99} / ${p.ackMs.max}`.padEnd(28)} ${String(p.ackedPerSecond).padStart(7)}  ` +
        `${`${p.sendHandler.writeUnitsPerMessage} / ${p.sendHandler.readUnitsPerMessage}`.padEnd(14)} ${`${p.hotPath.writeUnitsPerMessage} / ${p.hotPath.readUnitsPerMessage}`.padEnd(17)} ` +
        `${p.vsBaseline ? `${p.vsBaseline.write} / ${p.vsBaseline.read} / ${p.vsBaseline.total}` : '-'}`.padEnd(24) +
        ` ${p.sendHandler.conditionFailuresPerMessage}`,
    );
    if (errors > 0) lines.push(`           errors: ${JSON.stringify(p.errorsByCode)}`);
  }
  const rb = result.readBack;
  lines.push(
    `read back: ${rb.conversations} conversations, ${rb.messagesRead} messages, ${rb.skippedSeqs} skipped seqs; gaps ${rb.gaps}, duplicates ${rb.duplicates}, seq collisions ${rb.seqCollisions}, acked not stored ${rb.ackedNotStored}, read errors ${rb.readErrors}`,
  );
  lines.push(
    `targets: one conversation all acked with p99 < 2 s: ${result.targets.oneConversationP99Under2s ? 'met' : 'NOT met'}; units <= 1.5x single sender: ${result.targets.oneConversationUnitsWithin1_5x ? 'met' : 'NOT met'}; correct: ${result.targets.correct ? 'yes' : 'NO'}`,
  );
  lines.push(`load average ${result.machine.loadAverageBefore.toFixed(2)} before, ${result.machine.loadAverageAfter.toFixed(2)} after; ${result.elapsedSeconds} s`);
  return lines.join('\n');
}
