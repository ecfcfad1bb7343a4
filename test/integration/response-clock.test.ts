import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message as SqsMessage } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { handler as checkRounds } from '../../functions/queue/check-response-rounds';
import { handler as connectHandler } from '../../functions/ws/connect';
import { handler as putPolicyHandler } from '../../functions/http/put-response-policy';
import { handler as getPolicyHandler } from '../../functions/http/get-response-policy';
import { handler as getRateHandler } from '../../functions/http/get-response-rate';
import { identityToAuthorizerContext, type Identity } from '../../shared/auth/identity';
import { sendMessage, sendMessageDependencies, type SendMessageDeps } from '../../shared/conversations/send-message';
import { sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';
import { forgetCachedPolicies } from '../../shared/service-clock/manage-policy';
import { saveConnection } from '../../shared/store/connections';
import { keys } from '../../shared/store/keys';
import { FakeConnections } from '../support/fake-connections';
import { httpEvent, lambdaContext, wsEvent } from '../support/events';
import { ownQueues } from '../support/queues';
import { storedItem } from '../support/table';
import { assign, seedShop, uniqueTenant, who } from './messaging-fixtures';

/**
 * The response clock live (issue 7 §4), against DynamoDB Local and the SQS server: round checks wait on
 * the rounds queue with real DelaySeconds (a policy of 1 s at risk and 2 s due keeps that short), the
 * consumer runs on what the queue hands out, and alerts reach a stand-in for @connections.
 */
const tenant = uniqueTenant('clock');
const otherTenant = uniqueTenant('clock-other');
const shop = 'shop-clock';
const otherShop = 'shop-clock-2';
const admin = who(tenant, 'admin', 'admin-c');
const agent = who(tenant, 'agent', 'agent-c', [shop]);
const supervisor = who(tenant, 'supervisor', 'sup-c', [shop]);
const otherShopSupervisor = who(tenant, 'supervisor', 'sup-c2', [otherShop]);
const foreignSupervisor = who(otherTenant, 'supervisor', 'sup-c', [shop]);
const foreignAdmin = who(otherTenant, 'admin', 'admin-x');

/** 1 s to at risk, 2 s to due, all day: checks come off the queue within seconds. */
const quickPolicy = { timeZone: 'Asia/Shanghai', serviceHours: [{ start: '08:00', end: '24:00' }], targetSeconds: 2, atRiskSeconds: 1, targetRate: 0.9, clock: 'wall' };

type Response = { statusCode: number; body: string };
const json = (response: Response) => (response.body ? JSON.parse(response.body) : undefined);

const putPolicy = async (user: Identity, shopId: string, body: unknown) =>
  (await putPolicyHandler(httpEvent({ method: 'PUT', path: `/v1/shops/${shopId}/response-policy`, identity: user, body, pathParameters: { shopId } }), lambdaContext)) as Response;
const getPolicy = async (user: Identity, shopId: string) =>
  (await getPolicyHandler(httpEvent({ method: 'GET', path: `/v1/shops/${shopId}/response-policy`, identity: user, pathParameters: { shopId } }), lambdaContext)) as Response;
const getRate = async (user: Identity, shopId: string, day: string) =>
  (await getRateHandler(httpEvent({ method: 'GET', path: `/v1/shops/${shopId}/response-rate`, identity: user, pathParameters: { shopId }, query: { day } }), lambdaContext)) as Response;

async function connect(user: Identity, connectionId: string): Promise<void> {
  const result = (await connectHandler(wsEvent({ routeKey: '$connect', connectionId, authorizer: identityToAuthorizerContext(user) }), lambdaContext)) as { statusCode: number };
  expect(result.statusCode).toBe(200);
}

let roundsQueue = '';

/** One poll of the consumer's event source mapping, waiting up to `waitSeconds` for delayed checks. */
async function pollRounds(waitSeconds = 3): Promise<{ bodies: Record<string, unknown>[]; failed: string[] }> {
  const { Messages: messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: roundsQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds, VisibilityTimeout: 30 }));
  if (messages.length === 0) return { bodies: [], failed: [] };
  const failed = await invokeConsumer(messages);
  for (const m of messages) if (!failed.includes(m.MessageId!)) await sqs().send(new DeleteMessageCommand({ QueueUrl: roundsQueue, ReceiptHandle: m.ReceiptHandle }));
  return { bodies: messages.map((m) => JSON.parse(m.Body!)), failed };
}

async function invokeConsumer(messages: Pick<SqsMessage, 'MessageId' | 'Body'>[]): Promise<string[]> {
  const event = {
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: 'r',
      body: m.Body ?? '',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:rounds',
      awsRegion: 'us-east-1',
    })),
  } as unknown as SQSEvent;
  const response = await checkRounds(event, lambdaContext);
  return response.batchItemFailures.map((f) => f.itemIdentifier);
}

