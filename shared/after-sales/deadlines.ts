import { z } from 'zod';
import { platformSchema, refundStatusSchema } from '../orders/envelope';
import { caseStates, caseTypes, type AfterSalesCase, type CaseDeadline } from './case';

/**
 * A case's deadline: the platform's own when it gave one (Taobao refund_remind_timeout), else a rule
 * from a versioned per-platform, per-type table that a shop may override. Published refund clocks differ
 * by year and source (24 h, 36 h, 48 h, 5 d, 10 d; platforms.md §2), so they are data, not code.
 */
export const deadlineRuleSchema = z.object({
  id: z.string().min(1).max(64),
  platform: z.union([platformSchema, z.literal('*')]),
  caseType: z.union([z.enum(caseTypes), z.literal('*')]),
  state: z.union([z.enum(caseStates), z.literal('*')]),
  /** Only while the case's refund is in this step (a return to confirm is not a request to answer). */
  refundStatus: refundStatusSchema.optional(),
  /** Only for orders shipped (true) or not yet shipped (false); absent = either. */
  orderShipped: z.boolean().optional(),
  hours: z.number().positive().max(24 * 60),
  /** Where the number comes from, for the supervisor who wonders. */
  source: z.string().max(256).optional(),
});
export type DeadlineRule = z.infer<typeof deadlineRuleSchema>;

export const deadlineTableSchema = z.object({ version: z.string().min(1).max(32), rules: z.array(deadlineRuleSchema).max(500) });
export type DeadlineTable = z.infer<typeof deadlineTableSchema>;

/**
 * kefu's fallback table, version 2026-12-01. Taobao's numbers are the current English translation of
 * 淘宝网通用退款超时时间表 and a returns policy of the same structure (platforms.md §2, secondary sources);
 * the rest are kefu's own conservative defaults until a platform's rule is verified.
 */
export const defaultDeadlineTable: DeadlineTable = {
  version: '2026-12-01',
  rules: [
    { id: 'tb-refund-unshipped', platform: 'taobao', caseType: '*', state: 'waiting-seller', refundStatus: 'requested', orderShipped: false, hours: 24, source: 'Taobao general refund timeouts: unshipped, seller silent 24 h' },
    { id: 'tb-refund-only-shipped', platform: 'taobao', caseType: 'refund-only', state: 'waiting-seller', refundStatus: 'requested', orderShipped: true, hours: 36, source: 'Taobao: shipped, refund only, seller silent 36 h' },
    { id: 'tb-return-request', platform: 'taobao', caseType: 'return-and-refund', state: 'waiting-seller', refundStatus: 'requested', orderShipped: true, hours: 48, source: 'older Taobao table: 2 days' },
    { id: 'tb-buyer-after-refusal', platform: 'taobao', caseType: '*', state: 'waiting-buyer', refundStatus: 'refused', hours: 5 * 24, source: 'Taobao: seller refused, buyer silent 5 days → closes' },
    { id: 'tb-confirm-return', platform: 'taobao', caseType: '*', state: 'waiting-seller', refundStatus: 'returned', hours: 10 * 24, source: 'return shipped, seller confirms within 10 days' },
    { id: 'any-urge-shipping', platform: '*', caseType: 'urge-shipping', state: '*', hours: 24, source: 'kefu default' },
    { id: 'any-missing-damaged', platform: '*', caseType: 'missing-or-damaged', state: '*', hours: 24, source: 'kefu default' },
    { id: 'any-quality', platform: '*', caseType: 'quality-complaint', state: '*', hours: 48, source: 'kefu default' },
    { id: 'any-case', platform: '*', caseType: '*', state: '*', hours: 48, source: 'kefu default' },
  ],
};

export interface DeadlinePolicy {
  table: DeadlineTable;
  /** The shop's own rules: any that matches beats every table rule. */
  shopRules?: readonly DeadlineRule[];
  /** kefu's SLA ends this long before the deadline, so agents finish before the platform acts. */
  safetyMarginMinutes: number;
}

