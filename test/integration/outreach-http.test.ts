import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createTaskRoute } from '../../functions/http/create-outreach-task';
import { handler as getSettingsRoute } from '../../functions/http/get-outreach-settings';
import { handler as getTaskRoute } from '../../functions/http/get-outreach-task';
import { handler as listMine } from '../../functions/http/list-my-outreach-tasks';
import { handler as outcomeRoute } from '../../functions/http/record-outreach-outcome';
import { handler as putSettingsRoute } from '../../functions/http/put-outreach-settings';
import type { Identity, Role } from '../../shared/auth/identity';
import { fireTask, forgetCachedSettings } from '../../shared/outreach/fire-task';
import { orderOutreachDependencies, planOrderOutreach } from '../../shared/outreach/order-outreach';
import { taskIdFor, taskIdForRequest } from '../../shared/outreach/task';
import { localDayOf } from '../../shared/outreach/rules';
import { applyOrderEventToStore } from '../../shared/store/orders';
import { getTask } from '../../shared/store/outreach';
import { getCouponSpend } from '../../shared/store/coupons';
import { keys } from '../../shared/store/keys';
import { callHttp } from '../support/call-http';
import { storedItem } from '../support/table';
import { orderEnvelope, ownOutreachQueue, recordingGateway, signedEnvelope } from './outreach-fixtures';
import { createAgent, createShop, routingConfig } from './routing-fixtures';

const tenant = `outreach-http-${randomUUID().slice(0, 8)}`;
const otherTenant = `outreach-http-b-${randomUUID().slice(0, 8)}`;
const who = (tenantId: string, role: Role, userId: string, shopIds: string[] = []): Identity => ({ tenantId, userId, role, shopIds });
const supervisorX = who(tenant, 'supervisor', 'sup-x', ['shop-x']);
const supervisorY = who(tenant, 'supervisor', 'sup-y', ['shop-y']);
const agent1 = who(tenant, 'agent', 'agent-1', ['shop-x']);
const agent2 = who(tenant, 'agent', 'agent-2', ['shop-x']);
const agentY = who(tenant, 'agent', 'agent-y', ['shop-y']);
const foreignAdmin = who(otherTenant, 'admin', 'admin-1');
const foreignSupervisor = who(otherTenant, 'supervisor', 'sup-x', ['shop-x']);

const settingsOf = (caller: Identity, shopId: string) => callHttp(getSettingsRoute, caller, { method: 'GET', path: `/v1/shops/${shopId}/outreach-settings`, pathParameters: { shopId } });
const putSettings = (caller: Identity, shopId: string, body: unknown) =>
  callHttp(putSettingsRoute, caller, { method: 'PUT', path: `/v1/shops/${shopId}/outreach-settings`, pathParameters: { shopId }, body });
const createCampaign = (caller: Identity, shopId: string, body: unknown) =>
  callHttp(createTaskRoute, caller, { method: 'POST', path: `/v1/shops/${shopId}/outreach-tasks`, pathParameters: { shopId }, body });
const readTask = (caller: Identity, shopId: string, taskId: string) =>
  callHttp(getTaskRoute, caller, { method: 'GET', path: `/v1/shops/${shopId}/outreach-tasks/${taskId}`, pathParameters: { shopId, taskId } });
const outcome = (caller: Identity, taskId: string, body: unknown) => callHttp(outcomeRoute, caller, { method: 'POST', path: `/v1/outreach-tasks/${taskId}/outcome`, pathParameters: { taskId }, body });
const mine = (caller: Identity) => callHttp(listMine, caller, { method: 'GET', path: '/v1/me/outreach-tasks' });

const goodSettings = {
  brandId: 'brand-x',
  quietHours: { start: '00:00', end: '00:00' },
  deliveryCallback: { delayMinutes: 0, assignTo: 'agents', agentCap: 1 },
  coupons: { dsr: 4.5, dailyBudgetMinor: 1000, strategy: [{ when: 'dsr-below', dsrBelow: 4.7, kind: 'cash', amountMinor: 800, rewardFor: 'callback' }] },
};

