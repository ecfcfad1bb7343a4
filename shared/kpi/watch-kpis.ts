import type { Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import { notifyUserOfFrame } from '../notify/notify-user';
import { assertSupervisesShop } from '../routing/access';
import { getShop } from '../store/shops';
import { getAttributionRule, listBucketsOfDay, listKpiWatchers, localHour, putKpiWatcher } from '../store/kpi-aggregates';
import type { TouchedShop } from './aggregate-changes';
import { shopTimeZone } from './aggregate-changes';
import { defaultAttributionRule, recomputeStatusOf, type AttributionRule } from './attribution-rule';
import { addCounters, figuresOf, type Counters } from './counters';
import type { KpiRecomputedFrame, KpiUpdatedFrame } from './frames';
import { conversionStatus, countersOf } from './read-kpi-figures';
import { DateTime } from 'luxon';

/** A dashboard watch lasts a shift; watching again renews it. */
export const kpiWatchSeconds = 12 * 3600;

/** `kpis.watch`: a supervisor (or admin) of the shop receives its `kpi.updated` frames until the returned time. */
export async function watchShopKpis(identity: Identity, shopId: string, now: Date = new Date()): Promise<{ shopId: string; watchingUntil: string }> {
  assertSupervisesShop(identity, shopId);
  if (!(await getShop(identity.tenantId, shopId))) throw new NotFoundError('shop');
  const until = Math.floor(now.getTime() / 1000) + kpiWatchSeconds;
  await putKpiWatcher(identity.tenantId, shopId, identity.userId, until);
  return { shopId, watchingUntil: new Date(until * 1000).toISOString() };
}

/**
 * After a batch: each touched shop with watchers gets one `kpi.updated` frame with the shop's figures of
 * its local day so far. Best effort (notifyUserOfFrame): the figures are stored; a dashboard re-reads them.
 */
export async function notifyKpiWatchers(touched: readonly TouchedShop[], now: Date = new Date()): Promise<number> {
  const unique = new Map(touched.map((shop) => [`${shop.tenantId}#${shop.shopId}`, shop]));
  let sent = 0;
  for (const { tenantId, shopId } of unique.values()) {
    const watchers = await listKpiWatchers(tenantId, shopId, now);
    if (watchers.length === 0) continue;
    const zone = await shopTimeZone(tenantId, shopId);
    const { day } = localHour(now.toISOString(), zone);
    const rule = (await getAttributionRule(tenantId, shopId)) ?? defaultAttributionRule;
    const counters: Counters = {};
    for (const hour of countersOf(await listBucketsOfDay(tenantId, shopId, day, 'SHOP'), 'SHOP', rule.activeVersion).values()) addCounters(counters, hour);
    const frame: KpiUpdatedFrame = {
      type: 'kpi.updated',
      shopId,
      day,
      figures: figuresOf(counters),
      conversion: conversionStatus(counters, DateTime.fromISO(day, { zone }).plus({ days: 1 }), rule, now),
      updatedAt: now.toISOString(),
    };
    await Promise.all(watchers.map((userId) => notifyUserOfFrame(tenantId, userId, frame)));
    sent += watchers.length;
  }
  return sent;
}

/** After a rule version's recompute activated it: the shop's watchers get `kpi.recomputed`. Best effort, as kpi.updated. */
export async function notifyRuleRecomputed(tenantId: string, shopId: string, rule: AttributionRule, now: Date = new Date()): Promise<number> {
  const watchers = await listKpiWatchers(tenantId, shopId, now);
  const active = { ...rule, activeVersion: rule.version };
  const frame: KpiRecomputedFrame = {
    type: 'kpi.recomputed',
    shopId,
    version: rule.version,
    mode: rule.mode,
    inquiryWindowDays: rule.inquiryWindowDays,
    recompute: recomputeStatusOf(active),
    at: now.toISOString(),
  };
  await Promise.all(watchers.map((userId) => notifyUserOfFrame(tenantId, userId, frame)));
  return watchers.length;
}
