import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { kpiNames, type KpiFigures } from '../kpi/figures';
import { humanText } from '../routing/text';
import { weightedItemProblems } from '../qc/rubric';
import { risingThresholds } from '../qc/settings';

/**
 * A shop's scorecard (考核): weighted items, each scored 0–100, summed by weight, plus bonus/penalty
 * points; a monthly total per agent, ranks among peers, and star levels. "A thousand shops, a thousand
 * targets": every target, weight and threshold is the shop's own (adidas: data 60 % + learning 20 % +
 * team 20 %; Xueli: order review 30 %, stars 1–7).
 */

/** How a KPI figure becomes a 0–100 item score against the shop's target. */
export const kpiSourceSchema = z.strictObject({
  kind: z.literal('kpi'),
  kpi: z.enum(kpiNames),
  target: z.number().positive(),
  /** `higher`: score = 100 × value ÷ target, capped at 100 (conversion, sales). `lower`: 100 at or under target, else 100 × target ÷ value (response times). */
  direction: z.enum(['higher', 'lower']),
});
/** The agent's QC pass rate of the month (counted reviews), against a target rate. */
export const qcSourceSchema = z.strictObject({ kind: z.literal('qc-pass-rate'), target: z.number().gt(0).max(1) });
/** Entered by a supervisor each month, 0–100 (learning, team, order review). */
export const manualSourceSchema = z.strictObject({ kind: z.literal('manual') });

export const scorecardItemSchema = z.strictObject({
  itemId: idSchema,
  title: humanText(100),
  weight: z.number().min(0).max(100),
  source: z.discriminatedUnion('kind', [kpiSourceSchema, qcSourceSchema, manualSourceSchema]),
});
export type ScorecardItem = z.infer<typeof scorecardItemSchema>;

export const putScorecardBody = z
  .strictObject({
    name: humanText(100),
    items: z.array(scorecardItemSchema).min(1, 'a scorecard needs at least one item').max(30),
    /** Bonus/penalty points a month may add or take, at most. */
    maxAdjustment: z.number().min(0).max(100).default(20),
    /** Total at or above thresholds[i] earns i + 2 stars (six thresholds: Xueli's 1–7 stars). */
    starThresholds: risingThresholds(100).default([60, 70, 80, 90]),
  })
  .superRefine((card, ctx) => weightedItemProblems(card.items, ctx));
export type ScorecardConfig = z.infer<typeof putScorecardBody>;

