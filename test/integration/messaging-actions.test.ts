import { beforeAll, describe, expect, it } from 'vitest';
import { handler as sendMessageHandler } from '../../functions/ws/send-message';
import { handler as helloHandler } from '../../functions/ws/hello';
import { handler as resumeHandler } from '../../functions/ws/resume';
import { handler as markReadHandler } from '../../functions/ws/mark-read';
import { getConversation } from '../../shared/store/conversations';
import { listOpenConversationIdsOfAgent } from '../../shared/store/conversations';
import { appendMessage } from '../../shared/conversations/append-message';
import { callWs } from '../support/events';
import { ownQueues, receiveAll } from '../support/queues';
import { assign, closeConversation, partitionOf, seedShop, uniqueTenant, who } from './messaging-fixtures';

const tenant = uniqueTenant('actions');
const otherTenant = uniqueTenant('actions-b');
const shopX = 'shop-x';
const shopY = 'shop-y';
const agent = who(tenant, 'agent', 'agent-1', [shopX]);
const colleague = who(tenant, 'agent', 'agent-2', [shopX]);
const agentOfY = who(tenant, 'agent', 'agent-y', [shopY]);
const supervisor = who(tenant, 'supervisor', 'sup-1', [shopX]);
const foreignAgent = who(otherTenant, 'agent', 'agent-1', [shopX]);
const foreignSupervisor = who(otherTenant, 'supervisor', 'sup-1', [shopX]);

let buyers = 0;
const newBuyer = () => who(tenant, 'buyer', `buyer-${++buyers}`);

const buyerSays = (buyer: ReturnType<typeof newBuyer>, text: string, extra: Record<string, unknown> = {}) =>
  callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shopX, clientMessageId: `b-${text.length}-${Math.random().toString(36).slice(2, 8)}`, text, ...extra });
const staffSays = (from: ReturnType<typeof who>, conversationId: string, text: string, clientMessageId = `s-${Math.random().toString(36).slice(2, 10)}`) =>
  callWs(sendMessageHandler, from, { action: 'sendMessage', conversationId, clientMessageId, text });

/** A conversation opened by a new buyer and assigned to `agent`. */
async function assignedConversation() {
  const buyer = newBuyer();
  const ack = await buyerSays(buyer, '你好，请问什么时候发货？');
  await assign(tenant, ack.conversationId, agent.userId);
  return { buyer, conversationId: ack.conversationId as string };
}

const notFound = { type: 'error', code: 'NOT_FOUND', message: 'conversation not found' };

