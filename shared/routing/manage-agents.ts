import type { Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import { getAgent, saveAgentProfile } from '../store/agents';
import { getShops } from '../store/shops';
import { canSeeAgent, supervisesShop } from './access';
import type { Agent } from './agent';
import type { PutAgentBody } from './frames';
import { defaultAgentCap } from './shop';

export const agentDependencies = { getAgent, getShops, saveAgentProfile };

/**
 * Creates or updates an agent. Admins create agents and set any of the tenant's shops. A supervisor may
 * only update an agent who serves one of their shops, and only within their shops: shops the agent serves
 * elsewhere are kept as they were. Every named shop must exist in the tenant; an unknown or foreign shop
 * is a 404, like a missing one. Without a cap, the agent keeps theirs, or a new agent gets the smallest
 * default cap of their shops.
 */
export async function putAgent(identity: Identity, agentId: string, body: PutAgentBody, deps = agentDependencies): Promise<Agent> {
  const { tenantId } = identity;
  if (identity.role === 'supervisor' && body.shopIds.some((shopId) => !supervisesShop(identity, shopId))) {
    throw new NotFoundError('shop');
  }
  const existing = await deps.getAgent(tenantId, agentId, { consistent: true });
  let shopIds = body.shopIds;
  if (identity.role !== 'admin') {
    if (!existing || !canSeeAgent(identity, existing)) throw new NotFoundError('agent');
    const elsewhere = existing.shopIds.filter((shopId) => !supervisesShop(identity, shopId));
    shopIds = [...elsewhere, ...body.shopIds];
  }
  const shops = await deps.getShops(tenantId, body.shopIds);
  if (body.shopIds.some((shopId) => !shops.has(shopId))) throw new NotFoundError('shop');

  const shopCaps = [...shops.values()].map((shop) => shop.routing.defaultAgentCap);
  const cap = body.cap ?? existing?.cap ?? (shopCaps.length > 0 ? Math.min(...shopCaps) : defaultAgentCap);
  return deps.saveAgentProfile(tenantId, agentId, { name: body.name, shopIds, groupIds: body.groupIds, cap }, existing);
}

/** An agent the caller may see; anyone else is a 404, like a missing agent. */
export async function readAgent(identity: Identity, agentId: string, deps = agentDependencies): Promise<Agent> {
  const agent = await deps.getAgent(identity.tenantId, agentId);
  if (!agent || !canSeeAgent(identity, agent)) throw new NotFoundError('agent');
  return agent;
}
