import { servesShop, type Identity } from '../auth/identity';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../http/errors';
import { orderCard } from '../orders/order-card';
import { assertSupervisesShop } from '../routing/access';
import { getOrder } from '../store/orders';
import { createTask, getOutreachSettings, getTask, getTasks, listTaskIdsOfAgent, putOutreachSettings, recordTaskOutcome } from '../store/outreach';
import { issueCoupon, type IssueResult } from './coupons';
import type { CampaignTaskBody, MyOutreachTasksQuery, OutcomeBody } from './outreach-frames';
import { fileMinute } from './order-outreach';
import { nextSendableAt } from './rules';
import { brandOf, checkOutreachSettings, checkTemplate, type OutreachSettings, type OutreachSettingsBody } from './settings';
import { taskIdForRequest, type OutreachTask } from './task';

/**
 * What the outreach routes do (thin handlers call one of these). Settings: the shop's supervisors and
 * the tenant's admins. Tasks: staff serving the shop read them; only the assigned agent records a
 * callback's outcome. A shop the caller does not serve, or a task of one, is a 404 exactly like a missing
 * one (every key starts with the caller's own tenant), so ids cannot be probed across shops or tenants.
 */

export async function getOutreachSettingsFor(identity: Identity, shopId: string): Promise<OutreachSettings> {
  assertSupervisesShop(identity, shopId);
  return getOutreachSettings(identity.tenantId, shopId);
}

/** Every check runs before the write: a refused body stores nothing. */
export async function putOutreachSettingsFor(identity: Identity, shopId: string, body: OutreachSettingsBody, now: Date): Promise<OutreachSettings> {
  assertSupervisesShop(identity, shopId);
  checkOutreachSettings(body);
  return putOutreachSettings(identity.tenantId, shopId, body, now);
}

function assertMayRead(identity: Identity, task: OutreachTask | undefined): asserts task is OutreachTask {
  if (!task || !servesShop(identity, task.shopId)) throw new NotFoundError('outreach task');
}

export async function getOutreachTaskFor(identity: Identity, shopId: string, taskId: string): Promise<OutreachTask> {
  if (!servesShop(identity, shopId)) throw new NotFoundError('outreach task');
  const task = await getTask(identity.tenantId, taskId);
  if (task?.shopId !== shopId) throw new NotFoundError('outreach task');
  assertMayRead(identity, task);
  return withoutInternals(task);
}

const withoutInternals = ({ claimedAt: _claimedAt, ...task }: OutreachTask): OutreachTask => task;

/** The caller's delivery callbacks, soonest due first, each with its order's card. */
export async function listMyOutreachTasks(identity: Identity, query: MyOutreachTasksQuery) {
  const page = await listTaskIdsOfAgent(identity.tenantId, identity.userId, query.limit ?? 20, query.cursor);
  const tasks = (await getTasks(identity.tenantId, page.taskIds)).filter((task) => task.status === 'assigned' && task.assigneeId === identity.userId);
  const items = await Promise.all(
    tasks.map(async (task) => {
      const order = task.orderId ? await getOrder({ tenantId: identity.tenantId, shopId: task.shopId, platform: task.platform, orderId: task.orderId }) : undefined;
      return { task: withoutInternals(task), ...(order ? { order: orderCard(order) } : {}) };
    }),
  );
  return { tasks: items, ...(page.after ? { cursor: page.after } : {}) };
}

/**
 * The assigned agent records how the callback went. `coupon-accepted` issues the coupon the shop's DSR
 * strategy gives (idempotent per task, within the day's budget: over it, the outcome is still recorded
 * and the answer says `over-budget`).
 */
export async function recordOutcomeFor(identity: Identity, taskId: string, body: OutcomeBody, now: Date): Promise<{ task: OutreachTask; coupon?: IssueResult }> {
  const task = await getTask(identity.tenantId, taskId);
  assertMayRead(identity, task);
  if (task.assigneeId !== identity.userId) throw new ForbiddenError('the callback is not yours', [{ field: 'taskId', message: 'assigned to someone else' }]);
  if (task.status !== 'assigned') throw new ConflictError('OUTREACH_TASK_NOT_OPEN', `the task is ${task.status}`, [{ field: 'taskId', message: `already ${task.status}` }]);
  let coupon: IssueResult | undefined;
  if (body.outcome === 'coupon-accepted') {
    const settings = await getOutreachSettings(identity.tenantId, task.shopId);
    coupon = await issueCoupon({ tenantId: identity.tenantId, shopId: task.shopId, platform: task.platform, buyerId: task.platformBuyerId, reason: task.taskId, taskId: task.taskId }, settings, now);
  }
  const recorded = await recordTaskOutcome(task, identity.userId, body.outcome, coupon?.couponId ? { couponId: coupon.couponId } : {}, now);
  if (!recorded) throw new ConflictError('OUTREACH_TASK_NOT_OPEN', 'the task changed meanwhile', [{ field: 'taskId', message: 'no longer assigned to you' }]);
  const stored = await getTask(identity.tenantId, taskId);
  return { task: withoutInternals(stored!), ...(coupon ? { coupon } : {}) };
}

/**
 * A campaign message to one buyer (a supervisor's), due at `dueAt`: the template is checked like a
 * settings template (placeholders, length, no reward tied to a rating), the time may not be past.
 * Idempotent by `clientRequestId`.
 */
export async function createCampaignTask(identity: Identity, shopId: string, body: CampaignTaskBody, now: Date): Promise<{ created: boolean; task: OutreachTask }> {
  assertSupervisesShop(identity, shopId);
  const dueAt = new Date(body.dueAt);
  if (dueAt.getTime() < now.getTime() - 60_000) {
    throw new AppError(400, 'DUE_TIME_IN_PAST', 'dueAt is in the past', [{ field: 'body.dueAt', message: 'must be now or later' }]);
  }
  const settings = await getOutreachSettings(identity.tenantId, shopId);
  checkTemplate('body.template', body.template, body.channel === 'sms');
  const taskId = taskIdForRequest(shopId, body.clientRequestId);
  const sendAt = nextSendableAt(dueAt, settings);
  const at = now.toISOString();
  const task: OutreachTask = {
    tenantId: identity.tenantId,
    shopId,
    taskId,
    kind: 'campaign',
    nudge: 0,
    platform: body.platform,
    buyerId: body.buyerId,
    platformBuyerId: body.buyerId,
    brandId: brandOf(settings),
    status: 'scheduled',
    dueAt: sendAt.toISOString(),
    dueMinute: fileMinute(sendAt, now),
    assignTo: 'robot',
    template: body.template,
    channel: body.channel,
    deferrals: 0,
    createdAt: at,
    updatedAt: at,
  };
  const outcome = await createTask(task);
  const stored = outcome === 'created' ? task : await getTask(identity.tenantId, taskId);
  if (!stored || stored.shopId !== shopId || stored.buyerId !== body.buyerId || stored.template !== body.template) {
    throw new ConflictError('CLIENT_REQUEST_ID_REUSED', 'this clientRequestId created another task', [{ field: 'body.clientRequestId', message: 'already used for another task' }]);
  }
  return { created: outcome === 'created', task: withoutInternals(stored) };
}
