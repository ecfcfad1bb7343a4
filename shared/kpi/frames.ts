import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { ValidationError } from '../http/errors';
import { echoedRefSchema, refSchema } from '../conversations/frames';
import { attributionModes, recomputeStatusSchema } from './attribution-rule';
import { counterNames } from './counters';
import { kpiNames } from './figures';

/** Routes and frames of KPIs and usage (issue 9; docs/kpi-design.md). */

/** The longest range one read may cover: a quarter. */
export const maxKpiRangeDays = 93;

const daySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD').refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)), 'must be a calendar date');

const dayRange = <T extends z.ZodRawShape>(shape: T) => z.strictObject({ from: daySchema, to: daySchema, ...shape });

/** `from` not after `to`, at most maxKpiRangeDays days: checked by the handlers' domain functions (a 400 naming the field). */
export function assertDayRange(query: { from: string; to: string }): void {
  const span = (Date.parse(`${query.to}T00:00:00Z`) - Date.parse(`${query.from}T00:00:00Z`)) / 86_400_000;
  if (span < 0) throw new ValidationError('from must not be after to', [{ field: 'query.from', message: 'must not be after `to`' }]);
  if (span >= maxKpiRangeDays) throw new ValidationError(`to must be within ${maxKpiRangeDays} days of from`, [{ field: 'query.to', message: `must be within ${maxKpiRangeDays} days of \`from\`` }]);
}

export const kpiQuerySchema = dayRange({
  granularity: z.enum(['hour', 'day']).default('day'),
  agentId: idSchema.optional(),
  groupId: idSchema.optional(),
});
export type KpiQuery = z.infer<typeof kpiQuerySchema>;

export const kpiFiguresSchema = z
  .object(Object.fromEntries(kpiNames.map((name) => [name, z.number().optional()])) as Record<(typeof kpiNames)[number], z.ZodOptional<z.ZodNumber>>)
  .meta({ id: 'KpiFigures', description: 'Times in seconds, money in minor units (fen), rates 0..1; a figure without facts is absent.' });

export const kpiCountersSchema = z
  .object(Object.fromEntries(counterNames.map((name) => [name, z.number().optional()])) as Record<(typeof counterNames)[number], z.ZodOptional<z.ZodNumber>>)
  .meta({ id: 'KpiCounters', description: 'The sums and counts the figures are computed from (milliseconds for reply times).' });

/** `final` once the inquiry window after the period has closed; `none` when nobody was received. */
export const conversionStatusSchema = z.enum(['provisional', 'final', 'none']);

const kpiPeriodSchema = z.object({
  /** `YYYY-MM-DD`, or `YYYY-MM-DDTHH` for an hour, in the shop's zone. */
  period: z.string(),
  conversion: conversionStatusSchema,
  figures: kpiFiguresSchema,
  counters: kpiCountersSchema,
});

export const kpiReportSchema = z
  .object({
    shopId: idSchema,
    timeZone: z.string(),
    granularity: z.enum(['hour', 'day']),
    from: z.string(),
    to: z.string(),
    agentId: idSchema.optional(),
    groupId: idSchema.optional(),
    rule: z.object({ mode: z.enum(attributionModes), inquiryWindowDays: z.number().int(), version: z.number().int() }),
    periods: z.array(kpiPeriodSchema),
    total: kpiPeriodSchema.omit({ period: true }),
  })
  .meta({ id: 'KpiReport' });
export type KpiReport = z.infer<typeof kpiReportSchema>;

// ---- WebSocket ----

export const kpisWatchFrame = z.strictObject({ action: z.literal('kpis.watch'), shopId: idSchema, ref: refSchema });
export const kpisWatchAckFrame = z.object({ type: z.literal('ack'), ref: echoedRefSchema, action: z.literal('kpis.watch'), shopId: idSchema, watchingUntil: z.string() });
export type KpisWatchAckFrame = z.infer<typeof kpisWatchAckFrame>;

/** Pushed to a shop's KPI watchers when a fact changed the shop's figures: the shop's day so far. */
export const kpiUpdatedFrame = z.object({
  type: z.literal('kpi.updated'),
  shopId: idSchema,
  day: z.string(),
  figures: kpiFiguresSchema,
  conversion: conversionStatusSchema,
  updatedAt: z.string(),
});
export type KpiUpdatedFrame = z.infer<typeof kpiUpdatedFrame>;

/** A shop's attribution rule version is recomputed and active: its figures are the ones reads show now. */
export const kpiRecomputedFrame = z.object({
  type: z.literal('kpi.recomputed'),
  shopId: idSchema,
  version: z.number().int(),
  mode: z.enum(attributionModes),
  inquiryWindowDays: z.number().int(),
  recompute: recomputeStatusSchema,
  at: z.string(),
});
export type KpiRecomputedFrame = z.infer<typeof kpiRecomputedFrame>;

// ---- usage export ----

export const usageQuerySchema = dayRange({ format: z.enum(['json', 'csv']).default('json') });
export type UsageQuery = z.infer<typeof usageQuerySchema>;

export const usageLineSchema = z.object({
  day: z.string(),
  shopId: idSchema,
  conversations: z.number().int(),
  messagesIn: z.number().int(),
  messagesOut: z.number().int(),
  robotAnswers: z.number().int(),
  outreachSent: z.number().int(),
  cases: z.number().int(),
  agentMinutes: z.number(),
  /** The shop's share of the firm's AWS cost, in US cents (lines sum to the total exactly). */
  costUsdCents: z.number().int(),
});
export type UsageLine = z.infer<typeof usageLineSchema>;

export const usageReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    lines: z.array(usageLineSchema),
    totalCostUsdCents: z.number().int(),
    /** The unit costs the cost was apportioned by (US$ per unit) and where they come from. */
    unitCosts: z.record(z.string(), z.number()),
    pricesAsOf: z.string(),
  })
  .meta({ id: 'UsageReport' });
export type UsageReport = z.infer<typeof usageReportSchema>;
