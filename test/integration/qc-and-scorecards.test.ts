import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { handler as putRubricHandler } from '../../functions/http/put-qc-rubric';
import { handler as listRubricsHandler } from '../../functions/http/list-qc-rubrics';
import { handler as putSettingsHandler } from '../../functions/http/put-qc-settings';
import { handler as getConversationQcHandler } from '../../functions/http/get-conversation-qc';
import { handler as submitReviewHandler } from '../../functions/http/submit-qc-review';
import { handler as disputeHandler } from '../../functions/http/dispute-qc-review';
import { handler as rulingHandler } from '../../functions/http/rule-qc-dispute';
import { handler as myReviewsHandler } from '../../functions/http/list-my-qc-reviews';
import { handler as listDisputesHandler } from '../../functions/http/list-qc-disputes';
import { handler as workListHandler } from '../../functions/http/get-qc-work-list';
import { handler as putScorecardHandler } from '../../functions/http/put-scorecard';
import { handler as putManualHandler } from '../../functions/http/put-scorecard-manual';
import { handler as monthlyHandler } from '../../functions/http/get-monthly-scorecards';
import { conversationSchema, serviceDay, type Message } from '../../shared/conversations/conversation';
import type { KpiFigures, KpiPeriod, KpiScope, ReadKpiFigures } from '../../shared/kpi/figures';
import { freezeShopCycle, freezeDependencies } from '../../shared/qc/freeze-samples';
import { putLowRating } from '../../shared/store/kpi-aggregates';
import { huiyinNineSteps } from '../../shared/qc/seed-rubrics';
import { readMonthlyScorecards, scorecardDependencies } from '../../shared/scorecards/manage-scorecards';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { listAuditEntries } from '../../shared/store/audit-log';
import { saveAgentProfile } from '../../shared/store/agents';
import { keys } from '../../shared/store/keys';
import { putMessage } from '../../shared/store/messages';
import { saveShop } from '../../shared/store/shops';
import { callHttp } from '../support/call-http';
import { storedItem } from '../support/table';
import { countTenantItems, uniqueTenant, who } from './messaging-fixtures';

/**
 * QC and scorecards against DynamoDB Local (issue 9 §2–3): the handlers as API Gateway calls them, the
 * cycle job on stored conversations, scorecards on hand-made KPI figures read through an injected
 * ReadKpiFigures. Isolation (rows 14–16): agents, QC staff and other tenants.
 */
const tenant = uniqueTenant('qc');
const otherTenant = uniqueTenant('qc-other');
const shop = 'qc-shop';
const peerShop = 'qc-peer';
const otherShop = 'qc-elsewhere';
const admin = who(tenant, 'admin', 'admin-q');
const supervisor = who(tenant, 'supervisor', 'sup-q', [shop]);
const qc = who(tenant, 'qc', 'qc-q', [shop]);
const agentA = who(tenant, 'agent', 'agent-a', [shop]);
const agentB = who(tenant, 'agent', 'agent-b', [shop]);
const foreignSupervisor = who(otherTenant, 'supervisor', 'sup-q', [shop]);
const foreignQc = who(otherTenant, 'qc', 'qc-q', [shop]);

const routing = (prefix: string) => ({ mode: 'by-stage' as const, groups: { 'pre-sale': `${prefix}-pre`, 'in-sale': `${prefix}-in`, 'after-sale': `${prefix}-after` }, idleCloseMinutes: 30, defaultAgentCap: 10 });

async function seedConversation(id: string, agentId: string, openedAt: string, texts: [Message['senderRole'], string][], options: { shopId?: string; firstResponseMs?: number; tenantId?: string; stage?: 'pre-sale' | 'after-sale' } = {}) {
  const tenantId = options.tenantId ?? tenant;
  const head = conversationSchema.parse({
    conversationId: id,
    tenantId,
    shopId: options.shopId ?? shop,
    buyerId: `buyer-${id}`,
    stage: options.stage ?? 'pre-sale',
    status: 'closed',
    assigneeId: agentId,
    openedAt,
    lastSeq: texts.length,
    lastMessageAt: openedAt,
    buyerReadSeq: 0,
    agentReadSeq: 0,
    responseFacts: { questions: 1, replies: texts.length - 1, responseMsTotal: 0, responseCount: 0, ...(options.firstResponseMs === undefined ? {} : { firstResponseMs: options.firstResponseMs }) },
    closedAt: openedAt,
  });
  const day = keys.conversationOnAgentDay(tenantId, agentId, serviceDay(new Date(openedAt)), id);
  await dynamo().send(new PutCommand({ TableName: env().TABLE_NAME, Item: { ...keys.conversation(tenantId, id), ...day, ...head } }));
  for (const [index, [senderRole, text]] of texts.entries()) {
    await putMessage(tenantId, { conversationId: id, seq: index + 1, senderId: senderRole === 'buyer' ? `buyer-${id}` : agentId, senderRole, clientMessageId: `m${index + 1}`, text, createdAt: openedAt });
  }
}

