import type { Envelope } from '../orders/envelope';
import { hasShipped, type OrderState as Order } from '../orders/order';
import type { AfterSalesCase } from './case';
import { caseDependencies, changeCase, type CaseDependencies } from './change-case';
import { caseChangesFor } from './cases-from-order-event';
import type { DeadlineFacts } from './deadlines';

/**
 * The orders consumer's one call into after-sales (issue 7 §3): after an event was applied to an order,
 * open or move the cases it concerns (one per platform refund, one per parcel incident) through
 * `changeCase`, with the deadline facts read from the order: the platform's deadline for the refund's
 * current step, and whether the order had shipped.
 *
 * Idempotent: case ids are derived from the refund or parcel (case.ts), each case keeps the refund
 * register it last applied and never moves back, and a change that changes nothing writes nothing. So
 * the same event applied again (a duplicate, an SQS retry, a reconciliation read) leaves the same cases,
 * and the owner is told once. Throws (the consumer retries the message) only when storage fails.
 *
 * @example
 * const { state } = applyOrderEvent(stored ?? newOrderState(key), envelope);
 * await recordCaseChangesForOrderEvent({ tenantId, order: state, envelope, now: new Date() });
 */
export async function recordCaseChangesForOrderEvent(
  input: { tenantId: string; order: Order; envelope: Envelope; now: Date },
  deps: CaseDependencies = caseDependencies,
): Promise<void> {
  const { tenantId, order, envelope, now } = input;
  // The order's own tenant is the one the consumer read it under; a mismatch is a bug upstream, not data.
  if (order.tenantId !== tenantId) throw new Error('order and tenant do not match');
  for (const change of caseChangesFor(order, envelope)) {
    await changeCase({ tenantId, caseId: change.caseId, now, change: (existing) => change.apply(existing), facts: deadlineFactsOf(order, envelope) }, deps);
  }
}

/** What a case's deadline is computed from, as the order says now. */
export function deadlineFactsOf(order: Order, envelope: Envelope): DeadlineFacts {
  const refundId = envelope.topic === 'refund.updated' ? envelope.payload.refundId : undefined;
  const platformDueAt = refundId ? order.refunds[refundId]?.current.value.deadline?.at : undefined;
  return { ...(platformDueAt ? { platformDueAt } : {}), orderShipped: hasShipped(order) };
}

export type { AfterSalesCase };
