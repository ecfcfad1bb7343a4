/**
 * Request and response schemas of the promo routes, exported by name for the OpenAPI generator. Request
 * objects are strict: `tenantId`, `version`, `triggered` or any other undeclared key is refused (row 16).
 */
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { stageSchema } from '../conversations/conversation';
import { phaseKinds, promoSchema } from './calendar';

const rate = z.number().min(0).max(1);
const positive = z.number().positive().max(1e13);

export const salesPlanRowSchema = z.strictObject({
  shopId: idSchema,
  phaseId: idSchema,
  gmvTarget: positive,
  averageOrderValue: positive,
  conversionRate: rate.refine((v) => v > 0, 'must be above 0'),
  inquiryRate: rate,
  inSaleContactRate: rate.default(0.05),
  refundRate: rate.default(0.05),
  returnRate: rate.default(0.03),
});

/** POST /v1/promos/{promoId}/plan: the sales plan and the assumptions; phases come from the stored promo. */
export const planRequestBody = z.strictObject({
  sales: z.array(salesPlanRowSchema).min(1).max(2000),
  staffing: z
    .strictObject({
      receptionsPerAgentPerShift: z.number().positive().max(10_000),
      shiftHours: z.number().positive().max(24),
      targetAnswerRate: z.number().positive().max(1),
    })
    .optional(),
  /** 48 weights, one per local half hour: last year's curve. Omitted: the default with the midnight peak. */
  curve: z.array(z.number().min(0).max(1e9)).length(48).optional(),
  scheduled: z.array(z.strictObject({ intervalStart: z.iso.datetime(), stage: stageSchema, agents: z.number().int().min(0).max(100_000) })).max(20_000).default([]),
});
export type PlanRequestBody = z.infer<typeof planRequestBody>;

export const planQuerySchema = z.strictObject({ format: z.enum(['json', 'csv']).default('json') });
export const putPromoQuerySchema = z.strictObject({ dryRun: z.enum(['true', 'false']).default('false') });

const throughput = z.object({ readUnitsPerSecond: z.number(), writeUnitsPerSecond: z.number() });
export const planResponseSchema = z.object({
  staffing: z.object({
    curveSource: z.enum(['history', 'default']),
    staffing: z.object({ receptionsPerAgentPerShift: z.number(), shiftHours: z.number(), targetAnswerRate: z.number() }),
    receptionsPerAgentPerInterval: z.number(),
    intervals: z.array(z.object({ intervalStart: z.string(), shopId: z.string(), phaseId: z.string(), stage: stageSchema, receptions: z.number(), agentsNeeded: z.number() })),
    shortfall: z.array(z.object({ intervalStart: z.string(), stage: stageSchema, agentsNeeded: z.number(), agentsScheduled: z.number(), shortfall: z.number() })),
    totals: z.array(z.object({ shopId: z.string(), orders: z.number(), visitors: z.number(), receptions: z.record(stageSchema, z.number()) })),
  }),
  infrastructure: z.object({
    peakIntervalStart: z.string().optional(),
    peakReceptionsPerSecond: z.number(),
    peakMessagesPerSecond: z.number(),
    warmThroughput: z.object({ table: throughput, gsi1: throughput, gsi2: throughput }),
    provisionedConcurrency: z.object({ sendMessage: z.number(), connect: z.number() }),
    webSocketConnectionsPerSecond: z.number(),
    apiRequestsPerSecond: z.number(),
    quotaRequests: z.array(z.object({ quota: z.string(), defaultValue: z.number(), forecast: z.number(), request: z.number() })),
  }),
});

const switchStepSchema = z.object({
  phaseId: z.string(),
  at: z.string(),
  switch: z.enum(['warm-throughput', 'provisioned-concurrency', 'event-source-concurrency', 'routing']),
  does: z.string(),
  cost: z.string(),
  irreversible: z.boolean(),
});
export const putPromoResponseSchema = z.object({ promo: promoSchema, plan: z.array(switchStepSchema), dryRun: z.boolean() });
export const promoListSchema = z.object({ promos: z.array(promoSchema) });
export const triggerResponseSchema = z.object({ promoId: z.string(), phaseId: z.string(), result: z.enum(['triggered', 'unchanged']), startsAt: z.string() });

const presetOrNull = z.enum(['normal', 'promo']).nullable();
const warmState = z.object({ desired: throughput.nullable(), actual: throughput.extend({ status: z.string() }).nullable(), state: z.string() });
export const promoStatusSchema = z.object({
  promoId: z.string(),
  at: z.string(),
  phases: z.array(
    z.object({
      phaseId: z.string(),
      kind: z.enum(phaseKinds),
      startsAt: z.string(),
      endsAt: z.string(),
      effectiveStart: z.string(),
      state: z.enum(['scheduled', 'in-force', 'ended']),
      routingInForce: z.boolean(),
      /** The promo quick-reply (and FAQ) set the phase switches to, if it names one. */
      contentSet: z.string().optional(),
    }),
  ),
  capacity: z.object({
    mode: z.enum(['send', 'record']),
    note: z.string(),
    warmThroughput: z.record(z.string(), warmState),
    provisionedConcurrency: z.object({ desired: z.enum(['normal', 'promo']), actual: presetOrNull }),
    eventSourcesAndCaps: z.object({ desired: z.enum(['normal', 'promo']), actual: presetOrNull }),
    lastCommands: z.array(z.unknown()),
    updatedAt: z.string().nullable(),
  }),
  audit: z.array(z.object({ at: z.string(), actor: z.string(), action: z.string(), detail: z.record(z.string(), z.unknown()) })),
});
