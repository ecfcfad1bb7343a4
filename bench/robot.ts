/**
 * `npm run bench -- --scenario robot`: the FAQ robot's answer latency on the local stack (issue 8, "robot
 * answer latency p99"). Boots the stack in memory with the demo data (its seeded FAQ), turns the robot on
 * for the three demo-firm shops, and has buyers ask in-scope questions from test/fixtures/robot-questions.json
 * over real WebSockets, `concurrency` buyers at a time, each asking up to 5 questions one after the
 * other. Latency = from sending the question to the robot's answer frame arriving on the buyer's socket
 * (the whole path: gateway, send handler, match, robot append, delivery queue and consumer, @connections).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { demoTenant } from '../infra/local/demo-data';
import { repoRoot } from '../infra/local/invoke-handler';
import { startLocalStack } from '../infra/local/stack';
import type { LabelledQuestion } from '../shared/robot/accuracy';
import { ChatClient } from '../test/support/ws-client';

export interface RobotBenchResult {
  scenario: 'robot';
  at: string;
  machine: { cores: number; loadAverage: number };
  questions: number;
  answered: number;
  concurrency: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** The same questions' send → ack (the buyer's own sendMessage, robot step included): the stack's baseline in the same run. */
  ackMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Per question, answer frame minus ack: the delivery of the robot's stored answer after the buyer's call returned. */
  afterAckMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Questions whose answer did not arrive within 5 s. */
  timedOut: number;
  durationMs: number;
}

const shops = ['peach-glow', 'henggong-appliances', 'old-time-apparel'];

export async function runRobotBench(options: { buyers: number; concurrency: number }): Promise<RobotBenchResult> {
  const set = (JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/robot-questions.json'), 'utf8')) as { questions: LabelledQuestion[] }).questions.filter(
    (q) => shops.includes(q.shopId) && q.expect !== null && q.expect !== 'handoff',
  );
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const stack = await startLocalStack({ inMemory: true, ports: { http: 0, ws: 0 }, quiet: true });
  const latencies: number[] = [];
  const acks: number[] = [];
  const afterAck: number[] = [];
  let timedOut = 0;
  let asked = 0;
  const started = Date.now();
  try {
    const sign = (userId: string, role: 'supervisor' | 'buyer', shopIds: string[] = []) => stack.issuer.sign({ userId, tenantId: demoTenant.tenantId, role, shopIds });
    const supervisor = await sign('supervisor-wang', 'supervisor', shops);
    for (const shopId of shops) {
      const response = await fetch(`${stack.httpUrl}/v1/shops/${shopId}/robot-settings`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${supervisor}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'always', missesBeforeHandoff: 5 }),
      });
      if (response.status !== 200) throw new Error(`robot settings refused: ${response.status}`);
    }
    let next = 0;
    const buyer = async (n: number) => {
      const client = await ChatClient.connect(stack.httpUrl, stack.wsUrl, await sign(`bench-buyer-${n}`, 'buyer'));
      try {
        const shopId = shops[n % shops.length]!;
        const mine = set.filter((q) => q.shopId === shopId);
        let conversationId: string | undefined;
        for (let i = 0; i < 5; i++) {
          const question = mine[(n * 5 + i) % mine.length]!;
          const t0 = performance.now();
          const ack = await client.request({ action: 'sendMessage', shopId, clientMessageId: `q${i}`, text: question.text, ...(conversationId ? { conversationId } : {}) }, 30_000);
          acks.push(performance.now() - t0);
          conversationId = String(ack.conversationId);
          asked++;
          const id = conversationId;
          const seq = Number(ack.seq);
          try {
            await client.next((f) => f.type === 'message' && f.conversationId === id && Number(f.seq) > seq && (f.message as { senderRole?: string }).senderRole === 'robot', 5000);
            latencies.push(performance.now() - t0);
            afterAck.push(latencies.at(-1)! - acks.at(-1)!);
          } catch {
            timedOut++;
            return;
          }
        }
      } finally {
        await client.close();
      }
    };
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.buyers) await buyer(next++);
      }),
    );
  } finally {
    await stack.stop();
  }
  const percentiles = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (p: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) * 10) / 10;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), mean: Math.round((sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length)) * 10) / 10 };
  };
  return {
    scenario: 'robot',
    at: new Date().toISOString(),
    machine: { cores: cpus().length, loadAverage: Math.round(loadavg()[0]! * 100) / 100 },
    questions: asked,
    answered: latencies.length,
    concurrency: options.concurrency,
    latencyMs: percentiles(latencies),
    ackMs: percentiles(acks),
    afterAckMs: percentiles(afterAck),
    timedOut,
    durationMs: Date.now() - started,
  };
}

export function formatRobot(result: RobotBenchResult): string {
  const l = result.latencyMs;
  return `[robot] ${result.answered}/${result.questions} answered by the robot (${result.concurrency} buyers at a time, ${result.timedOut} timed out): question → answer frame p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms; send → ack p50 ${result.ackMs.p50} ms, p99 ${result.ackMs.p99} ms; ack → answer p50 ${result.afterAckMs.p50} ms, p99 ${result.afterAckMs.p99} ms (load average ${result.machine.loadAverage})`;
}
