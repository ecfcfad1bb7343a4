import { getResponsePolicy } from '../store/response-policies';
import { getConversation } from '../store/conversations';
import { kefuBuyerOf } from '../store/buyer-links';
import {
  activateRuleVersion,
  applyCountFact,
  endOnlineSession,
  getAttributionRule,
  getOnlineSession,
  listOrderFactsOfMonth,
  listReceptionsOfBuyer,
  localHour,
  putOnlineSession,
  putOrderFact,
  putReception,
} from '../store/kpi-aggregates';
import { defaultResponsePolicy } from '../service-clock/policy';
import { attributeOrder, type OrderFact, type ReceptionFact } from './attribute';
import { defaultAttributionRule, liveVersionsOf, maxInquiryWindowDays, type AttributionRuleSettings } from './attribution-rule';
import { attributionFacts, extractEffects, receptionFacts, type CountFact, type ItemChange, type KpiEffect } from './facts';

/**
 * The aggregator (docs/kpi-design.md §4): applies the effects of one changed item. Every counter
 * update goes through a claimed fact (applyCountFact), so the whole function may run again for the same
 * record (a retried batch, a replay) without counting anything twice; stored facts are keyed puts.
 */

export interface TouchedShop {
  tenantId: string;
  shopId: string;
}

const zoneCache = new Map<string, { zone: string; until: number }>();
/** The shop's zone (its response policy's; Asia/Shanghai by default), cached a minute per container. */
export async function shopTimeZone(tenantId: string, shopId: string): Promise<string> {
  const id = `${tenantId}#${shopId}`;
  const cached = zoneCache.get(id);
  if (cached && cached.until > Date.now()) return cached.zone;
  const zone = (await getResponsePolicy(tenantId, shopId))?.policy.timeZone ?? defaultResponsePolicy.timeZone;
  zoneCache.set(id, { zone, until: Date.now() + 60_000 });
  return zone;
}

export const aggregateDependencies = {
  shopTimeZone,
  applyCountFact,
  getConversation,
  kefuBuyerOf,
  getAttributionRule,
  listReceptionsOfBuyer,
  putReception,
  putOrderFact,
  listOrderFactsOfMonth,
  activateRuleVersion,
  putOnlineSession,
  getOnlineSession,
  endOnlineSession,
};
export type AggregateDependencies = typeof aggregateDependencies;

const dayMs = 86_400_000;

async function applyFacts(facts: readonly CountFact[], deps: AggregateDependencies, now: Date): Promise<void> {
  for (const fact of facts) await deps.applyCountFact(fact, await deps.shopTimeZone(fact.tenantId, fact.shopId), now);
}

async function dayOfShop(tenantId: string, shopId: string, deps: AggregateDependencies): Promise<(at: string) => string> {
  const zone = await deps.shopTimeZone(tenantId, shopId);
  return (at) => localHour(at, zone).day;
}

/** The buyer's receptions that can matter to an order under any rule (the widest window before it). */
function receptionsFor(tenantId: string, order: OrderFact, deps: AggregateDependencies): Promise<ReceptionFact[]> {
  const first = order.placedAt ?? order.paidAt!;
  const last = order.paidAt && order.paidAt > first ? order.paidAt : first;
  const from = new Date(Date.parse(first) - maxInquiryWindowDays * dayMs).toISOString();
  return deps.listReceptionsOfBuyer(tenantId, order.shopId, order.buyerId, from, last);
}

/** Attributes one order under the given rule versions and counts it. */
async function attributeAndCount(
  tenantId: string,
  order: OrderFact,
  versions: { version: number; settings: AttributionRuleSettings }[],
  deps: AggregateDependencies,
  now: Date,
  receptions?: ReceptionFact[],
) {
  const candidates = receptions ?? (await receptionsFor(tenantId, order, deps));
  const dayOf = await dayOfShop(tenantId, order.shopId, deps);
  for (const { version, settings } of versions) {
    const attribution = attributeOrder(order, candidates, settings);
    if (attribution) await applyFacts(attributionFacts(tenantId, order, attribution, version, dayOf), deps, now);
  }
}

