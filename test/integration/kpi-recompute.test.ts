import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { handler as getKpisHandler } from '../../functions/http/get-shop-kpis';
import { handler as getRuleHandler } from '../../functions/http/get-attribution-rule';
import { handler as putRuleHandler } from '../../functions/http/put-attribution-rule';
import { handler as recomputeHandler } from '../../functions/queue/recompute-attribution';
import type { Identity } from '../../shared/auth/identity';
import { aggregateBatch, aggregateDependencies, type AggregateDependencies } from '../../shared/kpi/aggregate-changes';
import type { ItemChange } from '../../shared/kpi/facts';
import { monthsBack } from '../../shared/kpi/attribution-rule';
import { setAttributionRule } from '../../shared/kpi/manage-attribution-rule';
import { recomputeAttributionPage, recomputeDependencies, type RecomputeDependencies, type RecomputeOutcome } from '../../shared/kpi/recompute-attribution';
import { recomputeJobSchema, type RecomputeJob } from '../../shared/kpi/recompute-job';
import { dynamo, sqs } from '../../shared/runtime/clients';
import { env, resetEnvForTests } from '../../shared/runtime/env';
import { batchWriteAll, putRequest } from '../../shared/store/batch-write';
import { keys } from '../../shared/store/keys';
import { localHour, orderMonthOf } from '../../shared/store/kpi-aggregates';
import { httpEvent, lambdaContext } from '../support/events';
import { seedShop, uniqueTenant, who } from './messaging-fixtures';

/**
 * The attribution recompute on its queue (issue 9; docs/kpi-design.md §3), on DynamoDB Local and the SQS
 * server: a rule change's stream record only enqueues the first page of each month; pages of stored
 * orders are re-attributed one message at a time, the next page re-enqueued, the version activated after
 * the last. Stored facts are seeded as the aggregator stores them, so the figures are hand-computed.
 */
const tenant = uniqueTenant('recompute');
const otherTenant = uniqueTenant('recompute-other');
const shop = 'shop-recompute';
const admin = who(tenant, 'admin', 'admin-r');
const supervisor = who(tenant, 'supervisor', 'sup-r', [shop]);

type Response = { statusCode: number; body: string };
const json = (response: Response) => JSON.parse(response.body);
const dayMs = 86_400_000;
const hourMs = 3_600_000;
/** The 5th of last month at 10:00 in Shanghai (the main fixtures, all in that month), and of the month before: both inside the recompute's three months. */
const thisMonth = new Date();
const base = Date.UTC(thisMonth.getUTCFullYear(), thisMonth.getUTCMonth() - 1, 5, 2);
const older = Date.UTC(thisMonth.getUTCFullYear(), thisMonth.getUTCMonth() - 2, 5, 2);
const iso = (ms: number) => new Date(ms).toISOString();
const localDay = (ms: number) => localHour(iso(ms), 'Asia/Shanghai').day;
const range = { from: localDay(older - dayMs), to: localDay(base + 6 * dayMs) };

/**
 * Receptions and orders (hand-computed under `order-placed`, 3 days):
 * - b1: A received at base; o1 placed a day later (paid 3 days after that) → A, 100.00.
 * - b2: A at base, C at base+2h; o2 placed base+5h and o3 base+7h → C both (A assists both), 200.00 + 50.00.
 * - b3: no reception; o4 → a silent sale, 70.00.
 * - b4 (older month): A at older; o5 placed an hour later → A, 30.00.
 */
const receptions = [
  { buyerId: 'b1', agentId: 'agent-a', at: base },
  { buyerId: 'b2', agentId: 'agent-a', at: base },
  { buyerId: 'b2', agentId: 'agent-c', at: base + 2 * hourMs },
  { buyerId: 'b4', agentId: 'agent-a', at: older },
];
const orders = [
  { orderId: 'o1', buyerId: 'b1', placedAt: base + dayMs, paidAt: base + 4 * dayMs, amount: 10_000 },
  { orderId: 'o2', buyerId: 'b2', placedAt: base + 5 * hourMs, paidAt: base + 6 * hourMs, amount: 20_000 },
  { orderId: 'o3', buyerId: 'b2', placedAt: base + 7 * hourMs, paidAt: base + 8 * hourMs, amount: 5_000 },
  { orderId: 'o4', buyerId: 'b3', placedAt: base + dayMs, paidAt: base + dayMs, amount: 7_000 },
  { orderId: 'o5', buyerId: 'b4', placedAt: older + hourMs, paidAt: older + 2 * hourMs, amount: 3_000 },
];
const expected = {
  shop: { creditedOrders: 4, salesAmount: 38_000, convertedInquirers: 3, silentOrders: 1, silentSalesAmount: 7_000 },
  agentA: { creditedOrders: 2, salesAmount: 13_000, convertedInquirers: 2, assistedOrders: 2 },
  agentC: { creditedOrders: 2, salesAmount: 25_000, convertedInquirers: 1 },
};

