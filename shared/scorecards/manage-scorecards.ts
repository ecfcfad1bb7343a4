import { DateTime } from 'luxon';
import type { Identity } from '../auth/identity';
import { NotFoundError, ValidationError } from '../http/errors';
import type { KpiPeriod, ReadKpiFigures } from '../kpi/figures';
import { passRateOf, settingsOf } from '../qc/manage-qc';
import { assertSupervisesShop } from '../routing/access';
import { agentsOfShop } from '../qc/shop-agents';
import type { Shop } from '../routing/shop';
import { listAgentIdsOfGroup } from '../store/agents';
import { getQcSettings, listReviewsOfAgent } from '../store/qc';
import * as store from '../store/scorecards';
import { getShop } from '../store/shops';
import { readKpiFiguresFromAggregates } from './kpi-source';
import {
  ranksOf,
  scoreAgent,
  type AgentScore,
  type ManualEntry,
  type MonthlyScorecard,
  type ScorecardConfig,
  type StoredManualEntry,
  type StoredScorecardConfig,
} from './scorecard';

/** Scorecards (issue 9 §3): configuration and manual entries by a shop's supervisors, the monthly computation. */

export const scorecardDependencies = {
  ...store,
  getShop: (tenantId: string, shopId: string) => getShop(tenantId, shopId),
  listAgentIdsOfGroup,
  getQcSettings,
  listReviewsOfAgent,
  /** KPI figures only through this: the KPI aggregates in production, in-memory figures in tests. */
  readKpiFigures: readKpiFiguresFromAggregates as ReadKpiFigures,
};
export type ScorecardDeps = typeof scorecardDependencies;

async function shopOf(identity: Identity, shopId: string, deps: Pick<ScorecardDeps, 'getShop'>): Promise<Shop> {
  assertSupervisesShop(identity, shopId);
  const shop = await deps.getShop(identity.tenantId, shopId);
  if (!shop) throw new NotFoundError('shop');
  return shop;
}

export async function putScorecard(identity: Identity, shopId: string, body: ScorecardConfig, now = new Date(), deps: ScorecardDeps = scorecardDependencies): Promise<StoredScorecardConfig> {
  await shopOf(identity, shopId, deps);
  const before = await deps.getScorecardConfig(identity.tenantId, shopId);
  const config: StoredScorecardConfig = { shopId, ...body, updatedAt: now.toISOString(), updatedBy: identity.userId };
  await deps.putScorecardConfig(identity.tenantId, config, identity, { action: 'scorecard.config.put', target: { type: 'scorecard', id: shopId, shopId }, ...(before ? { before } : {}), after: config });
  return config;
}

export async function readScorecard(identity: Identity, shopId: string, deps: ScorecardDeps = scorecardDependencies): Promise<StoredScorecardConfig> {
  await shopOf(identity, shopId, deps);
  const config = await deps.getScorecardConfig(identity.tenantId, shopId);
  if (!config) throw new NotFoundError('scorecard');
  return config;
}

/**
 * A supervisor enters an agent's manual items of a month (learning, team, order review) and bonus/penalty
 * lines, replacing what was there; audited with the entry before and after. Values must name manual items
 * of the shop's scorecard (400 `body.values.<item>`), the agent must be one of the shop's.
 */
export async function putManualItems(
  identity: Identity,
  shopId: string,
  month: string,
  agentId: string,
  body: ManualEntry,
  now = new Date(),
  deps: ScorecardDeps = scorecardDependencies,
): Promise<StoredManualEntry> {
  const shop = await shopOf(identity, shopId, deps);
  const config = await deps.getScorecardConfig(identity.tenantId, shopId);
  if (!config) throw new NotFoundError('scorecard');
  const manualItems = new Set(config.items.filter((i) => i.source.kind === 'manual').map((i) => i.itemId));
  const problems = Object.keys(body.values)
    .filter((id) => !manualItems.has(id))
    .map((id) => ({ field: `body.values.${id}`, message: 'not a manual item of the scorecard' }));
  if (problems.length > 0) throw new ValidationError('values must name manual items', problems);
  if (!(await agentsOfShop(identity.tenantId, shop, deps)).includes(agentId)) throw new NotFoundError('agent');
  const before = await deps.getManualEntry(identity.tenantId, shopId, month, agentId);
  const entry: StoredManualEntry = { shopId, month, agentId, values: body.values, adjustments: body.adjustments, updatedAt: now.toISOString(), updatedBy: identity.userId };
  await deps.putManualEntry(identity.tenantId, entry, identity, {
    action: 'scorecard.manual.put',
    target: { type: 'scorecard-manual', id: `${month}/${agentId}`, shopId },
    ...(before ? { before } : {}),
    after: entry,
  });
  return entry;
}

