import { openKefuSocket } from './open-socket';
import { phaseHandshake } from './phase-handshake';
import { readConversationBack } from './read-conversation';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/**
 * The `hot` scenario's clients (bench/hot.ts runs it): real WebSockets with tickets from
 * POST /v1/connect-tickets, in a worker thread so their JSON work does not run on the stack's event loop.
 * One agent, two buyers, each buyer on many sockets (tabs and devices), three shops: six conversations.
 * Three phases, each bracketed by a meter reset and snapshot in the main thread:
 *   baseline  one buyer socket sends messages one at a time (each waits for its ack) into one conversation;
 *   one       a burst of concurrent sends into ONE conversation from the buyer's sockets and the agent;
 *   six       a burst from every buyer socket into the six conversations at once (the shape).
 * Every loop is bounded by count and time.
 */

export interface HotPlan {
  httpUrl: string;
  wsUrl: string;
  adminToken: string;
  agent: { userId: string; token: string };
  buyers: { userId: string; token: string }[];
  shopIds: string[];
  socketsPerBuyer: number;
  baselineMessages: number;
  /** Sends in the one-conversation burst: the buyer's sockets send all but `oneAgentSends`. */
  oneBurst: number;
  oneAgentSends: number;
  sixBurst: number;
  drainTimeoutSeconds: number;
}

export type HotPhaseName = 'baseline' | 'one' | 'six';

export interface HotPhaseReport {
  name: HotPhaseName;
  conversations: number;
  sent: number;
  acked: number;
  ackedAsDuplicate: number;
  errorsByCode: Record<string, number>;
  unacked: number;
  /** From ws.send to the ack, ms, one per acked message. */
  ackMs: number[];
  /** First send → last ack. */
  burstMs: number;
  /** Acked messages whose recipient (the other side) never got the message frame. */
  undelivered: number;
}

export interface HotReadBack {
  conversations: number;
  messagesRead: number;
  /** Seqs the pages reported as skipped (a send abandoned after taking a seq); counted, not gaps. */
  skippedSeqs: number;
  /** Seqs below the highest stored one that are neither a message nor reported skipped. */
  gaps: number;
  /** One (sender, clientMessageId) stored under more than one seq. */
  duplicates: number;
  /** Two stored messages under one seq. */
  seqCollisions: number;
  /** Acked (conversationId, seq) not stored with the acked clientMessageId. */
  ackedNotStored: number;
  readErrors: number;
}

export interface HotReport {
  phases: HotPhaseReport[];
  readBack: HotReadBack;
}

export type HotWorkerMessage =
  | { kind: 'phase'; id: number; name: 'reset' | 'snapshot'; phase: HotPhaseName }
  | { kind: 'log'; text: string }
  | { kind: 'result'; report: HotReport }
  | { kind: 'failed'; error: string };

const plan = workerData as HotPlan;
const port = parentPort!;
const log = (text: string) => port.postMessage({ kind: 'log', text } satisfies HotWorkerMessage);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const askPhase = phaseHandshake<Extract<HotWorkerMessage, { kind: 'phase' }>>(port);
const meterPhase = (name: 'reset' | 'snapshot', phase: HotPhaseName): Promise<void> => askPhase({ kind: 'phase', name, phase });

interface Sent {
  cmid: string;
  phase: HotPhaseName | 'open';
  senderId: string;
  recipientId: string;
  conversationId?: string;
  sentAt: number;
  ackAt?: number;
  seq?: number;
  duplicate?: boolean;
  error?: string;
  received: boolean;
}

interface Client {
  userId: string;
  socket: WebSocket;
  waiter?: (frame: Record<string, unknown>) => void;
}

const sent = new Map<string, Sent>();
const assigned = new Set<string>();
let stopping = false;

async function connect(userId: string, token: string): Promise<Client> {
  for (let attempt = 0; ; attempt++) {
    try {
      const socket = await openKefuSocket(plan, token);
      const client: Client = { userId, socket };
      socket.on('message', (data) => onFrame(client, data.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (!stopping) log(`socket of ${userId} closed unexpectedly`);
      });
      return client;
    } catch (error) {
      if (attempt >= 2) throw error;
      await sleep(200 * (attempt + 1));
    }
  }
}

