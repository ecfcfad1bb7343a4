import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { handler as sendMessageHandler } from '../../functions/ws/send-message';
import { appendMessage, appendSteps, holeTimeoutMs, type AppendSteps } from '../../shared/conversations/append-message';
import { readMessageLog } from '../../shared/conversations/message-log';
import type { Message } from '../../shared/conversations/conversation';
import { sendMessage } from '../../shared/conversations/send-message';
import { dynamo, setClientsForTests } from '../../shared/runtime/clients';
import { deliverMessage, deliverySteps } from '../../shared/conversations/deliver-message';
import { deliveryJobSchema } from '../../shared/conversations/jobs';
import { watchConversation } from '../../shared/routing/ownership';
import { saveConnection } from '../../shared/store/connections';
import { getConversation, openConversation } from '../../shared/store/conversations';
import { putSkippedSeq } from '../../shared/store/messages';
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

const messagesOf = (items: Record<string, unknown>[]) => items.filter((item) => String(item.sk).startsWith('MSG#') && item.entity !== 'SkippedSeq');
const skippedOf = (items: Record<string, unknown>[]) => items.filter((item) => item.entity === 'SkippedSeq');
const claimsOf = (items: Record<string, unknown>[]) => items.filter((item) => String(item.sk).startsWith('CMID#'));

