import { AppError } from '../http/errors';
import { caseTypes, terminalStates, type Actor, type AfterSalesCase, type CaseOutcome, type CaseState, type TimelineEntry } from './case';

/** A change the state machine does not allow; a 409 with its code when an agent asked for it. */
export class CaseTransitionError extends AppError {
  constructor(code: 'CASE_TRANSITION_NOT_ALLOWED' | 'CASE_OUTCOME_REQUIRED' | 'CASE_OUTCOME_NOT_ALLOWED' | 'CASE_REOPEN_NOT_ALLOWED', message: string) {
    super(409, code, message, [{ field: 'to', message }]);
  }
}

const waiting: CaseState[] = ['waiting-buyer', 'waiting-seller', 'waiting-platform'];

/**
 * Allowed moves: open → any waiting state or an end; a waiting state → another waiting state, back to
 * open, or an end; an end → open (reopen) only. Resolved and closed need an outcome; nothing else takes one.
 */
export const allowedTransitions: Readonly<Record<CaseState, readonly CaseState[]>> = {
  open: [...waiting, 'resolved', 'closed'],
  'waiting-buyer': ['open', 'waiting-seller', 'waiting-platform', 'resolved', 'closed'],
  'waiting-seller': ['open', 'waiting-buyer', 'waiting-platform', 'resolved', 'closed'],
  'waiting-platform': ['open', 'waiting-buyer', 'waiting-seller', 'resolved', 'closed'],
  resolved: ['open'],
  closed: ['open'],
};

/** Outcomes that only make sense for a case about a refund. */
const refundOutcomes: ReadonlySet<CaseOutcome> = new Set(['refunded', 'returned-and-refunded', 'refund-retained', 'refund-refused']);
const refundTypes = new Set<string>(caseTypes.slice(0, 3));

export interface CaseTransition {
  to: CaseState;
  actor: Actor;
  at: string;
  outcome?: CaseOutcome;
  text?: string;
}

/**
 * Moves a case to another state, appending the timeline entry. Moving to the state it is in is a no-op
 * (returns the same object), so a redelivered platform event changes nothing. An agent cannot reopen a
 * finished case (a supervisor, the platform or kefu can), so closed work is not quietly undone.
 */
export function transitionCase(current: AfterSalesCase, change: CaseTransition): AfterSalesCase {
  const { to, actor, at, outcome, text } = change;
  if (to === current.state && outcome === current.outcome) return current;
  if (to !== current.state && !allowedTransitions[current.state].includes(to)) {
    throw new CaseTransitionError('CASE_TRANSITION_NOT_ALLOWED', `a case cannot go from ${current.state} to ${to}`);
  }
  if (to === current.state) throw new CaseTransitionError('CASE_TRANSITION_NOT_ALLOWED', `the case is already ${to}`);
  if (terminalStates.has(current.state) && actor.kind === 'agent') {
    throw new CaseTransitionError('CASE_REOPEN_NOT_ALLOWED', 'only a supervisor reopens a finished case');
  }
  if (terminalStates.has(to) && !outcome) throw new CaseTransitionError('CASE_OUTCOME_REQUIRED', `${to} needs an outcome`);
  if (!terminalStates.has(to) && outcome) throw new CaseTransitionError('CASE_OUTCOME_NOT_ALLOWED', `only resolved or closed take an outcome`);
  if (outcome && refundOutcomes.has(outcome) && !current.refund && !refundTypes.has(current.type)) {
    throw new CaseTransitionError('CASE_OUTCOME_NOT_ALLOWED', `${outcome} needs a case about a refund`);
  }
  const entry: TimelineEntry = { at, actor, kind: 'state', from: current.state, to, ...(outcome ? { outcome } : {}), ...(text ? { text } : {}) };
  const { outcome: _previous, ...rest } = current;
  return {
    ...rest,
    state: to,
    stateSince: at,
    ...(outcome ? { outcome } : {}),
    updatedAt: at,
    timeline: [...current.timeline, entry],
  };
}
