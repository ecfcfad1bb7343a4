import type { Attribution, OrderFact, ReceptionFact } from './attribute';
import { isLowRating } from '../qc/sampling';
import { nonZero, type Counters } from './counters';

/**
 * KPI facts from the table's change stream (docs/kpi-design.md §4). Each extractor turns one changed item
 * (old and new image) of its entity into effects; the aggregator applies them. Extractors are plain
 * functions of the images, so a replayed record yields the same effects and the same fact ids, and the
 * store's per-fact claim makes it count once. New kinds (outreach, robot) add an extractor to the list.
 */

export type Item = Record<string, unknown>;

export interface ItemChange {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  tenantId: string;
  oldImage?: Item | undefined;
  newImage?: Item | undefined;
  /** When DynamoDB wrote the change (the record's ApproximateCreationDateTime), UTC ISO. */
  at: string;
  /** The stream record's sequence number: unique per change, the same on redelivery and replay. */
  sequenceNumber: string;
}

export type KpiTarget = { kind: 'shop' } | { kind: 'agent'; agentId: string } | { kind: 'group'; groupId: string };

/** Counters to add to one target's bucket (the shop-local hour of `at`). */
export interface KpiUpdate {
  at: string;
  target: KpiTarget;
  counters: Counters;
}

/** Updates applied together, once: the store claims `factId` in the same transaction. */
export interface CountFact {
  factId: string;
  tenantId: string;
  shopId: string;
  /** Set for attributed counters: the attribution-rule version they belong to. */
  ruleVersion?: number;
  updates: KpiUpdate[];
}

export type KpiEffect =
  | { kind: 'count'; fact: CountFact }
  | { kind: 'reception'; tenantId: string; reception: ReceptionFact }
  | { kind: 'order'; tenantId: string; order: Omit<OrderFact, 'buyerId'> & { platformBuyerId: string } }
  | { kind: 'online-start'; tenantId: string; agentId: string; shopIds: string[]; since: string }
  | { kind: 'online-end'; tenantId: string; agentId: string; shopIds: string[]; at: string }
  | { kind: 'rule-changed'; tenantId: string; shopId: string; version: number; at: string }
  | { kind: 'low-rating'; tenantId: string; rating: Omit<LowRatingFact, 'buyerId'> & { platformBuyerId: string } };

/** A buyer's low rating of an order (QC's targeted samples, docs/qc-and-scorecards.md). */
export interface LowRatingFact {
  shopId: string;
  platform: string;
  orderId: string;
  buyerId: string;
  at: string;
  result?: string;
  score?: number;
}

