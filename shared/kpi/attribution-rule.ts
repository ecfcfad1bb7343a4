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
  })
  .strip();
export type AttributionRule = z.infer<typeof attributionRuleSchema>;

/** Until a shop sets one: credit on payment with a 3-day window (Taobao's common default). */
export const defaultAttributionRule: AttributionRule = { mode: 'payment', inquiryWindowDays: 3, version: 0, activeVersion: 0 };

export const attributionRuleViewSchema = attributionRuleSchema
  .extend({
    shopId: z.string(),
    source: z.enum(['shop', 'default']),
    /** True while the shop's stored facts are being recomputed under `version`; reads show `activeVersion`. */
    recomputing: z.boolean(),
  })
  .meta({ id: 'AttributionRule' });
export type AttributionRuleView = z.infer<typeof attributionRuleViewSchema>;

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