async function seedFacts(tenantId: string, shopId: string): Promise<void> {
  await seedShop(tenantId, shopId);
  const requests = [
    ...receptions.map((r, i) => {
      const reception = { shopId, conversationId: `c-${i}`, agentId: r.agentId, buyerId: r.buyerId, at: iso(r.at), stage: 'pre-sale' };
      return putRequest({ ...keys.kpiReception(tenantId, shopId, r.buyerId, reception.at, reception.conversationId, r.agentId), entity: 'KpiReception', ...reception });
    }),
    ...orders.map((o) => {
      const order = { shopId, platform: 'taobao', orderId: o.orderId, buyerId: o.buyerId, placedAt: iso(o.placedAt), paidAt: iso(o.paidAt), amount: o.amount };
      return putRequest({ ...keys.kpiOrderFact(tenantId, shopId, orderMonthOf(order), 'taobao', o.orderId), entity: 'KpiOrderFact', ...order });
    }),
  ];
  await batchWriteAll(dynamo(), requests);
}

const totalOf = async (user: Identity, shopId: string, query: Record<string, string> = {}) =>
  json((await getKpisHandler(httpEvent({ method: 'GET', path: `/v1/shops/${shopId}/kpis`, identity: user, pathParameters: { shopId }, query: { ...range, ...query } }), lambdaContext)) as Response).total
    .counters;
const ruleView = async (user: Identity, shopId: string) =>
  json((await getRuleHandler(httpEvent({ method: 'GET', path: `/v1/shops/${shopId}/attribution-rule`, identity: user, pathParameters: { shopId } }), lambdaContext)) as Response);

/** The rule item's change as the stream consumer sees it (the record PUT …/attribution-rule makes). */
async function ruleChange(tenantId: string, shopId: string): Promise<ItemChange> {
  const { Item } = await dynamo().send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.attributionRule(tenantId, shopId), ConsistentRead: true }));
  return { eventName: 'MODIFY', tenantId, oldImage: undefined, newImage: Item, at: new Date().toISOString(), sequenceNumber: randomUUID() };
}

