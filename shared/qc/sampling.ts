import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Sampling } from './settings';

/**
 * Sampling per cycle (platforms.md §4.1 items 15): at a cycle's start, each agent's conversations of the
 * cycle before are sampled once and the sample is frozen; every entry says whether it was drawn at random
 * (`random`, the audit mark Connect keeps) or picked for a reason (`targeted`). The draw is a function of
 * tenant, shop, cycle and conversation ids only, so running it again gives the same sample.
 */

/** Cycles are aligned on this Monday, so weekly cycles start on Mondays at local midnight. */
const cycleAnchor = '2024-01-01';

export interface Cycle {
  /** The cycle's id: its first local day, `YYYY-MM-DD`. */
  cycle: string;
  startsAt: string;
  endsAt: string;
  /** Local days of the cycle, first to last. */
  days: string[];
}

/** The cycle an instant falls in, in a shop's zone. */
export function cycleAt(at: Date, timeZone: string, cycleDays: number): Cycle {
  const local = DateTime.fromMillis(at.getTime(), { zone: timeZone }).startOf('day');
  const anchor = DateTime.fromISO(cycleAnchor, { zone: timeZone });
  const index = Math.floor(Math.round(local.diff(anchor, 'days').days) / cycleDays);
  return cycleFrom(anchor.plus({ days: index * cycleDays }), cycleDays);
}

/** The cycle before one. */
export function previousCycle(cycle: Cycle, timeZone: string, cycleDays: number): Cycle {
  return cycleFrom(DateTime.fromISO(cycle.cycle, { zone: timeZone }).minus({ days: cycleDays }), cycleDays);
}

/** The cycle starting on a local day (which must be a cycle start). */
export function cycleStartingOn(day: string, timeZone: string, cycleDays: number): Cycle | undefined {
  const start = DateTime.fromISO(day, { zone: timeZone });
  if (!start.isValid) return undefined;
  const cycle = cycleAt(new Date(start.toMillis()), timeZone, cycleDays);
  return cycle.cycle === day ? cycle : undefined;
}

function cycleFrom(start: DateTime, cycleDays: number): Cycle {
  const end = start.plus({ days: cycleDays });
  return {
    cycle: start.toISODate()!,
    startsAt: start.toUTC().toISO()!,
    endsAt: end.toUTC().toISO()!,
    days: Array.from({ length: cycleDays }, (_, i) => start.plus({ days: i }).toISODate()!),
  };
}

/** Stars from a pass rate: 1 below the first threshold, i + 2 at or above thresholds[i]. */
export function starsOf(passRate: number | undefined, thresholds: readonly number[]): number | undefined {
  if (passRate === undefined) return undefined;
  let stars = 1;
  thresholds.forEach((threshold, index) => {
    if (passRate >= threshold) stars = index + 2;
  });
  return stars;
}

export const targetReasons = ['complaint', 'refund-dispute', 'long-wait', 'low-rating'] as const;

/** A low rating, for targeted samples: 2 of 5 or less, or the platform's bad rating (Taobao 差评). */
export const isLowRating = (rating: { result?: string; score?: number } | undefined): boolean =>
  rating !== undefined && (rating.result === 'bad' || (rating.score !== undefined && rating.score <= 2));
export type TargetReason = (typeof targetReasons)[number];

export interface AgentPool {
  agentId: string;
  /** From last cycle's pass rate; undefined when the agent was not reviewed then. */
  stars?: number;
  conversations: { conversationId: string; reasons: TargetReason[] }[];
}

export const sampleEntrySchema = z.object({
  conversationId: z.string(),
  agentId: z.string(),
  kind: z.enum(['random', 'targeted']),
  reasons: z.array(z.enum(targetReasons)),
});
export type SampleEntry = z.infer<typeof sampleEntrySchema>;

export interface AgentPlan {
  agentId: string;
  stars?: number;
  exempt: boolean;
  randomQuota: number;
  pool: number;
}

/** The reproducible order of a cycle's draw: SHA-256 of tenant, shop, cycle and conversation. */
export function drawKey(seed: { tenantId: string; shopId: string; cycle: string }, conversationId: string): string {
  return createHash('sha256').update(`${seed.tenantId}/${seed.shopId}/${seed.cycle}/${conversationId}`).digest('hex');
}

/** How many an agent gets at random: N (or the rate of their pool), times the multiple at low stars, none when exempt. */
export function randomQuota(sampling: Sampling, stars: number | undefined, poolSize: number): { quota: number; exempt: boolean } {
  if (stars !== undefined && stars >= sampling.exemptStars) return { quota: 0, exempt: true };
  const base = sampling.ratePercent !== undefined ? Math.ceil((sampling.ratePercent / 100) * poolSize) : sampling.perAgent;
  const multiple = stars !== undefined && stars <= sampling.lowStarsUpTo ? sampling.lowStarMultiple : 1;
  return { quota: Math.min(poolSize, Math.ceil(base * multiple)), exempt: false };
}

/**
 * The frozen sample of one cycle: per agent, `quota` conversations at random (lowest draw keys), then up
 * to `targetedPerAgent` of the rest that show a reason (most reasons first, then by draw key). Exempt
 * agents (5★) get no random samples; complaints and disputes about them are still picked.
 */
export function drawSample(seed: { tenantId: string; shopId: string; cycle: string }, sampling: Sampling, pools: readonly AgentPool[]): { entries: SampleEntry[]; plans: AgentPlan[] } {
  const entries: SampleEntry[] = [];
  const plans: AgentPlan[] = [];
  const taken = new Set<string>();
  for (const pool of [...pools].sort((a, b) => (a.agentId < b.agentId ? -1 : 1))) {
    const { quota, exempt } = randomQuota(sampling, pool.stars, pool.conversations.length);
    plans.push({ agentId: pool.agentId, ...(pool.stars !== undefined ? { stars: pool.stars } : {}), exempt, randomQuota: quota, pool: pool.conversations.length });
    const ordered = pool.conversations
      .filter((c) => !taken.has(c.conversationId))
      .map((c) => ({ ...c, key: drawKey(seed, c.conversationId) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const random = ordered.slice(0, quota);
    const targeted = ordered
      .slice(quota)
      .filter((c) => c.reasons.length > 0)
      .sort((a, b) => b.reasons.length - a.reasons.length || (a.key < b.key ? -1 : 1))
      .slice(0, sampling.targetedPerAgent);
    for (const c of random) entries.push({ conversationId: c.conversationId, agentId: pool.agentId, kind: 'random', reasons: c.reasons });
    for (const c of targeted) entries.push({ conversationId: c.conversationId, agentId: pool.agentId, kind: 'targeted', reasons: c.reasons });
    for (const c of [...random, ...targeted]) taken.add(c.conversationId);
  }
  return { entries, plans };
}
