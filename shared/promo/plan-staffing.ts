import type { Stage } from '../conversations/conversation';
import { defaultAfterSalesCurve, defaultPromoCurve, intervalMinutes, spreadOverIntervals, type IntervalCurve } from './interval-curve';

/** A phase's window as the planner needs it: UTC instants; `zone` places the curve's local times. */
export interface PlanningPhase {
  phaseId: string;
  kind: 'warm-up' | 'final-payment' | 'peak' | 'sustained' | 'after-sales-tail';
  startsAt: string;
  endsAt: string;
}

/**
 * Marketing's target for one shop in one selling phase (the seeds' chain: expected sales → visitors ×
 * conversion → reception volume). Rates are fractions (0.04 = 4 %).
 */
export interface SalesPlanRow {
  shopId: string;
  phaseId: string;
  /** Gross merchandise value the shop aims to sell in the phase, in the shop's currency. */
  gmvTarget: number;
  averageOrderValue: number;
  /** Visitors (UV) who place an order. */
  conversionRate: number;
  /** Visitors who open a pre-sale chat (询单率 measured on UV). */
  inquiryRate: number;
  /** Orders that bring an in-sale contact (change address, size, shipping). */
  inSaleContactRate: number;
  /** Orders expected to be refunded / returned: each brings one after-sale reception in the tail. */
  refundRate: number;
  returnRate: number;
}

export interface StaffingAssumptions {
  /** The seeds' "800–900 buyers per agent per shift". */
  receptionsPerAgentPerShift: number;
  shiftHours: number;
  /** Share of receptions the plan must answer within the interval (the answer rate the shifts are cut for). */
  targetAnswerRate: number;
}

export const defaultStaffing: StaffingAssumptions = { receptionsPerAgentPerShift: 850, shiftHours: 8, targetAnswerRate: 0.95 };

/** People rostered per interval and stage (militia included), to compare against the need. */
export interface ScheduledAgents {
  intervalStart: string;
  stage: Stage;
  agents: number;
}

export interface StaffingInput {
  /** The region's or shops' zone (IANA, e.g. Asia/Shanghai): the curve is in local time. */
  zone: string;
  phases: readonly PlanningPhase[];
  sales: readonly SalesPlanRow[];
  /** Selling phases' curve: last year's (curveFromHistory) or the default with the midnight peak. */
  curve?: IntervalCurve;
  afterSalesCurve?: IntervalCurve;
  staffing?: StaffingAssumptions;
  scheduled?: readonly ScheduledAgents[];
}

export interface IntervalPlan {
  intervalStart: string;
  shopId: string;
  phaseId: string;
  stage: Stage;
  receptions: number;
  agentsNeeded: number;
}

export interface StaffingPlan {
  /** Where the curve came from, so a reader knows whether the plan rests on history or on the default. */
  curveSource: 'history' | 'default';
  staffing: StaffingAssumptions;
  /** Receptions one agent handles per half hour at the assumed pace. */
  receptionsPerAgentPerInterval: number;
  intervals: IntervalPlan[];
  /** Per interval and stage over all shops: need, rostered, missing. */
  shortfall: { intervalStart: string; stage: Stage; agentsNeeded: number; agentsScheduled: number; shortfall: number }[];
  totals: { shopId: string; orders: number; visitors: number; receptions: Record<Stage, number> }[];
}

/**
 * Agents needed for an interval: the receptions to answer (volume × target answer rate) over what one
 * agent handles in a half hour (receptions per shift ÷ half hours per shift), rounded up.
 */
export function agentsFor(receptions: number, staffing: StaffingAssumptions): number {
  const perInterval = receptionsPerAgentPerInterval(staffing);
  // Rounded to 1e-9 first: 15300 / 53.125 must stay 288, not become 289 through floating-point noise.
  return Math.ceil(Math.round(((receptions * staffing.targetAnswerRate) / perInterval) * 1e9) / 1e9);
}

export function receptionsPerAgentPerInterval(staffing: StaffingAssumptions): number {
  return staffing.receptionsPerAgentPerShift / ((staffing.shiftHours * 60) / intervalMinutes);
}

/**
 * The staffing plan (the seeds' five-months-ahead chain, per shop and phase):
 * orders = GMV ÷ AOV; visitors = orders ÷ conversion; pre-sale receptions = visitors × inquiry rate;
 * in-sale receptions = orders × in-sale contact rate, both spread over the phase's half hours by the
 * curve; after-sale receptions = orders × (refund + return rate), spread over the after-sales-tail
 * phase(s) by the after-sales curve; agents per interval = ⌈receptions × answer rate ÷ (receptions per
 * agent per shift ÷ half hours per shift)⌉; shortfall = need − rostered, per interval and stage, over
 * all shops. Pure: the same input gives the same plan.
 */
