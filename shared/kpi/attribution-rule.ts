import { z } from 'zod';

/**
 * A shop's order-attribution rule (shared/platforms.md §4.2, Taobao's three parallel attributions):
 * - `order-placed` (下单判定): an order counts when placed, credited to the last reception before it;
 * - `order-first` (下单优先判定): counts when paid, credited to the last reception before the order was
 *   placed, or, if the buyer only chatted between placing and paying, the first reception after placing;
 * - `payment` (付款判定): counts when paid, credited to the last reception before the payment.
 * Only receptions within `inquiryWindowDays` before the credit instant count (询单有效时长, 2–15 days).
 */
export const attributionModes = ['order-placed', 'order-first', 'payment'] as const;
export type AttributionMode = (typeof attributionModes)[number];

export const minInquiryWindowDays = 2;
export const maxInquiryWindowDays = 15;

export const putAttributionRuleBody = z
  .object({
    mode: z.enum(attributionModes),
    inquiryWindowDays: z
      .number()
      .int('must be a whole number of days')
      .min(minInquiryWindowDays, `must be ${minInquiryWindowDays}-${maxInquiryWindowDays} days`)
      .max(maxInquiryWindowDays, `must be ${minInquiryWindowDays}-${maxInquiryWindowDays} days`),
  })
  .strict()
  .meta({ id: 'PutAttributionRuleBody' });
export type AttributionRuleSettings = z.infer<typeof putAttributionRuleBody>;

/** Months a recompute covers: the current UTC month and the two before (orders older than that are settled). */
export const recomputeMonths = 3;

/** The last `count` UTC months up to `now`'s, oldest first (`yyyy-MM`). */
export function monthsBack(now: Date, count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - index, 1));
    return d.toISOString().slice(0, 7);
  }).reverse();
}

/**
 * Where a month's recompute stands (docs/kpi-design.md §3): `next` is the cursor of the page to do next
 * ('' = the first page); `from` and `by` name the page that advanced it last and the queue message that
 * did (its redelivery may finish what it started; any other copy is a duplicate); `orders` re-attributed so far.
 */
export const recomputePageStateSchema = z.object({
  next: z.string(),
  from: z.string().optional(),
  by: z.string().optional(),
  done: z.boolean().optional(),
  orders: z.number().int().nonnegative(),
});
export type RecomputePageState = z.infer<typeof recomputePageStateSchema>;

/** A new version's recompute, before any page ran: every month at its first page. */
export function recomputeStart(version: number, months: readonly string[]): { recompute: { version: number; months: string[] }; recomputePages: Record<string, RecomputePageState> } {
  return { recompute: { version, months: [...months] }, recomputePages: Object.fromEntries(months.map((month) => [month, { next: '', orders: 0 }])) };
}

export const attributionRuleSchema = putAttributionRuleBody
  .extend({
    /** Bumped by every change; attributed counters are kept per version. */
    version: z.number().int().nonnegative(),
    /** The version whose counters are complete: what reads use. Lags `version` while a recompute runs. */
    activeVersion: z.number().int().nonnegative(),
    /** The settings of `activeVersion` while it differs from `version` (live facts are counted under both). */
    active: putAttributionRuleBody.optional(),
    updatedAt: z.string().optional(),
    updatedBy: z.string().optional(),
    /** The version being recomputed (the one the change made) and its months. */
    recompute: z.object({ version: z.number().int().nonnegative(), months: z.array(z.string()) }).optional(),
    /** Each month's progress (kept when done, for the status). */
    recomputePages: z.record(z.string(), recomputePageStateSchema).optional(),
  })
  .strip();
export type AttributionRule = z.infer<typeof attributionRuleSchema>;

/** Until a shop sets one: credit on payment with a 3-day window (Taobao's common default). */
export const defaultAttributionRule: AttributionRule = { mode: 'payment', inquiryWindowDays: 3, version: 0, activeVersion: 0 };

/**
 * The recompute of the current version: `pending` until its first page ran, `running`, then `done` (its
 * figures are the ones reads show). Figures of periods it covers are provisional until then.
 */
export const recomputeStatusSchema = z
  .object({
    version: z.number().int().nonnegative(),
    state: z.enum(['pending', 'running', 'done']),
    monthsDone: z.number().int().nonnegative(),
    monthsTotal: z.number().int().nonnegative(),
    /** Stored orders attributed again so far. */
    ordersDone: z.number().int().nonnegative(),
  })
  .meta({ id: 'AttributionRecomputeStatus' });
export type RecomputeStatus = z.infer<typeof recomputeStatusSchema>;

export const attributionRuleViewSchema = attributionRuleSchema
  .omit({ recompute: true, recomputePages: true })
  .extend({
    shopId: z.string(),
    source: z.enum(['shop', 'default']),
    /** True while the shop's stored facts are being recomputed under `version`; reads show `activeVersion`. */
    recomputing: z.boolean(),
    recompute: recomputeStatusSchema,
  })
  .meta({ id: 'AttributionRule' });
export type AttributionRuleView = z.infer<typeof attributionRuleViewSchema>;

/** The status of a rule's current version's recompute (a rule never changed has nothing to recompute: done). */
export function recomputeStatusOf(rule: AttributionRule): RecomputeStatus {
  const months = rule.recompute?.version === rule.version ? rule.recompute.months : [];
  const pages = months.map((month) => rule.recomputePages?.[month]).filter((page): page is RecomputePageState => page !== undefined);
  const ordersDone = pages.reduce((sum, page) => sum + page.orders, 0);
  const monthsDone = pages.filter((page) => page.done).length;
  if (rule.version === rule.activeVersion) return { version: rule.version, state: 'done', monthsDone: months.length, monthsTotal: months.length, ordersDone };
  const started = pages.some((page) => page.from !== undefined);
  return { version: rule.version, state: started ? 'running' : 'pending', monthsDone, monthsTotal: months.length || recomputeMonths, ordersDone };
}

/** The versions (with their settings) live facts are attributed under: the active one and, while recomputing, the new one. */
export function liveVersionsOf(rule: AttributionRule): { version: number; settings: AttributionRuleSettings }[] {
  const current = { version: rule.version, settings: { mode: rule.mode, inquiryWindowDays: rule.inquiryWindowDays } };
  if (rule.version === rule.activeVersion) return [current];
  return [{ version: rule.activeVersion, settings: rule.active ?? defaultAttributionRule }, current];
}

/** The rule after a change: a new version; the active version (and its settings) stay until the recompute ends. */
export function nextRule(settings: AttributionRuleSettings, previous: AttributionRule | undefined): AttributionRule {
  const before = previous ?? defaultAttributionRule;
  const activeSettings =
    before.version === before.activeVersion ? { mode: before.mode, inquiryWindowDays: before.inquiryWindowDays } : (before.active ?? defaultAttributionRule);
  return { ...settings, version: before.version + 1, activeVersion: before.activeVersion, active: { mode: activeSettings.mode, inquiryWindowDays: activeSettings.inquiryWindowDays } };
}
