import { openKefuSocket } from './open-socket';
import { phaseHandshake } from './phase-handshake';
import { readConversationBack } from './read-conversation';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { CorrectnessReport, LatencySamples, LoadPlan, LoadReport, PhaseRequest, StepReport, StoredCheck, WorkerMessage } from './load-plan';

/**
 * The simulated buyers and agents: real WebSocket clients (the `ws` package) with tickets from
 * POST /v1/connect-tickets, in a worker thread so their JSON work does not run on the local stack's event
 * loop. Latencies are taken on this thread's clock: a buyer's send and the agent's receipt are both seen
 * here. Every loop is bounded by count and by time.
 */

const plan = workerData as LoadPlan;
const port = parentPort!;

type Kind = 'open' | 'question' | 'answer';
type Phase = 'setup' | 'warmup' | 'step' | 'measure';

interface SentMessage {
  cmid: string;
  kind: Kind;
  phase: Phase;
  senderId: string;
  recipientId: string | undefined;
  conversationId: string | undefined;
  sentAt: number;
  window: number;
  /** Index into `steps` for phase 'step'. */
  step: number;
  ackAt?: number;
  seq?: number;
  ackDuplicate?: boolean;
  error?: string;
  /** Receipts by the recipient of the acked (conversationId, seq). */
  receipts: number;
  firstReceiptAt?: number;
}

interface Client {
  userId: string;
  role: 'buyer' | 'agent';
  socket: WebSocket;
  shopId?: string;
  conversationId?: string;
  answerRate?: number;
  answerQueue: { conversationId: string; question: SentMessage }[];
  answerTimer?: NodeJS.Timeout;
  lastAnswerAt: number;
  /** Resolved by the next setPresence ack or error frame on this socket. */
  presenceWaiter?: (frame: Record<string, unknown>) => void;
}

const sent = new Map<string, SentMessage>();
/** `${recipient}|${conversationId}|${seq}` → clientMessageId of the first frame received for it. */
const receivedKeys = new Map<string, string>();
/** `${recipient}|${senderId}|${cmid}` → seqs it was received under. */
const receivedSeqsOfMessage = new Map<string, Set<number>>();
const assignedTo = new Map<string, { agentId: string; at: number }>();
const openAckAt = new Map<string, number>();
let queuePositionFrames = 0;
const refusedBySender = new Map<string, number>();
let socketsClosedUnexpectedly = 0;
let stopping = false;

let countingFrames = false;
const frames = { inbound: 0, outbound: 0, outboundByType: {} as Record<string, number> };
const latency = {
  buyerToAgent: samples(),
  agentToBuyer: samples(),
  ack: samples(),
  sendLag: samples(),
  assign: samples(),
};
const correctnessCounters = { rawDuplicateFrames: 0, duplicatesAfterDedupe: 0, conflictingFrames: 0, unexpectedFrames: 0 };
const answerStats = { answered: 0, byPacedAgents: 0 };
let answerDeadline = Number.POSITIVE_INFINITY;
let measureStart = 0;
let subWindowMs = Number.POSITIVE_INFINITY;
let subWindows = 1;
let currentStep = -1;
const steps: StepReport[] = [];

function samples(): LatencySamples {
  return { ms: [], window: [] };
}

const log = (text: string) => port.postMessage({ kind: 'log', text } satisfies WorkerMessage);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const askPhase = phaseHandshake<Extract<WorkerMessage, { kind: 'phase' }>>(port);
const phase = (name: PhaseRequest['name']): Promise<void> => askPhase({ kind: 'phase', name, wallMs: Date.now() });

async function pool<T>(items: readonly T[], concurrency: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await run(items[index]!, index);
      }
    }),
  );
}

async function connect(userId: string, role: 'buyer' | 'agent', token: string): Promise<Client> {
  for (let attempt = 0; ; attempt++) {
    try {
      const socket = await openKefuSocket(plan, token);
      const client: Client = { userId, role, socket, answerQueue: [], lastAnswerAt: 0 };
      socket.on('message', (data) => onFrame(client, data.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (!stopping) socketsClosedUnexpectedly++;
      });
      return client;
    } catch (error) {
      if (attempt >= 2) throw error;
      await sleep(200 * (attempt + 1));
    }
  }
}

function send(client: Client, frame: Record<string, unknown>): void {
  if (countingFrames) frames.inbound++;
  client.socket.send(JSON.stringify(frame));
}