/** The recompute queue of this file alone (the global one is shared by every file running at once). */
async function ownRecomputeQueue(): Promise<string> {
  const url = (await sqs().send(new CreateQueueCommand({ QueueName: `recompute-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
  process.env.RECOMPUTE_QUEUE_URL = url;
  resetEnvForTests();
  return url;
}
let queueUrl: string;

interface Received {
  job: RecomputeJob;
  messageId: string;
}
/** Takes (and deletes) what is on the queue now. */
async function take(): Promise<Received[]> {
  const taken: Received[] = [];
  for (;;) {
    const { Messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return taken;
    for (const message of Messages) {
      taken.push({ job: recomputeJobSchema.parse(JSON.parse(message.Body!)), messageId: message.MessageId! });
      await sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

/** Counts the fact transactions a recompute writes. */
function counted(deps: RecomputeDependencies = recomputeDependencies) {
  const writes = { transactions: 0, facts: 0 };
  const observed: RecomputeDependencies = {
    ...deps,
    writeFactTransaction: async (transaction, now) => {
      writes.transactions += 1;
      writes.facts += transaction.facts.length;
      return deps.writeFactTransaction(transaction, now);
    },
  };
  return { writes, deps: observed };
}

describe('the attribution recompute on its queue (DynamoDB Local, the SQS server)', () => {
  beforeAll(async () => {
    queueUrl = await ownRecomputeQueue();
  });
  afterAll(() => {
    delete process.env.RECOMPUTE_QUEUE_URL;
    resetEnvForTests();
  });

  it('the stream consumer only enqueues the first page of each month (no recompute inside it); its status is pending', async () => {
    await seedFacts(tenant, shop);
    const stored = await setAttributionRule(admin, shop, { mode: 'order-placed', inquiryWindowDays: 3 });
    expect(stored.recompute).toEqual({ version: 1, state: 'pending', monthsDone: 0, monthsTotal: 3, ordersDone: 0 });

    let transactions = 0;
    const deps: AggregateDependencies = {
      ...aggregateDependencies,
      writeFactTransaction: async (transaction, now) => {
        transactions += 1;
        return aggregateDependencies.writeFactTransaction(transaction, now);
      },
    };
    const outcome = await aggregateBatch([await ruleChange(tenant, shop)], deps);
    expect(outcome).toMatchObject({ appliedThrough: 1 });
    expect(transactions).toBe(0);
    const jobs = await take();
    expect(jobs.map(({ job }) => job).sort((a, b) => a.month.localeCompare(b.month))).toEqual(
      monthsBack(new Date(), 3).map((month) => ({ kind: 'attribution-recompute', tenantId: tenant, shopId: shop, version: 1, month, cursor: '' })),
    );
    expect(await totalOf(supervisor, shop)).toEqual({});
    expect((await ruleView(admin, shop)).recompute).toMatchObject({ state: 'pending', monthsDone: 0 });
    // Put back for the next test, which runs them.
    await recomputeDependencies.sendRecomputeJobs(jobs.map(({ job }) => job));
  });

  it("re-attributes the stored orders page by page to the hand-computed figures; a redelivered page (after a crash before or after it advanced) and a duplicate copy count once (rows 1, 3)", async () => {
    const notified: { shopId: string; version: number }[] = [];
    const { writes, deps } = counted({
      ...recomputeDependencies,
      pageSize: 2,
      notifyRuleRecomputed: async (tenantId, shopId, rule) => {
        notified.push({ shopId, version: rule.version });
        return 0;
      },
    });
    const outcomes: RecomputeOutcome[] = [];
    let crashedBeforeAdvance = false;
    let crashedAfterAdvance = false;
    let duplicated = false;
    for (let round = 0; round < 20; round++) {
      const taken = await take();
      if (taken.length === 0) break;
      for (const { job, messageId } of taken) {
        if (!crashedBeforeAdvance && job.cursor !== '') {
          // A later page: its facts are written, then the worker dies before it records the page done.
          crashedBeforeAdvance = true;
          const dying: RecomputeDependencies = { ...deps, advanceRecomputePage: async () => Promise.reject(new Error('worker died')) };
          await expect(recomputeAttributionPage(job, messageId, dying)).rejects.toThrow('worker died');
          expect((await ruleView(admin, shop)).recompute.state).toBe('running');
        } else if (!crashedAfterAdvance && job.cursor === '' && job.month === iso(base).slice(0, 7)) {
          // It records the page done, then dies before the next page is enqueued.
          crashedAfterAdvance = true;
          const dying: RecomputeDependencies = { ...deps, sendRecomputeJobs: async () => Promise.reject(new Error('worker died')) };
          await expect(recomputeAttributionPage(job, messageId, dying)).rejects.toThrow('worker died');
        }
        // SQS redelivers the same message (the same message id).
        outcomes.push(await recomputeAttributionPage(job, messageId, deps));
        if (!duplicated && outcomes.at(-1) === 'next-page') {
          // Delivered twice as two copies (another message id): the copy finds the page done.
          duplicated = true;
          outcomes.push(await recomputeAttributionPage(job, `copy-${messageId}`, deps));
          expect(outcomes.at(-1)).toBe('duplicate');
        }
      }
    }
    expect(crashedBeforeAdvance && crashedAfterAdvance && duplicated).toBe(true);
    // Last month: 4 orders in pages of 2 → 2 full pages and an empty last one; the month before 1 page; this month 1 (empty).
    expect(outcomes.filter((outcome) => outcome !== 'duplicate').sort()).toEqual(['activated', 'month-done', 'month-done', 'next-page', 'next-page']);
    expect(writes.facts).toBeGreaterThan(0);
    // The shop's watchers are told once, by the page that activated the version.
    expect(notified).toEqual([{ shopId: shop, version: 1 }]);

    expect(await totalOf(supervisor, shop)).toMatchObject(expected.shop);
    expect(await totalOf(supervisor, shop, { agentId: 'agent-a' })).toMatchObject(expected.agentA);
    expect(await totalOf(supervisor, shop, { agentId: 'agent-c' })).toMatchObject(expected.agentC);
    expect(await ruleView(supervisor, shop)).toMatchObject({
      mode: 'order-placed',
      version: 1,
      activeVersion: 1,
      recomputing: false,
      recompute: { version: 1, state: 'done', monthsDone: 3, monthsTotal: 3, ordersDone: 5 },
    });
  });

  it("drops a superseded version's job: a newer rule change wins, nothing of the old version is written", async () => {
    await setAttributionRule(admin, shop, { mode: 'payment', inquiryWindowDays: 5 });
    await aggregateBatch([await ruleChange(tenant, shop)]);
    const v2 = await take();
    expect(v2.map(({ job }) => job.version)).toEqual([2, 2, 2]);
    // Before any page of version 2 ran, version 3 is set.
    await setAttributionRule(admin, shop, { mode: 'order-first', inquiryWindowDays: 7 });
    const { writes, deps } = counted();
    for (const { job, messageId } of v2) expect(await recomputeAttributionPage(job, messageId, deps)).toBe('superseded');
    expect(writes.transactions).toBe(0);
    expect(await ruleView(admin, shop)).toMatchObject({ version: 3, activeVersion: 1, recomputing: true, recompute: { version: 3, state: 'pending' } });
    // Reads still show version 1 meanwhile.
    expect(await totalOf(supervisor, shop)).toMatchObject(expected.shop);
  });

  it('runs through the real queue handler: a malformed job is reported failed alone (not a silent success), a good one is done (rows 4, 5)', async () => {
    await aggregateBatch([await ruleChange(tenant, shop)]);
    const v3 = await take();
    expect(v3).toHaveLength(3);
    const records = [
      ...v3.map(({ job, messageId }) => ({ messageId, body: JSON.stringify(job) })),
      { messageId: 'bad-month', body: JSON.stringify({ ...v3[0]!.job, month: '2026-13' }) },
      { messageId: 'foreign-field', body: JSON.stringify({ ...v3[0]!.job, tenantId: 'x', extra: 1 }) },
    ];
    const event = { Records: records.map((r) => ({ ...r, receiptHandle: r.messageId, attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:local:0:recompute', awsRegion: 'local' })) } as unknown as SQSEvent;
    const response = await recomputeHandler(event, lambdaContext);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-month' }, { itemIdentifier: 'foreign-field' }] });
    // Each good page was the only one of its month (pages of 250): version 3 is active.
    expect(await ruleView(admin, shop)).toMatchObject({ version: 3, activeVersion: 3, recompute: { state: 'done', monthsDone: 3, ordersDone: 5 } });
    expect(await take()).toEqual([]);
  });

  it("keeps tenants apart: another tenant's shop of the same id gets none of this tenant's recomputed figures or rule (row 14)", async () => {
    await seedShop(otherTenant, shop);
    const foreign = who(otherTenant, 'supervisor', 'sup-r', [shop]);
    expect(await totalOf(foreign, shop)).toEqual({});
    expect(await ruleView(foreign, shop)).toMatchObject({ source: 'default', recompute: { version: 0, state: 'done', monthsTotal: 0 } });
  });

  it('refuses a bad rule with the field, storing nothing and enqueueing nothing', async () => {
    const before = await ruleView(admin, shop);
    const bad = (await putRuleHandler(
      httpEvent({ method: 'PUT', path: `/v1/shops/${shop}/attribution-rule`, identity: admin, pathParameters: { shopId: shop }, body: { mode: 'payment', inquiryWindowDays: 16 } }),
      lambdaContext,
    )) as Response;
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.details).toEqual([expect.objectContaining({ field: 'body.inquiryWindowDays' })]);
    expect(await ruleView(admin, shop)).toEqual(before);
    expect(await take()).toEqual([]);
  });
});
