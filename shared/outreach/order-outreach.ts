import { caseIdForReviewRepair } from '../after-sales/case';
import { caseDependencies, changeCase } from '../after-sales/change-case';
import type { OrderChange } from '../orders/apply-order-events';
import type { OrderState } from '../orders/order';
import { kefuBuyerOf } from '../store/buyer-links';
import { cancelTask, createTask, getOutreachSettings, getTasks } from '../store/outreach';
import { planOutreach } from './plan-outreach';
import { brandOf, type OutreachSettings } from './settings';
import { dueMinuteOf, minuteOf, taskIdFor, type OutreachTask } from './task';

/**
 * The orders consumer's `outreach` step (issue 8 §1): plans and stops the order's outreach tasks from the
 * order as stored, and opens a review-repair case on a low rating. Idempotent: tasks are created only if
 * absent (ids derived from order, kind and nudge: a duplicated SIGNED makes one callback) and stopped by
 * a conditional update, so a redelivered event or a replay of the whole history changes nothing more.
 * Reads the tasks first (BatchGet, half a read unit each) so an event that changes nothing writes nothing.
 */
export const orderOutreachDependencies = {
  getSettings: (tenantId: string, shopId: string) => getOutreachSettings(tenantId, shopId),
  kefuBuyerOf: (tenantId: string, shopId: string, platformBuyerId: string) => kefuBuyerOf(tenantId, shopId, platformBuyerId),
  getTasks: (tenantId: string, taskIds: readonly string[]) => getTasks(tenantId, taskIds),
  createTask: (task: OutreachTask) => createTask(task),
  cancelTask: (tenantId: string, taskId: string, reason: string, now: Date) => cancelTask(tenantId, taskId, reason, now),
  openReviewRepair: (order: OrderState, result: 'neutral' | 'bad', now: Date) => openReviewRepairCase(order, result, now),
};
export type OrderOutreachDependencies = typeof orderOutreachDependencies;

export async function planOrderOutreach(change: OrderChange, deps: OrderOutreachDependencies = orderOutreachDependencies): Promise<{ created: number; stopped: number }> {
  const { tenantId, order, envelope, now } = change;
  const settings = await deps.getSettings(tenantId, order.shopId);
  if (envelope.topic === 'order.rated' && envelope.payload.rater === 'buyer' && settings.reviewRepair.enabled) {
    const result = envelope.payload.result;
    if (result === 'bad' || result === 'neutral') await deps.openReviewRepair(order, result, now);
  }
  const plan = planOutreach(order, settings, now);
  if (plan.schedule.length === 0 && plan.stop.length === 0) return { created: 0, stopped: 0 };
  const platformBuyerId = order.buyer!.value.buyerId;
  const idOf = (item: { kind: OutreachTask['kind']; nudge: number }) => taskIdFor(order.shopId, order.platform, order.orderId, item.kind, item.nudge);
  const existing = new Map((await deps.getTasks(tenantId, [...plan.schedule, ...plan.stop].map(idOf))).map((task) => [task.taskId, task]));
  let created = 0;
  let stopped = 0;
  const toCreate = plan.schedule.filter((item) => !existing.has(idOf(item)));
  if (toCreate.length > 0) {
    const buyerId = (await deps.kefuBuyerOf(tenantId, order.shopId, platformBuyerId)) ?? platformBuyerId;
    for (const item of toCreate) {
      const task = newTask(order, settings, { ...item, taskId: idOf(item), buyerId, platformBuyerId }, now);
      if ((await deps.createTask(task)) === 'created') created++;
    }
  }
  for (const item of plan.stop) {
    const taskId = idOf(item);
    if (existing.get(taskId)?.status !== 'scheduled') continue;
    if (await deps.cancelTask(tenantId, taskId, item.reason, now)) stopped++;
  }
  return { created, stopped };
}

function newTask(
  order: OrderState,
  settings: OutreachSettings,
  item: { kind: OutreachTask['kind']; nudge: number; dueAt: Date; assignTo: 'robot' | 'agents'; taskId: string; buyerId: string; platformBuyerId: string },
  now: Date,
): OutreachTask {
  return {
    tenantId: order.tenantId,
    shopId: order.shopId,
    taskId: item.taskId,
    kind: item.kind,
    nudge: item.nudge,
    platform: order.platform,
    orderId: order.orderId,
    buyerId: item.buyerId,
    platformBuyerId: item.platformBuyerId,
    brandId: brandOf(settings),
    status: 'scheduled',
    dueAt: item.dueAt.toISOString(),
    dueMinute: fileMinute(item.dueAt, now),
    assignTo: item.assignTo,
    deferrals: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

/**
 * The minute a task is filed under: its due minute, but never the current one or earlier — the sweep
 * may have drained this minute already, so a task due now goes in the next (at most a minute late).
 */
export function fileMinute(dueAt: Date, now: Date): string {
  const next = minuteOf(new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000));
  const due = dueMinuteOf(dueAt);
  return due > next ? due : next;
}

/** Review repair (改评价): a case for an agent of the shop's after-sale group, one per order. */
async function openReviewRepairCase(order: OrderState, result: 'neutral' | 'bad', now: Date): Promise<void> {
  const at = now.toISOString();
  const caseId = caseIdForReviewRepair(order.platform, order.shopId, order.orderId);
  await changeCase(
    {
      tenantId: order.tenantId,
      caseId,
      now,
      change: (existing) =>
        existing ?? {
          tenantId: order.tenantId,
          shopId: order.shopId,
          platform: order.platform,
          caseId,
          type: 'other',
          state: 'open',
          stateSince: at,
          origin: 'review',
          orderId: order.orderId,
          ...(order.buyer ? { buyerId: order.buyer.value.buyerId } : {}),
          warningsSent: [],
          openedAt: at,
          updatedAt: at,
          timeline: [{ at, actor: { kind: 'platform' }, kind: 'opened', to: 'open', text: `review repair: the buyer rated ${result}` }],
        },
    },
    caseDependencies,
  );
}
