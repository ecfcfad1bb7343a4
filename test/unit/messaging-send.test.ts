import { describe, expect, it } from 'vitest';
import type { Identity } from '../../shared/auth/identity';
import type { AppendSteps } from '../../shared/conversations/append-message';
import { emptyResponseFacts, maxWatchers, type Conversation, type Message } from '../../shared/conversations/conversation';
import { deliveryJobSchema, type DeliveryJob, type RouteJob } from '../../shared/conversations/jobs';
import { sendMessage, type SendMessageDeps } from '../../shared/conversations/send-message';

/**
 * sendMessage with the storage steps in memory: which delivery jobs a send and its resends produce.
 * The same protocol against DynamoDB Local and the SQS server is in test/integration/messaging-*.test.ts.
 */

const buyer: Identity = { tenantId: 't1', userId: 'buyer-1', role: 'buyer', shopIds: [] };
const agent: Identity = { tenantId: 't1', userId: 'agent-1', role: 'agent', shopIds: ['shop-1'] };
const supervisor: Identity = { tenantId: 't1', userId: 'sup-1', role: 'supervisor', shopIds: ['shop-1'] };
const now = new Date('2026-11-11T00:00:00.000Z');
const nowSeconds = now.getTime() / 1000;

const headOf = (overrides: Partial<Conversation> = {}): Conversation => ({
  conversationId: 'conv-1',
  tenantId: 't1',
  shopId: 'shop-1',
  buyerId: buyer.userId,
  stage: 'pre-sale',
  status: 'assigned',
  assigneeId: agent.userId,
  openedAt: '2026-11-10T23:59:00.000Z',
  lastSeq: 0,
  lastMessageAt: '2026-11-10T23:59:00.000Z',
  buyerReadSeq: 0,
  agentReadSeq: 0,
  responseFacts: emptyResponseFacts(),
  ...overrides,
});

/** One conversation's claims, log and head lastSeq, with the append protocol's conditions. */
function memoryConversation(head: Partial<Conversation> = {}) {
  const claims = new Map<string, { seq: number; textHash: string }>();
  const messages = new Map<number, Message>();
  const skipped = new Set<number>();
  let lastSeq = 0;
  const steps: AppendSteps = {
    allocate: async (_tenantId, _conversationId, message) => ({ seq: ++lastSeq, at: message.createdAt, before: {} }),
    undoFacts: async () => undefined,
    claim: async (_tenantId, _conversationId, senderId, clientMessageId, seq, textHash) => {
      const key = `${senderId}/${clientMessageId}`;
      const claimed = claims.get(key);
      if (claimed !== undefined) return { claimed: false, ...claimed };
      claims.set(key, { seq, textHash });
      return { claimed: true };
    },
    moveClaim: async (_tenantId, _conversationId, senderId, clientMessageId, fromSeq, toSeq) => {
      const key = `${senderId}/${clientMessageId}`;
      const claimed = claims.get(key);
      if (claimed?.seq !== fromSeq) return false;
      claims.set(key, { ...claimed, seq: toSeq });
      return true;
    },
    putMessage: async (_tenantId, message) => !messages.has(message.seq) && !skipped.has(message.seq) && (messages.set(message.seq, message), true),
    entryAt: async (_tenantId, _conversationId, seq) => {
      const message = messages.get(seq);
      if (message) return { kind: 'message', message };
      return skipped.has(seq) ? { kind: 'skipped', seq, skippedAt: now.toISOString() } : undefined;
    },
    skip: async (_tenantId, _conversationId, seq) => !messages.has(seq) && !skipped.has(seq) && (skipped.add(seq), true),
  };
  const deliveryJobs: DeliveryJob[] = [];
  const routeJobs: RouteJob[] = [];
  const deps: SendMessageDeps = {
    getConversation: async () => headOf({ ...head, lastSeq }),
    openConversation: async () => {
      throw new Error('not opened in these tests');
    },
    shopExists: async () => true,
    stageOnOpen: async (_tenantId, _shopId, _buyerId, hint) => ({ stage: hint ?? 'pre-sale', reason: 'hint' }),
    append: steps,
    sendDeliveryJob: async (job) => {
      deliveryJobs.push(job);
    },
    sendRouteJob: async (job) => {
      routeJobs.push(job);
    },
  };
  return { deps, messages, skipped, deliveryJobs, routeJobs };
}