const values = { greet: 1, guide: 3, introduce: 5, 'urge-payment': 'na', 'close-sale': 'na', confirm: 'na', 'cross-sell': 'na', closing: 1, 'after-sale-basics': 'na', 'no-forbidden-words': 1 };
const base = `/v1/shops/${shop}/qc`;
const review = (user: typeof qc, conversationId: string, body: unknown, shopId = shop) =>
  callHttp(submitReviewHandler, user, { method: 'POST', path: `/v1/shops/${shopId}/qc/conversations/${conversationId}/reviews`, pathParameters: { shopId, conversationId }, body });
const reviewAction = (handler: typeof disputeHandler, user: typeof qc, conversationId: string, reviewId: string, action: string, body: unknown) =>
  callHttp(handler, user, { method: 'POST', path: `${base}/conversations/${conversationId}/reviews/${reviewId}/${action}`, pathParameters: { shopId: shop, conversationId, reviewId }, body });
const readQc = (user: typeof qc, conversationId: string) =>
  callHttp(getConversationQcHandler, user, { method: 'GET', path: `${base}/conversations/${conversationId}`, pathParameters: { shopId: shop, conversationId } });

beforeAll(async () => {
  for (const [shopId, category] of [[shop, 'cosmetics'], [peerShop, 'cosmetics'], [otherShop, 'apparel']] as const) {
    await saveShop(tenant, shopId, { name: shopId, category, routing: routing(shopId) }, { mustExist: false });
  }
  await saveShop(otherTenant, shop, { name: 'foreign', category: 'cosmetics', routing: routing('f') }, { mustExist: false });
  await saveAgentProfile(tenant, 'agent-a', { name: 'A', shopIds: [shop], groupIds: [`${shop}-pre`], cap: 10 }, undefined);
  await saveAgentProfile(tenant, 'agent-b', { name: 'B', shopIds: [shop], groupIds: [`${shop}-pre`], cap: 10 }, undefined);
  await saveAgentProfile(tenant, 'agent-p', { name: 'P', shopIds: [peerShop], groupIds: [`${peerShop}-pre`], cap: 10 }, undefined);
  expect((await callHttp(putRubricHandler, supervisor, { method: 'PUT', path: `${base}/rubrics/pre-sale`, pathParameters: { shopId: shop, stage: 'pre-sale' }, body: huiyinNineSteps })).status).toBe(200);
  await seedConversation('conv-a1', 'agent-a', new Date().toISOString(), [
    ['buyer', '这款面霜适合干皮吗'],
    ['agent', '亲，您好！这款保证不过敏'],
    ['agent', '好的'],
  ], { firstResponseMs: 8000 });
});

