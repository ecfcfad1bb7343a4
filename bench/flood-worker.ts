import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { phaseHandshake } from './phase-handshake';

/**
 * The `flood` scenario's clients (a worker thread, so their JSON work stays off the stack's event loop):
 * one buyer socket floods sendMessage frames while a buyer of another tenant and shop sends at a human
 * pace, then one user opens many sockets with one token. Every loop is bounded by count and by time.
 */

export interface FloodPlan {
  httpUrl: string;
  wsUrl: string;
  flooder: { token: string; shopId: string };
  /** The other tenant's buyer writes to these shops in turn (one conversation each), as a buyer comparing shops does. */
  victim: { token: string; shopIds: string[] };
  /** Reads the flooder's conversation back (an admin of the flooder's tenant). */
  flooderAdminToken: string;
  /** The user who opens `sockets` sockets with one token. */
  socketUser: { token: string };
  frames: number;
  floodMs: number;
  victimIntervalMs: number;
  baselineSeconds: number;
  /** The victim keeps sending at least this long after the flood starts. */
  minDuringSeconds: number;
  drainTimeoutSeconds: number;
  victimTimeoutMs: number;
  sockets: number;
}

export type FloodWorkerMessage =
  | { kind: 'log'; text: string }
  | { kind: 'phase'; name: 'baseline-start' | 'flood-start' | 'flood-drained'; id: number }
  | { kind: 'result'; report: FloodReport }
  /** What was measured up to the flood's drain, so a run that later runs out of time still reports it. */
  | { kind: 'partial'; report: FloodReport }
  | { kind: 'failed'; error: string };

export interface FloodReport {
  victim: {
    unloadedAckMs: number[];
    duringAckMs: number[];
    /** [ms after the flood started, ack ms or -1 for no ack] of every send from the flood's start: where the slow ones fall. */
    duringTimeline: [number, number][];
    unloadedTimeouts: number;
    duringTimeouts: number;
    duringErrors: Record<string, number>;
  };
  flood: {
    framesSent: number;
    sendMs: number;
    /** Replies by kind: ack, error codes (RATE_LIMITED, SERVICE_UNAVAILABLE, …), and API Gateway's own frames by message. */
    replies: Record<string, number>;
    unanswered: number;
    /** Last flood frame sent → last reply received (or the drain timeout). */
    drainMs: number;
    drained: boolean;
    /** Messages of the flood stored in the flooder's conversation (read back after the drain); null if the read-back timed out. */
    stored: number | null;
    /** Stored messages counted again 5 s after the flooder's socket closed: nothing may keep being stored. */
    storedFiveSecondsAfterClose: number | null;
    socketClosedByServer: boolean;
  };
  sockets: { attempted: number; opened: number; refusedByStatus: Record<string, number>; refusalBodies: string[]; ms: number; completed: boolean };
}

const plan = workerData as FloodPlan;
const port = parentPort!;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (text: string) => port.postMessage({ kind: 'log', text } satisfies FloodWorkerMessage);

const askPhase = phaseHandshake<Extract<FloodWorkerMessage, { kind: 'phase' }>>(port);
const phase = (name: 'baseline-start' | 'flood-start' | 'flood-drained'): Promise<void> => askPhase({ kind: 'phase', name });

interface Pending {
  sentAt: number;
  resolve: (frame: Record<string, unknown> | undefined) => void;
}