function onFrame(client: Client, text: string): void {
  const now = performance.now();
  let frame: Record<string, unknown>;
  try {
    frame = JSON.parse(text) as Record<string, unknown>;
  } catch {
    frame = { type: 'unparsable' };
  }
  const type = typeof frame.type === 'string' ? frame.type : typeof frame.message === 'string' ? 'gateway-error' : 'unknown';
  if (countingFrames) {
    frames.outbound++;
    frames.outboundByType[type] = (frames.outboundByType[type] ?? 0) + 1;
  }
  switch (type) {
    case 'ack':
      return onAck(client, frame, now);
    case 'error':
    case 'gateway-error':
      if (client.presenceWaiter && String(frame.ref ?? '').startsWith('presence-')) {
        client.presenceWaiter(frame);
        client.presenceWaiter = undefined;
        return;
      }
      return onError(frame, type);
    case 'message':
      return onMessage(client, frame, now);
    case 'assigned': {
      const conversationId = String(frame.conversationId);
      if (!assignedTo.has(conversationId)) {
        assignedTo.set(conversationId, { agentId: client.userId, at: now });
        const ackAt = openAckAt.get(conversationId);
        if (ackAt !== undefined) push(latency.assign, now - ackAt, 0);
      }
      return;
    }
    case 'queuePosition':
      queuePositionFrames++;
      return;
    default:
      return;
  }
}

function onAck(client: Client, frame: Record<string, unknown>, now: number): void {
  if (frame.action === 'setPresence') {
    client.presenceWaiter?.(frame);
    client.presenceWaiter = undefined;
    return;
  }
  const message = sent.get(String(frame.ref ?? frame.clientMessageId));
  if (!message || message.ackAt !== undefined) return;
  message.ackAt = now;
  message.seq = Number(frame.seq);
  message.ackDuplicate = frame.duplicate === true;
  message.conversationId = String(frame.conversationId);
  if (message.kind === 'open') {
    client.conversationId = message.conversationId;
    openAckAt.set(message.conversationId, now);
  }
  if (message.phase === 'measure') push(latency.ack, now - message.sentAt, message.window);
  if (message.phase === 'step') steps[message.step]?.ack.push(now - message.sentAt);
  if (message.kind === 'question') message.recipientId = assignedTo.get(message.conversationId)?.agentId;
}

function onError(frame: Record<string, unknown>, type: string): void {
  const ref = typeof frame.ref === 'string' ? frame.ref : undefined;
  const message = ref ? sent.get(ref) : undefined;
  const code = type === 'gateway-error' ? `gateway: ${String(frame.message)}` : String(frame.code);
  if (message && message.ackAt === undefined && message.error === undefined) {
    message.error = `${message.kind}: ${code}`;
    refusedBySender.set(message.senderId, (refusedBySender.get(message.senderId) ?? 0) + 1);
  }
  else if (!message) log(`error frame without a known ref: ${JSON.stringify(frame).slice(0, 200)}`);
}

function onMessage(client: Client, frame: Record<string, unknown>, now: number): void {
  const body = frame.message as { senderId: string; clientMessageId: string; seq: number; conversationId: string } | undefined;
  const conversationId = String(frame.conversationId);
  const seq = Number(frame.seq);
  if (!body) return;
  const key = `${client.userId}|${conversationId}|${seq}`;
  const first = receivedKeys.get(key);
  const original = sent.get(body.clientMessageId);
  if (first !== undefined) {
    correctnessCounters.rawDuplicateFrames++;
    if (first !== body.clientMessageId) correctnessCounters.conflictingFrames++;
  } else receivedKeys.set(key, body.clientMessageId);
  const messageKey = `${client.userId}|${body.senderId}|${body.clientMessageId}`;
  let seqs = receivedSeqsOfMessage.get(messageKey);
  if (!seqs) receivedSeqsOfMessage.set(messageKey, (seqs = new Set()));
  if (!seqs.has(seq)) {
    seqs.add(seq);
    if (seqs.size > 1) correctnessCounters.duplicatesAfterDedupe++;
  }
  if (!original || original.senderId !== body.senderId) {
    correctnessCounters.unexpectedFrames++;
    return;
  }
  original.receipts++;
  if (first !== undefined) return;
  original.firstReceiptAt ??= now;
  if (original.phase === 'measure') {
    push(original.kind === 'answer' ? latency.agentToBuyer : latency.buyerToAgent, now - original.sentAt, original.window);
  }
  if (original.phase === 'step') steps[original.step]?.[original.kind === 'answer' ? 'agentToBuyer' : 'buyerToAgent'].push(now - original.sentAt);
  if (client.role === 'agent' && original.kind === 'question' && original.receipts === 1) answer(client, conversationId, original);
}

