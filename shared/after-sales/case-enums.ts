/** The after-sales case's enums, plain constants (no zod): shared by the backend's schemas and the web clients. */

export const caseTypes = ['refund-only', 'return-and-refund', 'exchange', 'quality-complaint', 'missing-or-damaged', 'urge-shipping', 'other'] as const;
export type CaseType = (typeof caseTypes)[number];

export const caseStates = ['open', 'waiting-buyer', 'waiting-seller', 'waiting-platform', 'resolved', 'closed'] as const;
export type CaseState = (typeof caseStates)[number];

export const caseOutcomes = [
  'refunded',
  'returned-and-refunded',
  'exchanged',
  'reshipped',
  'compensated',
  /** The buyer withdrew the refund after an agent's retention attempt (退款挽留). */
  'refund-retained',
  'refund-refused',
  'withdrawn',
  'no-action-needed',
  'other',
] as const;
export type CaseOutcome = (typeof caseOutcomes)[number];