const buyerFrame = (clientMessageId: string, text: string) =>
  ({ action: 'sendMessage', shopId: 'shop-1', conversationId: 'conv-1', clientMessageId, text }) as const;

describe('sendMessage: delivery jobs (unit, storage in memory)', () => {
  it('sends one delivery job for a first send, to the other side only, carrying the stored message', async () => {
    const { deps, deliveryJobs } = memoryConversation();
    const ack = await sendMessage(buyer, buyerFrame('m-1', '在吗'), now, deps);
    expect(ack).toMatchObject({ type: 'ack', conversationId: 'conv-1', seq: 1, duplicate: false });
    expect(deliveryJobs).toEqual([
      {
        type: 'message',
        tenantId: 't1',
        conversationId: 'conv-1',
        shopId: 'shop-1',
        recipients: [agent.userId],
        message: { conversationId: 'conv-1', seq: 1, senderId: buyer.userId, senderRole: 'buyer', clientMessageId: 'm-1', text: '在吗', createdAt: now.toISOString() },
      },
    ]);
  });

  it('sends the delivery job when a resend is answered as a duplicate after the first send died before its job', async () => {
    const { deps, messages, deliveryJobs } = memoryConversation();
    const dying: SendMessageDeps = {
      ...deps,
      sendDeliveryJob: async () => {
        throw Object.assign(new Error('Task timed out'), { name: 'TimeoutError' });
      },
    };
    await expect(sendMessage(buyer, buyerFrame('m-1', '发货了吗？'), now, dying)).rejects.toThrow('Task timed out');
    expect([...messages.values()].map((m) => m.text)).toEqual(['发货了吗？']);
    expect(deliveryJobs).toEqual([]);

    const resend = await sendMessage(buyer, buyerFrame('m-1', '发货了吗？'), new Date(now.getTime() + 5000), deps);
    expect(resend).toMatchObject({ seq: 1, duplicate: true, createdAt: now.toISOString() });
    expect(messages.size).toBe(1);
    expect(deliveryJobs).toHaveLength(1);
    expect(deliveryJobs[0]).toMatchObject({ recipients: [agent.userId], message: { seq: 1, clientMessageId: 'm-1', text: '发货了吗？', createdAt: now.toISOString() } });
  });

  it('repeats the same delivery job for a plain resend: recipients drop it by (conversationId, seq)', async () => {
    const { deps, messages, deliveryJobs } = memoryConversation();
    const first = await sendMessage(agent, { action: 'sendMessage', conversationId: 'conv-1', clientMessageId: 'r-1', text: '亲，有货的' }, now, deps);
    const resend = await sendMessage(agent, { action: 'sendMessage', conversationId: 'conv-1', clientMessageId: 'r-1', text: '亲，有货的' }, now, deps);
    expect([first.duplicate, resend.duplicate]).toEqual([false, true]);
    expect(resend.seq).toBe(first.seq);
    expect(messages.size).toBe(1);
    expect(deliveryJobs).toHaveLength(2);
    expect(deliveryJobs[1]).toEqual(deliveryJobs[0]);
    expect(deliveryJobs[0]?.recipients).toEqual([buyer.userId]);
  });

  it('refuses the same clientMessageId with another text: nothing stored, no delivery job, its unused seq skipped (row 1)', async () => {
    const { deps, messages, skipped, deliveryJobs } = memoryConversation();
    await sendMessage(buyer, buyerFrame('m-1', '这件有M码吗'), now, deps);
    const reuse = sendMessage(buyer, buyerFrame('m-1', '那L码呢'), now, deps);
    await expect(reuse).rejects.toMatchObject({ status: 409, code: 'CLIENT_MESSAGE_ID_REUSED', details: [{ field: 'clientMessageId' }] });
    expect([...messages.values()].map((m) => [m.seq, m.text])).toEqual([[1, '这件有M码吗']]);
    expect([...skipped]).toEqual([2]);
    expect(deliveryJobs).toHaveLength(1);
  });

  it('sends no delivery job when nobody but the sender is in the conversation', async () => {
    const { deps, deliveryJobs } = memoryConversation({ status: 'waiting', assigneeId: undefined });
    await sendMessage(buyer, buyerFrame('m-1', '有人吗'), now, deps);
    await sendMessage(buyer, buyerFrame('m-1', '有人吗'), now, deps);
    expect(deliveryJobs).toEqual([]);
  });
});

