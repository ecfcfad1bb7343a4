import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { handler as sendMessageHandler } from '../../functions/ws/send-message';
import { appendMessage, appendSteps, type AppendSteps } from '../../shared/conversations/append-message';
import type { Message } from '../../shared/conversations/conversation';
import { sendMessage } from '../../shared/conversations/send-message';
import { dynamo, setClientsForTests } from '../../shared/runtime/clients';
import { deliverMessage, deliverySteps } from '../../shared/conversations/deliver-message';
import { deliveryJobSchema } from '../../shared/conversations/jobs';
import { watchConversation } from '../../shared/routing/ownership';
import { saveConnection } from '../../shared/store/connections';
import { getConversation, openConversation } from '../../shared/store/conversations';
import { listMessagesAfter } from '../../shared/store/messages';
import { callWs } from '../support/events';
import { ownQueues, receiveAll } from '../support/queues';
import { assign, partitionOf, seedShop, uniqueTenant, who } from './messaging-fixtures';

const tenant = uniqueTenant('append');
const shop = 'shop-append';
const agent = who(tenant, 'agent', 'agent-1', [shop]);

let buyerCount = 0;
const newBuyer = () => who(tenant, 'buyer', `buyer-${++buyerCount}`);

async function freshConversation(tenantId = tenant, conversationId?: string) {
  const buyer = { ...newBuyer(), tenantId };
  const { conversation } = await openConversation({ tenantId, shopId: shop, buyerId: buyer.userId, stage: 'pre-sale', conversationId });
  return { buyer, conversation };
}

const messagesOf = (items: Record<string, unknown>[]) => items.filter((item) => String(item.sk).startsWith('MSG#'));
const claimsOf = (items: Record<string, unknown>[]) => items.filter((item) => String(item.sk).startsWith('CMID#'));