async function applyEffect(effect: KpiEffect, deps: AggregateDependencies, now: Date): Promise<TouchedShop[]> {
  switch (effect.kind) {
    case 'count': {
      let fact = effect.fact;
      if (fact.shopId.startsWith('conversation:')) {
        // A message names only its conversation: its shop comes from the head.
        const head = await deps.getConversation(fact.tenantId, fact.shopId.slice('conversation:'.length));
        if (!head) return [];
        fact = { ...fact, shopId: head.shopId };
      }
      await applyFacts([fact], deps, now);
      return [{ tenantId: fact.tenantId, shopId: fact.shopId }];
    }
    case 'reception': {
      await deps.putReception(effect.tenantId, effect.reception);
      await applyFacts(receptionFacts(effect.tenantId, effect.reception, await dayOfShop(effect.tenantId, effect.reception.shopId, deps)), deps, now);
      return [{ tenantId: effect.tenantId, shopId: effect.reception.shopId }];
    }
    case 'order': {
      const { platformBuyerId, ...rest } = effect.order;
      const buyerId = await deps.kefuBuyerOf(effect.tenantId, rest.shopId, platformBuyerId);
      if (!buyerId) return [];
      const order: OrderFact = { ...rest, buyerId };
      await deps.putOrderFact(effect.tenantId, order);
      const rule = (await deps.getAttributionRule(effect.tenantId, order.shopId)) ?? defaultAttributionRule;
      await attributeAndCount(effect.tenantId, order, liveVersionsOf(rule), deps, now);
      return [{ tenantId: effect.tenantId, shopId: order.shopId }];
    }
    case 'online-start':
      await deps.putOnlineSession(effect.tenantId, effect.agentId, effect.since);
      return [];
    case 'online-end': {
      const since = await deps.getOnlineSession(effect.tenantId, effect.agentId);
      if (!since) return [];
      const seconds = Math.max(0, Math.round((Date.parse(effect.at) - Date.parse(since)) / 1000));
      // The session counts for each shop the agent serves, at the hour it ended.
      const facts: CountFact[] = effect.shopIds.map((shopId) => ({
        factId: `online#${effect.agentId}#${since}`,
        tenantId: effect.tenantId,
        shopId,
        updates: [
          { at: effect.at, target: { kind: 'agent', agentId: effect.agentId }, counters: { onlineSeconds: seconds } },
          { at: effect.at, target: { kind: 'shop' }, counters: { onlineSeconds: seconds } },
        ],
      }));
      await applyFacts(facts, deps, now);
      await deps.endOnlineSession(effect.tenantId, effect.agentId, since);
      return effect.shopIds.map((shopId) => ({ tenantId: effect.tenantId, shopId }));
    }
    case 'rule-changed':
      await recomputeAttribution(effect.tenantId, effect.shopId, effect.version, deps, now);
      return [{ tenantId: effect.tenantId, shopId: effect.shopId }];
  }
}

/** Applies one changed item's KPI effects; returns the shops whose figures may have changed. */
export async function aggregateChange(change: ItemChange, deps: AggregateDependencies = aggregateDependencies, now: Date = new Date()): Promise<TouchedShop[]> {
  const touched: TouchedShop[] = [];
  for (const effect of extractEffects(change)) touched.push(...(await applyEffect(effect, deps, now)));
  return touched;
}

/** Months a recompute covers: the current UTC month and the two before (orders older than that are settled). */
export const recomputeMonths = 3;

export function monthsBack(now: Date, count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - index, 1));
    return d.toISOString().slice(0, 7);
  }).reverse();
}

/**
 * After a rule change: attribute every stored order of the shop's last months again under the new
 * version (fact ids carry the version, so a rerun after a crash only adds what is missing), then make
 * the version active. A newer change meanwhile leaves this one inactive.
 */
export async function recomputeAttribution(
  tenantId: string,
  shopId: string,
  version: number,
  deps: AggregateDependencies = aggregateDependencies,
  now: Date = new Date(),
): Promise<{ orders: number; activated: boolean }> {
  const rule = await deps.getAttributionRule(tenantId, shopId);
  if (!rule || rule.version !== version) return { orders: 0, activated: false };
  let count = 0;
  for (const month of monthsBack(now, recomputeMonths)) {
    const orders = await deps.listOrderFactsOfMonth(tenantId, shopId, month);
    const byBuyer = new Map<string, OrderFact[]>();
    for (const order of orders) byBuyer.set(order.buyerId, [...(byBuyer.get(order.buyerId) ?? []), order]);
    // A few buyers at a time: each buyer's receptions are read once for all their orders of the month.
    const buyers = [...byBuyer.entries()];
    for (let start = 0; start < buyers.length; start += 16) {
      await Promise.all(
        buyers.slice(start, start + 16).map(async ([buyerId, own]) => {
          const first = own.map((o) => o.placedAt ?? o.paidAt!).sort()[0]!;
          const last = own.map((o) => o.paidAt ?? o.placedAt!).sort().at(-1)!;
          const from = new Date(Date.parse(first) - maxInquiryWindowDays * dayMs).toISOString();
          const receptions = await deps.listReceptionsOfBuyer(tenantId, shopId, buyerId, from, last);
          for (const order of own) await attributeAndCount(tenantId, order, [{ version, settings: rule }], deps, now, receptions);
        }),
      );
    }
    count += orders.length;
  }
  const activated = await deps.activateRuleVersion(tenantId, shopId, version, now.toISOString());
  return { orders: count, activated };
}
