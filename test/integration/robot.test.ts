import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { handler as checkRounds } from '../../functions/queue/check-response-rounds';
import { handler as putFaqHandler } from '../../functions/http/put-faq-entry';
import { handler as importFaqHandler } from '../../functions/http/import-faq-entries';
import { handler as putSettingsHandler } from '../../functions/http/put-robot-settings';
import { handler as putPromoHandler } from '../../functions/http/put-promo';
import { DateTime } from 'luxon';
import type { Identity } from '../../shared/auth/identity';
import { sendMessage } from '../../shared/conversations/send-message';
import { forgetFaqIndexes } from '../../shared/robot/faq-index-cache';
import { sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';
import { getConversation } from '../../shared/store/conversations';
import { listFaqEntries, getRobotSettings } from '../../shared/store/faq-entries';
import { listWaitingLine, waitingPosition } from '../../shared/store/waiting-line';
import { getRoutableConversation } from '../../shared/store/conversation-ownership';
import { routeConversation, routingDependencies } from '../../shared/routing/route-conversation';
import { listMessagesAfter } from '../../shared/store/messages';
import { httpEvent, lambdaContext } from '../support/events';
import { ownQueues, receiveAll } from '../support/queues';
import { seedShop, uniqueTenant, who } from './messaging-fixtures';

/**
 * The FAQ robot against DynamoDB Local and the SQS server (issue 8 §3): entries and settings through the
 * handlers (bad input stored nothing), the robot's hold and hand-off on real heads and the waiting line
 * (priority ahead of older conversations), isolation between tenants and shops, and the wait check off
 * the rounds queue.
 */
const tenant = uniqueTenant('robot');
const otherTenant = uniqueTenant('robot-other');
const shop = 'shop-robot';
const otherShop = 'shop-robot-2';
const supervisor = who(tenant, 'supervisor', 'sup-r', [shop]);
const otherShopSupervisor = who(tenant, 'supervisor', 'sup-r2', [otherShop]);
const foreignAdmin = who(otherTenant, 'admin', 'admin-x');

type Response = { statusCode: number; body: string };
const json = (response: Response) => (response.body ? JSON.parse(response.body) : undefined);
const putFaq = async (user: Identity, shopId: string, faqId: string, body: unknown) =>
  (await putFaqHandler(httpEvent({ method: 'PUT', path: `/v1/shops/${shopId}/faq-entries/${faqId}`, identity: user, body, pathParameters: { shopId, faqId } }), lambdaContext)) as Response;
const importFaq = async (user: Identity, shopId: string, body: unknown) =>
  (await importFaqHandler(httpEvent({ method: 'POST', path: `/v1/shops/${shopId}/faq-imports`, identity: user, body, pathParameters: { shopId } }), lambdaContext)) as Response;
const putSettings = async (user: Identity, shopId: string, body: unknown) =>
  (await putSettingsHandler(httpEvent({ method: 'PUT', path: `/v1/shops/${shopId}/robot-settings`, identity: user, body, pathParameters: { shopId } }), lambdaContext)) as Response;

const courier = { questions: ['发什么快递', '能发顺丰吗'], keywords: ['快递', '顺丰'], answers: ['{buyerName}，{shopName}发中通快递哦~'] };
const invoice = { questions: ['能开发票吗'], keywords: ['发票'], answers: ['支持电子发票~'] };

const ask = (tenantId: string, shopId: string, buyerId: string, text: string, conversationId?: string) =>
  sendMessage(who(tenantId, 'buyer', buyerId), { action: 'sendMessage', shopId, clientMessageId: `q-${randomUUID().slice(0, 8)}`, text, ...(conversationId ? { conversationId } : {}) });

let queues: { delivery: string; routing: string };
let rounds = '';

describe('the FAQ robot (DynamoDB Local + SQS server)', () => {
  beforeAll(async () => {
    queues = await ownQueues('robot');
    rounds = (await sqs().send(new CreateQueueCommand({ QueueName: `robot-rounds-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
    process.env.ROUNDS_QUEUE_URL = rounds;
    resetEnvForTests();
    await seedShop(tenant, shop, '云上小店');
    await seedShop(tenant, otherShop);
    await seedShop(otherTenant, shop);
    forgetFaqIndexes();
  });
  afterAll(() => forgetFaqIndexes());

  it('refuses bad entries and settings with 400, code and field, and stores nothing (unknown placeholder, no questions, answer too long, threshold out of range)', async () => {
    const cases: [unknown, string][] = [
      [{ ...courier, answers: ['{coupon}送你'] }, 'body.answers.0'],
      [{ ...courier, questions: [] }, 'body.questions'],
      [{ ...courier, answers: ['好'.repeat(2001)] }, 'body.answers.0'],
    ];
    for (const [body, field] of cases) {
      const response = await putFaq(supervisor, shop, 'bad', body);
      expect(response.statusCode).toBe(400);
      expect(json(response).error).toMatchObject({ code: 'VALIDATION_FAILED', details: expect.arrayContaining([expect.objectContaining({ field })]) });
    }
    const badImport = await importFaq(supervisor, shop, { entries: [{ faqId: 'ok', entry: invoice }, { faqId: 'bad', entry: { ...invoice, answers: ['{coupon}'] } }] });
    expect(badImport.statusCode).toBe(400);
    expect(json(badImport).error.details[0].field).toBe('body.entries.1.entry.answers.0');
    const badSettings = await putSettings(supervisor, shop, { mode: 'always', confidenceThreshold: 1.2 });
    expect(json(badSettings).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body.confidenceThreshold' }] });
    expect(await listFaqEntries(tenant, shop)).toEqual([]);
    expect(await getRobotSettings(tenant, shop)).toMatchObject({ stored: false, faqVersion: 0 });
  });

  it("never reads or changes another shop's or tenant's FAQ: 404 like a missing shop, and a shop id another tenant also has is theirs alone (rows 14, 15)", async () => {
    expect((await putFaq(otherShopSupervisor, shop, 'courier', courier)).statusCode).toBe(404);
    expect((await putFaq(foreignAdmin, otherShop, 'courier', courier)).statusCode).toBe(404);
    expect((await putSettings(foreignAdmin, otherShop, { mode: 'always' })).statusCode).toBe(404);
    // The other tenant's own shop with the same id: stored under their tenant, not ours.
    expect((await putFaq(foreignAdmin, shop, 'courier', { ...courier, answers: ['我们只发顺丰'] })).statusCode).toBe(200);
    expect(await listFaqEntries(tenant, shop)).toEqual([]);
    expect(await listFaqEntries(tenant, otherShop)).toEqual([]);
    expect((await listFaqEntries(otherTenant, shop)).map((e) => e.answers)).toEqual([['我们只发顺丰']]);
  });

  it('bumps the FAQ version with every change, so a cached index is rebuilt', async () => {
    expect((await putFaq(supervisor, shop, 'courier', courier)).statusCode).toBe(200);
    expect(json(await importFaq(supervisor, shop, { entries: [{ faqId: 'invoice', entry: invoice }] }))).toMatchObject({ imported: 1, version: 2 });
    expect((await putSettings(supervisor, shop, { mode: 'always' })).statusCode).toBe(200);
    expect(await getRobotSettings(tenant, shop)).toMatchObject({ stored: true, faqVersion: 2, settings: { mode: 'always', missesBeforeHandoff: 2 } });
  });

  it("answers from its own tenant's FAQ only: the same question at another tenant's shop of the same id gets that tenant's answer", async () => {
    const ours = await ask(tenant, shop, 'buyer-a', '你们发什么快递');
    const head = await getConversation(tenant, ours.conversationId);
    expect(head).toMatchObject({ status: 'waiting', robot: { misses: 0 } });
    const log = await listMessagesAfter(tenant, ours.conversationId, 0, { limit: 10 });
    expect(log.messages.map((m) => [m.senderRole, m.text])).toEqual([
      ['buyer', '你们发什么快递'],
      ['robot', '亲，云上小店发中通快递哦~'],
    ]);
    // Out of the waiting line, and no routing job for it.
    expect((await listWaitingLine(tenant, shop, 'pre-sale', 10)).map((e) => e.conversationId)).not.toContain(ours.conversationId);
    expect((await receiveAll(queues.routing)).filter((job) => job.conversationId === ours.conversationId)).toEqual([]);
    expect(await routeConversation({ tenantId: tenant, conversationId: ours.conversationId }, routingDependencies)).toEqual({ kind: 'skipped', reason: 'robot' });

    expect((await putSettings(who(otherTenant, 'admin', 'admin-x'), shop, { mode: 'always' })).statusCode).toBe(200);
    const theirs = await ask(otherTenant, shop, 'buyer-a', '你们发什么快递');
    const theirLog = await listMessagesAfter(otherTenant, theirs.conversationId, 0, { limit: 10 });
    expect(theirLog.messages[1]).toMatchObject({ senderRole: 'robot', text: '我们只发顺丰' });
    expect(log.messages[1]!.text).not.toContain('顺丰');
  });

  it('hands over after two misses in a row, at the front of the waiting line, with a routing job and a wait check that tells the buyer their place once, even run twice (row 1)', async () => {
    // Someone waiting already, without the robot (another stage line would not compete: same shop and stage).
    await putSettings(supervisor, shop, { mode: 'off' });
    const early = await ask(tenant, shop, 'buyer-early', '在吗');
    await putSettings(supervisor, shop, { mode: 'always', noHumanNoticeMinutes: 1 });

    const first = await ask(tenant, shop, 'buyer-b', '这件衣服有黑色吗');
    const id = first.conversationId;
    expect(await getConversation(tenant, id)).toMatchObject({ robot: { misses: 1 } });
    await ask(tenant, shop, 'buyer-b', '模特穿多大码', id);
    const head = await getRoutableConversation(tenant, id);
    expect(head).toMatchObject({ status: 'waiting', linePriorityAt: expect.any(String) });
    expect(head?.robot).toBeUndefined();
    const line = await listWaitingLine(tenant, shop, 'pre-sale', 10);
    expect(line[0]?.conversationId).toBe(id);
    expect(line.map((e) => e.conversationId)).toContain(early.conversationId);
    expect(await waitingPosition(head!)).toBe(1);
    expect((await receiveAll(queues.routing)).some((job) => job.conversationId === id)).toBe(true);

    // The wait check (held 60 s on the queue): run what is on it now, as the consumer would once due.
    const { Messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: rounds, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
    expect(Messages).toEqual([]); // still held by DelaySeconds
    const check = { type: 'robot-wait-check', tenantId: tenant, shopId: shop, conversationId: id, handedOffAt: head!.linePriorityAt! };
    const event = { Records: [{ messageId: 'm1', receiptHandle: 'r', body: JSON.stringify(check), attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:0:rounds', awsRegion: 'us-east-1' }] } as unknown as SQSEvent;
    expect((await checkRounds(event, lambdaContext)).batchItemFailures).toEqual([]);
    expect((await checkRounds(event, lambdaContext)).batchItemFailures).toEqual([]);
    const log = await listMessagesAfter(tenant, id, 0, { limit: 20 });
    const robotSaid = log.messages.filter((m) => m.senderRole === 'robot').map((m) => m.text);
    // A miss, the hand-over on the second miss, and one wait notice although the check ran twice.
    expect(robotSaid).toHaveLength(3);
    expect(robotSaid[0]).toContain('还没学会');
    expect(robotSaid[1]).toContain('转接人工');
    expect(robotSaid[2]).toContain('优先队列第1位');
  });
});

describe('promo FAQ content sets on the real engines (issue 10 §2)', () => {
  const promoTenant = uniqueTenant('robot-promo');
  const promoShop = 'shop-promo';
  const admin = who(promoTenant, 'admin', 'admin-p');
  const everyday = { questions: ['什么时候发货', '多久发货'], keywords: ['发货'], answers: ['现货48小时内发货哦~'] };
  const double11 = { ...everyday, answers: ['双11订单按付款顺序72小时内发出哦~'], contentSet: 'double11' };
  const putPromo = async (promoId: string, body: unknown) =>
    (await putPromoHandler(httpEvent({ method: 'PUT', path: `/v1/promos/${promoId}`, identity: admin, body, pathParameters: { promoId } }), lambdaContext)) as Response;
  const robotAnswer = async (buyerId: string, text: string) => {
    const { conversationId } = await ask(promoTenant, promoShop, buyerId, text);
    return (await listMessagesAfter(promoTenant, conversationId, 0, { limit: 10 })).messages.find((m) => m.senderRole === 'robot')?.text;
  };

  beforeAll(async () => {
    await seedShop(promoTenant, promoShop, '桃气小店');
    forgetFaqIndexes();
  });

  it('refuses a content set that is not an id with 400 naming the field, and stores nothing', async () => {
    const bad = await putFaq(admin, promoShop, 'double11-ship-time', { ...double11, contentSet: '双11 大促' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'body.contentSet' })] });
    const badImport = await importFaq(admin, promoShop, { entries: [{ faqId: 'double11-ship-time', entry: { ...double11, contentSet: '' } }] });
    expect(json(badImport).error.details[0].field).toBe('body.entries.0.entry.contentSet');
    expect(await listFaqEntries(promoTenant, promoShop)).toEqual([]);
  });

  it('answers from the Double 11 set only while its phase is in force: the everyday answer before and after, the set’s answer during', async () => {
    expect((await putFaq(admin, promoShop, 'ship-time', everyday)).statusCode).toBe(200);
    expect(json(await importFaq(admin, promoShop, { entries: [{ faqId: 'double11-ship-time', entry: double11 }] }))).toMatchObject({ imported: 1 });
    expect((await listFaqEntries(promoTenant, promoShop)).find((e) => e.faqId === 'double11-ship-time')).toMatchObject({ contentSet: 'double11' });
    expect((await putSettings(admin, promoShop, { mode: 'always' })).statusCode).toBe(200);

    // A phase of a few seconds on the real clock, naming the set in its routing (local times with seconds).
    const local = (ms: number) => DateTime.fromMillis(ms, { zone: 'Asia/Shanghai' }).toFormat("yyyy-MM-dd'T'HH:mm:ss");
    const startsAt = Math.ceil((Date.now() + 3_000) / 1000) * 1000;
    const endsAt = startsAt + 5_000;
    const promo = await putPromo('d11', { name: '双11', zone: 'Asia/Shanghai', shopIds: [promoShop], phases: [{ phaseId: 'peak', kind: 'peak', startsAt: local(startsAt), endsAt: local(endsAt), routing: { contentSet: 'double11' } }] });
    expect(promo.statusCode).toBe(200);

    expect(await robotAnswer('buyer-before', '什么时候发货')).toBe('现货48小时内发货哦~');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startsAt - Date.now() + 200)));
    expect(await robotAnswer('buyer-during', '什么时候发货')).toBe('双11订单按付款顺序72小时内发出哦~');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, endsAt - Date.now() + 200)));
    expect(await robotAnswer('buyer-after', '什么时候发货')).toBe('现货48小时内发货哦~');
  }, 30_000);
});