describe('appending messages (DynamoDB Local)', () => {
  let queues: { delivery: string; routing: string };
  beforeAll(async () => {
    queues = await ownQueues('append');
    await seedShop(tenant, shop);
  });

  describe('cost per message (hot path budget: 3 write units, 1 read unit)', () => {
    const consumed: { command: string; units: number }[] = [];
    const singleReads = new Set(['GetItemCommand', 'QueryCommand']);
    const production = dynamo();
    beforeAll(() => {
      // The same client the handlers use, with every call asked to report what it consumed, indexes included.
      const metered = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4 }), { marshallOptions: { removeUndefinedValues: true } });
      metered.middlewareStack.add(
        (next, context) => async (args) => {
          (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
          const result = await next(args);
          const capacity = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
          const command = String(context.commandName);
          // DynamoDB bills every GetItem and Query at least 0.5 read units (1 if strongly consistent), even
          // when nothing matches; DynamoDB Local reports 0 for an empty Query, so the floor is applied here.
          const floor = singleReads.has(command) ? ((args.input as { ConsistentRead?: boolean }).ConsistentRead ? 1 : 0.5) : 0;
          for (const c of Array.isArray(capacity) ? capacity : capacity ? [capacity] : []) {
            consumed.push({ command, units: Math.max(c.CapacityUnits ?? 0, floor) });
          }
          return result;
        },
        { step: 'initialize', name: 'meterCapacity' },
      );
      setClientsForTests({ dynamo: metered });
    });
    afterAll(() => setClientsForTests({ dynamo: production }));

    const readCommands = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand']);
    const measure = async (run: () => Promise<unknown>) => {
      consumed.length = 0;
      await run();
      const sum = (reads: boolean) =>
        consumed.filter((c) => readCommands.has(c.command) === reads).reduce((total, c) => total + c.units, 0);
      return { commands: consumed.map((c) => c.command), read: sum(true), write: sum(false) };
    };

    it('stores a buyer message and an agent reply within the budget', async () => {
      const buyer = newBuyer();
      const first = await callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, clientMessageId: 'm-1', text: '在吗？这件外套有M码吗' });
      expect(first).toMatchObject({ type: 'ack', seq: 1, duplicate: false });
      await assign(tenant, first.conversationId, agent.userId);

      const buyerCost = await measure(() =>
        callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, conversationId: first.conversationId, clientMessageId: 'm-2', text: '还有黑色吗 🖤' }),
      );
      const agentCost = await measure(() =>
        callWs(sendMessageHandler, agent, { action: 'sendMessage', conversationId: first.conversationId, clientMessageId: 'r-1', text: '亲，M码黑色有货的哦～' }),
      );
      for (const cost of [buyerCost, agentCost]) {
        // Get head (eventually consistent) + claim Put + message Put + head Update.
        expect(cost.commands).toEqual(['GetItemCommand', 'PutItemCommand', 'PutItemCommand', 'UpdateItemCommand']);
        expect(cost.read).toBeLessThanOrEqual(1);
        expect(cost.write).toBeLessThanOrEqual(3);
      }
      const head = await getConversation(tenant, first.conversationId, { consistent: true });
      expect(head).toMatchObject({ lastSeq: 3, responseFacts: { questions: 2, replies: 1, responseCount: 1 } });
    });

    it('costs at most 3 write units and 1 read unit end to end, delivery to one recipient with one connection included', async () => {
      const buyer = newBuyer();
      const first = await callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, clientMessageId: 'e2e-1', text: '在吗' });
      await assign(tenant, first.conversationId, agent.userId);
      await saveConnection(agent, 'agent-e2e-tab');
      await receiveAll(queues.delivery);

      const send = await measure(() =>
        callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, conversationId: first.conversationId, clientMessageId: 'e2e-2', text: '这件有现货吗？' }),
      );
      const jobs = (await receiveAll(queues.delivery)).map((body) => deliveryJobSchema.parse(body));
      expect(jobs.map((job) => [job.recipients, job.message.seq])).toEqual([[[agent.userId], 2]]);
      const posted: string[] = [];
      const delivery = await measure(() => deliverMessage(jobs[0]!, { ...deliverySteps, post: async (connectionId) => (posted.push(connectionId), 'sent') }));
      expect(posted).toEqual(['agent-e2e-tab']);
      // The consumer reads only the recipient's connections (one Query, 0.5 read units): no watcher lookup.
      expect(send).toEqual({ commands: ['GetItemCommand', 'PutItemCommand', 'PutItemCommand', 'UpdateItemCommand'], read: 0.5, write: 3 });
      expect(delivery).toEqual({ commands: ['QueryCommand'], read: 0.5, write: 0 });
      expect(send.read + delivery.read).toBeLessThanOrEqual(1);
      expect(send.write + delivery.write).toBeLessThanOrEqual(3);
    });

    it('costs a watched conversation no more on the send path: the head update leaves the watcher map alone', async () => {
      const buyer = newBuyer();
      const first = await callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, clientMessageId: 'w-1', text: '在吗' });
      await assign(tenant, first.conversationId, agent.userId);
      const supervisor = who(tenant, 'supervisor', 'sup-watching-cost', [shop]);
      await watchConversation(supervisor, first.conversationId);
      const watchers = (await getConversation(tenant, first.conversationId, { consistent: true }))?.watchers;
      expect(Object.keys(watchers ?? {})).toEqual([supervisor.userId]);
      await receiveAll(queues.delivery);

      const send = await measure(() =>
        callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, conversationId: first.conversationId, clientMessageId: 'w-2', text: '还有黑色吗 🖤' }),
      );
      expect(send).toEqual({ commands: ['GetItemCommand', 'PutItemCommand', 'PutItemCommand', 'UpdateItemCommand'], read: 0.5, write: 3 });
      // The watcher rides in the job from the head read; each recipient's delivery is one connection Query.
      const jobs = (await receiveAll(queues.delivery)).map((body) => deliveryJobSchema.parse(body));
      expect(jobs.map((job) => job.recipients)).toEqual([[agent.userId, supervisor.userId]]);
      expect((await getConversation(tenant, first.conversationId, { consistent: true }))?.watchers).toEqual(watchers);
    });

    it('reads the head with one eventually consistent GetItem (0.5 read units)', async () => {
      const { conversation } = await freshConversation();
      const cost = await measure(() => getConversation(tenant, conversation.conversationId));
      expect(cost).toEqual({ commands: ['GetItemCommand'], read: 0.5, write: 0 });
    });
  });

  it('numbers concurrent senders 1..N without gaps or duplicates under every interleaving (fast-check scheduler, row 7)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.record({ sender: fc.integer({ min: 0, max: 2 }), id: fc.integer({ min: 0, max: 3 }) }), { minLength: 2, maxLength: 6 }),
        async (s, sends) => {
          const { buyer, conversation } = await freshConversation();
          const senders = [buyer, agent, who(tenant, 'supervisor', 'sup-1', [shop])];
          // Every DynamoDB step of every append is released in an order fast-check picks.
          const steps = Object.fromEntries(
            Object.entries(appendSteps).map(([name, step]) => [name, s.scheduleFunction(step as (...args: never[]) => Promise<unknown>)]),
          ) as unknown as AppendSteps;
          const all = Promise.all(
            sends.map(({ sender, id }) => {
              const from = senders[sender]!;
              return appendMessage(
                { tenantId: tenant, conversation, sender: { userId: from.userId, role: from.role }, clientMessageId: `c-${id}`, text: `${sender}/${id}`, now: new Date() },
                steps,
              );
            }),
          );
          await s.waitAll();
          const results = await all;
          await checkLog(conversation.conversationId, sends.map(({ sender, id }) => `${senders[sender]!.userId}/c-${id}`), results.map((r) => r.message));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('numbers 30 truly concurrent senders 1..30 and keeps resends on their first seq (rows 1, 7)', async () => {
    const { buyer, conversation } = await freshConversation();
    const sends = Array.from({ length: 30 }, (_, i) => ({ from: i % 2 === 0 ? buyer : agent, id: `p-${i % 24}` }));
    const results = await Promise.all(
      sends.map(({ from, id }) =>
        appendMessage({
          tenantId: tenant,
          conversation,
          sender: { userId: from.userId, role: from.role },
          clientMessageId: id,
          text: `hello ${id}`,
          now: new Date(),
        }),
      ),
    );
    await checkLog(conversation.conversationId, sends.map(({ from, id }) => `${from.userId}/${id}`), results.map((r) => r.message));
  });

  /** The log holds exactly one message per (sender, client id), numbered 1..N in read order. */
  async function checkLog(conversationId: string, sentKeys: string[], acked: Message[]) {
    const distinct = [...new Set(sentKeys)];
    const items = await partitionOf(tenant, conversationId);
    const stored = messagesOf(items);
    expect(stored.map((m) => m.seq)).toEqual(distinct.map((_, i) => i + 1));
    expect(new Set(stored.map((m) => `${m.senderId}/${m.clientMessageId}`)).size).toBe(distinct.length);
    expect(claimsOf(items)).toHaveLength(distinct.length);
    // Every call for the same (sender, client id) was acked with that message's seq.
    const seqOf = new Map(stored.map((m) => [`${m.senderId}/${m.clientMessageId}`, m.seq]));
    acked.forEach((message, i) => expect(message.seq).toBe(seqOf.get(sentKeys[i]!)));
    const page = await listMessagesAfter(tenant, conversationId, 0, { limit: 100, consistent: true });
    expect(page.messages.map((m) => m.seq)).toEqual(stored.map((m) => m.seq));
    expect((await getConversation(tenant, conversationId, { consistent: true }))?.lastSeq).toBe(distinct.length);
  }

  it('answers a resend with the original seq, stores nothing and repeats the same delivery job (row 1)', async () => {
    await receiveAll(queues.delivery);
    const buyer = newBuyer();
    const first = await callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, clientMessageId: 'same', text: 'hi' });
    await assign(tenant, first.conversationId, agent.userId);
    const frame = { action: 'sendMessage', shopId: shop, conversationId: first.conversationId, clientMessageId: 'again', text: 'anyone?' };
    const original = await callWs(sendMessageHandler, buyer, frame);
    const resend = await callWs(sendMessageHandler, buyer, { ...frame, text: 'a different text must not replace the stored one' });
    expect(original).toMatchObject({ seq: 2, duplicate: false });
    expect(resend).toMatchObject({ seq: 2, duplicate: true, createdAt: original.createdAt, conversationId: first.conversationId });
    const items = await partitionOf(tenant, first.conversationId);
    expect(messagesOf(items).map((m) => m.text)).toEqual(['hi', 'anyone?']);
    const jobs = (await receiveAll(queues.delivery)) as { conversationId: string; message: Message }[];
    // The resend is delivered again (its first call might have died before sending the job): the same
    // stored message, so a recipient who has it drops the repeat by (conversationId, seq): one message.
    const again = jobs.filter((job) => job.message.clientMessageId === 'again');
    expect(again).toHaveLength(2);
    expect(again[1]).toEqual(again[0]);
    expect(again[0]!.message).toMatchObject({ seq: 2, text: 'anyone?' });
    expect(new Set(again.map((job) => `${job.conversationId}#${job.message.seq}`)).size).toBe(1);
  });

  describe('a write whose response was lost, then retried (row 8)', () => {
    const input = (conversation: { conversationId: string; lastSeq: number; responseFacts: { replies: number; questions: number; responseMsTotal: number; responseCount: number } }, buyerId: string) => ({
      tenantId: tenant,
      conversation,
      sender: { userId: buyerId, role: 'buyer' as const },
      clientMessageId: 'lost-1',
      text: 'did this arrive?',
      now: new Date(),
    });

    it.each([
      ['the message put succeeded but its response was lost', 'putMessage', 'after', { duplicate: true, recordedOnHead: true }],
      ['the process died before the head update', 'recordOnHead', 'instead', { duplicate: true, recordedOnHead: true }],
      ['the head update succeeded but its response was lost', 'recordOnHead', 'after', { duplicate: true, recordedOnHead: false }],
      ['the process died after claiming, before the message put', 'claim', 'after', { duplicate: false, recordedOnHead: true }],
    ] as const)('stores one message and one seq when %s', async (_case, step, when, expected) => {
      const { buyer, conversation } = await freshConversation();
      const real = appendSteps[step] as (...a: unknown[]) => Promise<unknown>;
      const failing: AppendSteps = {
        ...appendSteps,
        [step]: async (...args: unknown[]) => {
          if (when === 'after') await real(...args);
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        },
      };
      await expect(appendMessage(input(conversation, buyer.userId), failing)).rejects.toThrow('socket hang up');
      // The client got no ack and resends; the handler has the head it read before (stale).
      const retried = await appendMessage(input(conversation, buyer.userId));
      expect(retried.message.seq).toBe(1);
      // Whoever makes the message visible on the head records it there; if that already happened, the resend does not.
      expect(retried).toMatchObject(expected);
      const again = await appendMessage(input((await getConversation(tenant, conversation.conversationId, { consistent: true }))!, buyer.userId));
      expect(again).toMatchObject({ duplicate: true, recordedOnHead: false, message: { seq: 1 } });
      const items = await partitionOf(tenant, conversation.conversationId);
      expect(messagesOf(items)).toHaveLength(1);
      expect(claimsOf(items)).toHaveLength(1);
      expect(await getConversation(tenant, conversation.conversationId, { consistent: true })).toMatchObject({
        lastSeq: 1,
        buyerReadSeq: 1,
        pendingQuestionSince: expect.any(String),
        responseFacts: { questions: 1 },
      });
    });
  });

  it('keeps two tenants with the same conversation, buyer and client message ids apart (row 18)', async () => {
    const otherTenant = uniqueTenant('append-other');
    const sharedId = `conv-${Date.now()}`;
    const acks = [];
    for (const tenantId of [tenant, otherTenant]) {
      await seedShop(tenantId, shop);
      const { conversation } = await openConversation({ tenantId, shopId: shop, buyerId: 'buyer-same', stage: 'pre-sale', conversationId: sharedId });
      const buyer = who(tenantId, 'buyer', 'buyer-same');
      acks.push(await sendMessage(buyer, { action: 'sendMessage', shopId: shop, conversationId: conversation.conversationId, clientMessageId: 'k-1', text: tenantId }));
    }
    expect(acks.map((a) => [a.seq, a.duplicate])).toEqual([
      [1, false],
      [1, false],
    ]);
    for (const tenantId of [tenant, otherTenant]) {
      const stored = messagesOf(await partitionOf(tenantId, sharedId));
      expect(stored.map((m) => m.text)).toEqual([tenantId]);
    }
  });

  it('counts response-time facts on the head as messages are written', async () => {
    const { buyer, conversation } = await freshConversation();
    await assign(tenant, conversation.conversationId, agent.userId);
    const t0 = Date.parse('2026-11-11T00:00:10.000Z');
    const send = async (from: typeof buyer, id: string, atSeconds: number) =>
      sendMessage(
        from,
        from.role === 'buyer'
          ? { action: 'sendMessage', shopId: shop, conversationId: conversation.conversationId, clientMessageId: id, text: id }
          : { action: 'sendMessage', conversationId: conversation.conversationId, clientMessageId: id, text: id },
        new Date(t0 + atSeconds * 1000),
      );
    await send(buyer, 'q1', 0);
    await send(agent, 'a1', 5);
    await send(agent, 'a2', 6);
    await send(buyer, 'q2', 10);
    await send(buyer, 'q3', 12);
    await send(agent, 'a3', 20);
    const head = await getConversation(tenant, conversation.conversationId, { consistent: true });
    expect(head?.pendingQuestionSince).toBeUndefined();
    expect(head?.responseFacts).toEqual({ questions: 3, replies: 3, firstResponseMs: 5000, responseMsTotal: 15_000, responseCount: 2 });
    expect(head).toMatchObject({ lastSeq: 6, agentReadSeq: 6, buyerReadSeq: 5 });
  });
});