function push(target: LatencySamples, ms: number, window: number): void {
  target.ms.push(ms);
  target.window.push(window);
}

function windowOf(now: number): number {
  return Math.min(subWindows - 1, Math.max(0, Math.floor((now - measureStart) / subWindowMs)));
}

function sendMessage(client: Client, kind: Kind, cmid: string, phaseName: Phase, frame: Record<string, unknown>, recipientId?: string): SentMessage {
  const now = performance.now();
  const message: SentMessage = {
    cmid,
    kind,
    phase: phaseName,
    senderId: client.userId,
    recipientId,
    conversationId: typeof frame.conversationId === 'string' ? frame.conversationId : undefined,
    sentAt: now,
    window: phaseName === 'measure' ? windowOf(now) : 0,
    step: phaseName === 'step' ? currentStep : -1,
    receipts: 0,
  };
  sent.set(cmid, message);
  send(client, { action: 'sendMessage', ref: cmid, clientMessageId: cmid, ...frame });
  return message;
}

const questions = ['亲，这款面霜适合干皮吗？', '双十一的满减和优惠券可以叠加吗？', '今天下单什么时候发货呀？', '我买的是38码，偏大吗，可以换37吗？', '赠品还有吗？要不要备注？'];
const replies = ['亲，适合的哦~干皮用滋润款更好 ♡', '可以叠加的亲，结算时自动计算~', '今天下单48小时内发货，请放心~', '亲，支持7天无理由换码，直接申请就好哦', '赠品送完即止，亲下单就有，不用备注~'];

function answer(agent: Client, conversationId: string, question: SentMessage): void {
  if (agent.answerRate === undefined) {
    sendAnswer(agent, conversationId, question);
    return;
  }
  agent.answerQueue.push({ conversationId, question });
  scheduleAnswers(agent);
}

function sendAnswer(agent: Client, conversationId: string, question: SentMessage): void {
  const conversation = conversationBuyers.get(conversationId);
  answerStats.answered++;
  if (agent.answerRate !== undefined) answerStats.byPacedAgents++;
  const message = sendMessage(agent, 'answer', `a${question.cmid}`, question.phase, { conversationId, text: replies[question.cmid.length % replies.length]! }, conversation);
  message.step = question.step;
}

/** A paced agent (the whale) answers at most answerRate per second: typing speed, and under flood control. */
function scheduleAnswers(agent: Client): void {
  if (agent.answerTimer || agent.answerRate === undefined) return;
  const interval = 1000 / agent.answerRate;
  const tick = () => {
    agent.answerTimer = undefined;
    if (performance.now() > answerDeadline || stopping) {
      agent.answerQueue.length = 0;
      return;
    }
    const next = agent.answerQueue.shift();
    if (!next) return;
    agent.lastAnswerAt = performance.now();
    sendAnswer(agent, next.conversationId, next.question);
    if (agent.answerQueue.length > 0) agent.answerTimer = setTimeout(tick, interval);
  };
  const wait = Math.max(0, agent.lastAnswerAt + interval - performance.now());
  agent.answerTimer = setTimeout(tick, wait);
}

/** conversationId → buyer userId */
const conversationBuyers = new Map<string, string>();

/** Everything of the given phases acked (or refused), delivered, and answered. */
function pendingWork(phases: Phase[]): { unacked: number; undelivered: number; answersQueued: number } {
  let unacked = 0;
  let undelivered = 0;
  for (const message of sent.values()) {
    if (!phases.includes(message.phase)) continue;
    if (message.ackAt === undefined && message.error === undefined) unacked++;
    else if (message.ackAt !== undefined && message.recipientId !== undefined && message.receipts === 0) undelivered++;
  }
  const answersQueued = performance.now() > answerDeadline ? 0 : agents.reduce((sum, agent) => sum + agent.answerQueue.length, 0);
  return { unacked, undelivered, answersQueued };
}