beforeAll(async () => {
  await ownOutreachQueue('outreach-http');
  await createShop(tenant, 'shop-x', routingConfig({ groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after-x' } }));
  await createShop(tenant, 'shop-y', routingConfig({ groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after-y' } }));
  await createAgent(tenant, 'agent-1', { shopIds: ['shop-x'], groupIds: ['after-x'] });
  await createAgent(tenant, 'agent-2', { shopIds: ['shop-x'], groupIds: ['after-x'] });
});

describe('outreach settings over HTTP', () => {
  it('a supervisor of the shop reads the defaults and saves settings; the stored value is what was sent', async () => {
    expect(await settingsOf(supervisorX, 'shop-x')).toMatchObject({ status: 200, body: { shopId: 'shop-x', quietHours: { start: '22:00', end: '08:00' }, dailyCapPerBuyer: 3 } });
    expect(await putSettings(supervisorX, 'shop-x', goodSettings)).toMatchObject({ status: 200, body: { brandId: 'brand-x' } });
    expect(await settingsOf(supervisorX, 'shop-x')).toMatchObject({ status: 200, body: { brandId: 'brand-x', coupons: { dailyBudgetMinor: 1000 } } });
  });

  it('another shop\'s supervisor, an agent and another tenant cannot read or change the settings (404 / 403, nothing stored)', async () => {
    expect(await settingsOf(supervisorY, 'shop-x')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await putSettings(supervisorY, 'shop-x', { brandId: 'stolen' })).toMatchObject({ status: 404 });
    expect(await putSettings(agent1, 'shop-x', { brandId: 'stolen' })).toMatchObject({ status: 403 });
    const foreign = await settingsOf(foreignAdmin, 'shop-x');
    expect(foreign.status).toBe(200);
    expect(foreign.body.brandId).toBeUndefined();
    expect(await putSettings(foreignSupervisor, 'shop-x', { brandId: 'foreign' })).toMatchObject({ status: 200 });
    // The foreign tenant wrote its own shop-x: ours is untouched.
    expect((await storedItem(keys.outreachSettings(tenant, 'shop-x')))?.brandId).toBe('brand-x');
  });

  it.each([
    ['an unknown placeholder', { urgeToPay: { template: '亲{nickname}，快付款' } }, 400, 'UNKNOWN_PLACEHOLDER', 'body.urgeToPay.template'],
    ['a template over the SMS length', { channels: { sms: { enabled: true } }, shippingNotice: { template: '发'.repeat(300) } }, 400, 'TEMPLATE_TOO_LONG', 'body.shippingNotice.template'],
    ['a budget below zero', { coupons: { dailyBudgetMinor: -1 } }, 400, 'VALIDATION_FAILED', 'body.coupons.dailyBudgetMinor'],
    ['a review invitation tied to a good rating', { reviewInvitation: { template: '五星好评返现5元' } }, 422, 'REWARD_TIED_TO_RATING', 'body.reviewInvitation.template'],
    ['a strategy row rewarding a positive review', { coupons: { strategy: [{ when: 'steady', kind: 'cash', amountMinor: 500, rewardFor: 'positive-review' }] } }, 422, 'REWARD_TIED_TO_RATING', 'body.coupons.strategy.0.rewardFor'],
    ['a smuggled tenantId', { tenantId: otherTenant }, 400, 'VALIDATION_FAILED', 'body.tenantId'],
  ])('refuses %s with its code, naming the field, and stores nothing', async (_name, body, status, code, field) => {
    const before = await storedItem(keys.outreachSettings(tenant, 'shop-x'));
    const answer = await putSettings(supervisorX, 'shop-x', body);
    expect(answer).toMatchObject({ status, body: { error: { code } } });
    expect(answer.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
    expect(await storedItem(keys.outreachSettings(tenant, 'shop-x'))).toEqual(before);
  });
});

describe('campaign tasks over HTTP', () => {
  const body = { clientRequestId: `camp-${randomUUID().slice(0, 8)}`, platform: 'taobao', buyerId: 'buyer-camp', dueAt: '2099-11-11T02:00:00Z', template: '亲，{shopName}活动开始啦' };

  it('schedules once per clientRequestId, readable by the shop\'s staff only', async () => {
    const created = await createCampaign(supervisorX, 'shop-x', body);
    expect(created).toMatchObject({ status: 201, body: { kind: 'campaign', status: 'scheduled', dueMinute: '2099-11-11T02:00' } });
    expect(await createCampaign(supervisorX, 'shop-x', body)).toMatchObject({ status: 200, body: { taskId: created.body.taskId } });
    expect(await createCampaign(supervisorX, 'shop-x', { ...body, buyerId: 'someone-else' })).toMatchObject({ status: 409, body: { error: { code: 'CLIENT_REQUEST_ID_REUSED' } } });
    expect(await readTask(agent1, 'shop-x', created.body.taskId)).toMatchObject({ status: 200 });
    expect(await readTask(agentY, 'shop-x', created.body.taskId)).toMatchObject({ status: 404 });
    expect(await readTask(agentY, 'shop-y', created.body.taskId)).toMatchObject({ status: 404 });
    expect(await readTask(foreignAdmin, 'shop-x', created.body.taskId)).toMatchObject({ status: 404 });
    expect(await createCampaign(supervisorY, 'shop-x', { ...body, clientRequestId: 'camp-other-0001' })).toMatchObject({ status: 404 });
  });

  it.each([
    ['a past due time', { dueAt: '2020-01-01T00:00:00Z' }, 'DUE_TIME_IN_PAST', 'body.dueAt'],
    ['an unknown placeholder', { template: '{coupon}' }, 'UNKNOWN_PLACEHOLDER', 'body.template'],
    ['a template over the platform length', { template: '活'.repeat(600) }, 'TEMPLATE_TOO_LONG', 'body.template'],
  ])('refuses %s with 400 and its code, naming the field, and stores nothing', async (_name, change, code, field) => {
    const request = { ...body, clientRequestId: `bad-${randomUUID().slice(0, 8)}`, ...change };
    const answer = await createCampaign(supervisorX, 'shop-x', request);
    expect(answer).toMatchObject({ status: 400, body: { error: { code, details: [expect.objectContaining({ field })] } } });
    expect(await getTask(tenant, taskIdForRequest('shop-x', request.clientRequestId))).toBeUndefined();
  });
});

describe('delivery callbacks in an agent\'s work list', () => {
  it('a signed order gives a capacity-aware callback to an agent, listed with its order card; only they record the outcome; coupon-accepted issues the DSR coupon within budget', async () => {
    forgetCachedSettings();
    const orderId = '7100000000000000001';
    const now = new Date();
    for (const [minutes, envelope] of [
      [-30, orderEnvelope('shop-x', orderId, 'paid', new Date(now.getTime() - 30 * 60_000))],
      [-20, orderEnvelope('shop-x', orderId, 'shipped', new Date(now.getTime() - 20 * 60_000))],
      [-1, signedEnvelope('shop-x', orderId, new Date(now.getTime() - 60_000))],
    ] as const) {
      const at = new Date(now.getTime() + minutes * 60_000);
      const applied = await applyOrderEventToStore(tenant, envelope, at);
      await planOrderOutreach({ tenantId: tenant, order: applied.order!, envelope, now: at }, orderOutreachDependencies);
    }
    const taskId = taskIdFor('shop-x', 'taobao', orderId, 'delivery-callback');
    const task = (await getTask(tenant, taskId))!;
    expect(task).toMatchObject({ status: 'scheduled', assignTo: 'agents' });
    const gateway = recordingGateway();
    expect(await fireTask({ type: 'fire', tenantId: tenant, taskId, dueMinute: task.dueMinute, phase: 'send' }, now, gateway.deps)).toBe('assigned');
    const assigned = (await getTask(tenant, taskId))!;
    expect(['agent-1', 'agent-2']).toContain(assigned.assigneeId);
    const owner = assigned.assigneeId === 'agent-1' ? agent1 : agent2;
    const other = owner === agent1 ? agent2 : agent1;
    const list = await mine(owner);
    expect(list).toMatchObject({ status: 200, body: { tasks: [{ task: { taskId, status: 'assigned' }, order: { orderId } }] } });
    expect((await mine(other)).body.tasks).toEqual([]);
    expect(await outcome(other, taskId, { outcome: 'reached' })).toMatchObject({ status: 403 });
    expect(await outcome(foreignAdmin, taskId, { outcome: 'reached' })).toMatchObject({ status: 404 });
    expect(await outcome(owner, taskId, { outcome: 'maybe' })).toMatchObject({ status: 400 });
    const done = await outcome(owner, taskId, { outcome: 'coupon-accepted' });
    expect(done).toMatchObject({ status: 200, body: { task: { status: 'done', outcome: 'coupon-accepted' }, coupon: { outcome: 'recorded' } } });
    expect(await outcome(owner, taskId, { outcome: 'reached' })).toMatchObject({ status: 409, body: { error: { code: 'OUTREACH_TASK_NOT_OPEN' } } });
    expect((await mine(owner)).body.tasks).toEqual([]);
    expect((await getCouponSpend(tenant, 'shop-x', localDayOf(new Date(), 'Asia/Shanghai'))).spentMinor).toBe(800);
    expect(Number((await storedItem(keys.agent(tenant, owner.userId)))?.outreachLoad)).toBe(0);
  });
});