function onFrame(client: Client, text: string): void {
  const now = performance.now();
  let frame: Record<string, unknown>;
  try {
    frame = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return;
  }
  const type = typeof frame.type === 'string' ? frame.type : typeof frame.message === 'string' ? 'gateway-error' : 'unknown';
  if (type === 'assigned') {
    assigned.add(String(frame.conversationId));
    return;
  }
  if (type === 'message') {
    const body = frame.message as { clientMessageId?: string; senderId?: string } | undefined;
    const original = body?.clientMessageId ? sent.get(body.clientMessageId) : undefined;
    if (original && original.senderId === body?.senderId && original.recipientId === client.userId) original.received = true;
    return;
  }
  if (type === 'ack' || type === 'error' || type === 'gateway-error') {
    const ref = typeof frame.ref === 'string' ? frame.ref : undefined;
    if (ref?.startsWith('presence-')) {
      client.waiter?.(frame);
      client.waiter = undefined;
      return;
    }
    const message = ref ? sent.get(ref) : undefined;
    if (!message || message.ackAt !== undefined || message.error !== undefined) return;
    if (type === 'ack') {
      message.ackAt = now;
      message.seq = Number(frame.seq);
      message.duplicate = frame.duplicate === true;
      message.conversationId = String(frame.conversationId);
    } else message.error = type === 'gateway-error' ? `gateway: ${String(frame.message)}` : String(frame.code);
  }
}

function sendMessage(client: Client, cmid: string, phase: Sent['phase'], recipientId: string, frame: Record<string, unknown>): void {
  sent.set(cmid, { cmid, phase, senderId: client.userId, recipientId, sentAt: performance.now(), received: false, ...(typeof frame.conversationId === 'string' ? { conversationId: frame.conversationId } : {}) });
  client.socket.send(JSON.stringify({ action: 'sendMessage', ref: cmid, clientMessageId: cmid, ...frame }));
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let lastLog = performance.now();
  while (!check()) {
    if (performance.now() > deadline) {
      log(`timed out waiting for ${what}`);
      return false;
    }
    if (performance.now() - lastLog > 5000) {
      log(`waiting for ${what}`);
      lastLog = performance.now();
    }
    await sleep(20);
  }
  return true;
}

const questions = ['亲，这款面霜适合干皮吗？', '双十一的满减和优惠券可以叠加吗？', '今天下单什么时候发货呀？', '我买的是38码，偏大吗？', '赠品还有吗？'];
const replies = ['亲，适合的哦~', '可以叠加的亲~', '48小时内发货~', '支持7天无理由换码哦', '赠品送完即止~'];

function ofPhase(phase: HotPhaseName): Sent[] {
  return [...sent.values()].filter((m) => m.phase === phase);
}

/** Every message of the phase acked or refused, and every acked one delivered to the other side (bounded). */
async function drain(phase: HotPhaseName): Promise<void> {
  await waitFor(() => ofPhase(phase).every((m) => m.ackAt !== undefined || m.error !== undefined), plan.drainTimeoutSeconds * 1000, `${phase} acks`);
  await waitFor(() => ofPhase(phase).every((m) => m.ackAt === undefined || m.received), 15_000, `${phase} deliveries`);
}

function phaseReport(phase: HotPhaseName): HotPhaseReport {
  const messages = ofPhase(phase);
  const errorsByCode: Record<string, number> = {};
  let firstSend = Number.POSITIVE_INFINITY;
  let lastAck = 0;
  for (const m of messages) {
    firstSend = Math.min(firstSend, m.sentAt);
    if (m.ackAt !== undefined) lastAck = Math.max(lastAck, m.ackAt);
    if (m.error !== undefined) errorsByCode[m.error] = (errorsByCode[m.error] ?? 0) + 1;
  }
  const acked = messages.filter((m) => m.ackAt !== undefined);
  return {
    name: phase,
    conversations: new Set(acked.map((m) => m.conversationId)).size,
    sent: messages.length,
    acked: acked.length,
    ackedAsDuplicate: acked.filter((m) => m.duplicate).length,
    errorsByCode,
    unacked: messages.filter((m) => m.ackAt === undefined && m.error === undefined).length,
    ackMs: acked.map((m) => m.ackAt! - m.sentAt),
    burstMs: Math.max(0, lastAck - firstSend),
    undelivered: acked.filter((m) => !m.received).length,
  };
}