describe('rubrics and bad input', () => {
  it('refuses weights that do not sum to 100, a rubric without items and a score off the scale with code and field, storing nothing', async () => {
    const path = { shopId: shop, stage: 'after-sale' };
    const before = await countTenantItems(tenant);
    const bad = await callHttp(putRubricHandler, supervisor, { method: 'PUT', path: `${base}/rubrics/after-sale`, pathParameters: path, body: { ...huiyinNineSteps, items: huiyinNineSteps.items.slice(1) } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.items', message: 'weights must sum to 100 (they sum to 90)' }] } } });
    const empty = await callHttp(putRubricHandler, supervisor, { method: 'PUT', path: `${base}/rubrics/after-sale`, pathParameters: path, body: { ...huiyinNineSteps, items: [] } });
    expect(empty).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.items' }] } } });
    const offScale = await review(qc, 'conv-a1', { values: { ...values, introduce: 6 } });
    expect(offScale).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.values.introduce' }] } } });
    const rate = await callHttp(putSettingsHandler, supervisor, { method: 'PUT', path: `${base}/settings`, pathParameters: { shopId: shop }, body: { sampling: { ratePercent: 120 } } });
    expect(rate).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.sampling.ratePercent' }] } } });
    expect(await countTenantItems(tenant)).toBe(before);
  });

  it('lets QC staff read only the shops they inspect and write no rubric; other tenants see nothing', async () => {
    const list = (user: typeof qc, shopId: string) => callHttp(listRubricsHandler, user, { method: 'GET', path: `/v1/shops/${shopId}/qc/rubrics`, pathParameters: { shopId } });
    expect(await list(qc, shop)).toMatchObject({ status: 200, body: { rubrics: [{ stage: 'pre-sale', version: 1 }] } });
    expect((await list(qc, otherShop)).status).toBe(404);
    expect((await list(agentA, shop)).status).toBe(403);
    expect(await list(foreignQc, shop)).toMatchObject({ status: 200, body: { rubrics: [] } });
    expect((await callHttp(putRubricHandler, qc, { method: 'PUT', path: `${base}/rubrics/pre-sale`, pathParameters: { shopId: shop, stage: 'pre-sale' }, body: huiyinNineSteps })).status).toBe(403);
    expect((await readQc(foreignSupervisor, 'conv-a1')).status).toBe(404);
    expect((await review(foreignQc, 'conv-a1', { values })).status).toBe(404);
    expect((await review(qc, 'conv-a1', { values }, otherShop)).status).toBe(404);
  });
});

describe('reviews', () => {
  it('keeps the automatic score apart: a reviewer override is recorded and the automatic result stays as it was', async () => {
    const first = await readQc(qc, 'conv-a1');
    // Greeted (亲/您好), no closing phrase in the last agent message, an unapproved promise (保证).
    expect(first.body.automatic).toMatchObject({ values: { greet: 1, closing: 0, 'no-forbidden-words': 1 } });
    expect(first.body.automatic.checks.find((c: { check: string }) => c.check === 'unapproved-promise')).toMatchObject({ outcome: 'fail' });
    const automaticBefore = await storedItem(keys.qcAutoScore(tenant, 'conv-a1'));

    const created = await review(qc, 'conv-a1', { values, comment: '结束语其实有' });
    expect(created).toMatchObject({ status: 201, body: { agentId: 'agent-a', passed: true, overrides: [{ itemId: 'closing', automatic: 0, human: 1 }], automaticScore: first.body.automatic.score } });
    expect(await storedItem(keys.qcAutoScore(tenant, 'conv-a1'))).toEqual(automaticBefore);
  });

  it('checks a conversation whose stage has no rubric without storing an unscored result, and refuses to review it (409 NO_RUBRIC)', async () => {
    await seedConversation('conv-after', 'agent-a', new Date().toISOString(), [['buyer', '我要退款'], ['agent', '好的']], { stage: 'after-sale', firstResponseMs: 1000 });
    const read = await readQc(qc, 'conv-after');
    expect(read.body.automatic.checks.find((c: { check: string }) => c.check === 'refund-retention')).toMatchObject({ outcome: 'fail' });
    expect(read.body.automatic.score).toBeUndefined();
    expect(await storedItem(keys.qcAutoScore(tenant, 'conv-after'))).toBeUndefined();
    expect(await review(qc, 'conv-after', { values })).toMatchObject({ status: 409, body: { error: { code: 'NO_RUBRIC' } } });
  });

  it('fails a review whose critical item fails, whatever the rest', async () => {
    const failed = await review(supervisor, 'conv-a1', { values: { ...values, 'no-forbidden-words': 0 } });
    expect(failed).toMatchObject({ status: 201, body: { passed: false, score: 0, criticalFailures: ['no-forbidden-words'] } });
    const calibration = (await readQc(qc, 'conv-a1')).body.calibration;
    expect(calibration).toMatchObject({ reviewers: 2, scoreSpread: 100 });
    expect(calibration.items.find((i: { itemId: string }) => i.itemId === 'no-forbidden-words')).toMatchObject({ agreement: 0, values: [1, 0] });
  });

  it('lets the reviewed agent dispute, hides it from colleagues, and records the supervisor ruling in the audit log', async () => {
    const { body: reviews } = await readQc(qc, 'conv-a1');
    const reviewId = reviews.reviews[0].reviewId as string;
    const mine = await callHttp(myReviewsHandler, agentA, { method: 'GET', path: '/v1/qc/my-reviews' });
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body.reviews).toHaveLength(2);
    expect((await callHttp(myReviewsHandler, agentB, { method: 'GET', path: '/v1/qc/my-reviews' })).body.reviews).toEqual([]);

    expect((await reviewAction(disputeHandler, agentB, 'conv-a1', reviewId, 'dispute', { reason: '不是我' })).status).toBe(404);
    expect(await reviewAction(disputeHandler, agentA, 'conv-a1', reviewId, 'dispute', { reason: '我有结束语' })).toMatchObject({ status: 200, body: { dispute: { state: 'open' } } });
    const disputes = await callHttp(listDisputesHandler, supervisor, { method: 'GET', path: `${base}/disputes`, pathParameters: { shopId: shop } });
    expect(disputes.body.reviews.map((r: { reviewId: string }) => r.reviewId)).toEqual([reviewId]);
    expect((await callHttp(listDisputesHandler, agentA, { method: 'GET', path: `${base}/disputes`, pathParameters: { shopId: shop } })).status).toBe(403);
    expect((await reviewAction(rulingHandler, qc, 'conv-a1', reviewId, 'ruling', { ruling: 'upheld' })).status).toBe(403);
    expect((await reviewAction(rulingHandler, foreignSupervisor, 'conv-a1', reviewId, 'ruling', { ruling: 'upheld' })).status).toBe(404);

    const ruled = await reviewAction(rulingHandler, supervisor, 'conv-a1', reviewId, 'ruling', { ruling: 'upheld', note: '维持' });
    expect(ruled).toMatchObject({ status: 200, body: { dispute: { state: 'upheld', ruledBy: 'sup-q' } } });
    expect((await reviewAction(rulingHandler, supervisor, 'conv-a1', reviewId, 'ruling', { ruling: 'overturned' })).body.error.code).toBe('NO_OPEN_DISPUTE');
    const { entries } = await listAuditEntries(tenant, { limit: 20 });
    expect(entries.find((e) => e.action === 'qc.dispute.rule')).toMatchObject({ actorId: 'sup-q', target: { type: 'qc-review', id: reviewId, shopId: shop }, before: { state: 'open' }, after: { state: 'upheld' } });
    expect((await callHttp(listDisputesHandler, supervisor, { method: 'GET', path: `${base}/disputes`, pathParameters: { shopId: shop } })).body.reviews).toEqual([]);
  });
});

describe('the cycle job', () => {
  const now = new Date('2026-11-18T04:00:00Z'); // Wednesday in Shanghai: cycle 2026-11-16, window 11-09 … 11-15
  beforeAll(async () => {
    for (let i = 0; i < 12; i++) {
      await seedConversation(`wk-a${i}`, 'agent-a', `2026-11-1${i % 5}T0${i % 9}:00:00Z`, [['buyer', '在吗'], ['agent', '您好']], { firstResponseMs: i === 3 ? 120_000 : 2000 });
      await seedConversation(`wk-b${i}`, 'agent-b', `2026-11-1${i % 5}T0${i % 9}:30:00Z`, [['buyer', '在吗'], ['agent', '您好']], { firstResponseMs: 2000 });
    }
    await seedConversation('wk-old', 'agent-a', '2026-11-03T02:00:00Z', [['buyer', '在吗'], ['agent', '您好']], { firstResponseMs: 2000 });
    await callHttp(putSettingsHandler, supervisor, { method: 'PUT', path: `${base}/settings`, pathParameters: { shopId: shop }, body: { sampling: { perAgent: 2, targetedPerAgent: 1 } } });
  });

  it('freezes the sample once per cycle from the cycle before, reproducibly, with random and targeted entries marked', async () => {
    expect(await freezeShopCycle(tenant, shop, now)).toBe('frozen');
    expect(await freezeShopCycle(tenant, shop, new Date(now.getTime() + 3600_000))).toBe('kept');
    const list = await callHttp(workListHandler, qc, { method: 'GET', path: `${base}/work-list`, pathParameters: { shopId: shop }, query: { cycle: '2026-11-16' } });
    expect(list.body).toMatchObject({ frozen: true, cycle: '2026-11-16', window: { from: '2026-11-08T16:00:00.000Z', to: '2026-11-15T16:00:00.000Z' } });
    const entries = list.body.entries as { conversationId: string; agentId: string; kind: string; randomlySampled: boolean; reasons: string[] }[];
    expect(entries.filter((e) => e.kind === 'random').map((e) => e.agentId).sort()).toEqual(['agent-a', 'agent-a', 'agent-b', 'agent-b']);
    expect(entries.every((e) => e.randomlySampled === (e.kind === 'random'))).toBe(true);
    expect(entries.some((e) => e.conversationId === 'wk-old' || e.conversationId === 'conv-a1')).toBe(false);
    const wait = entries.find((e) => e.conversationId === 'wk-a3');
    expect(wait?.reasons).toEqual(['long-wait']);

    // Reproducible: the same tenant, shop and cycle in another store give the same draw.
    const again = await freezeShopCycle(tenant, shop, now, { ...freezeDependencies, getSampleHead: async () => undefined, freezeSample: async (_t, _s, _h, drawn) => { expect(drawn.map((d) => d.conversationId).sort()).toEqual(entries.map((e) => e.conversationId).sort()); return true; } });
    expect(again).toBe('frozen');
  });

  it("targets the conversation of a buyer who rated an order low in the window (stored by the KPI aggregator)", async () => {
    await putLowRating(tenant, { shopId: shop, platform: 'douyin', orderId: 'o-low', buyerId: 'buyer-wk-b5', at: '2026-11-12T08:00:00.000Z', score: 1 });
    // A low rating outside the window does not count.
    await putLowRating(tenant, { shopId: shop, platform: 'douyin', orderId: 'o-old', buyerId: 'buyer-wk-b6', at: '2026-11-05T08:00:00.000Z', result: 'bad' });
    let drawn: { conversationId: string; reasons: string[] }[] = [];
    const frozen = await freezeShopCycle(tenant, shop, now, {
      ...freezeDependencies,
      getSampleHead: async () => undefined,
      freezeSample: async (_t, _s, _h, entries) => {
        drawn = [...entries];
        return true;
      },
    });
    expect(frozen).toBe('frozen');
    expect(drawn.find((entry) => entry.conversationId === 'wk-b5')?.reasons).toEqual(['low-rating']);
    expect(drawn.filter((entry) => entry.reasons.includes('low-rating')).map((entry) => entry.conversationId)).toEqual(['wk-b5']);
  });

  it('lets no other tenant or uninspected shop read the work list, and refuses a day that starts no cycle', async () => {
    const read = (user: typeof qc, query: Record<string, string> = {}) => callHttp(workListHandler, user, { method: 'GET', path: `${base}/work-list`, pathParameters: { shopId: shop }, query });
    expect(await read(foreignQc, { cycle: '2026-11-16' })).toMatchObject({ status: 200, body: { frozen: false, entries: [] } });
    expect((await read(agentA)).status).toBe(403);
    expect(await read(qc, { cycle: '2026-11-17' })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'query.cycle' }] } } });
  });
});

