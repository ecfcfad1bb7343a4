import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as sendQuickReplyHandler } from '../../functions/ws/send-quick-reply';
import type { Identity } from '../../shared/auth/identity';
import { openConversation } from '../../shared/store/conversations';
import { keys } from '../../shared/store/keys';
import { callWs } from '../support/events';
import { ownQueues, receiveAll } from '../support/queues';
import { itemsOfPartition } from '../support/table';
import { assign, closeConversation, seedShop } from './messaging-fixtures';
import { seedQuickReply } from './quick-replies-fixtures';

const tenantId = 'tenant-quick-reply-send';
const otherTenantId = 'tenant-quick-reply-send-other';
const agent: Identity = { tenantId, userId: 'qrs-agent', role: 'agent', shopIds: ['shop-1'] };
const colleague: Identity = { tenantId, userId: 'qrs-colleague', role: 'agent', shopIds: ['shop-1'] };
const strangerAgent: Identity = { tenantId, userId: 'qrs-stranger', role: 'agent', shopIds: ['shop-2'] };
/** Same user and shop ids as `agent`, in another tenant. */
const otherTenantAgent: Identity = { ...agent, tenantId: otherTenantId };
const buyer: Identity = { tenantId, userId: 'qrs-buyer', role: 'buyer', shopIds: [] };

/** A fresh connection per call, so flood control stays out of these checks. */
const send = (identity: Identity, frame: unknown) => callWs(sendQuickReplyHandler, identity, frame, `conn-${randomUUID()}`);

const messagesOf = async (conversationId: string) =>
  (await itemsOfPartition(keys.conversation(tenantId, conversationId).pk)).filter((item) => String(item.sk).startsWith('MSG#') && item.entity !== 'SkippedSeq');
const rotationsOf = async (tenant: string, conversationId: string) => itemsOfPartition(keys.quickReplyRotation(tenant, conversationId, '/x').pk);