async function readBack(conversationIds: string[]): Promise<HotReadBack> {
  const result: HotReadBack = { conversations: 0, messagesRead: 0, skippedSeqs: 0, gaps: 0, duplicates: 0, seqCollisions: 0, ackedNotStored: 0, readErrors: 0 };
  for (const conversationId of conversationIds) {
    const read = await readConversationBack(plan.httpUrl, plan.adminToken, conversationId);
    if (read.readError) result.readErrors++;
    const stored = read.messages;
    const skipped = read.skippedSeqs;
    result.conversations++;
    result.messagesRead += stored.length;
    result.skippedSeqs += skipped.size;
    const bySeq = new Map<number, string>();
    for (const m of stored) {
      if (bySeq.has(m.seq) || skipped.has(m.seq)) result.seqCollisions++;
      bySeq.set(m.seq, `${m.senderId}|${m.clientMessageId}`);
    }
    const highest = Math.max(0, ...bySeq.keys(), ...skipped);
    for (let seq = 1; seq <= highest; seq++) if (!bySeq.has(seq) && !skipped.has(seq)) result.gaps++;
    const seqsOf = new Map<string, number>();
    for (const key of bySeq.values()) seqsOf.set(key, (seqsOf.get(key) ?? 0) + 1);
    for (const count of seqsOf.values()) if (count > 1) result.duplicates += count - 1;
    for (const m of sent.values()) {
      if (m.conversationId !== conversationId || m.ackAt === undefined) continue;
      if (bySeq.get(m.seq!) !== `${m.senderId}|${m.cmid}`) result.ackedNotStored++;
    }
  }
  return result;
}

