import type { Identity } from '../auth/identity';
import { ConflictError, NotFoundError } from '../http/errors';
import { assertSupervisesShop } from '../routing/access';
import { getShop } from '../store/shops';
import { getAttributionRule, putAttributionRule } from '../store/kpi-aggregates';
import { defaultAttributionRule, monthsBack, recomputeMonths, recomputeStatusOf, type AttributionRule, type AttributionRuleSettings, type AttributionRuleView } from './attribution-rule';

export const ruleDependencies = { getAttributionRule, putAttributionRule, getShop };

const viewOf = (shopId: string, rule: AttributionRule, source: 'shop' | 'default'): AttributionRuleView => ({
  shopId,
  source,
  mode: rule.mode,
  inquiryWindowDays: rule.inquiryWindowDays,
  version: rule.version,
  activeVersion: rule.activeVersion,
  ...(rule.active ? { active: rule.active } : {}),
  ...(rule.updatedAt ? { updatedAt: rule.updatedAt } : {}),
  ...(rule.updatedBy ? { updatedBy: rule.updatedBy } : {}),
  recomputing: rule.version !== rule.activeVersion,
  recompute: recomputeStatusOf(rule),
});

/** GET …/attribution-rule: admins and the shop's supervisors; any other shop is a 404. */
export async function attributionRuleOf(identity: Identity, shopId: string, deps = ruleDependencies): Promise<AttributionRuleView> {
  assertSupervisesShop(identity, shopId);
  const stored = await deps.getAttributionRule(identity.tenantId, shopId);
  if (stored) return viewOf(shopId, stored, 'shop');
  if (!(await deps.getShop(identity.tenantId, shopId))) throw new NotFoundError('shop');
  return viewOf(shopId, defaultAttributionRule, 'default');
}

/**
 * PUT …/attribution-rule: stores the rule as a new version with its recompute pending (the last
 * `recomputeMonths` UTC months). The aggregator sees the change on the table's stream and enqueues the
 * recompute (docs/kpi-design.md §3); reads keep showing the previous version until it is done
 * (`recomputing`, `recompute.state`).
 */
export async function setAttributionRule(identity: Identity, shopId: string, settings: AttributionRuleSettings, now: Date = new Date(), deps = ruleDependencies): Promise<AttributionRuleView> {
  assertSupervisesShop(identity, shopId);
  if (!(await deps.getShop(identity.tenantId, shopId))) throw new NotFoundError('shop');
  const previous = await deps.getAttributionRule(identity.tenantId, shopId);
  const stored = await deps.putAttributionRule(identity.tenantId, shopId, settings, previous, { updatedAt: now.toISOString(), updatedBy: identity.userId }, monthsBack(now, recomputeMonths));
  if (!stored) throw new ConflictError('RULE_CHANGED', 'the rule was changed at the same moment; read it and try again');
  return viewOf(shopId, stored, 'shop');
}