describe('sendQuickReply (DynamoDB Local + SQS)', () => {
  let deliveryQueue: string;
  let conversationId: string;

  async function openAssigned(assigneeId: string, buyerId = `buyer-${randomUUID().slice(0, 8)}`): Promise<string> {
    const { conversation } = await openConversation({ tenantId, shopId: 'shop-1', buyerId, stage: 'pre-sale' });
    // Assigned as the router would leave it; load bookkeeping is the router's business, not this test's.
    await assign(tenantId, conversation.conversationId, assigneeId);
    return conversation.conversationId;
  }

  beforeAll(async () => {
    deliveryQueue = (await ownQueues('qr')).delivery;
    await seedShop(tenantId, 'shop-1', '韩都衣舍');
    await seedQuickReply(tenantId, { kind: 'agent', agentId: agent.userId }, '/x', ['{buyerName}您好，欢迎光临{shopName}', '亲，在的，订单{orderNumber}已发货']);
    // Written before the write-time rule existed: renders to nothing without an order number.
    await seedQuickReply(tenantId, { kind: 'tenant' }, '/order', ['{orderNumber}']);
    conversationId = await openAssigned(agent.userId);
  });

  it('sends the rendered, rotated phrase through the message path and acks with its text', async () => {
    const first = await send(agent, { action: 'sendQuickReply', ref: 'r1', conversationId, clientMessageId: 'qr-1', shortcut: '/x', orderNumber: '2316' });
    expect(first).toMatchObject({ type: 'ack', ref: 'r1', conversationId, seq: 1, clientMessageId: 'qr-1', duplicate: false, shortcut: '/x' });
    const second = await send(agent, { action: 'sendQuickReply', conversationId, clientMessageId: 'qr-2', shortcut: '/x', orderNumber: '2316' });
    expect(second).toMatchObject({ type: 'ack', seq: 2, duplicate: false });
    expect([first.text, second.text].sort()).toEqual(['亲，在的，订单2316已发货', '亲您好，欢迎光临韩都衣舍'].sort());

    const stored = await messagesOf(conversationId);
    expect(stored.map((item) => [item.seq, item.text, item.senderId])).toEqual([
      [1, first.text, agent.userId],
      [2, second.text, agent.userId],
    ]);
    const jobs = await receiveAll(deliveryQueue);
    expect(jobs.map((job) => (job.message as { text: string }).text)).toEqual([first.text, second.text]);
    expect(jobs[0]).toMatchObject({ type: 'message', tenantId, recipients: [expect.stringMatching(/^buyer-/)] });
  });

  it('stores a resend once and acks it with the same seq and text', async () => {
    const id = await openAssigned(agent.userId);
    const frame = { action: 'sendQuickReply', conversationId: id, clientMessageId: 'qr-resend', shortcut: '/x' };
    const first = await send(agent, frame);
    const again = await send(agent, frame);
    expect(again).toMatchObject({ seq: first.seq, duplicate: true, text: first.text });
    expect(await messagesOf(id)).toHaveLength(1);
    await receiveAll(deliveryQueue);
  });

  it('refuses a colleague who is not assigned, and moves no rotation', async () => {
    const id = await openAssigned(agent.userId);
    expect(await send(colleague, { action: 'sendQuickReply', conversationId: id, clientMessageId: 'c1', shortcut: '/x' })).toMatchObject({
      type: 'error',
      code: 'FORBIDDEN',
    });
    expect(await rotationsOf(tenantId, id)).toEqual([]);
    expect(await messagesOf(id)).toEqual([]);
  });

  it('answers another shop\'s or tenant\'s conversation exactly like a missing one, with no side effect (rows 14, 15)', async () => {
    const id = await openAssigned(agent.userId);
    const missing = await send(strangerAgent, { action: 'sendQuickReply', conversationId: 'no-such-conversation', clientMessageId: 'm', shortcut: '/x' });
    expect(missing).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    const shape = { type: missing.type, code: missing.code, message: missing.message };
    expect(await send(strangerAgent, { action: 'sendQuickReply', conversationId: id, clientMessageId: 'm', shortcut: '/x' })).toMatchObject(shape);
    expect(await send(otherTenantAgent, { action: 'sendQuickReply', conversationId: id, clientMessageId: 'm', shortcut: '/x' })).toMatchObject(shape);
    expect(await rotationsOf(tenantId, id)).toEqual([]);
    expect(await rotationsOf(otherTenantId, id)).toEqual([]);
    expect(await messagesOf(id)).toEqual([]);
  });

  it('refuses buyers (row 15), closed conversations, and unknown shortcuts', async () => {
    expect(await send(buyer, { action: 'sendQuickReply', conversationId, clientMessageId: 'b1', shortcut: '/x' })).toMatchObject({ code: 'FORBIDDEN' });
    const unknown = await send(agent, { action: 'sendQuickReply', conversationId, clientMessageId: 'u1', shortcut: '/nope' });
    expect(unknown).toMatchObject({ type: 'error', code: 'NOT_FOUND', field: 'shortcut' });
    expect(await send(agent, { action: 'sendQuickReply', conversationId, clientMessageId: 'o1', shortcut: '/order' })).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'shortcut',
    });
    expect(await send(agent, { action: 'sendQuickReply', conversationId, clientMessageId: 'o2', shortcut: '/order', orderNumber: '88' })).toMatchObject({
      type: 'ack',
      text: '88',
    });

    const closed = await openAssigned(agent.userId);
    await closeConversation(tenantId, closed);
    expect(await send(agent, { action: 'sendQuickReply', conversationId: closed, clientMessageId: 'c1', shortcut: '/x' })).toMatchObject({
      code: 'CONVERSATION_CLOSED',
    });
  });

  it('refuses bad frames naming the field, before touching anything (rows 16, 20)', async () => {
    const cases: [unknown, string][] = [
      [{ action: 'sendQuickReply', conversationId, clientMessageId: 'f1', shortcut: '/x', tenantId: otherTenantId }, 'tenantId'],
      [{ action: 'sendQuickReply', conversationId, clientMessageId: 'f1', shortcut: '/x', text: 'free text' }, 'text'],
      [{ action: 'sendQuickReply', conversationId, clientMessageId: 'f1', shortcut: 'has space' }, 'shortcut'],
      [{ action: 'sendQuickReply', conversationId, clientMessageId: 'f1', shortcut: '/x', orderNumber: '1'.repeat(65) }, 'orderNumber'],
      [{ action: 'sendQuickReply', conversationId: '../x', clientMessageId: 'f1', shortcut: '/x' }, 'conversationId'],
      [{ action: 'sendQuickReply', conversationId, shortcut: '/x' }, 'clientMessageId'],
    ];
    const before = await messagesOf(conversationId);
    for (const [frame, field] of cases) {
      const reply = await send(agent, frame);
      expect(reply, field).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', field });
    }
    expect(await send(agent, '{"action":"sendQuickReply",')).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await messagesOf(conversationId)).toEqual(before);
  });
});