export function planStaffing(input: StaffingInput): StaffingPlan {
  const staffing = input.staffing ?? defaultStaffing;
  const curve = input.curve ?? defaultPromoCurve;
  const afterSalesCurve = input.afterSalesCurve ?? defaultAfterSalesCurve;
  const phases = new Map(input.phases.map((phase) => [phase.phaseId, phase]));
  const tails = input.phases.filter((phase) => phase.kind === 'after-sales-tail');
  const tailMinutes = tails.reduce((sum, tail) => sum + (Date.parse(tail.endsAt) - Date.parse(tail.startsAt)) / 60_000, 0);

  const intervals: IntervalPlan[] = [];
  const totals = new Map<string, StaffingPlan['totals'][number]>();
  const add = (shopId: string, phaseId: string, stage: Stage, spread: { intervalStart: string; receptions: number }[]) => {
    for (const { intervalStart, receptions } of spread) {
      intervals.push({ intervalStart, shopId, phaseId, stage, receptions, agentsNeeded: agentsFor(receptions, staffing) });
    }
  };

  for (const row of input.sales) {
    const phase = phases.get(row.phaseId);
    if (!phase) throw new RangeError(`sales plan names phase ${row.phaseId}, which the promo does not have`);
    const orders = row.gmvTarget / row.averageOrderValue;
    const visitors = orders / row.conversionRate;
    const preSale = visitors * row.inquiryRate;
    const inSale = orders * row.inSaleContactRate;
    const afterSale = orders * (row.refundRate + row.returnRate);
    add(row.shopId, phase.phaseId, 'pre-sale', spreadOverIntervals(preSale, phase, curve, input.zone));
    add(row.shopId, phase.phaseId, 'in-sale', spreadOverIntervals(inSale, phase, curve, input.zone));
    // Each tail phase takes the share of the after-sales volume its length is of all tails.
    for (const tail of tails) {
      const share = tailMinutes === 0 ? 0 : (Date.parse(tail.endsAt) - Date.parse(tail.startsAt)) / 60_000 / tailMinutes;
      add(row.shopId, tail.phaseId, 'after-sale', spreadOverIntervals(afterSale * share, tail, afterSalesCurve, input.zone));
    }
    const total = totals.get(row.shopId) ?? { shopId: row.shopId, orders: 0, visitors: 0, receptions: { 'pre-sale': 0, 'in-sale': 0, 'after-sale': 0 } };
    total.orders += orders;
    total.visitors += visitors;
    total.receptions['pre-sale'] += preSale;
    total.receptions['in-sale'] += inSale;
    total.receptions['after-sale'] += tails.length > 0 ? afterSale : 0;
    totals.set(row.shopId, total);
  }

  return {
    curveSource: input.curve ? 'history' : 'default',
    staffing,
    receptionsPerAgentPerInterval: receptionsPerAgentPerInterval(staffing),
    intervals,
    shortfall: shortfallOf(intervals, input.scheduled ?? [], staffing),
    totals: [...totals.values()],
  };
}

/** Need per interval and stage over all shops (their receptions added before rounding), against the roster. */
function shortfallOf(intervals: readonly IntervalPlan[], scheduled: readonly ScheduledAgents[], staffing: StaffingAssumptions) {
  const key = (intervalStart: string, stage: Stage) => `${intervalStart}|${stage}`;
  const receptions = new Map<string, { intervalStart: string; stage: Stage; receptions: number }>();
  for (const row of intervals) {
    const entry = receptions.get(key(row.intervalStart, row.stage)) ?? { intervalStart: row.intervalStart, stage: row.stage, receptions: 0 };
    entry.receptions += row.receptions;
    receptions.set(key(row.intervalStart, row.stage), entry);
  }
  const rostered = new Map<string, number>();
  for (const row of scheduled) {
    const at = key(new Date(row.intervalStart).toISOString(), row.stage);
    rostered.set(at, (rostered.get(at) ?? 0) + row.agents);
  }
  return [...receptions.values()]
    .sort((a, b) => a.intervalStart.localeCompare(b.intervalStart) || a.stage.localeCompare(b.stage))
    .map(({ intervalStart, stage, receptions: volume }) => {
      const agentsNeeded = agentsFor(volume, staffing);
      const agentsScheduled = rostered.get(key(intervalStart, stage)) ?? 0;
      return { intervalStart, stage, agentsNeeded, agentsScheduled, shortfall: Math.max(0, agentsNeeded - agentsScheduled) };
    });
}