export const scorecardConfigSchema = z.object({
  shopId: z.string(),
  name: z.string(),
  items: z.array(
    z.object({
      itemId: z.string(),
      title: z.string(),
      weight: z.number(),
      source: z.union([
        z.object({ kind: z.literal('kpi'), kpi: z.enum(kpiNames), target: z.number(), direction: z.enum(['higher', 'lower']) }),
        z.object({ kind: z.literal('qc-pass-rate'), target: z.number() }),
        z.object({ kind: z.literal('manual') }),
      ]),
    }),
  ),
  maxAdjustment: z.number(),
  starThresholds: z.array(z.number()),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type StoredScorecardConfig = z.infer<typeof scorecardConfigSchema>;

export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM');

/** PUT …/scorecards/{month}/agents/{agentId}/manual: the month's manual items and bonus/penalty lines, replaced whole. */
export const putManualBody = z.strictObject({
  values: z.record(idSchema, z.number().min(0).max(100)),
  adjustments: z.array(z.strictObject({ points: z.number().min(-100).max(100), reason: humanText(200) })).max(20).default([]),
});
export type ManualEntry = z.infer<typeof putManualBody>;

export const manualEntrySchema = z.object({
  shopId: z.string(),
  month: z.string(),
  agentId: z.string(),
  values: z.record(z.string(), z.number()),
  adjustments: z.array(z.object({ points: z.number(), reason: z.string() })),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type StoredManualEntry = z.infer<typeof manualEntrySchema>;

export const scorecardPath = z.strictObject({ shopId: idSchema, month: monthSchema });
export const manualPath = z.strictObject({ shopId: idSchema, month: monthSchema, agentId: idSchema });

export interface AgentInputs {
  figures: KpiFigures;
  /** Counted reviews' pass rate of the month; undefined without reviews. */
  qcPassRate?: number | undefined;
  manual?: Pick<ManualEntry, 'values' | 'adjustments'> | undefined;
}

export const itemScoreSchema = z.object({
  itemId: z.string(),
  weight: z.number(),
  /** The raw figure (a KPI, a pass rate, an entered score); absent when there is none. */
  value: z.number().optional(),
  /** 0–100; absent when the value is. */
  score: z.number().optional(),
});

export const agentScoreSchema = z.object({
  agentId: z.string(),
  items: z.array(itemScoreSchema),
  /** Σ weight × score ÷ Σ weight over the items that have a value (0 when none has). */
  weighted: z.number(),
  /** Sum of bonus/penalty points, clamped to ± maxAdjustment. */
  adjustment: z.number(),
  /** weighted + adjustment, at least 0. */
  total: z.number(),
  /** Share of the weight that had a value: below 1, the total rests on fewer items than configured. */
  coverage: z.number(),
  stars: z.number(),
});
export type AgentScore = z.infer<typeof agentScoreSchema>;

const round2 = (value: number) => Math.round(value * 100) / 100;

/** One item's 0–100 score from its value. */
export function itemScore(source: ScorecardItem['source'], value: number): number {
  if (source.kind === 'manual') return Math.min(100, Math.max(0, value));
  const target = source.target;
  if (source.kind === 'qc-pass-rate') return Math.min(100, (100 * value) / target);
  if (source.direction === 'higher') return Math.min(100, (100 * value) / target);
  return value <= target ? 100 : (100 * target) / value;
}

export function starsOfTotal(total: number, thresholds: readonly number[]): number {
  return 1 + thresholds.filter((threshold) => total >= threshold).length;
}

/** The scorecard arithmetic for one agent and month. */
export function scoreAgent(config: Pick<ScorecardConfig, 'items' | 'maxAdjustment' | 'starThresholds'>, agentId: string, inputs: AgentInputs): AgentScore {
  let weighted = 0;
  let weights = 0;
  const items = config.items.map((item) => {
    const value =
      item.source.kind === 'kpi' ? inputs.figures[item.source.kpi] : item.source.kind === 'qc-pass-rate' ? inputs.qcPassRate : inputs.manual?.values[item.itemId];
    if (value === undefined) return { itemId: item.itemId, weight: item.weight };
    const score = itemScore(item.source, value);
    weighted += item.weight * score;
    weights += item.weight;
    return { itemId: item.itemId, weight: item.weight, value, score: round2(score) };
  });
  const base = weights === 0 ? 0 : weighted / weights;
  const rawAdjustment = (inputs.manual?.adjustments ?? []).reduce((sum, line) => sum + line.points, 0);
  const adjustment = Math.max(-config.maxAdjustment, Math.min(config.maxAdjustment, rawAdjustment));
  const total = round2(Math.max(0, base + adjustment));
  const allWeight = config.items.reduce((sum, item) => sum + item.weight, 0);
  return {
    agentId,
    items,
    weighted: round2(base),
    adjustment: round2(adjustment),
    total,
    coverage: allWeight === 0 ? 0 : round2(weights / allWeight),
    stars: starsOfTotal(total, config.starThresholds),
  };
}

/** Competition ranks (1, 2, 2, 4) by total, highest first. */
export function ranksOf(totals: readonly { key: string; total: number }[]): Map<string, number> {
  const sorted = [...totals].sort((a, b) => b.total - a.total);
  const ranks = new Map<string, number>();
  sorted.forEach((entry, index) => ranks.set(entry.key, index > 0 && sorted[index - 1]!.total === entry.total ? ranks.get(sorted[index - 1]!.key)! : index + 1));
  return ranks;
}

export const monthlyScorecardSchema = z.object({
  shopId: z.string(),
  month: z.string(),
  category: z.string(),
  agents: z.array(
    agentScoreSchema.extend({
      rankInShop: z.number(),
      shopPeers: z.number(),
      /** Among the agents of every shop of the same category (each scored on its own shop's scorecard). */
      rankInCategory: z.number(),
      categoryPeers: z.number(),
    }),
  ),
});
export type MonthlyScorecard = z.infer<typeof monthlyScorecardSchema>;
