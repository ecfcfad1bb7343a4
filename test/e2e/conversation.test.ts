import { describe, expect, it } from 'vitest';
import type { ChatClient } from '../support/ws-client';
import { useDemoStack } from '../support/demo-stack';

/**
 * One conversation through the whole local stack, as the buyer widget and the agent workbench would have
 * it: real WebSockets and HTTP, the real handlers, DynamoDB Local, the SQS server and its pollers (the
 * routing and delivery consumers). Uses the seeded demo firm: 小美 (xiaomei) serves Peach Glow pre-sale.
 */
const demo = useDemoStack();
const { token, connect } = demo;

describe('a buyer and an agent over the local stack', () => {
  let conversationId: string;
  let agent: ChatClient;
  let buyer: ChatClient;

  it('routes the buyer’s first message to the online pre-sale agent of the shop', async () => {
    agent = await connect('xiaomei', 'agent', ['peach-glow', 'old-time-apparel']);
    expect(await agent.request({ action: 'setPresence', presence: 'online' })).toMatchObject({ type: 'ack' });

    buyer = await connect('buyer-e2e', 'buyer');
    const ack = await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', clientMessageId: 'q1', text: '这款面霜适合干皮吗？🧴' });
    expect(ack).toMatchObject({ type: 'ack', seq: 1, clientMessageId: 'q1', duplicate: false });
    conversationId = String(ack.conversationId);

    const assigned = await agent.next((frame) => frame.type === 'assigned' && frame.conversationId === conversationId);
    expect(assigned).toMatchObject({ shopId: 'peach-glow', buyerId: 'buyer-e2e', stage: 'pre-sale' });

    // The first message was stored before anyone was assigned: the agent catches up with resume.
    const resumed = await agent.request({ action: 'resume', conversations: [{ conversationId, afterSeq: 0 }] });
    const pages = resumed.pages as { messages: { seq: number; text: string }[] }[];
    expect(pages[0]!.messages.map((m) => [m.seq, m.text])).toEqual([[1, '这款面霜适合干皮吗？🧴']]);
  });

  it('delivers the agent’s reply to the buyer and the buyer’s next question to the agent', async () => {
    const replyAck = await agent.request({ action: 'sendMessage', conversationId, clientMessageId: 'a1', text: '亲，适合的哦~' });
    expect(replyAck).toMatchObject({ type: 'ack', seq: 2 });
    expect(await buyer.next((f) => f.type === 'message' && f.seq === 2)).toMatchObject({ conversationId, message: { text: '亲，适合的哦~' } });

    const questionAck = await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', conversationId, clientMessageId: 'q2', text: '那敏感肌呢？' });
    expect(questionAck).toMatchObject({ seq: 3 });
    expect(await agent.next((f) => f.type === 'message' && f.seq === 3)).toMatchObject({ conversationId, message: { text: '那敏感肌呢？' } });
  });

  it('answers a resend with the original sequence number and stores nothing new', async () => {
    const resend = await buyer.request({ action: 'sendMessage', shopId: 'peach-glow', conversationId, clientMessageId: 'q1', text: '这款面霜适合干皮吗？🧴' });
    expect(resend).toMatchObject({ type: 'ack', seq: 1, duplicate: true });
    // The seq the resend took (4) will hold nothing: readers are told it is skipped.
  });

  it('lets a buyer who was away catch up on every missed message, in order, after reconnecting', async () => {
    await buyer.close();
    for (const [i, text] of ['敏感肌也可以用', '建议先在耳后试用', '有问题随时找我哦'].entries()) {
      expect(await agent.request({ action: 'sendMessage', conversationId, clientMessageId: `a-away-${i}`, text })).toMatchObject({ seq: 5 + i });
    }
    buyer = await connect('buyer-e2e', 'buyer');
    const inbox = await buyer.request({ action: 'hello' });
    expect(inbox.type).toBe('inbox');
    expect(inbox.conversations).toEqual([expect.objectContaining({ conversationId, lastSeq: 7 })]);

    const resumed = await buyer.request({ action: 'resume', conversations: [{ conversationId, afterSeq: 3 }] });
    const pages = resumed.pages as { messages: { seq: number }[]; skippedSeqs?: number[] }[];
    expect(pages[0]!.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(pages[0]!.skippedSeqs).toEqual([4]);
  });

  it('serves the history over HTTP to the agent, and to nobody outside the tenant or the conversation', async () => {
    const get = async (bearer: string) =>
      fetch(`${demo.stack.httpUrl}/v1/conversations/${conversationId}/messages`, { headers: { authorization: `Bearer ${bearer}` } });

    const own = await get(await token('xiaomei', 'agent', ['peach-glow']));
    expect(own.status).toBe(200);
    const body = (await own.json()) as { messages: { seq: number }[]; skippedSeqs?: number[] };
    expect(body.messages.map((m) => m.seq)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(body.skippedSeqs).toEqual([4]);

    const otherTenant = await get(await token('xiaomei', 'agent', ['peach-glow'], 'another-firm'));
    const otherBuyer = await get(await token('buyer-lin', 'buyer'));
    const otherShop = await get(await token('ajie', 'agent', ['henggong-appliances']));
    for (const response of [otherTenant, otherBuyer, otherShop]) {
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
  });
});