export interface FactExtractor {
  /** The item's `entity` attribute this extractor reads. */
  entity: string;
  extract(change: ItemChange): KpiEffect[];
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const obj = (value: unknown): Item => (value && typeof value === 'object' ? (value as Item) : {});

/** Targets of a conversation's facts: the shop, its group, and the assigned agent. */
function conversationTargets(head: Item, withShop = true): KpiTarget[] {
  const targets: KpiTarget[] = withShop ? [{ kind: 'shop' }] : [];
  const groupId = str(head.groupId);
  const agentId = str(head.assigneeId);
  if (groupId) targets.push({ kind: 'group', groupId });
  if (agentId) targets.push({ kind: 'agent', agentId });
  return targets;
}

/**
 * Conversation heads: the change of the head's response facts since the old image (one message each),
 * credited to the agent assigned in the new image, at the message's time; a conversation opened; a
 * reception at the first answer to a buyer's question, credited to the agent who gave it (reception
 * filters: an empty chat or an agent's monologue has no answered question; an after-sale chat is no
 * inquiry; a chat transferred on after its first answer is no second reception).
 */
export const conversationExtractor: FactExtractor = {
  entity: 'Conversation',
  extract(change) {
    const head = change.newImage;
    if (!head) return [];
    const before = obj(change.oldImage?.responseFacts);
    const after = obj(head.responseFacts);
    const shopId = String(head.shopId);
    const conversationId = String(head.conversationId);
    const at = str(head.lastMessageAt) ?? change.at;
    const effects: KpiEffect[] = [];
    const staff = nonZero({
      buyerMessages: num(after.questions) - num(before.questions),
      agentMessages: num(after.replies) - num(before.replies),
      replyMsTotal: num(after.responseMsTotal) - num(before.responseMsTotal),
      replies: num(after.responseCount) - num(before.responseCount),
      ...(after.firstResponseMs !== undefined && before.firstResponseMs === undefined ? { firstReplyMsTotal: num(after.firstResponseMs), firstReplies: 1 } : {}),
    });
    // Conversations opened: a usage counter of the shop only.
    const shop: Counters = change.eventName === 'INSERT' ? { ...staff, conversations: 1 } : staff;
    if (Object.keys(shop).length > 0) {
      effects.push({
        kind: 'count',
        fact: {
          factId: `conv#${conversationId}#${change.sequenceNumber}`,
          tenantId: change.tenantId,
          shopId,
          updates: conversationTargets(head)
            .map((target) => ({ at, target, counters: target.kind === 'shop' ? shop : staff }))
            .filter((update) => Object.keys(update.counters).length > 0),
        },
      });
    }
    const agentId = str(head.assigneeId);
    // The first answer to a buyer's question makes the conversation a reception of the agent who gave it.
    const firstAnswer = num(before.responseCount) === 0 && num(after.responseCount) > 0;
    if (agentId && firstAnswer && head.stage !== 'after-sale') {
      const reception: ReceptionFact = { shopId, conversationId, agentId, buyerId: String(head.buyerId), at, stage: head.stage as ReceptionFact['stage'], groupId: str(head.groupId) };
      effects.push({ kind: 'reception', tenantId: change.tenantId, reception });
    }
    return effects;
  },
};

/** Response rounds (the service clock's outcome facts): the change of met / missed between images. */
export const roundOutcomeExtractor: FactExtractor = {
  entity: 'RoundOutcome',
  extract(change) {
    const round = change.newImage;
    if (!round) return [];
    const was = change.oldImage?.status;
    const is = round.status;
    if (was === is) return [];
    const counters = nonZero({
      roundsMet: (is === 'met' ? 1 : 0) - (was === 'met' ? 1 : 0),
      roundsMissed: (is === 'missed' ? 1 : 0) - (was === 'missed' ? 1 : 0),
    });
    if (Object.keys(counters).length === 0) return [];
    const agentId = str(round.agentId);
    const targets: KpiTarget[] = [{ kind: 'shop' }, ...(agentId ? [{ kind: 'agent' as const, agentId }] : [])];
    // The round counts on the day (and hour) of its question, as the platform's rate does.
    const at = String(round.questionAt);
    return [
      {
        kind: 'count',
        fact: { factId: `round#${change.sequenceNumber}`, tenantId: change.tenantId, shopId: String(round.shopId), updates: targets.map((target) => ({ at, target, counters })) },
      },
    ];
  },
};

/** Platform orders: the order fact attribution needs, whenever its placement, payment or amount changed; a buyer's low rating. */
export const orderExtractor: FactExtractor = {
  entity: 'Order',
  extract(change) {
    const state = obj(change.newImage?.state);
    const before = obj(change.oldImage?.state);
    const view = (s: Item) => ({
      placedAt: str(obj(s.createdAt).value),
      paidAt: str(obj(s.paidAt).value),
      amount: num(obj(obj(s.total).value).minor),
      buyer: str(obj(obj(s.buyer).value).buyerId),
    });
    const now = view(state);
    const was = view(before);
    const effects: KpiEffect[] = [];
    // A buyer's low rating, once (the order keeps the buyer's first rating).
    const rating = state.buyerRating as { result?: string; score?: number; at: string } | undefined;
    if (now.buyer && isLowRating(rating) && !isLowRating(before.buyerRating as { result?: string; score?: number } | undefined)) {
      const { result, score, at } = rating!;
      effects.push({
        kind: 'low-rating',
        tenantId: change.tenantId,
        rating: { shopId: String(state.shopId), platform: String(state.platform), orderId: String(state.orderId), platformBuyerId: now.buyer, at, ...(result ? { result } : {}), ...(score ? { score } : {}) },
      });
    }
    if (!now.buyer || (!now.placedAt && !now.paidAt)) return effects;
    if (now.placedAt === was.placedAt && now.paidAt === was.paidAt && now.amount === was.amount && now.buyer === was.buyer) return effects;
    return [
      ...effects,
      {
        kind: 'order',
        tenantId: change.tenantId,
        order: {
          shopId: String(state.shopId),
          platform: String(state.platform),
          orderId: String(state.orderId),
          platformBuyerId: now.buyer,
          placedAt: now.placedAt,
          paidAt: now.paidAt,
          amount: now.amount,
        },
      },
    ];
  },
};

/** After-sales cases: opened; resolved or closed (resolution time from opening, on time against the SLA). */
export const caseExtractor: FactExtractor = {
  entity: 'AfterSalesCase',
  extract(change) {
    const after = change.newImage;
    if (!after) return [];
    const terminal = (state: unknown) => state === 'resolved' || state === 'closed';
    const opened = change.eventName === 'INSERT';
    const finished = terminal(after.state) && !terminal(change.oldImage?.state);
    if (!opened && !finished) return [];
    const ownerId = str(after.ownerId);
    const at = finished ? (str(after.stateSince) ?? change.at) : (str(after.openedAt) ?? change.at);
    const slaDueAt = str(obj(after.deadline).slaDueAt);
    const seconds = Math.max(0, Math.round((Date.parse(at) - Date.parse(String(after.openedAt))) / 1000));
    const counters = nonZero({
      casesOpened: opened ? 1 : 0,
      ...(finished
        ? { casesResolved: 1, caseResolutionSecondsTotal: seconds, casesResolvedOnTime: !slaDueAt || Date.parse(at) <= Date.parse(slaDueAt) ? 1 : 0 }
        : {}),
    });
    const targets: KpiTarget[] = [{ kind: 'shop' }, ...(ownerId ? [{ kind: 'agent' as const, agentId: ownerId }] : [])];
    return [
      {
        kind: 'count',
        fact: { factId: `case#${change.sequenceNumber}`, tenantId: change.tenantId, shopId: String(after.shopId), updates: targets.map((target) => ({ at, target, counters })) },
      },
    ];
  },
};

/** Agents' presence: a session starts when they go online and is counted when they leave it. */
export const presenceExtractor: FactExtractor = {
  entity: 'Agent',
  extract(change) {
    const after = change.newImage;
    if (!after) return [];
    const was = change.oldImage?.presence;
    const is = after.presence;
    const agentId = String(after.agentId);
    const shopIds = Array.isArray(after.shopIds) ? after.shopIds.map(String) : [];
    if (is === 'online' && was !== 'online') return [{ kind: 'online-start', tenantId: change.tenantId, agentId, shopIds, since: change.at }];
    if (was === 'online' && is !== 'online') return [{ kind: 'online-end', tenantId: change.tenantId, agentId, shopIds, at: change.at }];
    return [];
  },
};

/** A robot answer (the FAQ robot's messages): counted for usage; the shop comes from the conversation. */
export const robotMessageExtractor: FactExtractor = {
  entity: 'Message',
  extract(change) {
    const message = change.newImage;
    if (change.eventName !== 'INSERT' || message?.senderRole !== 'robot') return [];
    // The shop is resolved by the aggregator (a message item names only its conversation).
    return [
      {
        kind: 'count',
        fact: {
          factId: `robot#${change.sequenceNumber}`,
          tenantId: change.tenantId,
          shopId: `conversation:${String(message.conversationId)}`,
          updates: [{ at: String(message.createdAt), target: { kind: 'shop' }, counters: { robotAnswers: 1 } }],
        },
      },
    ];
  },
};

/** A shop's attribution rule changed: recompute its attributed counters under the new version (enqueued; its progress updates keep the version, so they are no change). */
export const attributionRuleExtractor: FactExtractor = {
  entity: 'AttributionRule',
  extract(change) {
    const rule = change.newImage;
    if (!rule || rule.version === change.oldImage?.version || rule.version === rule.activeVersion) return [];
    return [{ kind: 'rule-changed', tenantId: change.tenantId, shopId: String(rule.shopId), version: num(rule.version), at: change.at }];
  },
};

/**
 * Outreach tasks (docs/outreach-design.md): a first send (its reach gets `sentAt`), counted for usage and,
 * for a review invitation, as one sent; a delivery callback concluded by its agent (an outcome recorded)
 * is one callback offered, and accepted when the outcome is `coupon-accepted` — acceptance is over the
 * callbacks made, as the seeds count it (10,000 buyers called, 10 % accept); a task stopped with
 * `maybeSentOn` (a taken-over send that may have gone, docs/outreach-design.md §6) is one maybe sent.
 * Credited to the shop and the assigned agent.
 */
export const outreachTaskExtractor: FactExtractor = {
  entity: 'OutreachTask',
  extract(change) {
    const after = change.newImage;
    if (!after) return [];
    const before = change.oldImage;
    const sentAt = str(obj(after.reach).sentAt);
    const firstSend = sentAt !== undefined && str(obj(before?.reach).sentAt) === undefined;
    const concluded = after.kind === 'delivery-callback' && str(after.outcome) !== undefined && str(before?.outcome) === undefined;
    // Stopped after a takeover whose first attempt may have gone: counted apart, never as sent nor as not sent.
    const maybeSent = after.status === 'cancelled' && str(after.maybeSentOn) !== undefined && before?.status !== 'cancelled';
    if (!firstSend && !concluded && !maybeSent) return [];
    const targets: KpiTarget[] = [{ kind: 'shop' }, ...(str(after.assigneeId) ? [{ kind: 'agent' as const, agentId: String(after.assigneeId) }] : [])];
    const updates: KpiUpdate[] = [];
    if (firstSend) {
      const counters = nonZero({ outreachSent: 1, reviewInvitationsSent: after.kind === 'review-invitation' ? 1 : 0 });
      updates.push(...targets.map((target) => ({ at: sentAt, target, counters })));
    }
    if (maybeSent) updates.push(...targets.map((target) => ({ at: str(after.updatedAt) ?? change.at, target, counters: { outreachMaybeSent: 1 } })));
    if (concluded) {
      const counters = nonZero({ callbackCouponsOffered: 1, callbackCouponsAccepted: after.outcome === 'coupon-accepted' ? 1 : 0 });
      updates.push(...targets.map((target) => ({ at: str(after.updatedAt) ?? change.at, target, counters })));
    }
    return [{ kind: 'count', fact: { factId: `outreach#${change.sequenceNumber}`, tenantId: change.tenantId, shopId: String(after.shopId), updates } }];
  },
};

/** Every extractor, by entity. */
export const factExtractors: readonly FactExtractor[] = [
  conversationExtractor,
  roundOutcomeExtractor,
  orderExtractor,
  caseExtractor,
  presenceExtractor,
  robotMessageExtractor,
  outreachTaskExtractor,
  attributionRuleExtractor,
];

/** The entities the stream consumer is filtered to (its event source mapping's filter criteria). */
export const kpiEntities = (): string[] => [...new Set(factExtractors.map((extractor) => extractor.entity))].sort();

export function extractEffects(change: ItemChange, extractors: readonly FactExtractor[] = factExtractors): KpiEffect[] {
  const entity = change.newImage?.entity ?? change.oldImage?.entity;
  return extractors.filter((extractor) => extractor.entity === entity).flatMap((extractor) => extractor.extract(change));
}

/** Whose bucket a target is, as a fact-id segment. */
const ownerOf = (target: KpiTarget) => (target.kind === 'shop' ? 'shop' : target.kind === 'agent' ? `agent#${target.agentId}` : `group#${target.groupId}`);

/**
 * The inquiry a reception makes: one inquirer (询单人数) per buyer, shop-local day and bucket owner (the
 * agent, the shop, the group), however many conversations the buyer had that day.
 */
export function receptionFacts(tenantId: string, reception: ReceptionFact, dayOf: (at: string) => string): CountFact[] {
  const day = dayOf(reception.at);
  const targets: KpiTarget[] = [
    { kind: 'shop' },
    { kind: 'agent', agentId: reception.agentId },
    ...(reception.groupId ? [{ kind: 'group' as const, groupId: reception.groupId }] : []),
  ];
  return targets.map((target) => ({
    factId: `inq#${ownerOf(target)}#${day}#${reception.buyerId}`,
    tenantId,
    shopId: reception.shopId,
    updates: [{ at: reception.at, target, counters: { inquiries: 1 } }],
  }));
}

/**
 * The count facts of one order's attribution under a rule version: sales credited to the receiving agent
 * (and the shop and group) at the reception's time, the buyer converted once per agent and shop-local
 * day, assists, or a silent sale at the credit instant. Fact ids are per order and version, so the same
 * order attributed twice (redelivery, recompute) counts once.
 */
export function attributionFacts(tenantId: string, order: OrderFact, attribution: Attribution, ruleVersion: number, dayOf: (at: string) => string): CountFact[] {
  const base = `attr#v${ruleVersion}#${order.platform}#${order.orderId}`;
  const credited = attribution.credited;
  if (!credited) {
    return [
      {
        factId: base,
        tenantId,
        shopId: order.shopId,
        ruleVersion,
        updates: [{ at: attribution.creditAt, target: { kind: 'shop' }, counters: { silentOrders: 1, silentSalesAmount: order.amount } }],
      },
    ];
  }
  const sale: Counters = { creditedOrders: 1, salesAmount: order.amount, ...(attribution.secondary ? { secondarySalesAmount: order.amount } : {}) };
  const creditTargets: KpiTarget[] = [{ kind: 'shop' }, { kind: 'agent', agentId: credited.agentId }, ...(credited.groupId ? [{ kind: 'group' as const, groupId: credited.groupId }] : [])];
  const facts: CountFact[] = [
    {
      factId: base,
      tenantId,
      shopId: order.shopId,
      ruleVersion,
      updates: [
        ...creditTargets.map((target) => ({ at: credited.at, target, counters: sale })),
        ...attribution.assists.map((agentId) => ({ at: attribution.creditAt, target: { kind: 'agent' as const, agentId }, counters: { assistedOrders: 1 } })),
      ],
    },
  ];
  // An inquirer who paid counts once per bucket owner and inquiry day, however many orders they paid.
  const day = dayOf(credited.at);
  for (const target of creditTargets) {
    facts.push({
      factId: `paid#v${ruleVersion}#${ownerOf(target)}#${day}#${order.buyerId}`,
      tenantId,
      shopId: order.shopId,
      ruleVersion,
      updates: [{ at: credited.at, target, counters: { convertedInquirers: 1 } }],
    });
  }
  return facts;
}
