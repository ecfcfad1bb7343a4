import type { Identity } from '../auth/identity';
import { ForbiddenError, NotFoundError } from '../http/errors';
import { getAgent, saveAgentProfile } from '../store/agents';
import { auditPut } from '../store/audit-log';
import { getShops } from '../store/shops';
import { canSeeAgent, supervisesShop } from './access';
import type { Agent } from './agent';
import type { PutAgentBody } from './frames';
import { defaultAgentCap, groupsOfShop, type Shop } from './shop';

export const agentDependencies = { getAgent, getShops, saveAgentProfile };

/**
 * Creates or updates an agent. Admins create agents and set any of the tenant's shops and groups. A
 * supervisor may only update an agent who serves one of their shops, and only within their scope: the
 * body names the shops they supervise and the routing groups of those shops (every group their shops'
 * routing configs name: stage groups and backup group, see groupsOfShop). The agent's shops and group
 * memberships outside that scope are kept as they were, whether the body names them or not. Naming a
 * shop outside the scope, or an unknown one, is a 404 like a missing shop; naming a group outside the
 * scope is a 403 on `body.groupIds` (a group is no object that could be probed, and the supervisor can
 * read the agent's groups anyway). Without a cap, the agent keeps theirs, or a new agent gets the smallest
 * default cap of their shops.
 */
export async function putAgent(identity: Identity, agentId: string, body: PutAgentBody, deps = agentDependencies): Promise<Agent> {
  const { tenantId } = identity;
  const isAdmin = identity.role === 'admin';
  if (!isAdmin && body.shopIds.some((shopId) => !supervisesShop(identity, shopId))) {
    throw new NotFoundError('shop');
  }
  const existing = await deps.getAgent(tenantId, agentId, { consistent: true });
  if (!isAdmin && (!existing || !canSeeAgent(identity, existing))) throw new NotFoundError('agent');
  // A supervisor's body names only shops they supervise, so one read covers the named shops and the scope.
  const shops = await deps.getShops(tenantId, isAdmin ? body.shopIds : identity.shopIds);
  if (body.shopIds.some((shopId) => !shops.has(shopId))) throw new NotFoundError('shop');

  let shopIds = body.shopIds;
  let groupIds = body.groupIds;
  if (!isAdmin && existing) {
    shopIds = [...existing.shopIds.filter((shopId) => !supervisesShop(identity, shopId)), ...body.shopIds];
    groupIds = groupsWithinScope(existing.groupIds, body.groupIds, [...shops.values()]);
  }

  const shopCaps = body.shopIds.flatMap((shopId) => shops.get(shopId)?.routing.defaultAgentCap ?? []);
  const cap = body.cap ?? existing?.cap ?? (shopCaps.length > 0 ? Math.min(...shopCaps) : defaultAgentCap);
  const profile = { name: body.name, shopIds, groupIds, cap };
  const audit = await auditPut(tenantId, identity, { action: 'agent.put', target: { type: 'agent', id: agentId }, before: existing, after: profile });
  return deps.saveAgentProfile(tenantId, agentId, profile, existing, undefined, undefined, [audit]);
}

/**
 * A supervisor's group change: memberships outside the groups of `scopeShops` stay as they were, the
 * requested groups replace those inside. A requested group outside the scope is refused.
 *
 * @example
 * groupsWithinScope(['a-pre', 'b-pre'], ['a-in'], [shopA]) // → ['b-pre', 'a-in'] (shopA routes to a-pre, a-in)
 */
export function groupsWithinScope(current: readonly string[], requested: readonly string[], scopeShops: readonly Pick<Shop, 'routing'>[]): string[] {
  const scope = new Set(scopeShops.flatMap((shop) => groupsOfShop(shop.routing)));
  const outside = requested.filter((groupId) => !scope.has(groupId));
  if (outside.length > 0) {
    throw new ForbiddenError('only routing groups of shops you supervise may be set', [
      { field: 'body.groupIds', message: `not a group of a shop you supervise: ${outside.join(', ')}` },
    ]);
  }
  return [...current.filter((groupId) => !scope.has(groupId)), ...requested];
}

/** An agent the caller may see; anyone else is a 404, like a missing agent. */
export async function readAgent(identity: Identity, agentId: string, deps = agentDependencies): Promise<Agent> {
  const agent = await deps.getAgent(identity.tenantId, agentId);
  if (!agent || !canSeeAgent(identity, agent)) throw new NotFoundError('agent');
  return agent;
}