/** A socket whose replies are matched to requests by `ref`; frames without a ref go to `onOther`. */
class Client {
  readonly pending = new Map<string, Pending>();
  onOther: (frame: Record<string, unknown>) => void = () => undefined;
  closedByServer = false;
  closing = false;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        frame = { type: 'unparsable' };
      }
      const ref = typeof frame.ref === 'string' ? frame.ref : undefined;
      const waiter = ref === undefined ? undefined : this.pending.get(ref);
      if (waiter && ref !== undefined) {
        this.pending.delete(ref);
        waiter.resolve(frame);
      } else {
        this.onOther(frame);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!this.closing) this.closedByServer = true;
    });
  }

  request(frame: Record<string, unknown> & { ref: string }, timeoutMs: number): Promise<{ frame: Record<string, unknown> | undefined; ms: number }> {
    const sentAt = performance.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(frame.ref);
        resolve({ frame: undefined, ms: performance.now() - sentAt });
      }, timeoutMs);
      this.pending.set(frame.ref, {
        sentAt,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve({ frame: reply, ms: performance.now() - sentAt });
        },
      });
      this.socket.send(JSON.stringify(frame));
    });
  }

  close(): void {
    this.closing = true;
    this.socket.close(1000);
  }
}

async function ticket(token: string): Promise<string> {
  const response = await fetch(`${plan.httpUrl}/v1/connect-tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 201) throw new Error(`connect ticket: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { ticket: string }).ticket;
}

/** Opens a socket; resolves with it, or with the refusal's HTTP status and body. */
async function open(token: string): Promise<{ socket: WebSocket } | { status: number; body: string }> {
  const socket = new WebSocket(`${plan.wsUrl}/?ticket=${encodeURIComponent(await ticket(token))}`, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('WebSocket open timed out')), 15_000);
    socket.once('open', () => (clearTimeout(timer), resolve({ socket })));
    socket.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', (error) => (clearTimeout(timer), reject(error)));
  });
}

async function connect(token: string): Promise<Client> {
  const opened = await open(token);
  if (!('socket' in opened)) throw new Error(`upgrade refused: HTTP ${opened.status} ${opened.body}`);
  return new Client(opened.socket);
}

function replyKind(frame: Record<string, unknown> | undefined): string {
  if (!frame) return 'timeout';
  if (frame.type === 'ack') return 'ack';
  if (frame.type === 'error') return String(frame.code);
  // API Gateway's own frames: {"message": "...", "connectionId", "requestId"}
  if (typeof frame.message === 'string') return `gateway: ${frame.message}`;
  return `other: ${String(frame.type)}`;
}

/** The flood's stored messages, or null when reading them back takes over 30 s (the stack still busy). */
async function countStoredWithin(conversationId: string): Promise<number | null> {
  const timeout = sleep(30_000).then(() => null);
  return Promise.race([countStored(conversationId).then((count) => count - 1 /* the opening message */), timeout]).catch(() => null);
}

