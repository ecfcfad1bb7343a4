import type { StaffingPlan } from './plan-staffing';

/**
 * The staffing plan as CSV (RFC 4180, UTF-8, header row) for the roster spreadsheet: one row per
 * interval, shop and stage. Receptions keep two decimals; agents are whole people.
 */
export function staffingPlanCsv(plan: Pick<StaffingPlan, 'intervals'>): string {
  const header = ['intervalStart', 'shopId', 'phaseId', 'stage', 'receptions', 'agentsNeeded'];
  const rows = plan.intervals.map((row) => [row.intervalStart, row.shopId, row.phaseId, row.stage, row.receptions.toFixed(2), String(row.agentsNeeded)]);
  return [header, ...rows].map((fields) => fields.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The shortfall table as CSV: interval, stage, needed, rostered, missing. */
export function shortfallCsv(plan: Pick<StaffingPlan, 'shortfall'>): string {
  const header = ['intervalStart', 'stage', 'agentsNeeded', 'agentsScheduled', 'shortfall'];
  const rows = plan.shortfall.map((row) => [row.intervalStart, row.stage, String(row.agentsNeeded), String(row.agentsScheduled), String(row.shortfall)]);
  return [header, ...rows].map((fields) => fields.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Quotes a field only when it must (comma, quote, line break); ids and numbers never need it. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
