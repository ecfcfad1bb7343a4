import type { KpiFigures } from './figures';

/** The counters that depend on the shop's attribution rule (listed once; `attributedCounters` below). */
const attributedCounterNames = ['convertedInquirers', 'creditedOrders', 'salesAmount', 'secondarySalesAmount', 'assistedOrders', 'silentOrders', 'silentSalesAmount'] as const;

/**
 * What a KPI bucket stores: sums and counts only, never an average, so buckets add up (hours → a day,
 * days → a month, agents → a shop) and a figure is computed once, at read time (figuresOf). Times in
 * milliseconds or seconds as named, money in minor units (fen).
 */
export const counterNames = [
  // conversations (head response facts, by the agent assigned when the message was written)
  'buyerMessages',
  'agentMessages',
  'firstReplyMsTotal',
  'firstReplies',
  'replyMsTotal',
  'replies',
  /** Receptions (询单/接待): a conversation an agent replied in after the buyer asked; after-sale chats excluded. */
  'inquiries',
  // response clock (round outcome facts)
  'roundsMet',
  'roundsMissed',
  // attribution (versioned: kept per attribution-rule version, see docs/kpi-design.md)
  ...attributedCounterNames,
  // after-sales cases
  'casesOpened',
  'casesResolved',
  'caseResolutionSecondsTotal',
  'casesResolvedOnTime',
  // presence
  'onlineSeconds',
  // usage (invoicing)
  'conversations',
  'robotAnswers',
  'outreachSent',
  /** Outreach stopped after a takeover whose first attempt may have gone (`maybeSentOn`): neither sent nor not sent. */
  'outreachMaybeSent',
  'callbackCouponsOffered',
  'callbackCouponsAccepted',
  'reviewInvitationsSent',
] as const;
export type CounterName = (typeof counterNames)[number];
export type Counters = Partial<Record<CounterName, number>>;

/** Counters that depend on the shop's attribution rule; stored apart per rule version. */
export const attributedCounters: ReadonlySet<CounterName> = new Set(attributedCounterNames);

const counterSet: ReadonlySet<string> = new Set(counterNames);
export const isCounterName = (name: string): name is CounterName => counterSet.has(name);

export function addCounters(into: Counters, more: Counters): Counters {
  for (const [name, value] of Object.entries(more) as [CounterName, number][]) {
    if (value) into[name] = (into[name] ?? 0) + value;
  }
  return into;
}

/** Counters without zeros: what a fact adds. */
export function nonZero(counters: Counters): Counters {
  return Object.fromEntries(Object.entries(counters).filter(([, value]) => value !== 0 && value !== undefined)) as Counters;
}

const ratio = (sum: number | undefined, count: number | undefined, scale = 1): number | undefined =>
  count ? (sum ?? 0) / count / scale : undefined;
const round = (value: number | undefined, digits: number) =>
  value === undefined ? undefined : Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * The platforms' formulas (shared/platforms.md §4.2; docs/kpi-design.md): first response = Σ first-reply
 * time ÷ first replies; average response = Σ reply time ÷ replies; response rate = met ÷ (met + missed);
 * reply/question = agent messages ÷ buyer messages; conversion = inquirers who paid ÷ inquirers; average
 * order value = attributed payments ÷ attributed buyers. A figure without facts is absent, never 0.
 */
export function figuresOf(c: Counters): KpiFigures {
  const figures: KpiFigures = {
    inquiries: c.inquiries,
    firstResponseSeconds: round(ratio(c.firstReplyMsTotal, c.firstReplies, 1000), 3),
    averageResponseSeconds: round(ratio(c.replyMsTotal, c.replies, 1000), 3),
    responseRate: round(ratio(c.roundsMet, (c.roundsMet ?? 0) + (c.roundsMissed ?? 0)), 4),
    replyQuestionRatio: round(ratio(c.agentMessages, c.buyerMessages), 3),
    conversionRate: c.inquiries ? round((c.convertedInquirers ?? 0) / c.inquiries, 4) : undefined,
    averageOrderValue: c.convertedInquirers ? Math.round((c.salesAmount ?? 0) / c.convertedInquirers) : undefined,
    salesAmount: c.salesAmount,
    secondarySalesAmount: c.secondarySalesAmount,
    caseResolutionSeconds: round(ratio(c.caseResolutionSecondsTotal, c.casesResolved), 1),
    caseOnTimeRate: round(ratio(c.casesResolvedOnTime, c.casesResolved), 4),
    callbackCouponAcceptance: round(ratio(c.callbackCouponsAccepted, c.callbackCouponsOffered), 4),
    reviewInvitationsSent: c.reviewInvitationsSent,
    onlineSeconds: c.onlineSeconds,
  };
  return Object.fromEntries(Object.entries(figures).filter(([, value]) => value !== undefined)) as KpiFigures;
}
