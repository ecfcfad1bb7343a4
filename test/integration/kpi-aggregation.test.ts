import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { handler as aggregateKpis } from '../../functions/stream/aggregate-kpis';
import { handler as putRuleHandler } from '../../functions/http/put-attribution-rule';
import { handler as getRuleHandler } from '../../functions/http/get-attribution-rule';
import { handler as getKpisHandler } from '../../functions/http/get-shop-kpis';
import type { StreamPoller } from '../../infra/local/stream-poller';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createLocalLog } from '../../infra/local/log';
import { startQueuePoller, type QueuePoller } from '../../infra/local/queue-poller';
import { handler as recomputeAttribution } from '../../functions/queue/recompute-attribution';
import { queueConsumers } from '../../shared/manifest';
import { sqs } from '../../shared/runtime/clients';
import { pollTableStream } from '../support/stream-poller';
import type { Identity } from '../../shared/auth/identity';
import { sendMessage } from '../../shared/conversations/send-message';
import { setAttributionRule } from '../../shared/kpi/manage-attribution-rule';
import { watchShopKpis } from '../../shared/kpi/watch-kpis';
import { aggregateBatch, aggregateDependencies, type AggregateDependencies } from '../../shared/kpi/aggregate-changes';
import { streamConsumer } from '../../shared/middleware/stream-consumer';
import { localHour } from '../../shared/store/kpi-aggregates';
import { dynamo } from '../../shared/runtime/clients';
import { env, resetEnvForTests } from '../../shared/runtime/env';
import { saveConnection } from '../../shared/store/connections';
import { keys } from '../../shared/store/keys';
import { FakeConnections } from '../support/fake-connections';
import { httpEvent, lambdaContext } from '../support/events';
import { assign, seedShop, uniqueTenant, who } from './messaging-fixtures';

/**
 * KPI aggregation on the real stream path (issue 9): DynamoDB Local's change stream read by the local
 * stack's stream poller, the real handler invoked with the DynamoDBStreamEvent Lambda would send, KPI
 * frames posted to a stand-in for @connections. Only this file's tenant's records reach the handler, so
 * the other files sharing DynamoDB Local are not aggregated.
 */
const tenant = uniqueTenant('kpi');
const otherTenant = uniqueTenant('kpi-other');
const shop = 'shop-kpi';
const otherShop = 'shop-kpi-2';
const admin = who(tenant, 'admin', 'admin-k');
const agent = who(tenant, 'agent', 'agent-k', [shop]);
const colleague = who(tenant, 'agent', 'agent-k2', [shop]);
const supervisor = who(tenant, 'supervisor', 'sup-k', [shop]);
const otherShopSupervisor = who(tenant, 'supervisor', 'sup-k2', [otherShop]);
const foreignSupervisor = who(otherTenant, 'supervisor', 'sup-k', [shop]);
const buyer = who(tenant, 'buyer', 'buyer-zhou');

type Response = { statusCode: number; body: string };
const json = (response: Response) => JSON.parse(response.body);
const getKpis = async (user: Identity, query: Record<string, string>, shopId = shop) =>
  (await getKpisHandler(httpEvent({ method: 'GET', path: `/v1/shops/${shopId}/kpis`, identity: user, pathParameters: { shopId }, query }), lambdaContext)) as Response;

const dayMs = 86_400_000;
/** Ten days ago at 10:00 in Shanghai: inside the recompute's three months whenever this runs. */
const base = new Date(Math.floor((Date.now() - 10 * dayMs) / dayMs) * dayMs + 2 * 3600_000);
const at = (offsetMs: number) => new Date(base.getTime() + offsetMs);
const localDay = (date: Date) => localHour(date.toISOString(), 'Asia/Shanghai').day;
const range = { from: localDay(at(-dayMs)), to: localDay(at(6 * dayMs)) };

const delivered: DynamoDBStreamEvent[] = [];
/**
 * Records of the batching tenant are only collected by the poller, not aggregated: the tests below hand
 * them to the handler as one batch (as Lambda would after a second of traffic) and drive Lambda's retry
 * protocol themselves, so which records share a batch does not depend on the poller's timing.
 */