/** A month in the shop's QC zone: the KPI period (local days) and the instants reviews are counted between. */
function monthRange(month: string, timeZone: string): { period: KpiPeriod; from: string; to: string } {
  const start = DateTime.fromISO(`${month}-01`, { zone: timeZone });
  const end = start.plus({ months: 1 });
  return { period: { from: start.toISODate()!, to: end.minus({ days: 1 }).toISODate()! }, from: start.toUTC().toISO()!, to: end.toUTC().toISO()! };
}

/** Every agent's score of one shop's month on its own scorecard; undefined when the shop has none. */
export async function scoreShopMonth(tenantId: string, shop: Shop, month: string, deps: ScorecardDeps): Promise<AgentScore[] | undefined> {
  const config = await deps.getScorecardConfig(tenantId, shop.shopId);
  if (!config) return undefined;
  const { timeZone } = await settingsOf(tenantId, shop.shopId, deps);
  const range = monthRange(month, timeZone);
  const needsKpis = config.items.some((i) => i.source.kind === 'kpi');
  const needsQc = config.items.some((i) => i.source.kind === 'qc-pass-rate');
  const manual = new Map((await deps.listManualEntries(tenantId, shop.shopId, month)).map((e) => [e.agentId, e]));
  const agents = await agentsOfShop(tenantId, shop, deps);
  return Promise.all(
    agents.map(async (agentId) =>
      scoreAgent(config, agentId, {
        figures: needsKpis ? await deps.readKpiFigures({ tenantId, shopId: shop.shopId, agentId }, range.period) : {},
        qcPassRate: needsQc ? await passRateOf(tenantId, shop.shopId, agentId, range, deps) : undefined,
        manual: manual.get(agentId),
      }),
    ),
  );
}

/**
 * A shop's monthly scorecards: each agent's items, total and stars, their rank among the shop's agents
 * and among the agents of every shop of the tenant in the same category (each scored on its own shop's
 * scorecard; other shops' scores are used for the ranks only, never returned).
 */
export async function readMonthlyScorecards(identity: Identity, shopId: string, month: string, deps: ScorecardDeps = scorecardDependencies): Promise<MonthlyScorecard> {
  const shop = await shopOf(identity, shopId, deps);
  const own = await scoreShopMonth(identity.tenantId, shop, month, deps);
  if (!own) throw new NotFoundError('scorecard');
  const peers = (await deps.listShopsOfTenant(identity.tenantId)).filter((s) => s.category === shop.category && s.shopId !== shopId);
  const peerScores = (await Promise.all(peers.map(async (peer) => ((await scoreShopMonth(identity.tenantId, peer, month, deps)) ?? []).map((s) => ({ key: `${peer.shopId}/${s.agentId}`, total: s.total }))))).flat();
  const ownTotals = own.map((s) => ({ key: `${shopId}/${s.agentId}`, total: s.total }));
  const shopRanks = ranksOf(ownTotals);
  const categoryRanks = ranksOf([...ownTotals, ...peerScores]);
  return {
    shopId,
    month,
    category: shop.category,
    agents: own
      .map((score) => ({
        ...score,
        rankInShop: shopRanks.get(`${shopId}/${score.agentId}`)!,
        shopPeers: ownTotals.length,
        rankInCategory: categoryRanks.get(`${shopId}/${score.agentId}`)!,
        categoryPeers: ownTotals.length + peerScores.length,
      }))
      .sort((a, b) => a.rankInShop - b.rankInShop || (a.agentId < b.agentId ? -1 : 1)),
  };
}