export interface DeadlineFacts {
  /** The platform's deadline for the current step, when it gave one. */
  platformDueAt?: string;
  /** Whether the order had shipped when the step began (refund clocks differ). */
  orderShipped?: boolean;
}

/**
 * The deadline of the case's current step, or undefined for a finished case. The clock starts when the
 * case entered its current state.
 *
 * @example
 * const deadline = deadlineFor(caseItem, { platformDueAt: refund.deadline?.at, orderShipped: true }, shop.deadlinePolicy);
 */
export function deadlineFor(current: Pick<AfterSalesCase, 'platform' | 'type' | 'state' | 'stateSince' | 'refund'>, facts: DeadlineFacts, policy: DeadlinePolicy): CaseDeadline | undefined {
  if (current.state === 'resolved' || current.state === 'closed') return undefined;
  const startsAt = current.stateSince;
  const withSla = (dueMs: number, rest: Omit<CaseDeadline, 'dueAt' | 'slaDueAt' | 'startsAt'>): CaseDeadline => ({
    dueAt: new Date(dueMs).toISOString(),
    // A deadline closer than the margin leaves no SLA window: the SLA is then due at once.
    slaDueAt: new Date(Math.max(Date.parse(startsAt), dueMs - policy.safetyMarginMinutes * 60_000)).toISOString(),
    startsAt,
    ...rest,
  });
  if (facts.platformDueAt) return withSla(Date.parse(facts.platformDueAt), { source: 'platform' });

  const shopRule = mostSpecific(policy.shopRules ?? [], current, facts);
  if (shopRule) return withSla(Date.parse(startsAt) + shopRule.hours * 3_600_000, { source: 'shop-rule', ruleId: shopRule.id });
  const rule = mostSpecific(policy.table.rules, current, facts);
  if (!rule) return undefined;
  return withSla(Date.parse(startsAt) + rule.hours * 3_600_000, { source: 'rule', ruleId: rule.id, tableVersion: policy.table.version });
}

function mostSpecific(rules: readonly DeadlineRule[], current: Pick<AfterSalesCase, 'platform' | 'type' | 'state' | 'refund'>, facts: DeadlineFacts): DeadlineRule | undefined {
  let best: DeadlineRule | undefined;
  let bestScore = -1;
  for (const rule of rules) {
    if (rule.platform !== '*' && rule.platform !== current.platform) continue;
    if (rule.caseType !== '*' && rule.caseType !== current.type) continue;
    if (rule.state !== '*' && rule.state !== current.state) continue;
    if (rule.refundStatus !== undefined && rule.refundStatus !== current.refund?.status) continue;
    if (rule.orderShipped !== undefined && rule.orderShipped !== facts.orderShipped) continue;
    // Platform, type, state, refund step, then shipping: each named field makes a rule more specific; the first wins a tie.
    const score =
      (rule.platform !== '*' ? 16 : 0) + (rule.caseType !== '*' ? 8 : 0) + (rule.state !== '*' ? 4 : 0) + (rule.refundStatus !== undefined ? 2 : 0) + (rule.orderShipped !== undefined ? 1 : 0);
    if (score > bestScore) {
      best = rule;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Sets the case's deadline for its current step, appending a `deadline` timeline entry when it changes
 * (the same object comes back when it does not, so a redelivery writes nothing). Run after every state
 * change and every refund update; a finished case loses its deadline.
 */
export function applyDeadline(current: AfterSalesCase, facts: DeadlineFacts, policy: DeadlinePolicy, at: string): AfterSalesCase {
  const deadline = deadlineFor(current, facts, policy);
  if (deadline?.dueAt === current.deadline?.dueAt && deadline?.slaDueAt === current.deadline?.slaDueAt && deadline?.source === current.deadline?.source) return current;
  const { deadline: _old, ...rest } = current;
  return {
    ...rest,
    ...(deadline ? { deadline } : {}),
    updatedAt: at,
    timeline: [...current.timeline, { at, actor: { kind: 'system' }, kind: 'deadline', ...(deadline ? { dueAt: deadline.dueAt, text: `${deadline.source}${deadline.ruleId ? ` ${deadline.ruleId}` : ''}` } : { text: 'no deadline' }) }],
  };
}
