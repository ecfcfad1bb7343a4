import type { CaseHead } from '../store/cases';
import type { AfterSalesCase } from './case';

/** The case without its timeline: what lists and pushed frames carry. */
export function caseHeadOf(current: AfterSalesCase): CaseHead {
  const { timeline: _timeline, ...head } = current;
  return head;
}