describe('appending messages (DynamoDB Local)', () => {
  let queues: { delivery: string; routing: string };
  beforeAll(async () => {
    queues = await ownQueues('append');
    await seedShop(tenant, shop);
  });

  describe('cost per message (hot path budget: 3 write units, 1 read unit; +1 write for a reply that ends a response round)', () => {
    const consumed: { command: string; units: number }[] = [];
    const singleReads = new Set(['GetItemCommand', 'QueryCommand']);
    const production = dynamo();
    beforeAll(() => {
      // The same client the handlers use, with every call asked to report what it consumed, indexes included.
      const metered = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4 }), { marshallOptions: { removeUndefinedValues: true } });
      metered.middlewareStack.add(
        (next, context) => async (args) => {
          (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
          let result;
          try {
            result = await next(args);
          } catch (error) {
            // A failed condition returns no capacity, but DynamoDB bills the write (1 unit: items < 1 KB).
            if ((error as Error).name === 'ConditionalCheckFailedException') consumed.push({ command: String(context.commandName), units: 1 });
            throw error;
          }
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
      // Get head (eventually consistent) + head Update (takes the seq) + claim Put + message Put.
      expect(buyerCost.commands).toEqual(['GetItemCommand', 'UpdateItemCommand', 'PutItemCommand', 'PutItemCommand']);
      // A reply that answers the pending question also stores the round's outcome fact (issue 7 §4):
      // one more Put, 1 write unit per answered round (the shop's policy is cached, no read).
      expect(agentCost.commands).toEqual(['GetItemCommand', 'UpdateItemCommand', 'PutItemCommand', 'PutItemCommand', 'PutItemCommand']);
      for (const cost of [buyerCost, agentCost]) expect(cost.read).toBeLessThanOrEqual(1);
      expect(buyerCost.write).toBeLessThanOrEqual(3);
      expect(agentCost.write).toBeLessThanOrEqual(4);
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
      expect(send).toEqual({ commands: ['GetItemCommand', 'UpdateItemCommand', 'PutItemCommand', 'PutItemCommand'], read: 0.5, write: 3 });
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
      expect(send).toEqual({ commands: ['GetItemCommand', 'UpdateItemCommand', 'PutItemCommand', 'PutItemCommand'], read: 0.5, write: 3 });
      // The watcher rides in the job from the head read; each recipient's delivery is one connection Query.
      const jobs = (await receiveAll(queues.delivery)).map((body) => deliveryJobSchema.parse(body));
      expect(jobs.map((job) => job.recipients)).toEqual([[agent.userId, supervisor.userId]]);
      expect((await getConversation(tenant, first.conversationId, { consistent: true }))?.watchers).toEqual(watchers);
    });

    it('costs 200 truly concurrent sends into one conversation about what one sender costs, numbered 1..200 (rows 7, 3 write units)', async () => {
      const { buyer, conversation } = await freshConversation();
      await assign(tenant, conversation.conversationId, agent.userId);
      const supervisor = who(tenant, 'supervisor', 'sup-hot', [shop]);
      const frameOf = (from: typeof buyer, id: string) =>
        from.role === 'buyer'
          ? ({ action: 'sendMessage', shopId: shop, conversationId: conversation.conversationId, clientMessageId: id, text: `q ${id}` } as const)
          : ({ action: 'sendMessage', conversationId: conversation.conversationId, clientMessageId: id, text: `a ${id}` } as const);
      const single = await measure(async () => {
        for (let i = 0; i < 10; i++) await sendMessage(buyer, frameOf(buyer, `solo-${i}`));
      });
      // Buyer questions, agent and supervisor replies: replies race the pending question, as in a real burst.
      const senders = Array.from({ length: 200 }, (_, i) => (i % 10 === 0 ? agent : i % 10 === 5 ? supervisor : buyer));
      let acks: Awaited<ReturnType<typeof sendMessage>>[] = [];
      const burst = await measure(async () => {
        acks = await Promise.all(senders.map((from, i) => sendMessage(from, frameOf(from, `hot-${i}`))));
      });
      expect(new Set(acks.map((a) => a.seq)).size).toBe(200);
      expect(acks.every((a) => !a.duplicate)).toBe(true);
      const items = await partitionOf(tenant, conversation.conversationId);
      expect(messagesOf(items).map((m) => m.seq)).toEqual(Array.from({ length: 210 }, (_, i) => i + 1));
      expect(skippedOf(items)).toEqual([]);
      const perMessage = { write: burst.write / 200, read: burst.read / 200 };
      const soloPerMessage = { write: single.write / 10, read: single.read / 10 };
      expect(soloPerMessage).toEqual({ write: 3, read: 0.5 });
      // Only a reply whose pending question changed meanwhile retries its head update (+1 write each; the
      // failed update returns the head, so no read): questions never retry.
      expect(perMessage.write).toBeLessThanOrEqual(4);
      expect(perMessage.read).toBeLessThanOrEqual(0.75);
      expect(perMessage.write + perMessage.read).toBeLessThanOrEqual(1.5 * (soloPerMessage.write + soloPerMessage.read));
      const head = await getConversation(tenant, conversation.conversationId, { consistent: true });
      expect(head).toMatchObject({ lastSeq: 210, responseFacts: { questions: 170, replies: 40 } });
    }, 120_000);

    it('reads the head with one eventually consistent GetItem (0.5 read units)', async () => {
      const { conversation } = await freshConversation();
      const cost = await measure(() => getConversation(tenant, conversation.conversationId));
      expect(cost).toEqual({ commands: ['GetItemCommand'], read: 0.5, write: 0 });
    });
  });

  it('numbers concurrent senders uniquely and in order, every seq up to lastSeq a message or a skipped seq, under every interleaving (fast-check scheduler, rows 1, 7)', async () => {
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
          // waitFor, not waitAll: it keeps releasing steps until every append has settled, however many
          // promise hops an append takes between two steps.
          const results = await s.waitFor(all);
          await checkLog(conversation.conversationId, sends.map(({ sender, id }) => `${senders[sender]!.userId}/c-${id}`), results.map((r) => r.message));
        },
      ),
      { numRuns: 25 },
    );
    // 25 conversations of sequential DynamoDB Local calls: seconds alone, much longer on a shared machine.
  }, 180_000);

  it('numbers 30 truly concurrent senders and keeps resends on their first seq (rows 1, 7)', async () => {
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

  /**
   * The log holds exactly one message per (sender, client id), in increasing seqs; every seq from 1 to
   * the head's lastSeq is a message or a skipped seq (a resend's unused seq), never both, never missing;
   * readers see the messages in seq order and are told the skipped seqs.
   */
  async function checkLog(conversationId: string, sentKeys: string[], acked: Message[]) {
    const distinct = [...new Set(sentKeys)];
    const items = await partitionOf(tenant, conversationId);
    const stored = messagesOf(items);
    const skipped = skippedOf(items).map((m) => Number(m.seq));
    const lastSeq = (await getConversation(tenant, conversationId, { consistent: true }))!.lastSeq;
    expect([...stored.map((m) => Number(m.seq)), ...skipped].sort((a, b) => a - b)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(stored).toHaveLength(distinct.length);
    // Only a resend takes a seq it does not use.
    expect(skipped.length).toBe(lastSeq - distinct.length);
    expect(skipped.length).toBeLessThanOrEqual(sentKeys.length - distinct.length);
    expect(new Set(stored.map((m) => `${m.senderId}/${m.clientMessageId}`)).size).toBe(distinct.length);
    expect(claimsOf(items)).toHaveLength(distinct.length);
    // Every call for the same (sender, client id) was acked with that message's seq.
    const seqOf = new Map(stored.map((m) => [`${m.senderId}/${m.clientMessageId}`, m.seq]));
    acked.forEach((message, i) => expect(message.seq).toBe(seqOf.get(sentKeys[i]!)));
    const head = (await getConversation(tenant, conversationId, { consistent: true }))!;
    const page = await readMessageLog(tenant, head, 0, { limit: 100 });
    expect(page.messages.map((m) => m.seq)).toEqual(stored.map((m) => m.seq));
    expect(page.skippedSeqs).toEqual(skipped);
    expect(page).toMatchObject({ hasMore: false, throughSeq: lastSeq });
  }

  it('answers a resend with the original seq, stores nothing and repeats the same delivery job (row 1)', async () => {
    await receiveAll(queues.delivery);
    const buyer = newBuyer();
    const first = await callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, clientMessageId: 'same', text: 'hi' });
    await assign(tenant, first.conversationId, agent.userId);
    const frame = { action: 'sendMessage', shopId: shop, conversationId: first.conversationId, clientMessageId: 'again', text: 'anyone?' };
    const original = await callWs(sendMessageHandler, buyer, frame);
    const resend = await callWs(sendMessageHandler, buyer, frame);
    expect(original).toMatchObject({ seq: 2, duplicate: false });
    expect(resend).toMatchObject({ seq: 2, duplicate: true, createdAt: original.createdAt, conversationId: first.conversationId });
    const items = await partitionOf(tenant, first.conversationId);
    expect(messagesOf(items).map((m) => m.text)).toEqual(['hi', 'anyone?']);
    // The seq the resend took is marked skipped, and the question it counted is taken back.
    expect(skippedOf(items).map((m) => [m.seq, m.reason])).toEqual([[3, 'resend']]);
    expect(await getConversation(tenant, first.conversationId, { consistent: true })).toMatchObject({ lastSeq: 3, responseFacts: { questions: 2 } });
    const jobs = (await receiveAll(queues.delivery)) as { conversationId: string; message: Message }[];
    // The resend is delivered again (its first call might have died before sending the job): the same
    // stored message, so a recipient who has it drops the repeat by (conversationId, seq): one message.
    const again = jobs.filter((job) => job.message.clientMessageId === 'again');
    expect(again).toHaveLength(2);
    expect(again[1]).toEqual(again[0]);
    expect(again[0]!.message).toMatchObject({ seq: 2, text: 'anyone?' });
    expect(new Set(again.map((job) => `${job.conversationId}#${job.message.seq}`)).size).toBe(1);
  });

  it('refuses a resend with the same clientMessageId but another text, keeping the stored message and delivering nothing (row 1)', async () => {
    const buyer = newBuyer();
    const first = await callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, clientMessageId: 'k-1', text: '这件有M码吗' });
    await assign(tenant, first.conversationId, agent.userId);
    await receiveAll(queues.delivery);
    const reused = await callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, conversationId: first.conversationId, clientMessageId: 'k-1', text: '那L码呢' });
    expect(reused).toMatchObject({ type: 'error', code: 'CLIENT_MESSAGE_ID_REUSED', field: 'clientMessageId' });
    const items = await partitionOf(tenant, first.conversationId);
    expect(messagesOf(items).map((m) => [m.seq, m.text])).toEqual([[1, '这件有M码吗']]);
    expect(skippedOf(items).map((m) => m.seq)).toEqual([2]);
    expect(await receiveAll(queues.delivery)).toEqual([]);
    expect(await getConversation(tenant, first.conversationId, { consistent: true })).toMatchObject({ responseFacts: { questions: 1 } });
  });

  it('refuses another text under a claim written before claims kept a text hash, by comparing with the stored message (row 1)', async () => {
    const { buyer, conversation } = await freshConversation();
    const input = { tenantId: tenant, conversation, sender: { userId: buyer.userId, role: 'buyer' as const }, clientMessageId: 'old-1', text: 'first', now: new Date() };
    // A claim as the previous protocol wrote it: no textHash.
    const legacy: AppendSteps = { ...appendSteps, claim: (t, c, s, id, seq, _hash, now) => appendSteps.claim(t, c, s, id, seq, undefined as unknown as string, now) };
    await appendMessage(input, legacy);
    await expect(appendMessage({ ...input, text: 'second' })).rejects.toMatchObject({ code: 'CLIENT_MESSAGE_ID_REUSED', status: 409 });
    await expect(appendMessage(input)).resolves.toMatchObject({ duplicate: true, message: { seq: 1, text: 'first' } });
  });

  describe('a write whose response was lost or whose writer died, then resent (rows 1, 8)', () => {
    const input = (conversation: { conversationId: string }, buyerId: string, now = new Date()) => ({
      tenantId: tenant,
      conversation,
      sender: { userId: buyerId, role: 'buyer' as const },
      clientMessageId: 'lost-1',
      text: 'did this arrive?',
      now,
    });

    it.each([
      // [case, step, when, the resend's answer, seq of the message, seqs skipped by the resends, questions counted]
      ['the message put succeeded but its response was lost', 'putMessage', 'after', { duplicate: true }, 1, [2, 3], 1],
      ['the process died after claiming, before the message put', 'claim', 'after', { duplicate: false }, 1, [2, 3], 1],
      ['the process died after taking a seq, before claiming it', 'allocate', 'after', { duplicate: false }, 2, [3], 2],
      ['the seq update never reached the head', 'allocate', 'instead', { duplicate: false }, 1, [2], 1],
    ] as const)('stores one message under one seq when %s', async (_case, step, when, expected, seq, skippedSeqs, questions) => {
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
      // The client got no ack and resends.
      const retried = await appendMessage(input(conversation, buyer.userId));
      expect(retried).toMatchObject({ ...expected, message: { seq } });
      const again = await appendMessage(input(conversation, buyer.userId));
      expect(again).toMatchObject({ duplicate: true, message: { seq } });
      const items = await partitionOf(tenant, conversation.conversationId);
      expect(messagesOf(items).map((m) => m.seq)).toEqual([seq]);
      expect(claimsOf(items)).toHaveLength(1);
      expect(skippedOf(items).map((m) => m.seq)).toEqual(skippedSeqs);
      const head = await getConversation(tenant, conversation.conversationId, { consistent: true });
      const lastSeq = Math.max(seq, ...skippedSeqs);
      // A seq taken by a writer that died before claiming it counts its question; nothing can tell it from a real one.
      expect(head).toMatchObject({ lastSeq, buyerReadSeq: lastSeq, pendingQuestionSince: expect.any(String), responseFacts: { questions } });
      // Every seq up to lastSeq is settled for readers: the dead writer's seq once it is old enough.
      const later = new Date(Date.now() + holeTimeoutMs + 1000);
      const page = await readMessageLog(tenant, head!, 0, { limit: 10, now: later });
      expect(page.messages.map((m) => m.seq)).toEqual([seq]);
      expect(page).toMatchObject({ throughSeq: lastSeq, hasMore: false });
      expect(new Set([seq, ...page.skippedSeqs]).size).toBe(lastSeq);
    });
  });

  describe('readers and seqs that hold nothing yet', () => {
    /** A conversation whose writer took seq 2 and is (or was) still writing it, with messages at 1 and 3. */
    async function withHole() {
      const { buyer, conversation } = await freshConversation();
      const send = (id: string) => appendMessage({ tenantId: tenant, conversation, sender: { userId: buyer.userId, role: 'buyer' }, clientMessageId: id, text: id, now: new Date() });
      await send('m-1');
      const stalled = await appendSteps.allocate(tenant, conversation.conversationId, { senderRole: 'buyer', createdAt: new Date().toISOString() }, conversation, { countFacts: true });
      expect(stalled.seq).toBe(2);
      await send('m-3');
      const head = (await getConversation(tenant, conversation.conversationId, { consistent: true }))!;
      return { buyer, conversation, head };
    }

    it('stops a page before a seq still being written, so a client never skips past a message on its way (row 12)', async () => {
      const { head } = await withHole();
      const page = await readMessageLog(tenant, head, 0, { limit: 10 });
      expect(page.messages.map((m) => m.seq)).toEqual([1]);
      expect(page).toMatchObject({ skippedSeqs: [], throughSeq: 1, hasMore: true });
      expect(skippedOf(await partitionOf(tenant, head.conversationId))).toEqual([]);
    });

    it('marks a seq abandoned longer than the send timeout as skipped and reads on past it', async () => {
      const { head } = await withHole();
      const page = await readMessageLog(tenant, head, 0, { limit: 10, now: new Date(Date.now() + holeTimeoutMs + 1000) });
      expect(page.messages.map((m) => m.seq)).toEqual([1, 3]);
      expect(page).toMatchObject({ skippedSeqs: [2], throughSeq: 3, hasMore: false });
      expect(skippedOf(await partitionOf(tenant, head.conversationId)).map((m) => [m.seq, m.reason])).toEqual([[2, 'abandoned']]);
    });

    it('waits for the newest seq the head counts until its writer is presumed dead', async () => {
      const { buyer, conversation } = await freshConversation();
      await appendMessage({ tenantId: tenant, conversation, sender: { userId: buyer.userId, role: 'buyer' }, clientMessageId: 'a', text: 'a', now: new Date() });
      await appendSteps.allocate(tenant, conversation.conversationId, { senderRole: 'buyer', createdAt: new Date().toISOString() }, conversation, { countFacts: true });
      const head = (await getConversation(tenant, conversation.conversationId, { consistent: true }))!;
      expect(await readMessageLog(tenant, head, 1, { limit: 10 })).toEqual({ messages: [], skippedSeqs: [], throughSeq: 1, hasMore: true });
      expect(await readMessageLog(tenant, head, 1, { limit: 10, now: new Date(Date.now() + holeTimeoutMs + 1000) })).toEqual({ messages: [], skippedSeqs: [2], throughSeq: 2, hasMore: false });
    });

    it('makes a writer whose seq was given up while it was slow take a new seq: one message, nothing lost', async () => {
      const { buyer, conversation } = await freshConversation();
      // Between its claim and its message put, a reader decides the seq was abandoned.
      const slow: AppendSteps = {
        ...appendSteps,
        putMessage: async (tenantId, message) => {
          if (message.seq === 1) expect(await putSkippedSeq(tenantId, message.conversationId, 1, 'abandoned', new Date())).toBe(true);
          return appendSteps.putMessage(tenantId, message);
        },
      };
      const result = await appendMessage({ tenantId: tenant, conversation, sender: { userId: buyer.userId, role: 'buyer' }, clientMessageId: 'slow', text: 'slow', now: new Date() }, slow);
      expect(result).toMatchObject({ duplicate: false, message: { seq: 2 } });
      const items = await partitionOf(tenant, conversation.conversationId);
      expect(messagesOf(items).map((m) => m.seq)).toEqual([2]);
      expect(skippedOf(items).map((m) => m.seq)).toEqual([1]);
      expect(claimsOf(items).map((c) => c.seq)).toEqual([2]);
      // Its question was counted once, with its first seq.
      expect(await getConversation(tenant, conversation.conversationId, { consistent: true })).toMatchObject({ lastSeq: 2, responseFacts: { questions: 1 } });
      const again = await appendMessage({ tenantId: tenant, conversation, sender: { userId: buyer.userId, role: 'buyer' }, clientMessageId: 'slow', text: 'slow', now: new Date() });
      expect(again).toMatchObject({ duplicate: true, message: { seq: 2 } });
    });

    it('lets a resend store the message of a writer that died after claiming, at a new seq if readers gave the old one up', async () => {
      const { buyer, conversation } = await freshConversation();
      const input = { tenantId: tenant, conversation, sender: { userId: buyer.userId, role: 'buyer' as const }, clientMessageId: 'dead', text: 'dead', now: new Date() };
      const dying: AppendSteps = { ...appendSteps, putMessage: async () => { throw Object.assign(new Error('Task timed out'), { name: 'TimeoutError' }); } };
      await expect(appendMessage(input, dying)).rejects.toThrow('Task timed out');
      const head = (await getConversation(tenant, conversation.conversationId, { consistent: true }))!;
      await readMessageLog(tenant, head, 0, { limit: 10, now: new Date(Date.now() + holeTimeoutMs + 1000) });
      const resent = await appendMessage(input);
      // Seq 1 was given up, seq 2 was the resend's own (unused, skipped), the message lands on seq 3.
      expect(resent).toMatchObject({ duplicate: false, message: { seq: 3 } });
      const items = await partitionOf(tenant, conversation.conversationId);
      expect(messagesOf(items).map((m) => m.seq)).toEqual([3]);
      expect(skippedOf(items).map((m) => m.seq)).toEqual([1, 2]);
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
