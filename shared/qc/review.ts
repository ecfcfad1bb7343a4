import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { stageSchema } from '../conversations/conversation';
import { humanText } from '../routing/text';
import { checkResultSchema } from './auto-checks';
import type { ItemValue } from './rubric';

/** A point on an item's scale, or `na`; checked against the rubric by scoreProblems (400 naming `body.values.<item>`). */
const itemValueSchema = z.union([z.number().int().min(0).max(5), z.literal('na')]);

export const reviewBody = z.strictObject({
  values: z.record(idSchema, itemValueSchema),
  comment: humanText(1000).optional(),
});
export type ReviewBody = z.infer<typeof reviewBody>;

export const conversationReviewPath = z.strictObject({ shopId: idSchema, conversationId: idSchema });
export const reviewPath = z.strictObject({ shopId: idSchema, conversationId: idSchema, reviewId: idSchema });

export const disputeBody = z.strictObject({ reason: humanText(1000) });
export const rulingBody = z.strictObject({ ruling: z.enum(['upheld', 'overturned']), note: humanText(1000).optional() });

const itemValueOut = z.union([z.number(), z.literal('na')]);

export const reviewSchema = z.object({
  reviewId: z.string(),
  shopId: z.string(),
  conversationId: z.string(),
  stage: stageSchema,
  /** The agent the review is about: the conversation's assignee. */
  agentId: z.string(),
  reviewerId: z.string(),
  rubricVersion: z.number(),
  values: z.record(z.string(), itemValueOut),
  score: z.number(),
  passed: z.boolean(),
  criticalFailures: z.array(z.string()),
  /** Items the reviewer scored differently from the automatic checks; the automatic result stays as it was. */
  overrides: z.array(z.object({ itemId: z.string(), automatic: itemValueOut, human: itemValueOut })),
  /** The automatic score at review time, for comparison; never changed by the review. */
  automaticScore: z.number().optional(),
  comment: z.string().optional(),
  /** Sampled in this cycle (its id), and how. */
  sample: z.object({ cycle: z.string(), kind: z.enum(['random', 'targeted']) }).optional(),
  createdAt: z.string(),
  dispute: z
    .object({
      state: z.enum(['open', 'upheld', 'overturned']),
      reason: z.string(),
      disputedAt: z.string(),
      ruledBy: z.string().optional(),
      ruledAt: z.string().optional(),
      note: z.string().optional(),
    })
    .optional(),
});
export type Review = z.infer<typeof reviewSchema>;

/** An overturned review does not count towards pass rates, stars or scorecards. */
export const reviewCounts = (review: Pick<Review, 'dispute'>) => review.dispute?.state !== 'overturned';

export const automaticResultSchema = z.object({
  conversationId: z.string(),
  shopId: z.string(),
  stage: stageSchema,
  rubricVersion: z.number().optional(),
  checks: z.array(checkResultSchema),
  /** Absent when the rubric has no item scored by a check. */
  values: z.record(z.string(), itemValueOut).optional(),
  score: z.number().optional(),
  passed: z.boolean().optional(),
  evaluatedAt: z.string(),
});
export type AutomaticResult = z.infer<typeof automaticResultSchema>;

export const calibrationSchema = z.object({
  reviewers: z.number(),
  /** Per item: share of reviewer pairs that gave the same value (1 with a single reviewer). */
  items: z.array(z.object({ itemId: z.string(), agreement: z.number(), values: z.array(itemValueOut) })),
  /** Mean of the items' agreement. */
  agreement: z.number(),
  /** Highest minus lowest review score. */
  scoreSpread: z.number(),
  /** Share of (review, automatically scored item) pairs where the reviewer agreed with the checks. */
  automaticAgreement: z.number().optional(),
  /** Zendesk QA's reading: above 0.75 is strong agreement. */
  strong: z.boolean(),
});
export type Calibration = z.infer<typeof calibrationSchema>;

export const conversationReviewsSchema = z.object({
  reviews: z.array(reviewSchema),
  automatic: automaticResultSchema.optional(),
  calibration: calibrationSchema.optional(),
});
export const reviewPageSchema = z.object({ reviews: z.array(reviewSchema), next: z.string().optional() });
export const myReviewsQuery = z.strictObject({ after: z.string().max(200).optional() });

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

/**
 * How much several reviewers of one conversation agree: per item, the share of reviewer pairs giving the
 * same value; overall, their mean; the spread of the scores; and how often reviewers agreed with the
 * automatic checks. Undefined without reviews.
 */
export function calibrate(reviews: readonly Pick<Review, 'values' | 'score'>[], automatic?: Readonly<Record<string, ItemValue>>): Calibration | undefined {
  if (reviews.length === 0) return undefined;
  const itemIds = [...new Set(reviews.flatMap((r) => Object.keys(r.values)))].sort();
  const items = itemIds.map((itemId) => {
    const values = reviews.map((r) => r.values[itemId]).filter((v): v is ItemValue => v !== undefined);
    let pairs = 0;
    let same = 0;
    for (let i = 0; i < values.length; i++)
      for (let j = i + 1; j < values.length; j++) {
        pairs++;
        if (values[i] === values[j]) same++;
      }
    return { itemId, agreement: pairs === 0 ? 1 : round4(same / pairs), values };
  });
  const agreement = round4(items.reduce((sum, item) => sum + item.agreement, 0) / Math.max(1, items.length));
  const scores = reviews.map((r) => r.score);
  let automaticAgreement: number | undefined;
  if (automatic && Object.keys(automatic).length > 0) {
    let compared = 0;
    let agreed = 0;
    for (const review of reviews)
      for (const [itemId, value] of Object.entries(automatic)) {
        if (review.values[itemId] === undefined) continue;
        compared++;
        if (review.values[itemId] === value) agreed++;
      }
    if (compared > 0) automaticAgreement = round4(agreed / compared);
  }
  return {
    reviewers: reviews.length,
    items,
    agreement,
    scoreSpread: Math.round((Math.max(...scores) - Math.min(...scores)) * 100) / 100,
    ...(automaticAgreement !== undefined ? { automaticAgreement } : {}),
    strong: agreement > 0.75,
  };
}
