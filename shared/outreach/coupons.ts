import { createHash } from 'node:crypto';
import { sendOutreachJobs } from '../notify/job-queues';
import { getCouponIssuance, recordCouponIssuance, settleCouponIssuance, type CouponIssuance, type IssueOutcome } from '../store/coupons';
import { httpOutreachGateway, type OutreachGateway } from './outreach-gateway';
import { localDayOf } from './rules';
import { chooseCouponRow, rewardConditions, type OutreachSettings } from './settings';

/**
 * Coupon issuance (issue 8 §1, docs/outreach-design.md §4): the shop's DSR strategy picks the row, the
 * day's budget is committed in the same conditional transaction as the issuance record (its id is the
 * idempotency key: one coupon per callback task), then the platform call runs as an asynchronous command
 * on the outreach queue, retried with the same key until the platform takes it or the DLQ holds it.
 */
export const couponDependencies = {
  record: (issuance: CouponIssuance, budgetMinor: number) => recordCouponIssuance(issuance, budgetMinor),
  enqueue: async (tenantId: string, couponId: string) => {
    const { failed } = await sendOutreachJobs([{ type: 'coupon', tenantId, couponId }]);
    if (failed.length > 0) throw new Error('could not queue the coupon command');
  },
  get: (tenantId: string, couponId: string) => getCouponIssuance(tenantId, couponId),
  settle: (tenantId: string, couponId: string, outcome: Parameters<typeof settleCouponIssuance>[2], now: Date) => settleCouponIssuance(tenantId, couponId, outcome, now),
  gateway: httpOutreachGateway as OutreachGateway,
};
export type CouponDependencies = typeof couponDependencies;

export const couponIdFor = (tenantId: string, reason: string) => `cp_${createHash('sha256').update(`${tenantId}\u0000${reason}`).digest('base64url').slice(0, 22)}`;

export interface IssueResult {
  outcome: IssueOutcome | 'no-strategy';
  couponId?: string;
}

/** Issues the coupon the shop's strategy gives now, for `reason` (a task id): at most once per reason, never over the day's budget. */
export async function issueCoupon(
  input: { tenantId: string; shopId: string; platform: string; buyerId: string; reason: string; taskId?: string },
  settings: OutreachSettings,
  now: Date,
  deps: CouponDependencies = couponDependencies,
): Promise<IssueResult> {
  const row = chooseCouponRow(settings.coupons, now);
  if (!row || !(rewardConditions as readonly string[]).includes(row.rewardFor)) return { outcome: 'no-strategy' };
  const couponId = couponIdFor(input.tenantId, input.reason);
  const at = now.toISOString();
  const issuance: CouponIssuance = {
    tenantId: input.tenantId,
    shopId: input.shopId,
    platform: input.platform,
    couponId,
    buyerId: input.buyerId,
    ...(input.taskId ? { taskId: input.taskId } : {}),
    kind: row.kind,
    amountMinor: row.amountMinor,
    currency: settings.coupons.currency,
    rewardFor: row.rewardFor as CouponIssuance['rewardFor'],
    day: localDayOf(now, settings.timeZone),
    status: 'pending',
    createdAt: at,
    updatedAt: at,
  };
  const outcome = await deps.record(issuance, settings.coupons.dailyBudgetMinor);
  // 'exists': a retry; queue again in case the first try died before queuing (the command is idempotent).
  if (outcome !== 'over-budget') await deps.enqueue(input.tenantId, couponId);
  return { outcome, ...(outcome === 'over-budget' ? {} : { couponId }) };
}

/** The queued command: the platform call with the issuance's own idempotency key, then the record settled. */
export async function carryOutCoupon(job: { tenantId: string; couponId: string }, now: Date, deps: CouponDependencies = couponDependencies): Promise<'issued' | 'already-settled' | 'missing'> {
  const issuance = await deps.get(job.tenantId, job.couponId);
  if (!issuance) return 'missing';
  if (issuance.status !== 'pending') return 'already-settled';
  const { platformCouponId } = await deps.gateway.issueCoupon({
    idempotencyKey: issuance.couponId,
    tenantId: issuance.tenantId,
    shopId: issuance.shopId,
    platform: issuance.platform,
    buyerId: issuance.buyerId,
    amountMinor: issuance.amountMinor,
    currency: issuance.currency,
    kind: issuance.kind,
  });
  await deps.settle(job.tenantId, job.couponId, { status: 'issued', platformCouponId }, now);
  return 'issued';
}
