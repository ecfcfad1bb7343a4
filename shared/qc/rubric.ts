import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { stageSchema } from '../conversations/conversation';
import { humanText } from '../routing/text';

/**
 * A QC rubric (质检标准): the written standard a shop's chats of one stage are scored against (the
 * pre-sale 8 steps, the after-sale 6 steps, Huiyin's 9-step flow). Items have a weight (the weights of a
 * rubric sum to 100), a scale, whether N/A is allowed, and whether failing it fails the whole review
 * (critical, Zendesk QA's auto-fail). An item may name the automatic check that scores it too.
 */
export const scales = ['yes-no', '3-point', '4-point', '5-point'] as const;
export type Scale = (typeof scales)[number];

/** The automatic checks kefu runs on a conversation's messages (shared/qc/auto-checks.ts). */
export const autoChecks = ['first-response', 'greeting', 'closing', 'forbidden-words', 'refund-retention', 'unapproved-promise'] as const;
export type AutoCheck = (typeof autoChecks)[number];

export const rubricItemSchema = z.strictObject({
  itemId: idSchema,
  title: humanText(100),
  /** What the reviewer looks for, in the shop's own words. */
  guidance: humanText(500).optional(),
  weight: z.number().int().min(0).max(100),
  scale: z.enum(scales),
  allowNa: z.boolean().default(false),
  critical: z.boolean().default(false),
  autoCheck: z.enum(autoChecks).optional(),
});
export type RubricItem = z.infer<typeof rubricItemSchema>;

export const maxRubricItems = 30;

/**
 * The rules every weighted list shares (rubrics, scorecards): weights sum to 100 (reported once on
 * `items`, and not for an empty list, which its own minimum reports) and no item id repeats.
 */
export function weightedItemProblems(items: readonly { itemId: string; weight: number }[], ctx: z.RefinementCtx): void {
  // Rounded to a thousandth, so fractional scorecard weights like 33.333 + 33.333 + 33.334 sum exactly.
  const total = Math.round(items.reduce((sum, item) => sum + item.weight, 0) * 1000) / 1000;
  if (total !== 100 && items.length > 0) ctx.addIssue({ code: 'custom', path: ['items'], message: `weights must sum to 100 (they sum to ${total})` });
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.itemId)) ctx.addIssue({ code: 'custom', path: ['items', index, 'itemId'], message: 'repeats an item id' });
    seen.add(item.itemId);
  });
}

/** PUT …/qc/rubrics/{stage}: the whole rubric, replacing the stored one. */
export const putRubricBody = z
  .strictObject({
    name: humanText(100),
    /** A review at or above this score (0–100) passes, unless a critical item failed. */
    passScore: z.number().min(0).max(100).default(80),
    items: z.array(rubricItemSchema).min(1, 'a rubric needs at least one item').max(maxRubricItems),
  })
  .superRefine((rubric, ctx) => weightedItemProblems(rubric.items, ctx));
export type PutRubricBody = z.infer<typeof putRubricBody>;

export const rubricPathParams = z.strictObject({ shopId: idSchema, stage: stageSchema });

export const rubricSchema = z.object({
  shopId: idSchema,
  stage: stageSchema,
  name: z.string(),
  passScore: z.number(),
  items: z.array(
    z.object({
      itemId: z.string(),
      title: z.string(),
      guidance: z.string().optional(),
      weight: z.number(),
      scale: z.enum(scales),
      allowNa: z.boolean(),
      critical: z.boolean(),
      autoCheck: z.enum(autoChecks).optional(),
    }),
  ),
  /** Bumped on every change; a review records the version it was scored against. */
  version: z.number().int().positive(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type Rubric = z.infer<typeof rubricSchema>;
export const rubricListSchema = z.object({ rubrics: z.array(rubricSchema) });

/** The highest point of a scale: yes-no is 0/1, an n-point scale 1..n. */
export function scaleMax(scale: Scale): number {
  return scale === 'yes-no' ? 1 : Number(scale[0]);
}
export const scaleMin = (scale: Scale): number => (scale === 'yes-no' ? 0 : 1);

/** A point on the item's scale as a fraction 0..1 (yes = 1, no = 0; on 1..n, 1 = 0 and n = 1). */
export function normalisedPoint(scale: Scale, value: number): number {
  const min = scaleMin(scale);
  return (value - min) / (scaleMax(scale) - min);
}

/** One item's score in a review: a point on its scale, or `na`. */
export type ItemValue = number | 'na';

export interface ScoredReview {
  /** 0–100, two decimals: Σ weight × normalised point ÷ Σ weight over the items not N/A; 0 when a critical item failed. */
  score: number;
  passed: boolean;
  /** Critical items scored at the bottom of their scale. */
  criticalFailures: string[];
}

/**
 * Scores item values against a rubric. A critical item at the bottom of its scale ("no", or 1) fails the
 * review and zeroes it, whatever the rest (platforms.md §4: critical items zero the review). All items N/A
 * scores 100: nothing applicable went wrong. Values are checked by `scoreProblems` first.
 */
export function scoreReview(rubric: Pick<Rubric, 'items' | 'passScore'>, values: Readonly<Record<string, ItemValue>>): ScoredReview {
  let weighted = 0;
  let weights = 0;
  const criticalFailures: string[] = [];
  for (const item of rubric.items) {
    const value = values[item.itemId];
    if (value === undefined || value === 'na') continue;
    if (item.critical && value === scaleMin(item.scale)) criticalFailures.push(item.itemId);
    weighted += item.weight * normalisedPoint(item.scale, value);
    weights += item.weight;
  }
  if (criticalFailures.length > 0) return { score: 0, passed: false, criticalFailures };
  const score = weights === 0 ? 100 : Math.round((weighted / weights) * 10_000) / 100;
  return { score, passed: score >= rubric.passScore, criticalFailures };
}

/**
 * Why item values do not fit a rubric, as `{ field, message }` under `prefix`: a missing or unknown item,
 * N/A where the item does not allow it, a point off the item's scale.
 */
export function scoreProblems(rubric: Pick<Rubric, 'items'>, values: Readonly<Record<string, ItemValue>>, prefix: string): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const known = new Set(rubric.items.map((item) => item.itemId));
  for (const id of Object.keys(values)) if (!known.has(id)) problems.push({ field: `${prefix}.${id}`, message: 'not an item of the rubric' });
  for (const item of rubric.items) {
    const value = values[item.itemId];
    const field = `${prefix}.${item.itemId}`;
    if (value === undefined) problems.push({ field, message: 'every item needs a score (or na where allowed)' });
    else if (value === 'na') {
      if (!item.allowNa) problems.push({ field, message: 'this item does not allow N/A' });
    } else if (!Number.isInteger(value) || value < scaleMin(item.scale) || value > scaleMax(item.scale)) {
      problems.push({ field, message: `must be an integer from ${scaleMin(item.scale)} to ${scaleMax(item.scale)} (${item.scale})` });
    }
  }
  return problems;
}
