import { isSigned, openRefundsOf, orderStatusOf, type OrderState } from '../orders/order';
import type { OrderStatus } from '../orders/envelope';
import { nextSendableAt } from './rules';
import type { OutreachSettings } from './settings';
import type { OutreachKind } from './task';

/**
 * What outreach an order wants now (issue 8 §1), as a pure function of the order as stored: the tasks to
 * schedule and the ones to stop. Run after every event (the orders consumer's `outreach` step), in any
 * order and any number of times: scheduling is create-if-absent under an id derived from (order, kind,
 * nudge) and stopping is a conditional update, so the same stored order always leads to the same tasks.
 */
export interface PlannedTask {
  kind: OutreachKind;
  nudge: number;
  /** When it should go: already moved out of quiet hours. */
  dueAt: Date;
  assignTo: 'robot' | 'agents';
}

export interface Stop {
  kind: OutreachKind;
  nudge: number;
  reason: string;
}

export interface OutreachPlan {
  schedule: PlannedTask[];
  stop: Stop[];
}

const unpaid: ReadonlySet<OrderStatus> = new Set(['created', 'deposit-paid']);
const ended: ReadonlySet<OrderStatus> = new Set(['cancelled', 'closed']);
/** A step older than this when kefu first hears of it gets no message (a reconciliation read of old orders). */
const staleAfterMs = 24 * 3600_000;
/** A nudge whose time passed this long ago is not sent late. */
const nudgeGraceMs = 60 * 60_000;

/** When the order first reached a status, by the platform's clock. */
function reachedAt(order: OrderState, status: OrderStatus): Date | undefined {
  const entry = order.statusHistory.find((item) => item.status === status);
  return entry ? new Date(entry.occurredAt) : undefined;
}

function signedAt(order: OrderState): Date | undefined {
  const times = Object.values(order.parcels).flatMap((parcel) => parcel.events.filter((event) => event.action === 'signed').map((event) => Date.parse(event.at)));
  if (times.length > 0) return new Date(Math.max(...times));
  return reachedAt(order, 'signed') ?? reachedAt(order, 'finished');
}

export function planOutreach(order: OrderState, settings: OutreachSettings, now: Date): OutreachPlan {
  const plan: OutreachPlan = { schedule: [], stop: [] };
  const status = orderStatusOf(order);
  if (!status || !order.buyer) return plan;
  const at = (time: Date) => nextSendableAt(time, settings);
  const fresh = (time: Date | undefined) => time !== undefined && now.getTime() - time.getTime() <= staleAfterMs;
  const schedule = (kind: OutreachKind, dueAt: Date, nudge = 0, assignTo: 'robot' | 'agents' = 'robot') =>
    plan.schedule.push({ kind, nudge, dueAt: at(dueAt < now ? now : dueAt), assignTo });
  const stop = (kind: OutreachKind, reason: string, nudges = 1) => {
    for (let nudge = 0; nudge < nudges; nudge++) plan.stop.push({ kind, nudge, reason });
  };

  // Urge to pay: up to three nudges while unpaid; stopped the moment the order is paid or closed.
  if (unpaid.has(status)) {
    const created = order.createdAt ? new Date(order.createdAt.value) : reachedAt(order, 'created');
    if (settings.urgeToPay.enabled && created) {
      settings.urgeToPay.afterMinutes.forEach((minutes, nudge) => {
        const due = new Date(created.getTime() + minutes * 60_000);
        if (now.getTime() - due.getTime() <= nudgeGraceMs) schedule('urge-to-pay', due, nudge);
      });
    }
  } else {
    stop('urge-to-pay', ended.has(status) ? 'order-closed' : 'order-paid', 3);
  }

  const refundOpen = openRefundsOf(order).length > 0;
  const closed = ended.has(status);
  const signed = isSigned(order);
  const finished = status === 'finished';
  const rated = order.ratedBy.includes('buyer');

  // Shipping notice: once, when it ships (not for an old shipment first heard of now).
  const shipped = reachedAt(order, 'shipped') ?? reachedAt(order, 'partly-shipped');
  if (settings.shippingNotice.enabled && shipped && !signed && !closed && fresh(shipped)) schedule('shipping-notice', shipped);
  if (signed || closed) stop('shipping-notice', signed ? 'order-signed' : 'order-closed');

  const signedTime = signedAt(order);
  if (refundOpen || closed) {
    const reason = closed ? 'order-closed' : 'refund-open';
    stop('urge-to-confirm', reason);
    stop('delivery-callback', reason);
    stop('review-invitation', reason);
  } else if (signed && signedTime) {
    if (settings.urgeToConfirm.enabled && !finished) schedule('urge-to-confirm', new Date(signedTime.getTime() + settings.urgeToConfirm.afterSignedHours * 3600_000));
    if (settings.deliveryCallback.enabled && fresh(signedTime)) {
      schedule('delivery-callback', new Date(signedTime.getTime() + settings.deliveryCallback.delayMinutes * 60_000), 0, settings.deliveryCallback.assignTo);
    }
  }
  if (finished) stop('urge-to-confirm', 'order-finished');

  // Review invitation: after the trade finished, only inside the platform's review window, not once rated.
  const finishedAt = reachedAt(order, 'finished');
  if (rated) stop('review-invitation', 'already-rated');
  else if (finished && finishedAt && !refundOpen && settings.reviewInvitation.enabled) {
    const windowEnd = finishedAt.getTime() + settings.reviewInvitation.windowDays * 86_400_000;
    const due = at(new Date(Math.max(now.getTime(), finishedAt.getTime() + settings.reviewInvitation.afterFinishedHours * 3600_000)));
    if (due.getTime() < windowEnd) schedule('review-invitation', due);
  }
  return plan;
}

/** Whether a task of this kind may still go for the order as it is now (checked again at send time). */
export function stillWanted(kind: OutreachKind, nudge: number, order: OrderState, settings: OutreachSettings, now: Date): { wanted: boolean; reason?: string } {
  if (kind === 'campaign') return { wanted: true };
  const plan = planOutreach(order, settings, now);
  const stopped = plan.stop.find((item) => item.kind === kind && item.nudge === nudge);
  if (stopped) return { wanted: false, reason: stopped.reason };
  if (kind === 'review-invitation') {
    const finishedAt = reachedAt(order, 'finished');
    if (!finishedAt || now.getTime() >= finishedAt.getTime() + settings.reviewInvitation.windowDays * 86_400_000) return { wanted: false, reason: 'review-window-closed' };
  }
  return { wanted: true };
}
