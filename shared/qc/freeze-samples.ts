import { caseStates } from '../after-sales/case';
import { logger } from '../runtime/observability';
import { listAgentIdsOfGroup } from '../store/agents';
import { listCasesOfShopInState } from '../store/cases';
import { listLowRatingsOfShop } from '../store/kpi-aggregates';
import { getConversations, listConversationIdsOfAgentDay } from '../store/conversations';
import * as store from '../store/qc';
import { getShop } from '../store/shops';
import { passRateOf, settingsOf } from './manage-qc';
import { agentsOfShop } from './shop-agents';
import { cycleAt, drawSample, previousCycle, starsOf, type AgentPool, type Cycle, type TargetReason } from './sampling';

/**
 * The cycle job (`FreezeQcSamples`, hourly): for every shop with QC settings whose current cycle has no
 * frozen sample yet, draw it from the conversations of the cycle before and freeze it. A shop frozen
 * already is skipped, so a repeated or overlapping run changes nothing (row 25).
 */
export const freezeDependencies = {
  ...store,
  getShop: (tenantId: string, shopId: string) => getShop(tenantId, shopId),
  listAgentIdsOfGroup,
  listConversationIdsOfAgentDay,
  getConversations,
  listCasesOfShopInState,
  listLowRatingsOfShop,
};
export type FreezeDeps = typeof freezeDependencies;

/** Cases in one state read per shop and cycle, at most: a bound on the job's reads for a busy shop. */
const maxCasesPerState = 2000;

/** Targeted reasons by conversation, from the shop's after-sales cases opened in the window. */
async function caseReasons(tenantId: string, shopId: string, window: Cycle, deps: FreezeDeps): Promise<Map<string, TargetReason[]>> {
  const reasons = new Map<string, TargetReason[]>();
  const add = (conversationId: string, reason: TargetReason) => {
    const list = reasons.get(conversationId) ?? [];
    if (!list.includes(reason)) list.push(reason);
    reasons.set(conversationId, list);
  };
  for (const state of caseStates) {
    let after: string | undefined;
    let read = 0;
    do {
      const page = await deps.listCasesOfShopInState(tenantId, shopId, state, { limit: 200, ...(after ? { after } : {}) });
      for (const head of page.cases) {
        if (!head.conversationId || head.openedAt < window.startsAt || head.openedAt >= window.endsAt) continue;
        if (head.type === 'quality-complaint') add(head.conversationId, 'complaint');
        if (head.refund && (head.refund.status === 'refused' || head.refund.status === 'platform-intervening')) add(head.conversationId, 'refund-dispute');
      }
      read += page.cases.length;
      after = page.lastSortKey;
    } while (after && read < maxCasesPerState);
  }
  return reasons;
}

/** Freezes the shop's sample of the cycle `now` falls in; 'frozen' or 'kept' (frozen before). */
export async function freezeShopCycle(tenantId: string, shopId: string, now: Date, deps: FreezeDeps = freezeDependencies): Promise<'frozen' | 'kept' | 'no-shop'> {
  const settings = await settingsOf(tenantId, shopId, deps);
  const { timeZone, sampling } = settings;
  const cycle = cycleAt(now, timeZone, sampling.cycleDays);
  if (await deps.getSampleHead(tenantId, shopId, cycle.cycle)) return 'kept';
  const shop = await deps.getShop(tenantId, shopId);
  if (!shop) return 'no-shop';
  const window = previousCycle(cycle, timeZone, sampling.cycleDays);
  const before = previousCycle(window, timeZone, sampling.cycleDays);
  const agentIds = await agentsOfShop(tenantId, shop, deps);
  const reasons = await caseReasons(tenantId, shopId, window, deps);
  // Buyers who rated an order low in the window (stored by the KPI aggregator from the orders' changes).
  const lowRaters = new Set((await deps.listLowRatingsOfShop(tenantId, shopId, window.startsAt, window.endsAt)).map((rating) => rating.buyerId));
  const longWaitMs = settings.autoChecks.firstResponseLimitSeconds * 1000;
  const pools: AgentPool[] = [];
  for (const agentId of agentIds) {
    // Agent-days are filed by the service day (China time, shared/conversations/conversation.ts serviceDay);
    // one day either side covers shops in other zones, and the opening time decides membership.
    const days = [...new Set([before.days.at(-1)!, ...window.days, cycle.cycle])];
    const ids = [...new Set((await Promise.all(days.map((day) => deps.listConversationIdsOfAgentDay(tenantId, agentId, day)))).flat())];
    const heads = (await deps.getConversations(tenantId, ids)).filter(
      (c) => c.shopId === shopId && c.assigneeId === agentId && c.openedAt >= window.startsAt && c.openedAt < window.endsAt && c.responseFacts.questions > 0,
    );
    const lastCycleReviewed = await passRateOf(tenantId, shopId, agentId, { from: window.startsAt, to: window.endsAt }, deps);
    const stars = starsOf(lastCycleReviewed, sampling.starThresholds);
    pools.push({
      agentId,
      ...(stars !== undefined ? { stars } : {}),
      conversations: heads.map((c) => {
        const found = [...(reasons.get(c.conversationId) ?? [])];
        if (c.responseFacts.firstResponseMs === undefined || c.responseFacts.firstResponseMs > longWaitMs) found.push('long-wait');
        if (lowRaters.has(c.buyerId)) found.push('low-rating');
        return { conversationId: c.conversationId, reasons: found };
      }),
    });
  }
  const { entries, plans } = drawSample({ tenantId, shopId, cycle: cycle.cycle }, sampling, pools);
  const frozen = await deps.freezeSample(
    tenantId,
    shopId,
    { cycle: cycle.cycle, window: { from: window.startsAt, to: window.endsAt }, frozenAt: now.toISOString(), plans, entries: entries.length },
    entries,
  );
  return frozen ? 'frozen' : 'kept';
}

/** Every QC shop's current cycle; a failing shop is logged and retried by the next run, the others go on. */
export async function freezeDueSamples(now: Date, deps: FreezeDeps = freezeDependencies) {
  const counts = { frozen: 0, kept: 0, failed: 0 };
  for (const { tenantId, shopId } of await deps.listQcShops()) {
    try {
      const outcome = await freezeShopCycle(tenantId, shopId, now, deps);
      if (outcome === 'frozen') counts.frozen++;
      else counts.kept++;
    } catch (error) {
      counts.failed++;
      logger.error('freezing a QC sample failed', { tenantId, shopId, error });
    }
  }
  return counts;
}
