/**
 * A tenant's promo calendar: promos (Double 11, 618, brand days) and their phases, each phase saying
 * what it switches. Times are entered in a zone (the region's or the shop's) and stored as UTC instants;
 * the zone is kept so the calendar and the planner show local times. Request bodies are strict: a body
 * carrying `tenantId` or `status` is refused (row 16).
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { stageSchema } from '../conversations/conversation';
import type { ErrorDetail } from '../http/errors';
import { humanText } from '../routing/text';

export const phaseKinds = ['warm-up', 'final-payment', 'peak', 'sustained', 'after-sales-tail'] as const;
export type PhaseKind = (typeof phaseKinds)[number];

/** The capacity presets of infra/config/regions.ts a phase may ask for. */
export const capacityPresetNames = ['normal', 'promo'] as const;
export type CapacityPresetName = (typeof capacityPresetNames)[number];

const units = z.number().int().min(1).max(4_000_000);
const throughputSchema = z.strictObject({ readUnitsPerSecond: units, writeUnitsPerSecond: units });
/** Warm throughput for the table and every index; cannot be lowered once set (shared/platforms.md §5). */
export const warmThroughputSchema = z.strictObject({ table: throughputSchema, gsi1: throughputSchema, gsi2: throughputSchema });
export type WarmThroughput = z.infer<typeof warmThroughputSchema>;

/**
 * Routing while the phase runs. `stageBorrowing`: agents of the `from` stage's group also serve the `to`
 * stage (after-sale → pre-sale at the opening, pre-sale → after-sale in the tail). `backupGroup` replaces
 * each shop's backup group for the phase.
 */
export const routingSwitchSchema = z.strictObject({
  stageBorrowing: z
    .array(z.strictObject({ from: stageSchema, to: stageSchema }).refine((b) => b.from !== b.to, { message: 'a stage cannot borrow from itself', path: ['to'] }))
    .max(6)
    .default([]),
  backupGroup: idSchema.optional(),
  /**
   * Waiting-line policies (issue 10 §2): the FAQ robot answers new conversations first while more than
   * `waitingOver` wait for the stage (0: always), whatever the shop's own robot mode; and after a hand-off
   * the robot tells the buyer when no person has joined within `maxWaitMinutes`.
   */
  robotFirst: z.strictObject({ waitingOver: z.number().int().min(0).max(10_000) }).optional(),
  maxWaitMinutes: z.number().int().min(1).max(15).optional(),
  /**
   * The promo content set in force (issue 10 §2, "a promo quick-reply and FAQ set"): quick replies and FAQ
   * entries tagged with this set name take precedence over the untagged ones while the phase runs.
   */
  contentSet: idSchema.optional(),
  /** Non-urgent outreach (callbacks, invitations, notices) waits for the phase's end so chat keeps the peak's headroom (issue 10 §2). */
  deferOutreach: z.boolean().optional(),
});
export type RoutingSwitch = z.infer<typeof routingSwitchSchema>;

export const infrastructureSwitchSchema = z.strictObject({
  /** Provisioned concurrency, event-source concurrency and non-urgent caps from the region's preset. */
  preset: z.enum(capacityPresetNames),
  /** Sized by the planner (POST /v1/promo-plans); raised ≥ 24 h before the phase starts. */
  warmThroughput: warmThroughputSchema.optional(),
});
export type InfrastructureSwitch = z.infer<typeof infrastructureSwitchSchema>;

const localTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'must be a local time YYYY-MM-DDTHH:mm');

export const phaseBodySchema = z.strictObject({
  phaseId: idSchema,
  kind: z.enum(phaseKinds),
  /** Local times in the promo's zone, e.g. 2026-11-11T00:00 in Asia/Shanghai. */
  startsAt: localTime,
  endsAt: localTime,
  routing: routingSwitchSchema.optional(),
  infrastructure: infrastructureSwitchSchema.optional(),
});

const zoneSchema = z.string().min(1).max(64).refine((zone) => DateTime.local().setZone(zone).isValid, 'must be an IANA time zone');

/** PUT /v1/promos/{promoId}: the whole promo; phases replace the stored ones. */
export const putPromoBody = z.strictObject({
  name: humanText(100),
  zone: zoneSchema,
  shopIds: z.array(idSchema).min(1).max(500).refine((ids) => new Set(ids).size === ids.length, 'must not repeat an id'),
  phases: z.array(phaseBodySchema).min(1).max(12),
});
export type PutPromoBody = z.infer<typeof putPromoBody>;