describe('message actions (DynamoDB Local, fauxqs)', () => {
  let queues: { delivery: string; routing: string };
  beforeAll(async () => {
    queues = await ownQueues('actions');
    for (const shop of [shopX, shopY]) await seedShop(tenant, shop);
    await seedShop(otherTenant, shopX);
  });

  describe('sendMessage', () => {
    it("opens a waiting pre-sale conversation on a buyer's first message and asks routing for an agent", async () => {
      await receiveAll(queues.routing);
      const buyer = newBuyer();
      const ack = await callWs(sendMessageHandler, buyer, { action: 'sendMessage', ref: 'r1', shopId: shopX, clientMessageId: 'first', text: '  在吗？  ' });
      expect(ack).toEqual({
        type: 'ack',
        ref: 'r1',
        conversationId: expect.any(String),
        seq: 1,
        clientMessageId: 'first',
        duplicate: false,
        createdAt: expect.any(String),
      });
      const head = await getConversation(tenant, ack.conversationId, { consistent: true });
      expect(head).toMatchObject({ tenantId: tenant, shopId: shopX, buyerId: buyer.userId, stage: 'pre-sale', status: 'waiting', lastSeq: 1, pendingQuestionSince: ack.createdAt });
      expect(await receiveAll(queues.routing)).toEqual([{ type: 'route', tenantId: tenant, conversationId: ack.conversationId }]);
      // Stored trimmed.
      const [message] = (await partitionOf(tenant, ack.conversationId)).filter((i) => String(i.sk).startsWith('MSG#'));
      expect(message).toMatchObject({ text: '在吗？', senderId: buyer.userId, senderRole: 'buyer', seq: 1 });
    });

    it('continues the open conversation (with or without its id) and takes the stage only when opening', async () => {
      const buyer = newBuyer();
      const first = await buyerSays(buyer, 'where is my parcel', { stage: 'after-sale' });
      const second = await buyerSays(buyer, 'hello?', { stage: 'pre-sale' });
      const third = await buyerSays(buyer, 'hello??', { conversationId: first.conversationId });
      expect([second.conversationId, third.conversationId]).toEqual([first.conversationId, first.conversationId]);
      expect([first.seq, second.seq, third.seq]).toEqual([1, 2, 3]);
      expect(await getConversation(tenant, first.conversationId)).toMatchObject({ stage: 'after-sale' });
    });

    it('opens exactly one conversation when a buyer sends two first messages at once', async () => {
      const buyer = newBuyer();
      const acks = await Promise.all([buyerSays(buyer, 'one'), buyerSays(buyer, 'two'), buyerSays(buyer, 'three')]);
      expect(new Set(acks.map((a) => a.conversationId)).size).toBe(1);
      expect(acks.map((a) => a.seq).sort()).toEqual([1, 2, 3]);
    });

    it('starts a new conversation when the buyer writes to a closed one', async () => {
      const buyer = newBuyer();
      const first = await buyerSays(buyer, 'old question');
      await closeConversation(tenant, first.conversationId);
      const next = await buyerSays(buyer, 'new question', { conversationId: first.conversationId });
      expect(next.conversationId).not.toBe(first.conversationId);
      expect(next.seq).toBe(1);
    });

    it('delivers to the buyer and the assignee, never back to the sender', async () => {
      const { buyer, conversationId } = await assignedConversation();
      await receiveAll(queues.delivery);
      const reply = await staffSays(agent, conversationId, '亲，今天下午发货哦 🚚');
      const question = await buyerSays(buyer, 'thanks', { conversationId });
      const supervisorNote = await staffSays(supervisor, conversationId, 'Supervisor here');
      const jobs = (await receiveAll(queues.delivery)) as { recipients: string[]; message: { seq: number; text: string } }[];
      const bySeq = new Map(jobs.map((job) => [job.message.seq, job]));
      expect(bySeq.get(reply.seq)).toMatchObject({ type: 'message', tenantId: tenant, conversationId, shopId: shopX, recipients: [buyer.userId], message: { text: '亲，今天下午发货哦 🚚' } });
      expect(bySeq.get(question.seq)?.recipients).toEqual([agent.userId]);
      expect(bySeq.get(supervisorNote.seq)?.recipients).toEqual([buyer.userId, agent.userId]);
      expect(jobs).toHaveLength(3);
    });

    it('lets an agent of the shop who is not the assignee read but not reply (403), and refuses a closed conversation', async () => {
      const { conversationId } = await assignedConversation();
      expect(await staffSays(colleague, conversationId, 'let me take this')).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
      await closeConversation(tenant, conversationId);
      expect(await staffSays(agent, conversationId, 'late')).toMatchObject({ type: 'error', code: 'CONVERSATION_CLOSED' });
      expect((await partitionOf(tenant, conversationId)).filter((i) => String(i.sk).startsWith('MSG#'))).toHaveLength(1);
    });

    it('refuses other tenants, other shops and other buyers with the same not-found as a missing id, storing nothing (rows 14-16)', async () => {
      const { buyer, conversationId } = await assignedConversation();
      const before = await partitionOf(tenant, conversationId);
      const missing = await staffSays(agent, 'no-such-conversation', 'x');
      expect(missing).toEqual(notFound);
      for (const caller of [foreignAgent, foreignSupervisor, agentOfY]) expect(await staffSays(caller, conversationId, 'x')).toEqual(notFound);
      const otherBuyer = newBuyer();
      expect(await buyerSays(otherBuyer, 'x', { conversationId })).toEqual(notFound);
      // The right buyer naming the conversation under another shop is not let in either.
      expect(await buyerSays(buyer, 'x', { conversationId, shopId: shopY })).toEqual(notFound);
      // A buyer of another tenant naming this conversation and shop.
      expect(await buyerSays({ ...buyer, tenantId: otherTenant }, 'x', { conversationId })).toEqual(notFound);
      expect(await partitionOf(tenant, conversationId)).toEqual(before);
      // A buyer writing to a shop the tenant does not have.
      expect(await buyerSays(newBuyer(), 'x', { shopId: 'no-such-shop' })).toEqual({ type: 'error', code: 'NOT_FOUND', message: 'shop not found' });
    });

    it('takes tenant, sender, role, seq and time from the connection, never from the frame (row 16)', async () => {
      const buyer = newBuyer();
      for (const extra of [{ tenantId: otherTenant }, { role: 'agent' }, { seq: 99 }, { createdAt: '2000-01-01T00:00:00Z' }, { senderId: 'agent-1' }, { buyerId: 'x' }]) {
        const reply = await buyerSays(buyer, 'x', extra);
        expect(reply).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', field: Object.keys(extra)[0] });
      }
      // A staff-shaped frame from a buyer (no shopId) is not accepted either.
      expect(await callWs(sendMessageHandler, buyer, { action: 'sendMessage', conversationId: 'c', clientMessageId: 'x', text: 'x' })).toMatchObject({
        code: 'VALIDATION_FAILED',
        field: 'shopId',
      });
    });
  });

  describe('hello', () => {
    it("returns an agent's open conversations with unread counts", async () => {
      const a = await assignedConversation();
      const b = await assignedConversation();
      await buyerSays(b.buyer, 'second question', { conversationId: b.conversationId });
      await staffSays(agent, a.conversationId, 'answered');
      const inbox = await callWs(helloHandler, agent, { action: 'hello', ref: 'h' });
      expect(inbox.type).toBe('inbox');
      expect(inbox.ref).toBe('h');
      const byId = new Map((inbox.conversations as { conversationId: string }[]).map((c) => [c.conversationId, c]));
      expect(byId.get(a.conversationId)).toMatchObject({ unread: 0, lastSeq: 2, status: 'assigned', assigneeId: agent.userId });
      expect(byId.get(b.conversationId)).toMatchObject({ unread: 2, lastSeq: 2, pendingQuestionSince: expect.any(String), buyerId: b.buyer.userId, shopId: shopX });
      // Nobody else's conversations.
      for (const entry of inbox.conversations) expect(entry.assigneeId).toBe(agent.userId);
      expect((await callWs(helloHandler, colleague, { action: 'hello' })).conversations).toEqual([]);
      expect((await callWs(helloHandler, foreignAgent, { action: 'hello' })).conversations).toEqual([]);
    });

    it("returns a buyer's open conversations only", async () => {
      const buyer = newBuyer();
      const open = await buyerSays(buyer, 'open one');
      const closed = await callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shopY, clientMessageId: 'y1', text: 'at Y' });
      await closeConversation(tenant, closed.conversationId);
      const inbox = await callWs(helloHandler, buyer, { action: 'hello' });
      expect(inbox.conversations).toEqual([expect.objectContaining({ conversationId: open.conversationId, unread: 0, status: 'waiting' })]);
      expect((await callWs(helloHandler, newBuyer(), { action: 'hello' })).conversations).toEqual([]);
    });

    it('pages an agent open list by cursor', async () => {
      const lone = who(tenant, 'agent', 'agent-paged', [shopX]);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const ack = await buyerSays(newBuyer(), `q${i}`);
        await assign(tenant, ack.conversationId, lone.userId);
        ids.push(ack.conversationId);
      }
      const first = await listOpenConversationIdsOfAgent(tenant, lone.userId, { limit: 2 });
      const second = await listOpenConversationIdsOfAgent(tenant, lone.userId, { limit: 2, after: first.next });
      expect(new Set([...first.conversationIds, ...second.conversationIds])).toEqual(new Set(ids));
      const viaHello = await callWs(helloHandler, lone, { action: 'hello', cursor: first.next });
      expect(viaHello.conversations.map((c: { conversationId: string }) => c.conversationId)).toEqual(second.conversationIds);
      expect(await callWs(helloHandler, lone, { action: 'hello', cursor: 'T#other#AGENT#x' })).toMatchObject({ code: 'VALIDATION_FAILED', field: 'cursor' });
    });
  });

  describe('resume', () => {
    it('gives a client back every message it missed, in order, in pages (row 12)', async () => {
      const { buyer, conversationId } = await assignedConversation();
      const head = (await getConversation(tenant, conversationId, { consistent: true }))!;
      // The agent was away (socket closed after 10 minutes idle): 150 messages arrive meanwhile.
      for (let i = 0; i < 150; i++) {
        await appendMessage({ tenantId: tenant, conversation: head, sender: { userId: buyer.userId, role: 'buyer' }, clientMessageId: `away-${i}`, text: `msg ${i}`, now: new Date() });
      }
      const seen: number[] = [1];
      let afterSeq = 1;
      for (;;) {
        const reply = await callWs(resumeHandler, agent, { action: 'resume', ref: 'z', conversations: [{ conversationId, afterSeq }], limit: 100 });
        expect(reply).toMatchObject({ type: 'resumed', ref: 'z' });
        const [page] = reply.pages;
        expect(page).toMatchObject({ type: 'messages', conversationId });
        seen.push(...page.messages.map((m: { seq: number }) => m.seq));
        if (!page.hasMore) {
          expect(page.nextAfterSeq).toBeUndefined();
          break;
        }
        afterSeq = page.nextAfterSeq;
      }
      expect(seen).toEqual(Array.from({ length: 151 }, (_, i) => i + 1));
      // The buyer can catch up on the same conversation too.
      const buyerView = await callWs(resumeHandler, buyer, { action: 'resume', conversations: [{ conversationId, afterSeq: 148 }] });
      expect(buyerView.pages[0].messages.map((m: { seq: number }) => m.seq)).toEqual([149, 150, 151]);
    });

    it('keeps a reply under the WebSocket size limit, continuing where it stopped', async () => {
      const { buyer, conversationId } = await assignedConversation();
      const long = '长'.repeat(4000);
      for (let i = 0; i < 12; i++) await buyerSays(buyer, long, { conversationId });
      const reply = await callWs(resumeHandler, agent, { action: 'resume', conversations: [{ conversationId, afterSeq: 0 }, { conversationId, afterSeq: 5 }] });
      expect(Buffer.byteLength(JSON.stringify(reply))).toBeLessThan(128 * 1024);
      const [first, second] = reply.pages;
      expect(first.hasMore).toBe(true);
      expect(first.messages.length).toBeGreaterThan(0);
      expect(first.nextAfterSeq).toBe(first.messages.at(-1).seq);
      expect(second).toMatchObject({ conversationId, hasMore: true });
    });

    it('refuses the whole frame if any conversation is not readable, same shape as missing (rows 14-15)', async () => {
      const { buyer, conversationId } = await assignedConversation();
      const mine = await assignedConversation();
      for (const [caller, ids] of [
        [foreignAgent, [conversationId]],
        [agentOfY, [conversationId]],
        [newBuyer(), [conversationId]],
        [buyer, [conversationId, mine.conversationId]],
        [agent, [conversationId, 'missing-id']],
      ] as const) {
        const reply = await callWs(resumeHandler, caller, { action: 'resume', conversations: ids.map((id) => ({ conversationId: id, afterSeq: 0 })) });
        expect(reply).toEqual(notFound);
      }
    });
  });

  describe('markRead', () => {
    it('moves the caller side pointer forward only, up to the newest message', async () => {
      const { buyer, conversationId } = await assignedConversation();
      await buyerSays(buyer, 'two', { conversationId });
      await buyerSays(buyer, 'three', { conversationId });
      expect(await callWs(markReadHandler, agent, { action: 'markRead', ref: 'm', conversationId, seq: 2 })).toEqual({ type: 'read', ref: 'm', conversationId, readSeq: 2 });
      expect(await callWs(markReadHandler, agent, { action: 'markRead', conversationId, seq: 1 })).toEqual({ type: 'read', conversationId, readSeq: 2 });
      expect(await callWs(markReadHandler, agent, { action: 'markRead', conversationId, seq: 999 })).toEqual({ type: 'read', conversationId, readSeq: 3 });
      const head = await getConversation(tenant, conversationId, { consistent: true });
      expect(head).toMatchObject({ agentReadSeq: 3, buyerReadSeq: 3 });
      const inbox = await callWs(helloHandler, agent, { action: 'hello' });
      expect(inbox.conversations.find((c: { conversationId: string }) => c.conversationId === conversationId).unread).toBe(0);
    });

    it('refuses onlookers (403) and outsiders (404, same as missing) without touching the head', async () => {
      const { conversationId } = await assignedConversation();
      const before = await getConversation(tenant, conversationId, { consistent: true });
      expect(await callWs(markReadHandler, colleague, { action: 'markRead', conversationId, seq: 1 })).toMatchObject({ code: 'FORBIDDEN' });
      for (const caller of [foreignAgent, agentOfY, newBuyer()]) {
        expect(await callWs(markReadHandler, caller, { action: 'markRead', conversationId, seq: 1 })).toEqual(notFound);
      }
      expect(await callWs(markReadHandler, agent, { action: 'markRead', conversationId: 'nope', seq: 1 })).toEqual(notFound);
      expect(await getConversation(tenant, conversationId, { consistent: true })).toEqual(before);
    });
  });
});