/** Times inside Peach-Glow-style service hours on Double 11 (10:00 in Shanghai), one round apart. */
let round = 0;
const inServiceHours = () => new Date(Date.UTC(2026, 10, 11, 2, 0, 0) + round++ * 60_000);
const later = (at: Date, ms: number) => new Date(at.getTime() + ms);

async function buyerAsks(buyerId: string, at: Date, text = '这个什么时候发货？') {
  const buyer = who(tenant, 'buyer', buyerId);
  return sendMessage(buyer, { action: 'sendMessage', shopId: shop, clientMessageId: `q-${randomUUID().slice(0, 8)}`, text }, at);
}
const agentAnswers = (conversationId: string, at: Date) =>
  sendMessage(agent, { action: 'sendMessage', conversationId, clientMessageId: `a-${randomUUID().slice(0, 8)}`, text: '亲，今天就发哦' }, at);
const factOf = (conversationId: string, questionAt: Date, day = '2026-11-11') =>
  storedItem(keys.roundOutcome(tenant, shop, day, questionAt.toISOString(), conversationId));

describe('the response clock, live (DynamoDB Local + SQS server)', () => {
  const fake = new FakeConnections();

  beforeAll(async () => {
    await fake.start();
    process.env.WS_MANAGEMENT_ENDPOINT = fake.endpoint;
    roundsQueue = (await sqs().send(new CreateQueueCommand({ QueueName: `clock-rounds-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
    process.env.ROUNDS_QUEUE_URL = roundsQueue;
    resetEnvForTests();
    await ownQueues('clock');
    await seedShop(tenant, shop);
    await seedShop(tenant, otherShop);
    await seedShop(otherTenant, shop);
    forgetCachedPolicies();
    expect((await putPolicy(admin, shop, quickPolicy)).statusCode).toBe(200);
    await saveConnection(agent, 'agent-tab');
    await connect(supervisor, 'sup-tab');
    await connect(otherShopSupervisor, 'sup-other-shop-tab');
    await connect(foreignSupervisor, 'sup-foreign-tab');
  });
  afterAll(async () => fake.stop());

  it("alerts the assignee and the shop's supervisor when a question is still unanswered at the at-risk point, and records it missed at the due time", async () => {
    const askedAt = inServiceHours();
    const question = await buyerAsks('buyer-late', askedAt);
    await assign(tenant, question.conversationId, agent.userId);

    const atRisk = await pollRounds();
    expect(atRisk.bodies).toEqual([expect.objectContaining({ check: 'at-risk', conversationId: question.conversationId, questionAt: askedAt.toISOString() })]);
    expect(atRisk.failed).toEqual([]);
    const alert = {
      type: 'response.at-risk',
      conversationId: question.conversationId,
      shopId: shop,
      buyerId: 'buyer-late',
      assigneeId: agent.userId,
      questionAt: askedAt.toISOString(),
      dueAt: later(askedAt, 2000).toISOString(),
    };
    expect(fake.received('agent-tab')).toEqual([alert]);
    expect(fake.received('sup-tab')).toEqual([alert]);
    // Another shop's supervisor, and another tenant's supervisor of a shop with the same id, hear nothing (row 14).
    expect(fake.received('sup-other-shop-tab')).toEqual([]);
    expect(fake.received('sup-foreign-tab')).toEqual([]);

    const due = await pollRounds();
    expect(due.bodies).toEqual([expect.objectContaining({ check: 'due', conversationId: question.conversationId })]);
    expect(await factOf(question.conversationId, askedAt)).toMatchObject({ status: 'missed', agentId: agent.userId, dueAt: later(askedAt, 2000).toISOString() });
    expect((await factOf(question.conversationId, askedAt))?.responseMs).toBeUndefined();

    // The answer comes 5 s after the question: still missed, now with its response time.
    await agentAnswers(question.conversationId, later(askedAt, 5000));
    expect(await factOf(question.conversationId, askedAt)).toMatchObject({ status: 'missed', responseMs: 5000, answeredBy: agent.userId, agentId: agent.userId });
  });

  it('alerts once when the at-risk check is delivered again, and records once when the due check is (row 25)', async () => {
    fake.frames.clear();
    const askedAt = inServiceHours();
    const question = await buyerAsks('buyer-redelivered', askedAt);
    await assign(tenant, question.conversationId, agent.userId);
    const first = await pollRounds();
    expect(first.bodies).toHaveLength(1);
    expect(fake.received('agent-tab')).toHaveLength(1);
    const due = await pollRounds();
    expect(due.bodies).toHaveLength(1);
    const recorded = await factOf(question.conversationId, askedAt);

    // SQS delivers both checks again (at least once), and in one batch.
    expect(await invokeConsumer([{ MessageId: 'again-1', Body: JSON.stringify(first.bodies[0]) }, { MessageId: 'again-2', Body: JSON.stringify(due.bodies[0]) }])).toEqual([]);
    expect(fake.received('agent-tab')).toHaveLength(1);
    expect(fake.received('sup-tab')).toHaveLength(1);
    expect(await factOf(question.conversationId, askedAt)).toEqual(recorded);
    // The redelivered at-risk check sent its due check again; that one records nothing new either.
    expect((await pollRounds()).bodies).toEqual([expect.objectContaining({ check: 'due', conversationId: question.conversationId })]);
    expect(await factOf(question.conversationId, askedAt)).toEqual(recorded);
  });

  it('sends no alert for a question answered in time, and records it met with its response time', async () => {
    fake.frames.clear();
    const askedAt = inServiceHours();
    const question = await buyerAsks('buyer-quick', askedAt);
    await assign(tenant, question.conversationId, agent.userId);
    await agentAnswers(question.conversationId, later(askedAt, 800));

    const check = await pollRounds();
    expect(check.bodies).toEqual([expect.objectContaining({ check: 'at-risk', conversationId: question.conversationId })]);
    expect(fake.received('agent-tab')).toEqual([]);
    expect(fake.received('sup-tab')).toEqual([]);
    // An answered round needs no due check.
    expect((await pollRounds(2)).bodies).toEqual([]);
    expect(await factOf(question.conversationId, askedAt)).toMatchObject({ status: 'met', responseMs: 800, agentId: agent.userId, answeredBy: agent.userId });
  });

  it('does not watch a question asked outside service hours, and records its answer as not counted', async () => {
    fake.frames.clear();
    const askedAt = new Date('2026-11-10T17:00:00Z'); // 01:00 on 11 November in Shanghai
    const question = await buyerAsks('buyer-night', askedAt);
    await assign(tenant, question.conversationId, agent.userId);
    expect((await pollRounds(2)).bodies).toEqual([]);
    await agentAnswers(question.conversationId, later(askedAt, 7 * 3_600_000));
    expect(fake.received('agent-tab')).toEqual([]);
    // Filed under the shop's local day (11 November), not the UTC one (10 November).
    expect(await factOf(question.conversationId, askedAt, '2026-11-11')).toMatchObject({ status: 'not-counted', answeredBy: agent.userId });
    expect(await factOf(question.conversationId, askedAt, '2026-11-10')).toBeUndefined();
  });

  it('schedules the check of a round whose first send died before scheduling it, when the buyer resends', async () => {
    fake.frames.clear();
    const askedAt = inServiceHours();
    const buyer = who(tenant, 'buyer', 'buyer-resend');
    const frame = { action: 'sendMessage', shopId: shop, clientMessageId: 'resend-1', text: '在吗？' } as const;
    const dying: SendMessageDeps = {
      ...sendMessageDependencies,
      serviceClock: { ...sendMessageDependencies.serviceClock!, roundOpened: async () => Promise.reject(Object.assign(new Error('Task timed out'), { name: 'TimeoutError' })) },
    };
    await expect(sendMessage(buyer, frame, askedAt, dying)).rejects.toThrow('Task timed out');
    expect((await pollRounds(2)).bodies).toEqual([]);

    // No ack reached the client, so it resends the same message a little later: a duplicate, and the check is on its way.
    const resend = await sendMessage(buyer, frame, later(askedAt, 500));
    expect(resend).toMatchObject({ duplicate: true });
    await assign(tenant, resend.conversationId, agent.userId);
    const checks = await pollRounds();
    expect(checks.bodies).toEqual([expect.objectContaining({ check: 'at-risk', conversationId: resend.conversationId, questionAt: askedAt.toISOString() })]);
    expect(fake.received('agent-tab')).toEqual([expect.objectContaining({ type: 'response.at-risk', conversationId: resend.conversationId })]);
    expect((await pollRounds()).bodies).toEqual([expect.objectContaining({ check: 'due' })]);
    await agentAnswers(resend.conversationId, later(askedAt, 5000));
  });

  it("reads the shop's response rate for its local day over HTTP, per agent too", async () => {
    const response = await getRate(supervisor, shop, '2026-11-11');
    expect(response.statusCode).toBe(200);
    // The rounds above: missed (answered late), missed (never answered), met, missed (resent, answered
    // after the due check: still missed); and one not counted.
    expect(json(response)).toEqual({
      shopId: shop,
      day: '2026-11-11',
      timeZone: 'Asia/Shanghai',
      targetRate: 0.9,
      rounds: 4,
      met: 1,
      missed: 3,
      rate: 1 / 4,
      notCounted: 1,
      meetsTarget: false,
      agents: [{ agentId: agent.userId, rounds: 4, met: 1, missed: 3, rate: 1 / 4 }],
    });
    expect(json(await getRate(supervisor, shop, '2026-11-12'))).toMatchObject({ rounds: 0, met: 0, missed: 0, notCounted: 0, agents: [] });
  });
});

describe('response policy and rate routes: access and bad input', () => {
  it('gives a shop without a policy the default, and keeps what an admin stores', async () => {
    const fresh = 'shop-clock-fresh';
    await seedShop(tenant, fresh);
    const before = json(await getPolicy(admin, fresh));
    expect(before).toEqual({
      shopId: fresh,
      source: 'default',
      policy: { timeZone: 'Asia/Shanghai', serviceHours: [{ start: '08:00', end: '24:00' }], targetSeconds: 180, atRiskSeconds: 120, targetRate: 0.9, clock: 'wall' },
    });
    const policy = { ...quickPolicy, timeZone: 'America/New_York', serviceHours: [{ start: '20:00', end: '02:00' }], targetSeconds: 300, atRiskSeconds: 200, clock: 'service-time' };
    const stored = await putPolicy(admin, fresh, policy);
    expect(stored.statusCode).toBe(200);
    expect(json(await getPolicy(admin, fresh))).toMatchObject({ shopId: fresh, source: 'shop', policy, updatedBy: admin.userId });
  });

  it('lets a supervisor set their own shop only; another shop, a missing one and another tenant get the same 404, nothing stored (rows 14, 15)', async () => {
    expect((await putPolicy(supervisor, shop, quickPolicy)).statusCode).toBe(200);
    const refused = [
      await putPolicy(supervisor, otherShop, quickPolicy),
      await putPolicy({ ...supervisor, shopIds: [shop, 'shop-missing'] }, 'shop-missing', quickPolicy),
      await putPolicy(foreignAdmin, 'shop-clock-fresh', quickPolicy),
      await getPolicy(foreignAdmin, 'shop-clock-fresh'),
      await getPolicy(supervisor, otherShop),
      await getRate(foreignAdmin, 'shop-clock-fresh', '2026-11-11'),
      await getRate(otherShopSupervisor, shop, '2026-11-11'),
    ];
    for (const response of refused) {
      expect(response.statusCode).toBe(404);
      expect(json(response).error.code).toBe('NOT_FOUND');
    }
    // Another tenant's shop of the same id is its own: none of this tenant's rounds or policy.
    expect(json(await getRate(foreignAdmin, shop, '2026-11-11'))).toMatchObject({ rounds: 0, notCounted: 0, agents: [] });
    expect(json(await getPolicy(foreignAdmin, shop))).toMatchObject({ source: 'default' });
    expect(await storedItem(keys.responsePolicy(tenant, otherShop))).toBeUndefined();
    expect(await storedItem(keys.responsePolicy(tenant, 'shop-missing'))).toBeUndefined();
    expect(await storedItem(keys.responsePolicy(otherTenant, 'shop-clock-fresh'))).toBeUndefined();
    // Agents and buyers have no business with policies or rates.
    for (const user of [agent, who(tenant, 'buyer', 'buyer-z')]) {
      expect((await putPolicy(user, shop, quickPolicy)).statusCode).toBe(403);
      expect((await getRate(user, shop, '2026-11-11')).statusCode).toBe(403);
    }
  });

  it.each([
    ['an unknown zone', { ...quickPolicy, timeZone: 'Asia/Beijing' }, 'body.timeZone'],
    ['overlapping windows', { ...quickPolicy, serviceHours: [{ start: '08:00', end: '12:00' }, { start: '11:00', end: '13:00' }] }, 'body.serviceHours.1'],
    ['an at-risk point after the target', { ...quickPolicy, atRiskSeconds: 5 }, 'body.atRiskSeconds'],
    ['a tenantId in the body (row 16)', { ...quickPolicy, tenantId: otherTenant }, 'body.tenantId'],
    ['a shopId in the body (row 16)', { ...quickPolicy, shopId: otherShop }, 'body.shopId'],
  ])('refuses %s with 400 naming the field, storing nothing', async (_what, body, field) => {
    const response = await putPolicy(admin, otherShop, body);
    expect(response.statusCode).toBe(400);
    expect(json(response).error).toMatchObject({ code: 'VALIDATION_FAILED', details: expect.arrayContaining([expect.objectContaining({ field })]) });
    expect(await storedItem(keys.responsePolicy(tenant, otherShop))).toBeUndefined();
  });

  it('refuses a day that is not a calendar day', async () => {
    const response = await getRate(supervisor, shop, '2026-02-30');
    expect(response.statusCode).toBe(400);
    expect(json(response).error.details[0].field).toBe('query.day');
  });
});
