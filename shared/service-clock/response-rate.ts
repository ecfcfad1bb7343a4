import type { Identity } from '../auth/identity';
import { responseRate, type ResponsePolicy } from '../after-sales/response-clock';
import { NotFoundError } from '../http/errors';
import { assertSupervisesShop } from '../routing/access';
import { listRoundFactsOfShopDay } from '../store/round-outcomes';
import { getResponsePolicy } from '../store/response-policies';
import { getShop } from '../store/shops';
import type { ResponseRate } from './frames';
import { defaultResponsePolicy } from './policy';
import type { RoundFact } from './rounds';

function figures(facts: readonly RoundFact[], policy: Pick<ResponsePolicy, 'targetRate'>) {
  const { rounds, met, rate } = responseRate(facts, policy);
  return { rounds, met, missed: rounds - met, ...(rate === undefined ? {} : { rate }) };
}

/**
 * A shop's response rate for one of its local days from the day's round facts, and each responsible
 * agent's share. Rounds still open are not facts yet, so they are not in it until answered or due.
 */
export function summarizeRounds(shopId: string, day: string, facts: readonly RoundFact[], policy: ResponsePolicy): ResponseRate {
  const total = responseRate(facts, policy);
  const byAgent = new Map<string, RoundFact[]>();
  for (const fact of facts) {
    if (!fact.agentId) continue;
    byAgent.set(fact.agentId, [...(byAgent.get(fact.agentId) ?? []), fact]);
  }
  return {
    shopId,
    day,
    timeZone: policy.timeZone,
    targetRate: policy.targetRate,
    ...figures(facts, policy),
    notCounted: facts.filter((fact) => fact.status === 'not-counted').length,
    ...(total.meetsTarget === undefined ? {} : { meetsTarget: total.meetsTarget }),
    agents: [...byAgent.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([agentId, own]) => ({ agentId, ...figures(own, policy) })),
  };
}

export const responseRateDependencies = { listRoundFactsOfShopDay, getResponsePolicy, getShop };

/** GET /v1/shops/{shopId}/response-rate: admins and the shop's supervisors; any other shop is a 404. */
export async function shopResponseRate(identity: Identity, shopId: string, day: string, deps = responseRateDependencies): Promise<ResponseRate> {
  assertSupervisesShop(identity, shopId);
  const stored = await deps.getResponsePolicy(identity.tenantId, shopId);
  if (!stored && !(await deps.getShop(identity.tenantId, shopId))) throw new NotFoundError('shop');
  const facts = await deps.listRoundFactsOfShopDay(identity.tenantId, shopId, day);
  return summarizeRounds(shopId, day, facts, stored?.policy ?? defaultResponsePolicy);
}