describe('sendMessage: supervisors watching (unit, storage in memory)', () => {
  it('adds the supervisors watching at send time to the job, from the head it read: never the sender, never an ended watch', async () => {
    const watchers = { 'sup-1': nowSeconds + 3600, 'sup-ended': nowSeconds - 1, 'sup-3': nowSeconds + 60 };
    const { deps, deliveryJobs } = memoryConversation({ watchers });
    let reads = 0;
    const counting: SendMessageDeps = { ...deps, getConversation: async (...args) => (reads++, deps.getConversation(...args)) };
    await sendMessage(buyer, buyerFrame('m-1', '在吗'), now, counting);
    await sendMessage(supervisor, { action: 'sendMessage', conversationId: 'conv-1', clientMessageId: 's-1', text: '我来跟进' }, now, counting);
    expect(deliveryJobs.map((job) => job.recipients)).toEqual([
      [agent.userId, 'sup-1', 'sup-3'],
      [buyer.userId, agent.userId, 'sup-3'],
    ]);
    // One head read per send, the same one authorisation uses.
    expect(reads).toBe(2);
  });

  it('stops delivering to a watch once it has ended', async () => {
    const { deps, deliveryJobs } = memoryConversation({ watchers: { 'sup-1': nowSeconds + 10 } });
    await sendMessage(buyer, buyerFrame('m-1', '第一条'), new Date(now.getTime() + 9_999), deps);
    await sendMessage(buyer, buyerFrame('m-2', '第二条'), new Date(now.getTime() + 10_000), deps);
    expect(deliveryJobs.map((job) => job.recipients)).toEqual([[agent.userId, 'sup-1'], [agent.userId]]);
  });

  it('names each recipient once, an assignee who also watches included', async () => {
    const { deps, deliveryJobs } = memoryConversation({ watchers: { [agent.userId]: nowSeconds + 60 } });
    await sendMessage(buyer, buyerFrame('m-1', '在吗'), now, deps);
    expect(deliveryJobs[0]?.recipients).toEqual([agent.userId]);
  });

  it('delivers to watchers of a conversation nobody is assigned to yet, and to them again on a resend', async () => {
    const { deps, deliveryJobs } = memoryConversation({ status: 'waiting', assigneeId: undefined, watchers: { 'sup-1': nowSeconds + 60 } });
    await sendMessage(buyer, buyerFrame('m-1', '有人吗'), now, deps);
    await sendMessage(buyer, buyerFrame('m-1', '有人吗'), now, deps);
    expect(deliveryJobs.map((job) => [job.recipients, job.message.seq])).toEqual([
      [['sup-1'], 1],
      [['sup-1'], 1],
    ]);
  });

  it('fits the most watchers a head may hold, plus buyer and assignee, in one delivery job', async () => {
    const watchers = Object.fromEntries(Array.from({ length: maxWatchers }, (_, i) => [`sup-${i + 100}`, nowSeconds + 60]));
    const { deps, deliveryJobs } = memoryConversation({ watchers });
    await sendMessage(supervisor, { action: 'sendMessage', conversationId: 'conv-1', clientMessageId: 's-1', text: '质检' }, now, deps);
    expect(deliveryJobs[0]?.recipients).toHaveLength(maxWatchers + 2);
    expect(() => deliveryJobSchema.parse(deliveryJobs[0])).not.toThrow();
  });
});
