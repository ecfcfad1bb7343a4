import type { Stage } from '../conversations/conversation';
import type { ShopRouting } from '../routing/shop';
import type { Phase, Promo } from './calendar';

/** When a phase takes effect: its start, or earlier when an ops trigger started it. */
export function phaseStart(promo: Pick<Promo, 'triggered'>, phase: Pick<Phase, 'phaseId' | 'startsAt'>): string {
  const triggered = promo.triggered[phase.phaseId];
  return triggered !== undefined && triggered < phase.startsAt ? triggered : phase.startsAt;
}

export function phaseInForce(promo: Pick<Promo, 'triggered'>, phase: Phase, now: Date): boolean {
  const t = now.toISOString();
  return phaseStart(promo, phase) <= t && t < phase.endsAt;
}

/** What routing a shop's conversation of a stage gets from the promos in force: extra groups and a backup. */
export interface PromoRouting {
  /** Groups lent to this stage (another stage's group), tried after the stage's own and before the backup. */
  borrowedGroups: string[];
  backupGroup?: string;
  /** The phases this comes from, for logs and the status. */
  phases: string[];
}

/**
 * The routing switches in force for a shop and stage at `now`: from every phase in force of every promo
 * that includes the shop, the groups of the stages it borrows from (after-sale agents serving pre-sale
 * at the opening; pre-sale agents serving after-sale in the tail) and the phase's backup group (the
 * latest-starting phase wins). Evaluated from the calendar each time, so a phase's routing starts and
 * ends on the clock with nothing to switch back, and applying it twice is the same as once.
 */
export function promoRoutingFor(promos: readonly Promo[], shopId: string, stage: Stage, routing: Pick<ShopRouting, 'groups'>, now: Date): PromoRouting {
  const borrowed = new Set<string>();
  const phases: string[] = [];
  let backup: { group: string; start: string } | undefined;
  for (const promo of promos) {
    if (!promo.shopIds.includes(shopId)) continue;
    for (const phase of promo.phases) {
      if (!phase.routing || !phaseInForce(promo, phase, now)) continue;
      phases.push(`${promo.promoId}/${phase.phaseId}`);
      for (const lend of phase.routing.stageBorrowing) if (lend.to === stage) borrowed.add(routing.groups[lend.from]);
      const start = phaseStart(promo, phase);
      if (phase.routing.backupGroup && (!backup || start > backup.start)) backup = { group: phase.routing.backupGroup, start };
    }
  }
  borrowed.delete(routing.groups[stage]);
  return { borrowedGroups: [...borrowed].sort(), ...(backup ? { backupGroup: backup.group } : {}), phases };
}

/** The waiting-line policies of the promo phases in force for a shop (issue 10 §2): robot first above N waiting, a maximum wait. */
export interface PromoWaitingLinePolicies {
  /** The FAQ robot takes new conversations while more than this many wait (the lowest in force wins). */
  robotFirstWaitingOver?: number;
  /** After a robot hand-off, the buyer is told when nobody has joined within this many minutes (the shortest wins). */
  maxWaitMinutes?: number;
}

/** Like promoRoutingFor, evaluated from the calendar each time: in force from the phase's start (or trigger) to its end. */
export function promoWaitingLinePolicies(promos: readonly Promo[], shopId: string, now: Date): PromoWaitingLinePolicies {
  const policies: PromoWaitingLinePolicies = {};
  for (const promo of promos) {
    if (!promo.shopIds.includes(shopId)) continue;
    for (const phase of promo.phases) {
      if (!phase.routing || !phaseInForce(promo, phase, now)) continue;
      const { robotFirst, maxWaitMinutes } = phase.routing;
      if (robotFirst) policies.robotFirstWaitingOver = Math.min(policies.robotFirstWaitingOver ?? robotFirst.waitingOver, robotFirst.waitingOver);
      if (maxWaitMinutes !== undefined) policies.maxWaitMinutes = Math.min(policies.maxWaitMinutes ?? maxWaitMinutes, maxWaitMinutes);
    }
  }
  return policies;
}

/**
 * The promo content set in force for a shop at `now` (quick replies and FAQ entries tagged with it win over
 * untagged ones), or undefined. When phases overlap, the latest-starting phase that names a set wins.
 */
export function promoContentSet(promos: readonly Promo[], shopId: string, now: Date): string | undefined {
  let chosen: { set: string; start: string } | undefined;
  for (const promo of promos) {
    if (!promo.shopIds.includes(shopId)) continue;
    for (const phase of promo.phases) {
      const set = phase.routing?.contentSet;
      if (!set || !phaseInForce(promo, phase, now)) continue;
      const start = phaseStart(promo, phase);
      if (!chosen || start > chosen.start) chosen = { set, start };
    }
  }
  return chosen?.set;
}

/**
 * Where non-urgent outreach waits while a phase defers it (issue 10 §2, "outreach deferred out of the peak
 * hours"): the end (ISO) of the latest-ending phase in force for the shop whose routing sets
 * `deferOutreach`, or undefined when none does.
 */
export function promoOutreachDeferral(promos: readonly Promo[], shopId: string, now: Date): string | undefined {
  let end: string | undefined;
  for (const promo of promos) {
    if (!promo.shopIds.includes(shopId)) continue;
    for (const phase of promo.phases) {
      if (!phase.routing?.deferOutreach || !phaseInForce(promo, phase, now)) continue;
      if (!end || phase.endsAt > end) end = phase.endsAt;
    }
  }
  return end;
}
