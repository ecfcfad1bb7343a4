import { orderStatuses, refundStatuses, type Envelope, type EnvelopeOf } from './envelope';
import type { LogisticsFact, OrderState, Versioned } from './order';

/**
 * What one event did to an order:
 * - `applied`: the current view moved (a status, a detail, a refund's step, a parcel's position, a rating);
 * - `stale`: older than what is current, so only the history took it (a late "paid" still enters the
 *   status timeline at its place); nothing the card or the stage shows changed;
 * - `duplicate`: this message id was applied before; nothing changed at all;
 * - `ignored`: a topic that is not order state (a timeout reminder); recorded as seen.
 */
export type OrderEventOutcome = 'applied' | 'stale' | 'duplicate' | 'ignored';

export class OrderEventMismatchError extends Error {
  constructor(field: string) {
    super(`event ${field} does not match the order it was applied to`);
    this.name = 'OrderEventMismatchError';
  }
}

/**
 * Folds one envelope into an order. Pure: the store reads the order, applies, and writes it back with a
 * condition on what it read (docs/orders-design.md). Version rules:
 * - the order's status and each detail are registers versioned by the order's business version;
 * - each refund is a register in its own version space (refund_version / modified), never compared with
 *   the order's or another refund's;
 * - logistics events are facts (a set), positioned by their own time;
 * - equal versions are ordered by lifecycle rank, then by message id, so the winner never depends on
 *   arrival order.
 *
 * @example
 * const { state, outcome } = applyOrderEvent(stored ?? newOrderState(key), envelope);
 */
export function applyOrderEvent(state: OrderState, envelope: Envelope): { state: OrderState; outcome: OrderEventOutcome } {
  if (envelope.shopId !== state.shopId) throw new OrderEventMismatchError('shopId');
  if (envelope.platform !== state.platform) throw new OrderEventMismatchError('platform');
  if (envelope.payload.orderId !== state.orderId) throw new OrderEventMismatchError('orderId');
  if (hasSorted(state.seenMessageIds, envelope.messageId)) return { state, outcome: 'duplicate' };

  const seen = { ...state, seenMessageIds: insertSorted(state.seenMessageIds, envelope.messageId, compareStrings) };
  switch (envelope.topic) {
    case 'order.updated':
      return applyOrderUpdated(seen, envelope);
    case 'refund.updated':
      return applyRefundUpdated(seen, envelope);
    case 'logistics.updated':
      return applyLogistics(seen, envelope);
    case 'order.rated': {
      const rater = envelope.payload.rater;
      if (seen.ratedBy.includes(rater)) return { state: seen, outcome: 'stale' };
      const { result, score } = envelope.payload;
      const buyerRating = rater === 'buyer' && (result || score) ? { buyerRating: { ...(result ? { result } : {}), ...(score ? { score } : {}), at: envelope.occurredAt } } : {};
      return { state: { ...seen, ratedBy: insertSorted(seen.ratedBy, rater, compareStrings), ...buyerRating }, outcome: 'applied' };
    }
    case 'order.reminded':
      return { state: seen, outcome: 'ignored' };
  }
}

function applyOrderUpdated(state: OrderState, envelope: EnvelopeOf<'order.updated'>) {
  const { payload } = envelope;
  const rank = orderStatuses.indexOf(payload.status);
  const register = <T>(value: T): Versioned<T> => ({ value, version: envelope.businessVersion, rank, messageId: envelope.messageId, occurredAt: envelope.occurredAt });
  let advanced = false;
  const merge = <T>(current: Versioned<T> | undefined, value: T | undefined): Versioned<T> | undefined => {
    if (value === undefined) return current;
    const candidate = register(value);
    if (current && compareRegisters(current, candidate) >= 0) return current;
    advanced = true;
    return candidate;
  };
  const next: OrderState = {
    ...state,
    status: merge(state.status, { status: payload.status, ...(payload.platformStatus ? { platformStatus: payload.platformStatus } : {}) }),
    buyer: merge(state.buyer, payload.buyer),
    lines: merge(state.lines, payload.lines),
    total: merge(state.total, payload.total),
    shippingFee: merge(state.shippingFee, payload.shippingFee),
    createdAt: merge(state.createdAt, payload.createdAt),
    paidAt: merge(state.paidAt, payload.paidAt),
    timeoutActionAt: merge(state.timeoutActionAt, payload.timeoutActionAt),
    statusHistory: insertSortedUnique(
      state.statusHistory,
      { status: payload.status, version: envelope.businessVersion, occurredAt: envelope.occurredAt },
      (a, b) => a.version - b.version || orderStatuses.indexOf(a.status) - orderStatuses.indexOf(b.status) || compareStrings(a.occurredAt, b.occurredAt),
    ),
  };
  return { state: dropUndefined(next), outcome: advanced ? ('applied' as const) : ('stale' as const) };
}