const batchTenant = uniqueTenant('kpi-batch');
const collected: DynamoDBRecord[] = [];
let poller: StreamPoller;
/** The recompute consumer behind the local SQS event source mapping, on a queue of this file alone. */
let recomputePoller: QueuePoller;
const fake = new FakeConnections();

/** Stream reads share DynamoDB Local with every other test file: on a loaded machine the first batch can take tens of seconds. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 50_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
const shopTotal = async () => json(await getKpis(supervisor, { ...range })).total;

describe('KPIs from the change stream (DynamoDB Local stream, the local stream poller)', () => {
  beforeAll(async () => {
    await fake.start();
    process.env.WS_MANAGEMENT_ENDPOINT = fake.endpoint;
    const recomputeQueue = (await sqs().send(new CreateQueueCommand({ QueueName: `kpi-recompute-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
    process.env.RECOMPUTE_QUEUE_URL = recomputeQueue;
    resetEnvForTests();
    recomputePoller = await startQueuePoller({
      consumer: queueConsumers.find((consumer) => consumer.name === 'RecomputeAttribution')!,
      queueUrl: recomputeQueue,
      sqsEndpoint: process.env.AWS_ENDPOINT_URL_SQS!,
      log: createLocalLog({ quiet: true }),
      invoke: (_spec, event) => recomputeAttribution(event as SQSEvent, lambdaContext),
    });
    await seedShop(tenant, shop);
    await seedShop(tenant, otherShop);
    await seedShop(otherTenant, shop);
    await saveConnection(supervisor, 'sup-tab');
    poller = await pollTableStream(
      'AggregateKpis',
      [tenant],
      (event) => {
        delivered.push(event);
        return aggregateKpis(event, lambdaContext);
      },
      (records) => collected.push(...records.filter((record) => record.dynamodb?.Keys?.pk?.S?.startsWith(`T#${batchTenant}#`))),
    );
  }, 60_000);
  afterAll(async () => {
    await poller?.stop();
    await recomputePoller?.stop();
    await fake.stop();
  });

  it("turns a question and its answer into first response, inquiry and reply/question figures, and pushes kpi.updated to the shop's watcher", async () => {
    await watchShopKpis(supervisor, shop);
    const question = await sendMessage(buyer, { action: 'sendMessage', shopId: shop, clientMessageId: `q-${randomUUID().slice(0, 8)}`, text: '这款面霜适合干皮吗？' }, at(0));
    await assign(tenant, question.conversationId, agent.userId, at(1000));
    await sendMessage(agent, { action: 'sendMessage', conversationId: question.conversationId, clientMessageId: `a-${randomUUID().slice(0, 8)}`, text: '亲，适合的哦' }, at(30_000));

    const total = await eventually(shopTotal, (t) => t.counters.firstReplies === 1 && t.counters.inquiries === 1);
    expect(total.counters).toMatchObject({ buyerMessages: 1, agentMessages: 1, firstReplies: 1, firstReplyMsTotal: 30_000, replies: 1, replyMsTotal: 30_000, inquiries: 1, conversations: 1 });
    expect(total.figures).toMatchObject({ firstResponseSeconds: 30, averageResponseSeconds: 30, replyQuestionRatio: 1, inquiries: 1, conversionRate: 0 });

    const own = json(await getKpis(agent, { ...range, granularity: 'hour' }));
    expect(own).toMatchObject({ agentId: agent.userId, total: { figures: { firstResponseSeconds: 30, inquiries: 1 } } });
    expect(own.periods).toEqual([expect.objectContaining({ period: `${localDay(at(0))}T10` })]);

    const frames = await eventually(async () => fake.received('sup-tab'), (received) => received.some((frame) => frame.type === 'kpi.updated'));
    expect(frames).toContainEqual(expect.objectContaining({ type: 'kpi.updated', shopId: shop }));
  }, 120_000);

  it('counts a redelivered or replayed stream record once', async () => {
    const before = await shopTotal();
    const withHead = delivered.filter((event) => event.Records.some((record) => record.dynamodb?.NewImage?.entity?.S === 'Conversation'));
    expect(withHead.length).toBeGreaterThan(0);
    for (const event of withHead) {
      expect(await aggregateKpis(event, lambdaContext)).toEqual({ batchItemFailures: [] });
      expect(await aggregateKpis(event, lambdaContext)).toEqual({ batchItemFailures: [] });
    }
    expect((await shopTotal()).counters).toEqual(before.counters);
  });

  it("recomputes the attributed figures from the stored facts when the shop changes its rule (the stream consumer enqueues it; the recompute queue's consumer runs it)", async () => {
    // Placed a day after the reception, paid three days later: outside a 3-day window back from payment.
    const placedAt = at(dayMs).toISOString();
    const paidAt = at(4 * dayMs).toISOString();
    await dynamo().send(
      new PutCommand({
        TableName: env().TABLE_NAME,
        Item: {
          ...keys.order(tenant, shop, 'taobao', 'o-kpi-1'),
          entity: 'Order',
          rev: 1,
          state: {
            tenantId: tenant,
            shopId: shop,
            platform: 'taobao',
            orderId: 'o-kpi-1',
            buyer: { value: { buyerId: buyer.userId }, version: 1, rank: 0, messageId: 'm1', occurredAt: placedAt },
            total: { value: { minor: 29_900, currency: 'CNY' }, version: 1, rank: 0, messageId: 'm1', occurredAt: placedAt },
            createdAt: { value: placedAt, version: 1, rank: 0, messageId: 'm1', occurredAt: placedAt },
            paidAt: { value: paidAt, version: 2, rank: 1, messageId: 'm2', occurredAt: paidAt },
            statusHistory: [],
            refunds: {},
            parcels: {},
            ratedBy: [],
            seenMessageIds: ['m1', 'm2'],
          },
        },
      }),
    );
    // The default rule (payment, 3 days): a silent sale; nobody converted.
    const silent = await eventually(shopTotal, (t) => t.counters.silentOrders === 1);
    expect(silent.counters).toMatchObject({ silentOrders: 1, silentSalesAmount: 29_900 });
    expect(silent.counters.convertedInquirers).toBeUndefined();
    expect(silent.figures.conversionRate).toBe(0);

    // Credit on placement: the reception a day before the order now wins it.
    await setAttributionRule(admin, shop, { mode: 'order-placed', inquiryWindowDays: 3 });
    const rule = await eventually(
      async () => json((await getRuleHandler(httpEvent({ method: 'GET', path: `/v1/shops/${shop}/attribution-rule`, identity: admin, pathParameters: { shopId: shop } }), lambdaContext)) as Response),
      (view) => view.recomputing === false,
    );
    expect(rule).toMatchObject({ mode: 'order-placed', version: 1, activeVersion: 1, recomputing: false, recompute: { version: 1, state: 'done', monthsDone: 3, monthsTotal: 3, ordersDone: 1 } });
    const credited = await shopTotal();
    expect(credited.counters).toMatchObject({ convertedInquirers: 1, creditedOrders: 1, salesAmount: 29_900 });
    expect(credited.counters.silentOrders).toBeUndefined();
    expect(credited.figures).toMatchObject({ conversionRate: 1, averageOrderValue: 29_900, salesAmount: 29_900 });
    // Ten days ago + a 3-day window: final.
    expect(credited.conversion).toBe('final');
    const agentView = json(await getKpis(agent, { ...range }));
    expect(agentView.total.figures).toMatchObject({ conversionRate: 1, salesAmount: 29_900 });
  }, 60_000);

  it('refuses a window outside 2-15 days, from after to and an unknown granularity with the field, storing nothing', async () => {
    const bad = (await putRuleHandler(
      httpEvent({ method: 'PUT', path: `/v1/shops/${otherShop}/attribution-rule`, identity: admin, pathParameters: { shopId: otherShop }, body: { mode: 'payment', inquiryWindowDays: 1 } }),
      lambdaContext,
    )) as Response;
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.details).toEqual([expect.objectContaining({ field: 'body.inquiryWindowDays' })]);
    const rule = (await getRuleHandler(httpEvent({ method: 'GET', path: `/v1/shops/${otherShop}/attribution-rule`, identity: admin, pathParameters: { shopId: otherShop } }), lambdaContext)) as Response;
    expect(json(rule)).toMatchObject({ source: 'default', version: 0 });

    const backwards = await getKpis(supervisor, { from: range.to, to: range.from });
    expect(backwards.statusCode).toBe(400);
    expect(json(backwards).error.details).toEqual([expect.objectContaining({ field: 'query.from' })]);
    const weekly = await getKpis(supervisor, { ...range, granularity: 'week' });
    expect(weekly.statusCode).toBe(400);
    expect(json(weekly).error.details).toEqual([expect.objectContaining({ field: 'query.granularity' })]);
  });

  it("never shows a shop's KPIs to another shop's supervisor, an agent's to a colleague, or anything across tenants", async () => {
    expect((await getKpis(otherShopSupervisor, { ...range })).statusCode).toBe(404);
    expect((await getKpis(colleague, { ...range, agentId: agent.userId })).statusCode).toBe(404);
    expect(json(await getKpis(colleague, { ...range })).total.counters).toEqual({});
    expect((await getKpis(foreignSupervisor, { ...range })).statusCode).toBe(200);
    expect(json(await getKpis(foreignSupervisor, { ...range })).total.counters).toEqual({});
    expect((await getKpis(foreignSupervisor, { ...range, agentId: agent.userId })).statusCode).toBe(200);
    expect(json(await getKpis(foreignSupervisor, { ...range, agentId: agent.userId })).total.counters).toEqual({});
    await expect(watchShopKpis(otherShopSupervisor, shop)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  describe('batched aggregation (one batch of real stream records, the retry protocol of Lambda)', () => {
    const batchSupervisor = (shopId: string) => who(batchTenant, 'supervisor', `sup-${shopId}`, [shopId]);
    const totalOf = async (shopId: string) => json(await getKpis(batchSupervisor(shopId), { ...range }, shopId)).total.counters;
    /** The handler with its store writes observed: `beforeWrite` may fail a transaction, `afterWrite` may fail one that committed. */
    function observedHandler(options: { maxItems?: number; beforeWrite?: (call: number) => void; afterWrite?: (call: number) => void } = {}) {
      const transactions: { facts: number; buckets: number }[] = [];
      const deps: AggregateDependencies = {
        ...aggregateDependencies,
        transactionPlan: () => ({ merge: true, maxItems: options.maxItems ?? 100 }),
        writeFactTransaction: async (transaction, now) => {
          const call = transactions.length;
          transactions.push({ facts: transaction.facts.length, buckets: transaction.buckets.length });
          options.beforeWrite?.(call);
          const result = await aggregateDependencies.writeFactTransaction(transaction, now);
          options.afterWrite?.(call);
          return result;
        },
      };
      return { transactions, handler: streamConsumer((changes) => aggregateBatch(changes, deps), async () => undefined) };
    }
    /** Two buyers of a shop each ask twice and are answered twice (30 s, then 20 s), all in one hour. */
    async function converse(shopId: string): Promise<DynamoDBRecord[]> {
      await seedShop(batchTenant, shopId);
      const agentOf = who(batchTenant, 'agent', `agent-${shopId}`, [shopId]);
      for (const [index, buyerId] of ['b1', 'b2'].entries()) {
        const asker = who(batchTenant, 'buyer', `${shopId}-${buyerId}`);
        const start = 3 * 60_000 * index;
        const q1 = await sendMessage(asker, { action: 'sendMessage', shopId, clientMessageId: `q1-${randomUUID().slice(0, 8)}`, text: '有货吗？' }, at(start));
        await assign(batchTenant, q1.conversationId, agentOf.userId, at(start + 1000));
        await sendMessage(agentOf, { action: 'sendMessage', conversationId: q1.conversationId, clientMessageId: `a1-${randomUUID().slice(0, 8)}`, text: '有的亲' }, at(start + 30_000));
        await sendMessage(asker, { action: 'sendMessage', shopId, conversationId: q1.conversationId, clientMessageId: `q2-${randomUUID().slice(0, 8)}`, text: '几天到？' }, at(start + 60_000));
        await sendMessage(agentOf, { action: 'sendMessage', conversationId: q1.conversationId, clientMessageId: `a2-${randomUUID().slice(0, 8)}`, text: '两天' }, at(start + 80_000));
      }
      const ofShop = (record: DynamoDBRecord) => record.dynamodb?.NewImage?.shopId?.S === shopId || record.dynamodb?.NewImage?.pk?.S?.includes(`#SHOP#${shopId}#`);
      // Every head change reached the stream: both conversations' heads with their second answer.
      const answeredTwice = (record: DynamoDBRecord) =>
        record.dynamodb?.NewImage?.entity?.S === 'Conversation' && ofShop(record) && record.dynamodb.NewImage.responseFacts?.M?.replies?.N === '2';
      await eventually(async () => new Set(collected.filter(answeredTwice).map((record) => record.dynamodb?.NewImage?.conversationId?.S)).size, (count) => count === 2);
      return collected.filter(ofShop);
    }
    /** Hand-computed: 4 questions, 4 answers; first replies 30 s + 30 s; replies 30+20+30+20 s; 2 inquirers of 2 conversations. */
    const expected = { buyerMessages: 4, agentMessages: 4, firstReplies: 2, firstReplyMsTotal: 60_000, replies: 4, replyMsTotal: 100_000, inquiries: 2, conversations: 2 };

    it('adds up facts on the same counters within a batch, written as one transaction instead of one per fact; a replayed batch counts once', async () => {
      const records = await converse('shop-batch-1');
      const { transactions, handler } = observedHandler();
      expect(await handler({ Records: records }, lambdaContext)).toEqual({ batchItemFailures: [] });
      expect(await totalOf('shop-batch-1')).toMatchObject(expected);
      const facts = transactions.reduce((sum, transaction) => sum + transaction.facts, 0);
      // 8 message facts, 2 openings (counted with their first message or alone) and 6 inquirer facts.
      expect(facts).toBeGreaterThanOrEqual(12);
      expect(transactions).toHaveLength(1);
      // Merged: the shop's, the agent's and the group-less hour buckets, each once, far fewer than the facts' updates.
      expect(transactions[0]!.buckets).toBeLessThanOrEqual(4);

      // Replayed as Lambda would after a lost checkpoint, and once more through the production handler.
      expect(await handler({ Records: records }, lambdaContext)).toEqual({ batchItemFailures: [] });
      expect(await aggregateKpis({ Records: records }, lambdaContext)).toEqual({ batchItemFailures: [] });
      expect(await totalOf('shop-batch-1')).toMatchObject(expected);
    });

    it('counts each fact once when a batch fails halfway (its transaction committed but the answer was lost) and is retried from the failed record, then redelivered whole', async () => {
      const records = await converse('shop-batch-2');
      let failedOnce = false;
      // Small transactions, so the batch takes several; the second commits, then the call fails.
      const failing = observedHandler({
        maxItems: 8,
        afterWrite: (call) => {
          if (call === 1 && !failedOnce) {
            failedOnce = true;
            throw new Error('connection reset after commit');
          }
        },
      });
      const first = await failing.handler({ Records: records }, lambdaContext);
      expect(failing.transactions.length).toBe(2);
      expect(first.batchItemFailures).toHaveLength(1);
      const from = records.findIndex((record) => record.dynamodb?.SequenceNumber === first.batchItemFailures[0]!.itemIdentifier);
      expect(from).toBeGreaterThan(0);
      // Part of the batch is counted, not all of it.
      const partial = await totalOf('shop-batch-2');
      expect(partial.buyerMessages ?? 0).toBeLessThan(expected.buyerMessages);

      // Lambda retries from the reported record (the poller does the same).
      expect(await failing.handler({ Records: records.slice(from) }, lambdaContext)).toEqual({ batchItemFailures: [] });
      expect(await totalOf('shop-batch-2')).toMatchObject(expected);
      // A timed-out invocation is redelivered whole, and bisected: nothing counts twice.
      expect(await aggregateKpis({ Records: records }, lambdaContext)).toEqual({ batchItemFailures: [] });
      expect(await aggregateKpis({ Records: records.slice(0, from) }, lambdaContext)).toEqual({ batchItemFailures: [] });
      expect(await totalOf('shop-batch-2')).toMatchObject(expected);
    });

    it('fails the invocation when not even the first record applied (so Lambda bisects), having written nothing', async () => {
      const records = await converse('shop-batch-3');
      const broken = observedHandler({
        beforeWrite: () => {
          throw new Error('throttled');
        },
      });
      await expect(broken.handler({ Records: records }, lambdaContext)).rejects.toThrow('throttled');
      expect(await totalOf('shop-batch-3')).toEqual({});
      expect(await aggregateKpis({ Records: records }, lambdaContext)).toEqual({ batchItemFailures: [] });
      expect(await totalOf('shop-batch-3')).toMatchObject(expected);
    });
  });
});