async function waitDrained(phases: Phase[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let lastLog = performance.now();
  for (;;) {
    const pending = pendingWork(phases);
    if (pending.unacked === 0 && pending.undelivered === 0 && pending.answersQueued === 0) return true;
    if (performance.now() > deadline) {
      log(`drain timed out: ${JSON.stringify(pending)}`);
      return false;
    }
    if (performance.now() - lastLog > 5000) {
      log(`draining: ${JSON.stringify(pending)}`);
      lastLog = performance.now();
    }
    await sleep(50);
  }
}

let agents: Client[] = [];
let buyers: Client[] = [];

async function connectEveryone(): Promise<{ failures: number; ms: number }> {
  const started = performance.now();
  let failures = 0;
  agents = [];
  await pool(plan.agents, 8, async (planned) => {
    const client = await connect(planned.userId, 'agent', planned.token);
    client.answerRate = planned.answerRatePerSecond;
    const acked = new Promise<Record<string, unknown>>((resolve) => (client.presenceWaiter = resolve));
    send(client, { action: 'setPresence', presence: 'online', ref: `presence-${planned.userId}` });
    const reply = await Promise.race([acked, sleep(10_000).then(() => ({ type: 'timeout' }))]);
    if (reply.type !== 'ack') throw new Error(`setPresence for ${planned.userId}: ${JSON.stringify(reply)}`);
    agents.push(client);
  });
  const connected: (Client | undefined)[] = new Array(plan.buyers.length);
  await pool(plan.buyers, plan.connectConcurrency, async (planned, index) => {
    try {
      const client = await connect(planned.userId, 'buyer', planned.token);
      client.shopId = planned.shopId;
      connected[index] = client;
    } catch (error) {
      failures++;
      if (failures <= 3) log(`buyer ${planned.userId} could not connect: ${(error as Error).message}`);
    }
  });
  buyers = connected.filter((client): client is Client => client !== undefined);
  return { failures, ms: performance.now() - started };
}

/** Every buyer opens a conversation with its shop; resolves when all are acked and assigned (or timeout). */
async function openConversations(timeoutMs: number): Promise<{ opened: number; assigned: number; ms: number }> {
  const started = performance.now();
  for (const [index, buyer] of buyers.entries()) {
    sendMessage(buyer, 'open', `o${index}`, 'setup', { shopId: buyer.shopId, stage: 'pre-sale', text: '在吗？想咨询一下双十一活动' });
    if (index % 200 === 199) await sleep(0);
  }
  const deadline = performance.now() + timeoutMs;
  let lastLog = performance.now();
  for (;;) {
    const opened = buyers.filter((buyer) => buyer.conversationId !== undefined);
    const assigned = opened.filter((buyer) => assignedTo.has(buyer.conversationId!)).length;
    if ((opened.length === buyers.length && assigned === buyers.length) || performance.now() > deadline) {
      for (const buyer of opened) conversationBuyers.set(buyer.conversationId!, buyer.userId);
      const lastAssigned = Math.max(started, ...[...assignedTo.values()].map((a) => a.at));
      return { opened: opened.length, assigned, ms: lastAssigned - started };
    }
    if (performance.now() - lastLog > 5000) {
      log(`opening: ${opened.length}/${buyers.length} acked, ${assigned} assigned`);
      lastLog = performance.now();
    }
    await sleep(50);
  }
}

let questionCount = 0;
function askQuestion(buyer: Client, phaseName: Phase): void {
  if (!buyer.conversationId) return;
  const index = questionCount++;
  sendMessage(
    buyer,
    'question',
    `q${index}`,
    phaseName,
    { shopId: buyer.shopId, conversationId: buyer.conversationId, text: questions[index % questions.length]! },
    assignedTo.get(buyer.conversationId)?.agentId,
  );
}

/** Open-loop paced questions: question n is due at start + n / rate, whatever the replies do. */
async function pacedQuestions(phaseName: Phase, seconds: number, rate: number): Promise<{ sent: number; endedAt: number }> {
  const ready = buyers.filter((buyer) => buyer.conversationId && assignedTo.has(buyer.conversationId));
  if (ready.length === 0) throw new Error('no buyer has an assigned conversation');
  const start = performance.now();
  const durationMs = seconds * 1000;
  let n = 0;
  for (;;) {
    const now = performance.now();
    const elapsed = now - start;
    if (elapsed >= durationMs) break;
    const due = Math.floor((elapsed / 1000) * rate);
    while (n < due) {
      const intended = start + (n / rate) * 1000;
      if (phaseName === 'measure') push(latency.sendLag, performance.now() - intended, windowOf(intended));
      askQuestion(ready[n % ready.length]!, phaseName);
      n++;
    }
    await sleep(2);
  }
  return { sent: n, endedAt: performance.now() };
}

async function readBack(): Promise<StoredCheck> {
  const started = performance.now();
  const check: StoredCheck = {
    conversationsChecked: 0,
    messagesRead: 0,
    gaps: 0,
    conversationsWithGaps: 0,
    duplicates: 0,
    ackedNotStored: 0,
    storedNotAcked: 0,
    readErrors: 0,
    readMs: 0,
  };
  const ackedByConversation = new Map<string, Map<number, string>>();
  for (const message of sent.values()) {
    if (message.ackAt === undefined || !message.conversationId || message.seq === undefined) continue;
    let seqs = ackedByConversation.get(message.conversationId);
    if (!seqs) ackedByConversation.set(message.conversationId, (seqs = new Map()));
    seqs.set(message.seq, message.cmid);
  }
  await pool([...ackedByConversation.keys()], 16, async (conversationId) => {
    const read = await readConversationBack(plan.httpUrl, plan.adminToken, conversationId, 200);
    if (read.readError) {
      check.readErrors++;
      return;
    }
    const stored = read.messages;
    const skipped = read.skippedSeqs;
    check.conversationsChecked++;
    check.messagesRead += stored.length;
    const seqs = [...stored.map((message) => message.seq), ...skipped];
    const distinct = new Set(seqs);
    const highest = seqs.length > 0 ? Math.max(...seqs) : 0;
    const missing = highest - distinct.size;
    if (missing > 0 || distinct.size !== seqs.length || (seqs.length > 0 && Math.min(...seqs) !== 1)) check.conversationsWithGaps++;
    check.gaps += missing;
    const seqsOfMessage = new Map<string, Set<number>>();
    const cmidAt = new Map<number, string>();
    for (const message of stored) {
      const key = `${message.senderId}|${message.clientMessageId}`;
      let set = seqsOfMessage.get(key);
      if (!set) seqsOfMessage.set(key, (set = new Set()));
      set.add(message.seq);
      cmidAt.set(message.seq, message.clientMessageId);
      const ours = sent.get(message.clientMessageId);
      if (!ours || ours.ackAt === undefined) check.storedNotAcked++;
    }
    for (const set of seqsOfMessage.values()) if (set.size > 1) check.duplicates += set.size - 1;
    for (const [seq, cmid] of ackedByConversation.get(conversationId) ?? []) if (cmidAt.get(seq) !== cmid) check.ackedNotStored++;
  });
  check.readMs = performance.now() - started;
  return check;
}

function correctness(stored: StoredCheck): CorrectnessReport {
  const report: CorrectnessReport = {
    sent: 0,
    acked: 0,
    ackedAsDuplicate: 0,
    errorsByCode: {},
    unacked: 0,
    expectedDeliveries: 0,
    deliveredOnce: 0,
    lost: 0,
    ...correctnessCounters,
    refusedBySender: Object.fromEntries([...refusedBySender].sort((a, b) => b[1] - a[1]).slice(0, 10)),
    stored,
  };
  for (const message of sent.values()) {
    if (message.phase !== 'measure') continue;
    report.sent++;
    if (message.error !== undefined) report.errorsByCode[message.error] = (report.errorsByCode[message.error] ?? 0) + 1;
    if (message.ackAt === undefined) {
      if (message.error === undefined) report.unacked++;
      continue;
    }
    report.acked++;
    if (message.ackDuplicate) report.ackedAsDuplicate++;
    if (!message.recipientId) continue;
    report.expectedDeliveries++;
    if (message.receipts === 0) report.lost++;
    else if (message.receipts === 1) report.deliveredOnce++;
  }
  return report;
}

function throughput(loadEnd: number): { ackedPerSecond: number; deliveredPerSecond: number; ackedInWindow: number; firstSend: number; lastAck: number } {
  let ackedInWindow = 0;
  let firstSend = Number.POSITIVE_INFINITY;
  let lastAck = 0;
  let lastDelivery = 0;
  let acked = 0;
  let delivered = 0;
  for (const message of sent.values()) {
    if (message.phase !== 'measure') continue;
    firstSend = Math.min(firstSend, message.sentAt);
    if (message.ackAt !== undefined) {
      acked++;
      lastAck = Math.max(lastAck, message.ackAt);
      if (message.ackAt <= loadEnd) ackedInWindow++;
    }
    if (message.firstReceiptAt !== undefined) {
      delivered++;
      lastDelivery = Math.max(lastDelivery, message.firstReceiptAt);
    }
  }
  return {
    ackedPerSecond: acked / Math.max(0.001, (lastAck - firstSend) / 1000),
    deliveredPerSecond: delivered / Math.max(0.001, (lastDelivery - firstSend) / 1000),
    ackedInWindow,
    firstSend,
    lastAck,
  };
}

function mostAssigned(): { agentId: string; conversations: number } {
  const counts = new Map<string, number>();
  for (const { agentId } of assignedTo.values()) counts.set(agentId, (counts.get(agentId) ?? 0) + 1);
  let best = { agentId: '', conversations: 0 };
  for (const [agentId, conversations] of counts) if (conversations > best.conversations) best = { agentId, conversations };
  return best;
}

const wallAt = (perfMs: number) => Math.round(performance.timeOrigin + perfMs);

async function main(): Promise<LoadReport> {
  await phase('connect-start');
  const connected = await connectEveryone();
  await phase('connect-end');
  log(`connected ${agents.length} agents and ${buyers.length} buyers in ${(connected.ms / 1000).toFixed(1)} s (${connected.failures} failures)`);

  await phase('routing-start');
  const opened = await openConversations(plan.burst ? 60_000 : 30_000);
  await phase('routing-end');
  log(`opened ${opened.opened} conversations, ${opened.assigned} assigned, in ${(opened.ms / 1000).toFixed(1)} s`);
  await waitDrained(['setup'], 10_000);

  let loadEnd = 0;
  let elu0 = performance.eventLoopUtilization();
  let questionsInWindow = 0;
  let windowSeconds = 0;
  if (plan.steady) {
    const { questionsPerSecond, warmupSeconds, measureSeconds } = plan.steady;
    await pacedQuestions('warmup', warmupSeconds, questionsPerSecond);
    await waitDrained(['warmup'], plan.drainTimeoutSeconds * 1000);
    for (const rate of plan.steady.stepRates) {
      currentStep = steps.length;
      steps.push({ targetMessagesPerSecond: rate, seconds: plan.steady.stepSeconds, messages: 0, ackedInWindow: 0, drained: false, buyerToAgent: [], agentToBuyer: [], ack: [] });
      await phase('step-start');
      const { endedAt } = await pacedQuestions('step', plan.steady.stepSeconds, rate / 2);
      const step = steps[currentStep]!;
      step.drained = await waitDrained(['step'], plan.drainTimeoutSeconds * 1000);
      await phase('step-end');
      const acked = [...sent.values()].filter((m) => m.phase === 'step' && m.step === currentStep && m.ackAt !== undefined);
      step.messages = acked.length;
      step.ackedInWindow = acked.filter((m) => m.ackAt! <= endedAt).length;
      log(`step ${rate} msg/s: ${step.messages} messages`);
    }
    await sleep(300);
    await phase('measure-start');
    countingFrames = true;
    elu0 = performance.eventLoopUtilization();
    measureStart = performance.now();
    subWindows = plan.steady.subWindows;
    subWindowMs = (measureSeconds * 1000) / subWindows;
    const result = await pacedQuestions('measure', measureSeconds, questionsPerSecond);
    questionsInWindow = result.sent;
    loadEnd = result.endedAt;
    windowSeconds = measureSeconds;
  } else if (plan.burst) {
    await sleep(300);
    await phase('measure-start');
    countingFrames = true;
    elu0 = performance.eventLoopUtilization();
    measureStart = performance.now();
    const burstQuestions = new Map(plan.buyers.map((b) => [b.userId, b.burstQuestions ?? 1]));
    for (const [index, buyer] of buyers.entries()) {
      const count = buyer.conversationId ? (burstQuestions.get(buyer.userId) ?? 1) : 0;
      for (let q = 0; q < count; q++) askQuestion(buyer, 'measure');
      questionsInWindow += count;
      if (index % 100 === 99) await sleep(0);
    }
    loadEnd = performance.now();
    answerDeadline = loadEnd + plan.burst.answerForSeconds * 1000;
  }
  const outstanding: [number, number][] = [];
  const sampler = setInterval(() => {
    let count = 0;
    for (const m of sent.values()) if (m.phase === 'measure' && m.ackAt === undefined && m.error === undefined) count++;
    outstanding.push([Math.round(performance.now() - measureStart), count]);
  }, 250);
  const drained = await waitDrained(['measure'], plan.drainTimeoutSeconds * 1000);
  clearInterval(sampler);
  const drainedAt = performance.now();
  const elu = performance.eventLoopUtilization(elu0).utilization;
  countingFrames = false;
  await phase('drained');

  const stored = await readBack();
  const rates = throughput(loadEnd);
  if (plan.burst) windowSeconds = (rates.lastAck - rates.firstSend) / 1000;
  let unanswered = 0;
  for (const message of sent.values()) {
    if (message.phase === 'measure' && message.kind === 'question' && message.receipts > 0 && !sent.has(`a${message.cmid}`)) unanswered++;
  }
  const answers = [...sent.values()].filter((m) => m.phase === 'measure' && m.kind === 'answer').length;
  let burstDrain: LoadReport['burstDrain'];
  if (plan.burst) {
    let lastAck = loadEnd;
    let lastDelivery = loadEnd;
    let undeliveredQuestions = 0;
    for (const m of sent.values()) {
      if (m.phase !== 'measure' || m.kind !== 'question') continue;
      if (m.ackAt !== undefined) lastAck = Math.max(lastAck, m.ackAt);
      if (m.firstReceiptAt !== undefined) lastDelivery = Math.max(lastDelivery, m.firstReceiptAt);
      else undeliveredQuestions++;
    }
    burstDrain = {
      lastQuestionAckedMs: Math.round(lastAck - loadEnd),
      lastQuestionDeliveredMs: Math.round(lastDelivery - loadEnd),
      questionsUndelivered: undeliveredQuestions,
      outstandingPeak: Math.max(0, ...outstanding.map(([, count]) => count)),
      outstanding,
    };
  }
  return {
    scenario: plan.scenario,
    setup: {
      agentsConnected: agents.length,
      buyersConnected: buyers.length,
      connectFailures: connected.failures,
      connectMs: connected.ms,
      conversationsOpened: opened.opened,
      conversationsAssigned: opened.assigned,
      queuePositionFrames,
      openToAllAssignedMs: opened.ms,
      mostConversationsOneAgent: mostAssigned(),
      assignLatency: latency.assign,
    },
    window: {
      startWallMs: wallAt(measureStart),
      loadEndWallMs: wallAt(loadEnd),
      drainedWallMs: wallAt(drainedAt),
      drained,
      questions: questionsInWindow,
      answers,
      ackedPerSecond: rates.ackedPerSecond,
      ackedInWindow: rates.ackedInWindow,
      deliveredPerSecond: rates.deliveredPerSecond,
      seconds: windowSeconds,
    },
    latency: { buyerToAgent: latency.buyerToAgent, agentToBuyer: latency.agentToBuyer, ack: latency.ack, sendLag: latency.sendLag },
    correctness: correctness(stored),
    frames,
    answers: { answered: answerStats.answered, unanswered, byPacedAgents: answerStats.byPacedAgents },
    steps,
    ...(burstDrain ? { burstDrain } : {}),
    socketsClosedUnexpectedly,
    loadGeneratorUtilization: elu,
  };
}

async function closeAll(): Promise<void> {
  stopping = true;
  for (const agent of agents) if (agent.answerTimer) clearTimeout(agent.answerTimer);
  const all = [...agents, ...buyers];
  await Promise.all(
    all.map(
      (client) =>
        new Promise<void>((resolve) => {
          if (client.socket.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => (client.socket.terminate(), resolve()), 2000);
          client.socket.once('close', () => (clearTimeout(timer), resolve()));
          client.socket.close(1000, 'bench done');
        }),
    ),
  );
}

main()
  .then(async (report) => {
    await phase('disconnect-start');
    await closeAll();
    await sleep(500);
    await phase('disconnect-end');
    port.postMessage({ kind: 'result', report } satisfies WorkerMessage);
  })
  .catch(async (error: unknown) => {
    await closeAll().catch(() => undefined);
    port.postMessage({ kind: 'failed', error: (error as Error).stack ?? String(error) } satisfies WorkerMessage);
  });
