import type { Identity } from '../auth/identity';
import type { ResponsePolicy } from '../after-sales/response-clock';
import { NotFoundError } from '../http/errors';
import { assertSupervisesShop } from '../routing/access';
import { getResponsePolicy, putResponsePolicy } from '../store/response-policies';
import { getShop } from '../store/shops';
import { defaultResponsePolicy, type PutResponsePolicyBody, type ResponsePolicyView } from './policy';

export const policyDependencies = {
  getResponsePolicy,
  putResponsePolicy,
  shopExists: async (tenantId: string, shopId: string) => (await getShop(tenantId, shopId)) !== undefined,
};

/**
 * Stores a shop's response policy: an admin, or a supervisor of the shop, for a shop that exists. Any
 * other shop is a 404 like a missing one, and nothing is written.
 */
export async function setResponsePolicy(
  identity: Identity,
  shopId: string,
  body: PutResponsePolicyBody,
  now = new Date(),
  deps = policyDependencies,
): Promise<ResponsePolicyView> {
  assertSupervisesShop(identity, shopId);
  if (!(await deps.shopExists(identity.tenantId, shopId))) throw new NotFoundError('shop');
  const stored = { policy: body, updatedAt: now.toISOString(), updatedBy: identity.userId };
  await deps.putResponsePolicy(identity.tenantId, shopId, stored);
  return { shopId, source: 'shop', ...stored };
}

/** The policy a shop runs on: its own, or the default (Taobao's) until one is stored. */
export async function readResponsePolicy(identity: Identity, shopId: string, deps = policyDependencies): Promise<ResponsePolicyView> {
  assertSupervisesShop(identity, shopId);
  const stored = await deps.getResponsePolicy(identity.tenantId, shopId);
  if (stored) return { shopId, source: 'shop', ...stored };
  if (!(await deps.shopExists(identity.tenantId, shopId))) throw new NotFoundError('shop');
  return { shopId, source: 'default', policy: defaultResponsePolicy };
}

/** How long a message-path container keeps a shop's policy: a change takes effect within this. */
export const policyCacheMs = 60_000;
const cache = new Map<string, { policy: ResponsePolicy; until: number }>();

/**
 * The policy the clock runs on, for the message path and the round checks: cached per container for a
 * minute, so a busy shop's rounds cost no read each (policies change rarely).
 */
export async function policyOfShop(tenantId: string, shopId: string, now = Date.now(), read = getResponsePolicy): Promise<ResponsePolicy> {
  const key = `${tenantId}/${shopId}`;
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.policy;
  const policy = (await read(tenantId, shopId))?.policy ?? defaultResponsePolicy;
  if (cache.size > 10_000) cache.clear();
  cache.set(key, { policy, until: now + policyCacheMs });
  return policy;
}

/** Tests store a policy and expect the next round to use it. */
export function forgetCachedPolicies(): void {
  cache.clear();
}
