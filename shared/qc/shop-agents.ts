import { groupsOfShop, type Shop } from '../routing/shop';
import type { listAgentIdsOfGroup } from '../store/agents';

/** The agents QC samples and scorecards rank for a shop: every member of its routing groups, sorted. */
export async function agentsOfShop(tenantId: string, shop: Pick<Shop, 'routing'>, deps: { listAgentIdsOfGroup: typeof listAgentIdsOfGroup }): Promise<string[]> {
  return [...new Set((await Promise.all(groupsOfShop(shop.routing).map((group) => deps.listAgentIdsOfGroup(tenantId, group)))).flat())].sort();
}