export const promoPathParams = z.strictObject({ promoId: idSchema });
export const promoPhasePathParams = z.strictObject({ promoId: idSchema, phaseId: idSchema });

export const phaseSchema = z.object({
  phaseId: idSchema,
  kind: z.enum(phaseKinds),
  /** UTC instants. */
  startsAt: z.string(),
  endsAt: z.string(),
  routing: routingSwitchSchema.optional(),
  infrastructure: infrastructureSwitchSchema.optional(),
});
export type Phase = z.infer<typeof phaseSchema>;

export const promoSchema = z.object({
  promoId: idSchema,
  name: z.string(),
  zone: z.string(),
  shopIds: z.array(idSchema),
  phases: z.array(phaseSchema),
  /** Phases an ops trigger started before their time: phase id → when. */
  triggered: z.record(z.string(), z.string()).default({}),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type Promo = z.infer<typeof promoSchema>;

/**
 * The calendar's rules, checked before anything is written, each refusal naming its field: a local time
 * that does not exist in the zone (a DST gap), a phase that ends before it starts or lies in the past,
 * phases that overlap, and warm throughput below what the region already has (it cannot be lowered, so
 * asking for less means the plan is wrong). Returns the phases in UTC, ordered by start.
 */
export function checkPromo(
  body: PutPromoBody,
  now: Date,
  currentWarm: WarmThroughput | undefined,
  /** The promo's stored phases: one that already started may be sent back unchanged. */
  stored: readonly Phase[] = [],
): { phases: Phase[]; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const phases: (Phase & { index: number })[] = [];
  const seen = new Set<string>();
  body.phases.forEach((phase, index) => {
    const field = (name: string) => `body.phases.${index}.${name}`;
    if (seen.has(phase.phaseId)) problems.push({ field: field('phaseId'), message: 'phase ids must be unique' });
    seen.add(phase.phaseId);
    const startsAt = toUtc(phase.startsAt, body.zone);
    const endsAt = toUtc(phase.endsAt, body.zone);
    if (!startsAt) problems.push({ field: field('startsAt'), message: `not a time that exists in ${body.zone}` });
    if (!endsAt) problems.push({ field: field('endsAt'), message: `not a time that exists in ${body.zone}` });
    if (!startsAt || !endsAt) return;
    if (endsAt <= startsAt) problems.push({ field: field('endsAt'), message: 'must be after startsAt' });
    const unchanged = stored.some((old) => old.phaseId === phase.phaseId && old.startsAt === startsAt && old.endsAt === endsAt);
    if (Date.parse(startsAt) < now.getTime() && !unchanged) problems.push({ field: field('startsAt'), message: 'is in the past' });
    for (const [name, asked] of Object.entries(phase.infrastructure?.warmThroughput ?? {})) {
      const current = currentWarm?.[name as keyof WarmThroughput];
      for (const unit of ['readUnitsPerSecond', 'writeUnitsPerSecond'] as const) {
        if (current && asked[unit] < current[unit]) {
          problems.push({
            field: field(`infrastructure.warmThroughput.${name}.${unit}`),
            message: `is below the region's current ${current[unit]}; warm throughput cannot be lowered`,
          });
        }
      }
    }
    phases.push({ index, phaseId: phase.phaseId, kind: phase.kind, startsAt, endsAt, routing: phase.routing, infrastructure: phase.infrastructure });
  });
  phases.sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  for (let i = 1; i < phases.length; i++) {
    const previous = phases[i - 1]!;
    const phase = phases[i]!;
    if (phase.startsAt < previous.endsAt) {
      problems.push({ field: `body.phases.${phase.index}.startsAt`, message: `overlaps phase ${previous.phaseId}` });
    }
  }
  return { phases: phases.map(({ index: _index, ...phase }) => phase), problems };
}

/** A local wall-clock time in a zone as a UTC ISO instant, or undefined when the zone skips that time. */
export function toUtc(local: string, zone: string): string | undefined {
  const time = DateTime.fromISO(local, { zone });
  if (!time.isValid) return undefined;
  // Luxon moves a time inside a DST gap forward; such a time does not exist on the wall clock.
  if (time.toFormat("yyyy-MM-dd'T'HH:mm") !== local.slice(0, 16)) return undefined;
  return time.toUTC().toISO() ?? undefined;
}
