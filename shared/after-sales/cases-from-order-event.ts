import { compareRegisters } from '../orders/apply-order-event';
import type { Envelope, RefundKind, RefundStatus } from '../orders/envelope';
import type { OrderState } from '../orders/order';
import { caseIdForParcelIncident, caseIdForRefund, terminalStates, type AfterSalesCase, type CaseOutcome, type CaseState, type CaseType } from './case';
import { transitionCase } from './transition-case';

/**
 * Which cases an applied order event opens or moves, as pure functions the store runs per case id:
 * read the case (it may not exist), call `apply`, write the result with a condition on what was read.
 * Case ids are derived (case.ts), so a redelivery or a concurrent duplicate lands on the same item.
 */
export interface CaseChange {
  caseId: string;
  /** The case after the event; the same object when nothing changes, undefined when no case is due. */
  apply: (existing: AfterSalesCase | undefined) => AfterSalesCase | undefined;
}

/** Where each refund step leaves the case: whose move it is, or how it ended. */
export const caseStateForRefund: Readonly<Record<RefundStatus, CaseState>> = {
  requested: 'waiting-seller',
  refused: 'waiting-buyer',
  'platform-intervening': 'waiting-platform',
  agreed: 'waiting-platform',
  'waiting-return': 'waiting-buyer',
  returned: 'waiting-seller',
  succeeded: 'resolved',
  closed: 'closed',
};

const caseTypeForRefund: Readonly<Record<RefundKind, CaseType>> = {
  'refund-only': 'refund-only',
  'return-and-refund': 'return-and-refund',
  exchange: 'exchange',
};

const successOutcome: Readonly<Record<RefundKind, CaseOutcome>> = {
  'refund-only': 'refunded',
  'return-and-refund': 'returned-and-refunded',
  exchange: 'exchanged',
};

const platformActor = { kind: 'platform' } as const;

export function caseChangesFor(order: OrderState, envelope: Envelope): CaseChange[] {
  if (envelope.topic === 'refund.updated') {
    const { refundId } = envelope.payload;
    return [{ caseId: caseIdForRefund(order.platform, order.shopId, refundId), apply: (existing) => caseForRefund(order, refundId, existing) }];
  }
  if (envelope.topic === 'logistics.updated') {
    const { parcelId, action } = envelope.payload;
    if (action !== 'failed' && action !== 'lost') return [];
    return [{ caseId: caseIdForParcelIncident(order.platform, order.shopId, order.orderId, parcelId, action), apply: (existing) => existing ?? caseForParcelIncident(order, parcelId, action) }];
  }
  return [];
}

/**
 * Opens the refund's case or moves it to the refund's current step. Driven by the order's current
 * refund register (already the newest version), and guarded by the version the case last saw, so an
 * older refund step never moves a case back.
 */
export function caseForRefund(order: OrderState, refundId: string, existing: AfterSalesCase | undefined): AfterSalesCase | undefined {
  const register = order.refunds[refundId]?.current;
  if (!register) return existing;
  const refund = register.value;
  const at = register.occurredAt;
  const target = caseStateForRefund[refund.status];
  const outcomeFor = (current: AfterSalesCase | undefined): CaseOutcome | undefined =>
    refund.status === 'succeeded' ? successOutcome[refund.kind] : refund.status === 'closed' ? (current?.retentionBy ? 'refund-retained' : 'withdrawn') : undefined;
  const refundRecord = { refundId, kind: refund.kind, status: refund.status, version: register.version, rank: register.rank, messageId: register.messageId };

  if (!existing) {
    const outcome = outcomeFor(undefined);
    return {
      tenantId: order.tenantId,
      shopId: order.shopId,
      platform: order.platform,
      caseId: caseIdForRefund(order.platform, order.shopId, refundId),
      type: caseTypeForRefund[refund.kind],
      state: target,
      stateSince: at,
      ...(outcome ? { outcome } : {}),
      origin: 'refund',
      orderId: order.orderId,
      ...(order.buyer ? { buyerId: order.buyer.value.buyerId } : {}),
      refund: refundRecord,
      warningsSent: [],
      openedAt: at,
      updatedAt: at,
      timeline: [{ at, actor: platformActor, kind: 'opened', to: target, ...(outcome ? { outcome } : {}), text: `refund ${refundId}: ${refund.status}` }],
    };
  }
  if (existing.refund && compareRegisters(existing.refund, register) >= 0) return existing;

  let next: AfterSalesCase = existing;
  const outcome = terminalStates.has(target) ? outcomeFor(next) : undefined;
  // The platform has the last word: a refund that comes back to life (a buyer revises after a close), or
  // one that ends differently than it seemed to, reopens the case first; finished cases only reopen.
  if (terminalStates.has(next.state) && (next.state !== target || next.outcome !== outcome)) next = transitionCase(next, { to: 'open', actor: platformActor, at });
  if (next.state !== target) next = transitionCase(next, { to: target, actor: platformActor, at, ...(outcome ? { outcome } : {}) });
  return { ...next, refund: refundRecord, updatedAt: at };
}

function caseForParcelIncident(order: OrderState, parcelId: string, action: 'failed' | 'lost'): AfterSalesCase {
  const fact = order.parcels[parcelId]?.events.find((event) => event.action === action);
  const at = fact?.at ?? new Date(0).toISOString();
  return {
    tenantId: order.tenantId,
    shopId: order.shopId,
    platform: order.platform,
    caseId: caseIdForParcelIncident(order.platform, order.shopId, order.orderId, parcelId, action),
    // LOST is a missing parcel; FAILED means the buyer refused it at the door: the reason needs asking.
    type: action === 'lost' ? 'missing-or-damaged' : 'other',
    state: 'waiting-seller',
    stateSince: at,
    origin: 'logistics',
    orderId: order.orderId,
    ...(order.buyer ? { buyerId: order.buyer.value.buyerId } : {}),
    parcelId,
    warningsSent: [],
    openedAt: at,
    updatedAt: at,
    timeline: [{ at, actor: platformActor, kind: 'opened', to: 'waiting-seller', text: `parcel ${parcelId}: ${action === 'lost' ? 'lost' : 'delivery refused'}` }],
  };
}