function applyRefundUpdated(state: OrderState, envelope: EnvelopeOf<'refund.updated'>) {
  const { orderId: _orderId, buyer, ...snapshot } = envelope.payload;
  const candidate: Versioned<typeof snapshot> = {
    value: snapshot,
    version: envelope.businessVersion,
    rank: refundStatuses.indexOf(snapshot.status),
    messageId: envelope.messageId,
    occurredAt: envelope.occurredAt,
  };
  const existing = state.refunds[snapshot.refundId];
  const advanced = !existing || compareRegisters(existing.current, candidate) < 0;
  const history = insertSortedUnique(
    existing?.history ?? [],
    { status: snapshot.status, version: envelope.businessVersion, occurredAt: envelope.occurredAt },
    (a, b) => a.version - b.version || refundStatuses.indexOf(a.status) - refundStatuses.indexOf(b.status) || compareStrings(a.occurredAt, b.occurredAt),
  );
  // A refund may be the first we hear of an order: it names the buyer too (as a register of the order).
  const buyerRegister = buyer ? { value: buyer, version: envelope.businessVersion, rank: 0, messageId: envelope.messageId, occurredAt: envelope.occurredAt } : undefined;
  const next: OrderState = {
    ...state,
    buyer: buyerRegister && (!state.buyer || compareRegisters(state.buyer, buyerRegister) < 0) ? buyerRegister : state.buyer,
    refunds: { ...state.refunds, [snapshot.refundId]: { current: advanced || !existing ? candidate : existing.current, history } },
  };
  return { state: dropUndefined(next), outcome: advanced ? ('applied' as const) : ('stale' as const) };
}

function applyLogistics(state: OrderState, envelope: EnvelopeOf<'logistics.updated'>) {
  const { parcelId, carrier, action, platformAction, description, at } = envelope.payload;
  const fact: LogisticsFact = { action, at, ...(platformAction ? { platformAction } : {}), ...(description ? { description } : {}) };
  const parcel = state.parcels[parcelId] ?? { events: [] };
  const events = insertSortedUnique(parcel.events, fact, compareFacts);
  const isNew = events.length > parcel.events.length;
  const isLatest = events.at(-1) === fact;
  const carrierRegister = carrier ? { value: carrier, version: envelope.businessVersion, rank: 0, messageId: envelope.messageId, occurredAt: envelope.occurredAt } : undefined;
  const nextCarrier = carrierRegister && (!parcel.carrier || compareRegisters(parcel.carrier, carrierRegister) < 0) ? carrierRegister : parcel.carrier;
  const next: OrderState = { ...state, parcels: { ...state.parcels, [parcelId]: dropUndefined({ carrier: nextCarrier, events }) } };
  return { state: next, outcome: isNew && isLatest ? ('applied' as const) : ('stale' as const) };
}

/** Total order on registers: version, then lifecycle rank, then message id. */
export function compareRegisters(a: Pick<Versioned<unknown>, 'version' | 'rank' | 'messageId'>, b: Pick<Versioned<unknown>, 'version' | 'rank' | 'messageId'>): number {
  return a.version - b.version || a.rank - b.rank || compareStrings(a.messageId, b.messageId);
}

const actionRank = (fact: LogisticsFact) => ['created', 'consigned', 'collected', 'in-transit', 'out-for-delivery', 'other', 'failed', 'lost', 'signed'].indexOf(fact.action);
/**
 * Trace events by time; at the same instant a terminal step sorts last, then the text decides. Every field
 * takes part, so two facts compare equal only when they are the same fact (set semantics).
 */
const compareFacts = (a: LogisticsFact, b: LogisticsFact) =>
  Date.parse(a.at) - Date.parse(b.at) ||
  actionRank(a) - actionRank(b) ||
  compareStrings(a.platformAction ?? '', b.platformAction ?? '') ||
  compareStrings(a.description ?? '', b.description ?? '') ||
  compareStrings(a.at, b.at);

/** Code-unit order, not locale order: the same on every Lambda. */
const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function hasSorted(list: readonly string[], value: string): boolean {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const item = list[mid]!;
    if (item === value) return true;
    if (item < value) low = mid + 1;
    else high = mid;
  }
  return false;
}

function insertSorted<T>(list: readonly T[], value: T, compare: (a: T, b: T) => number): T[] {
  const index = list.findIndex((item) => compare(item, value) > 0);
  return index < 0 ? [...list, value] : [...list.slice(0, index), value, ...list.slice(index)];
}

/** Inserts unless an equal element (compare = 0) is present: set semantics on a sorted array. */
function insertSortedUnique<T>(list: readonly T[], value: T, compare: (a: T, b: T) => number): T[] {
  if (list.some((item) => compare(item, value) === 0)) return [...list];
  return insertSorted(list, value, compare);
}

/** Keeps stored items free of `undefined` attributes (DynamoDB's marshaller refuses them by default). */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