async function main(): Promise<HotReport> {
  const agent = await connect(plan.agent.userId, plan.agent.token);
  const presence = new Promise<Record<string, unknown>>((resolve) => (agent.waiter = resolve));
  agent.socket.send(JSON.stringify({ action: 'setPresence', presence: 'online', ref: `presence-${plan.agent.userId}` }));
  const reply = await Promise.race([presence, sleep(10_000).then(() => ({ type: 'timeout' }))]);
  if (reply.type !== 'ack') throw new Error(`setPresence: ${JSON.stringify(reply)}`);

  const socketsOf = new Map<string, Client[]>();
  for (const buyer of plan.buyers) {
    const sockets: Client[] = [];
    for (let i = 0; i < plan.socketsPerBuyer; i++) sockets.push(await connect(buyer.userId, buyer.token));
    socketsOf.set(buyer.userId, sockets);
  }
  log(`connected 1 agent and ${plan.buyers.length} buyers x ${plan.socketsPerBuyer} sockets`);

  // One conversation per (buyer, shop), opened one at a time from the buyer's first socket.
  const conversations: { buyerId: string; shopId: string; conversationId: string }[] = [];
  for (const buyer of plan.buyers) {
    for (const shopId of plan.shopIds) {
      const cmid = `open-${buyer.userId}-${shopId}`;
      sendMessage(socketsOf.get(buyer.userId)![0]!, cmid, 'open', plan.agent.userId, { shopId, stage: 'pre-sale', text: '在吗？' });
      await waitFor(() => sent.get(cmid)!.ackAt !== undefined || sent.get(cmid)!.error !== undefined, 15_000, `opening ${cmid}`);
      const opened = sent.get(cmid)!;
      if (!opened.conversationId || opened.ackAt === undefined) throw new Error(`could not open ${cmid}: ${opened.error}`);
      conversations.push({ buyerId: buyer.userId, shopId, conversationId: opened.conversationId });
    }
  }
  await waitFor(() => conversations.every((c) => assigned.has(c.conversationId)), 30_000, 'every conversation assigned');
  log(`opened ${conversations.length} conversations, ${conversations.filter((c) => assigned.has(c.conversationId)).length} assigned`);
  await sleep(500);

  // Baseline: a single sender, one message at a time, into the first conversation.
  const base = conversations[0]!;
  const baseSocket = socketsOf.get(base.buyerId)![0]!;
  await meterPhase('reset', 'baseline');
  for (let i = 0; i < plan.baselineMessages; i++) {
    const cmid = `base-${i}`;
    sendMessage(baseSocket, cmid, 'baseline', plan.agent.userId, { shopId: base.shopId, conversationId: base.conversationId, text: questions[i % questions.length]! });
    await waitFor(() => sent.get(cmid)!.ackAt !== undefined || sent.get(cmid)!.error !== undefined, 15_000, `baseline ack ${i}`);
  }
  await drain('baseline');
  await meterPhase('snapshot', 'baseline');
  log(`baseline: ${ofPhase('baseline').filter((m) => m.ackAt !== undefined).length} messages, one at a time`);
  await sleep(500);

  // One conversation: the buyer's sockets and the agent all send at once, spread round-robin.
  const hot = conversations[1]!;
  const hotSockets = socketsOf.get(hot.buyerId)!;
  await meterPhase('reset', 'one');
  const buyerSends = plan.oneBurst - plan.oneAgentSends;
  const agentEvery = Math.floor(plan.oneBurst / Math.max(1, plan.oneAgentSends));
  for (let i = 0; i < plan.oneBurst; i++) {
    const fromAgent = plan.oneAgentSends > 0 && i % agentEvery === 0 && i / agentEvery < plan.oneAgentSends;
    if (fromAgent) sendMessage(agent, `one-a-${i}`, 'one', hot.buyerId, { conversationId: hot.conversationId, text: replies[i % replies.length]! });
    else sendMessage(hotSockets[i % hotSockets.length]!, `one-b-${i}`, 'one', plan.agent.userId, { shopId: hot.shopId, conversationId: hot.conversationId, text: questions[i % questions.length]! });
  }
  log(`one: sent ${plan.oneBurst} at once (${buyerSends} from ${hotSockets.length} buyer sockets, the rest from the agent)`);
  await drain('one');
  await meterPhase('snapshot', 'one');
  await sleep(500);

  // Six conversations: every buyer socket sends into its buyer's three conversations at once.
  await meterPhase('reset', 'six');
  const allSockets = plan.buyers.flatMap((b) => socketsOf.get(b.userId)!.map((socket) => ({ socket, buyerId: b.userId })));
  for (let i = 0; i < plan.sixBurst; i++) {
    const { socket, buyerId } = allSockets[i % allSockets.length]!;
    const mine = conversations.filter((c) => c.buyerId === buyerId);
    const target = mine[Math.floor(i / allSockets.length) % mine.length]!;
    sendMessage(socket, `six-${i}`, 'six', plan.agent.userId, { shopId: target.shopId, conversationId: target.conversationId, text: questions[i % questions.length]! });
  }
  log(`six: sent ${plan.sixBurst} at once from ${allSockets.length} sockets into ${conversations.length} conversations`);
  await drain('six');
  await meterPhase('snapshot', 'six');

  const readBackResult = await readBack(conversations.map((c) => c.conversationId));
  stopping = true;
  for (const client of [agent, ...[...socketsOf.values()].flat()]) client.socket.close(1000, 'bench done');
  return { phases: [phaseReport('baseline'), phaseReport('one'), phaseReport('six')], readBack: readBackResult };
}

main()
  .then((report) => {
    port.postMessage({ kind: 'result', report } satisfies HotWorkerMessage);
  })
  .catch((error: unknown) => {
    stopping = true;
    port.postMessage({ kind: 'failed', error: (error as Error).stack ?? String(error) } satisfies HotWorkerMessage);
  });
