import { z } from 'zod';
import { humanText } from '../routing/text';
import { timeZoneSchema } from '../tenants/tenant';

/**
 * A shop's QC settings: what the automatic checks look for, how conversations are sampled per cycle and
 * how stars follow pass rates. Phrases are plain substrings, not regular expressions: a shop's staff
 * write them, and a substring cannot blow up the check's running time.
 */
const phrases = (max: number) => z.array(humanText(50)).max(max);

/** Star thresholds: 1–9 strictly rising values from 0 to `max` (pass rates up to 1, scorecard totals up to 100). */
export const risingThresholds = (max: number) =>
  z
    .array(z.number().min(0).max(max))
    .min(1)
    .max(9)
    .refine((values) => values.every((value, index) => index === 0 || value > values[index - 1]!), 'must rise strictly');
export const starThresholdsSchema = risingThresholds(1);

export const samplingSchema = z.strictObject({
  /** Random samples per agent per cycle. */
  perAgent: z.number().int().min(0).max(200).default(5),
  /** Instead of a count: this percentage of each agent's conversations of the window (rounded up), at most 100. */
  ratePercent: z.number().gt(0).max(100, 'a sampling rate is at most 100 %').optional(),
  cycleDays: z.number().int().min(1).max(31).default(7),
  /**
   * Last cycle's pass rate at or above thresholds[i] earns i + 2 stars; below thresholds[0] is 1 star.
   * Four thresholds give 1–5 stars (the domain's scale).
   */
  starThresholds: starThresholdsSchema.default([0.6, 0.75, 0.85, 0.95]),
  /** Stars at which an agent is not sampled this cycle (5★ is exempt next week). */
  exemptStars: z.number().int().min(1).max(10).default(5),
  /** Agents with at most this many stars are sampled `lowStarMultiple` times as much (1–2★ sampled most). */
  lowStarsUpTo: z.number().int().min(0).max(10).default(2),
  lowStarMultiple: z.number().min(1).max(10).default(2),
  /** Targeted samples added on top of the random ones, per agent at most. */
  targetedPerAgent: z.number().int().min(0).max(100).default(3),
});
export type Sampling = z.infer<typeof samplingSchema>;

export const autoCheckSettingsSchema = z.strictObject({
  /** First response over this many seconds fails the first-response check. */
  firstResponseLimitSeconds: z.number().int().min(1).max(3600).default(30),
  greetingPhrases: phrases(50).default(['您好', '你好', '亲', '欢迎']),
  closingPhrases: phrases(50).default(['感谢', '谢谢', '祝您', '再见', '期待']),
  forbiddenWords: phrases(200).default([]),
  /** An agent message with one of these in a refund conversation is a retention attempt (退款挽留). */
  retentionPhrases: phrases(50).default(['换货', '补偿', '优惠券', '再考虑', '先别退', '帮您处理']),
  /** Promises an agent may not make on the shop's behalf. */
  promisePhrases: phrases(50).default(['保证', '一定', '百分百', '绝对', '肯定没问题']),
  /** Promises the shop did approve: a message containing one of these is not flagged for it. */
  approvedPromises: phrases(50).default([]),
});
export type AutoCheckSettings = z.infer<typeof autoCheckSettingsSchema>;

export const putQcSettingsBody = z.strictObject({
  /** Cycles start at local midnight in this zone (Monday for weekly cycles). */
  timeZone: timeZoneSchema.default('Asia/Shanghai'),
  sampling: samplingSchema.prefault({}),
  autoChecks: autoCheckSettingsSchema.prefault({}),
});
export type QcSettings = z.infer<typeof putQcSettingsBody>;

export const defaultQcSettings: QcSettings = putQcSettingsBody.parse({});

export const qcSettingsViewSchema = z.object({
  shopId: z.string(),
  source: z.enum(['shop', 'default']),
  settings: z.object({
    timeZone: z.string(),
    sampling: z.object({
      perAgent: z.number(),
      ratePercent: z.number().optional(),
      cycleDays: z.number(),
      starThresholds: z.array(z.number()),
      exemptStars: z.number(),
      lowStarsUpTo: z.number(),
      lowStarMultiple: z.number(),
      targetedPerAgent: z.number(),
    }),
    autoChecks: z.object({
      firstResponseLimitSeconds: z.number(),
      greetingPhrases: z.array(z.string()),
      closingPhrases: z.array(z.string()),
      forbiddenWords: z.array(z.string()),
      retentionPhrases: z.array(z.string()),
      promisePhrases: z.array(z.string()),
      approvedPromises: z.array(z.string()),
    }),
  }),
  updatedAt: z.string().optional(),
  updatedBy: z.string().optional(),
});
export type QcSettingsView = z.infer<typeof qcSettingsViewSchema>;
