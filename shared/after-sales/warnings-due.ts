import { sellerActsStates, type AfterSalesCase } from './case';

/**
 * Warning points on a case's SLA window [deadline.startsAt, deadline.slaDueAt], as fractions: 0.5 = half
 * the time used, 1 = the SLA is due (overdue from then on). Per shop; the default is the example.
 */
export interface WarningPolicy {
  points: readonly number[];
}

export const defaultWarningPolicy: WarningPolicy = { points: [0.5, 0.8, 1] };

export interface DueWarning {
  /** Stored in the case's warningsSent once pushed: `<dueAt>@<point>`, so a new deadline re-arms. */
  key: string;
  point: number;
  kind: 'warning' | 'overdue';
  /** When this point was reached. */
  at: string;
  /** A later point is also due: the sweep records this one as sent without pushing it (no alert storm after a delay). */
  superseded: boolean;
}

/**
 * The warnings a case owes at `now` and has not sent, oldest point first. Only while the seller's side
 * must act (open, waiting on the seller): a case waiting on the buyer or the platform runs on their clock.
 *
 * @example
 * for (const warning of warningsDue(caseItem, shop.warningPolicy, now)) if (!warning.superseded) push(warning);
 */
export function warningsDue(current: Pick<AfterSalesCase, 'state' | 'deadline' | 'warningsSent'>, policy: WarningPolicy, now: Date): DueWarning[] {
  if (!current.deadline || !sellerActsStates.has(current.state)) return [];
  const sent = new Set(current.warningsSent);
  const due = schedule(current.deadline, policy).filter((warning) => Date.parse(warning.at) <= now.getTime() && !sent.has(warning.key));
  return due.map((warning, index) => ({ ...warning, superseded: index < due.length - 1 }));
}

/**
 * When the case next needs the sweep: the earliest unsent point, or undefined. The store files the case
 * under this minute in the due-time index, so the per-minute sweep reads only cases with work due.
 */
export function nextWarningAt(current: Pick<AfterSalesCase, 'state' | 'deadline' | 'warningsSent'>, policy: WarningPolicy): string | undefined {
  if (!current.deadline || !sellerActsStates.has(current.state)) return undefined;
  const sent = new Set(current.warningsSent);
  return schedule(current.deadline, policy).find((warning) => !sent.has(warning.key))?.at;
}

function schedule(deadline: NonNullable<AfterSalesCase['deadline']>, policy: WarningPolicy): Omit<DueWarning, 'superseded'>[] {
  const start = Date.parse(deadline.startsAt);
  const span = Math.max(0, Date.parse(deadline.slaDueAt) - start);
  return [...new Set(policy.points)]
    .filter((point) => point > 0 && point <= 1)
    .sort((a, b) => a - b)
    .map((point) => ({
      key: `${deadline.dueAt}@${point}`,
      point,
      kind: point >= 1 ? ('overdue' as const) : ('warning' as const),
      // Whole milliseconds: the same point always lands on the same instant.
      at: new Date(start + Math.round(span * point)).toISOString(),
    }));
}