async function countStored(conversationId: string): Promise<number> {
  let count = 0;
  let afterSeq = 0;
  for (let page = 0; page < 400; page++) {
    const response = await fetch(`${plan.httpUrl}/v1/conversations/${conversationId}/messages?afterSeq=${afterSeq}&limit=100`, {
      headers: { authorization: `Bearer ${plan.flooderAdminToken}` },
    });
    if (response.status !== 200) throw new Error(`read back: HTTP ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { messages: { seq: number }[]; hasMore: boolean; nextAfterSeq?: number };
    count += body.messages.length;
    if (!body.hasMore || body.messages.length === 0) break;
    afterSeq = body.nextAfterSeq ?? body.messages.at(-1)!.seq;
  }
  return count;
}

async function main(): Promise<FloodReport> {
  const run = Date.now().toString(36);
  const victim = await connect(plan.victim.token);
  let victimSeq = 0;
  const victimSend = () =>
    victim.request(
      {
        action: 'sendMessage',
        ref: `v${++victimSeq}`,
        shopId: plan.victim.shopIds[victimSeq % plan.victim.shopIds.length]!,
        clientMessageId: `victim-${run}-${victimSeq}`,
        text: '请问这个什么时候发货？',
      },
      plan.victimTimeoutMs,
    );
  // Opens the victim's conversation (and warms the handlers) before anything is measured.
  for (let i = 0; i < plan.victim.shopIds.length; i++) {
    const { frame } = await victimSend();
    if (frame?.type !== 'ack') throw new Error(`victim warm-up: ${JSON.stringify(frame)}`);
  }

  // Paced, open loop: the victim sends every victimIntervalMs whatever its replies do.
  const victimSamples: { sentAt: number; ms: number; kind: string }[] = [];
  const victimInFlight = new Set<Promise<unknown>>();
  let victimRunning = true;
  const victimLoop = (async () => {
    const start = performance.now();
    for (let n = 0; victimRunning && n < 100_000; n++) {
      const due = start + n * plan.victimIntervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (!victimRunning) break;
      const sentAt = performance.now();
      const request = victimSend().then(({ frame, ms }) => victimSamples.push({ sentAt, ms, kind: replyKind(frame) }));
      victimInFlight.add(request);
      void request.finally(() => victimInFlight.delete(request));
    }
  })();

  await phase('baseline-start');
  const baselineStart = performance.now();
  await sleep(plan.baselineSeconds * 1000);

  // The flooder opens its conversation, then floods.
  const flooder = await connect(plan.flooder.token);
  const opening = await flooder.request(
    { action: 'sendMessage', ref: 'f0', shopId: plan.flooder.shopId, clientMessageId: `flood-${run}-0`, text: '开始' },
    30_000,
  );
  if (opening.frame?.type !== 'ack') throw new Error(`flooder's opening message: ${JSON.stringify(opening.frame)}`);
  const conversationId = String(opening.frame.conversationId);
  const replies: Record<string, number> = {};
  let lastReplyAt = 0;
  let answered = 0;
  // Gateway frames carry no ref: counted here (they answer a flood frame all the same).
  flooder.onOther = (frame) => {
    if (typeof frame.message === 'string' || frame.type === 'error') {
      const kind = replyKind(frame);
      replies[kind] = (replies[kind] ?? 0) + 1;
      answered++;
      lastReplyAt = performance.now();
    }
  };
  const drainDeadlineMs = plan.drainTimeoutSeconds * 1000;

  await phase('flood-start');
  const floodStart = performance.now();
  const ticks = 50;
  const perTick = Math.ceil(plan.frames / ticks);
  let sent = 0;
  const floodReplies: Promise<void>[] = [];
  for (let tick = 0; tick < ticks && sent < plan.frames; tick++) {
    const due = floodStart + (tick * plan.floodMs) / ticks;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    for (let i = 0; i < perTick && sent < plan.frames; i++) {
      sent++;
      floodReplies.push(
        flooder
          .request(
            { action: 'sendMessage', ref: `f${sent}`, shopId: plan.flooder.shopId, conversationId, clientMessageId: `flood-${run}-${sent}`, text: `刷屏 ${sent}` },
            drainDeadlineMs,
          )
          .then(({ frame }) => {
            if (!frame) return;
            const kind = replyKind(frame);
            replies[kind] = (replies[kind] ?? 0) + 1;
            answered++;
            lastReplyAt = performance.now();
          }),
      );
    }
  }
  const floodEnd = performance.now();
  log(`flood: ${sent} frames sent in ${Math.round(floodEnd - floodStart)} ms`);

  // Drained when every flood frame has an answer (by ref, or a ref-less gateway frame), or at the timeout.
  const drainDeadline = floodEnd + drainDeadlineMs;
  let lastLog = performance.now();
  while (answered < sent && performance.now() < drainDeadline && !flooder.closedByServer) {
    await sleep(50);
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`  ${answered}/${sent} flood frames answered after ${Math.round((performance.now() - floodEnd) / 1000)} s`);
    }
  }
  const drained = answered >= sent;
  const drainMs = (drained ? lastReplyAt : performance.now()) - floodEnd;
  // The victim keeps its pace for at least minDuringSeconds after the flood started.
  const duringEnd = Math.max(performance.now(), floodStart + plan.minDuringSeconds * 1000);
  while (performance.now() < duringEnd) await sleep(50);
  victimRunning = false;
  await victimLoop;
  await Promise.allSettled([...victimInFlight]);
  await phase('flood-drained');
  log(`flood drained: ${drained} after ${Math.round(drainMs)} ms; replies ${JSON.stringify(replies)}`);

  const unloaded = victimSamples.filter((s) => s.sentAt >= baselineStart && s.sentAt < baselineStart + plan.baselineSeconds * 1000);
  const during = victimSamples.filter((s) => s.sentAt >= floodStart && s.sentAt < duringEnd);
  const duringErrors: Record<string, number> = {};
  for (const sample of during) if (sample.kind !== 'ack') duringErrors[sample.kind] = (duringErrors[sample.kind] ?? 0) + 1;
  const report: FloodReport = {
    victim: {
      unloadedAckMs: unloaded.filter((s) => s.kind === 'ack').map((s) => s.ms),
      duringAckMs: during.filter((s) => s.kind === 'ack').map((s) => s.ms),
      duringTimeline: during.map((s) => [Math.round(s.sentAt - floodStart), s.kind === 'ack' ? Math.round(s.ms) : -1]),
      unloadedTimeouts: unloaded.filter((s) => s.kind === 'timeout').length,
      duringTimeouts: during.filter((s) => s.kind === 'timeout').length,
      duringErrors,
    },
    flood: {
      framesSent: sent,
      sendMs: floodEnd - floodStart,
      replies: { ...replies },
      unanswered: sent - answered,
      drainMs,
      drained,
      stored: null,
      storedFiveSecondsAfterClose: null,
      socketClosedByServer: flooder.closedByServer,
    },
    sockets: { attempted: plan.sockets, opened: 0, refusedByStatus: {}, refusalBodies: [], ms: 0, completed: false },
  };
  port.postMessage({ kind: 'partial', report } satisfies FloodWorkerMessage);

  report.flood.stored = await countStoredWithin(conversationId);
  flooder.close();
  await sleep(5000);
  report.flood.storedFiveSecondsAfterClose = await countStoredWithin(conversationId);
  for (const pending of flooder.pending.values()) pending.resolve(undefined);
  await Promise.allSettled(floodReplies);
  victim.close();
  port.postMessage({ kind: 'partial', report } satisfies FloodWorkerMessage);

  // One user, one token, many sockets: how many does the stack accept?
  const socketsStarted = performance.now();
  const refusedByStatus: Record<string, number> = {};
  const refusalBodies = new Set<string>();
  const opened: WebSocket[] = [];
  const socketsDeadline = performance.now() + 60_000;
  let socketsCompleted = true;
  for (let batch = 0; batch < plan.sockets; batch += 20) {
    if (performance.now() > socketsDeadline) {
      socketsCompleted = false;
      break;
    }
    const results = await Promise.allSettled(Array.from({ length: Math.min(20, plan.sockets - batch) }, () => open(plan.socketUser.token)));
    for (const result of results) {
      if (result.status === 'rejected') {
        refusedByStatus.error = (refusedByStatus.error ?? 0) + 1;
      } else if ('socket' in result.value) {
        result.value.socket.on('error', () => undefined);
        opened.push(result.value.socket);
      } else {
        refusedByStatus[result.value.status] = (refusedByStatus[result.value.status] ?? 0) + 1;
        if (refusalBodies.size < 3) refusalBodies.add(result.value.body);
      }
    }
  }
  const socketsMs = performance.now() - socketsStarted;
  for (const socket of opened) socket.close(1000);
  await sleep(1000);

  report.sockets = { attempted: plan.sockets, opened: opened.length, refusedByStatus, refusalBodies: [...refusalBodies], ms: socketsMs, completed: socketsCompleted };
  return report;
}

main().then(
  (report) => port.postMessage({ kind: 'result', report } satisfies FloodWorkerMessage),
  (error: unknown) => port.postMessage({ kind: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FloodWorkerMessage),
);