describe('scorecards', () => {
  const month = '2026-11';
  const figures = new Map<string, KpiFigures>([
    [`${shop}/agent-a`, { conversionRate: 0.3, averageResponseSeconds: 40 }],
    [`${shop}/agent-b`, { conversionRate: 0.4, averageResponseSeconds: 20 }],
    [`${peerShop}/agent-p`, { conversionRate: 0.2, averageResponseSeconds: 30 }],
  ]);
  const asked: { scope: KpiScope; period: KpiPeriod }[] = [];
  const readKpiFigures: ReadKpiFigures = async (scope, period) => {
    asked.push({ scope, period });
    return figures.get(`${scope.shopId}/${scope.agentId}`) ?? {};
  };
  const deps = { ...scorecardDependencies, readKpiFigures };
  const card = {
    name: 'adidas-like',
    items: [
      { itemId: 'conversion', title: '转化', weight: 30, source: { kind: 'kpi', kpi: 'conversionRate', target: 0.4, direction: 'higher' } },
      { itemId: 'avg-response', title: '平响', weight: 30, source: { kind: 'kpi', kpi: 'averageResponseSeconds', target: 30, direction: 'lower' } },
      { itemId: 'learning', title: '学习', weight: 20, source: { kind: 'manual' } },
      { itemId: 'team', title: '团队', weight: 20, source: { kind: 'manual' } },
    ],
    maxAdjustment: 10,
    starThresholds: [50, 60, 70, 80, 90, 95],
  };
  const put = (user: typeof qc, shopId: string, body: unknown) => callHttp(putScorecardHandler, user, { method: 'PUT', path: `/v1/shops/${shopId}/scorecard`, pathParameters: { shopId }, body });
  const manual = (user: typeof qc, agentId: string, body: unknown) =>
    callHttp(putManualHandler, user, { method: 'PUT', path: `/v1/shops/${shop}/scorecards/${month}/agents/${agentId}/manual`, pathParameters: { shopId: shop, month, agentId }, body });

  afterEach(() => {
    asked.length = 0;
  });

  it('scores each agent of the month by hand-computable arithmetic, ranks them in the shop and the category, and audits manual items', async () => {
    expect((await put(supervisor, shop, card)).status).toBe(200);
    expect((await put(admin, peerShop, card)).status).toBe(200);
    expect(await manual(supervisor, 'agent-a', { values: { learning: 90, team: 80 }, adjustments: [{ points: 5, reason: '表扬' }] })).toMatchObject({ status: 200 });
    expect(await manual(supervisor, 'agent-b', { values: { learning: 60, team: 60 } })).toMatchObject({ status: 200 });

    const result = await readMonthlyScorecards(supervisor, shop, month, deps);
    // agent-a: conversion 75, avg response 75, learning 90, team 80 → (30·75 + 30·75 + 20·90 + 20·80) / 100 = 79, +5 → 84
    // agent-b: 100, 100, 60, 60 → 84, no adjustment → 84 (tie); agent-p (peer shop): 50, 100, none entered → (1500 + 3000) / 60 = 75
    expect(result.agents.map((a) => [a.agentId, a.weighted, a.total, a.stars, a.rankInShop, a.rankInCategory, a.categoryPeers])).toEqual([
      ['agent-a', 79, 84, 5, 1, 1, 3],
      ['agent-b', 84, 84, 5, 1, 1, 3],
    ]);
    expect(asked.find((a) => a.scope.agentId === 'agent-a')?.period).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(asked.every((a) => a.scope.tenantId === tenant)).toBe(true);

    const { entries } = await listAuditEntries(tenant, { limit: 50 });
    expect(entries.filter((e) => e.action === 'scorecard.manual.put').map((e) => e.target.id).sort()).toEqual([`${month}/agent-a`, `${month}/agent-b`]);
  });

  it('refuses manual values for items that are not manual, agents of other shops, and other shops or tenants', async () => {
    expect(await manual(supervisor, 'agent-a', { values: { conversion: 90 } })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.values.conversion' }] } } });
    expect((await manual(supervisor, 'agent-p', { values: { learning: 90 } })).status).toBe(404);
    expect((await manual(foreignSupervisor, 'agent-a', { values: { learning: 90 } })).status).toBe(404);
    expect((await manual(qc, 'agent-a', { values: { learning: 90 } })).status).toBe(403);
    expect((await put(supervisor, shop, { ...card, items: card.items.slice(1) })).status).toBe(400);
    expect(await callHttp(monthlyHandler, foreignSupervisor, { method: 'GET', path: `/v1/shops/${shop}/scorecards/${month}`, pathParameters: { shopId: shop, month } })).toMatchObject({ status: 404 });
    expect((await callHttp(monthlyHandler, supervisor, { method: 'GET', path: `/v1/shops/${otherShop}/scorecards/${month}`, pathParameters: { shopId: otherShop, month } })).status).toBe(404);
  });

  it('reads KPI items from the KPI aggregates in production wiring: with no facts stored, a KPI item has no value and lowers coverage', async () => {
    const response = await callHttp(monthlyHandler, supervisor, { method: 'GET', path: `/v1/shops/${shop}/scorecards/${month}`, pathParameters: { shopId: shop, month } });
    expect(response.status).toBe(200);
    const agents = (response.body as { agents: { items: { itemId: string; value?: number }[]; coverage: number }[] }).agents;
    expect(agents.length).toBeGreaterThan(0);
    for (const agent of agents) {
      expect(agent.items.filter((item) => item.itemId === 'conversion' || item.itemId === 'avg-response').every((item) => item.value === undefined)).toBe(true);
      expect(agent.coverage).toBeLessThan(1);
    }
  });
});
