import { servesShop, type Identity, type Role } from '../auth/identity';
import { ForbiddenError, NotFoundError } from '../http/errors';
import type { LibraryScopeName } from './schemas';

/** A quick-reply library: tenant-wide, one shop's, or one agent's own. */
export type LibraryScope = { kind: 'tenant' } | { kind: 'shop'; shopId: string } | { kind: 'agent'; agentId: string };

/** Staff use quick replies; buyers never see a library. */
export const libraryRoles: readonly Role[] = ['agent', 'supervisor', 'admin'];

/**
 * Which library the caller may open, and whether to write it:
 * - `agent`: always the caller's own (there is no way to name another agent's library);
 * - `shop`: read by anyone serving the shop (admins serve every shop), written by its supervisors and admins;
 * - `tenant`: read by all staff of the tenant, written by admins.
 * A shop the caller does not serve is NOT_FOUND, the same answer as for a missing reply, so shop ids of
 * other shops or tenants cannot be probed (OWASP API1). The tenant always comes from the identity.
 */
export function authorizeLibrary(
  identity: Identity,
  requested: { scope: LibraryScopeName; shopId?: string },
  intent: 'read' | 'write',
): LibraryScope {
  if (!libraryRoles.includes(identity.role)) throw new ForbiddenError('quick replies are for staff');
  switch (requested.scope) {
    case 'agent':
      return { kind: 'agent', agentId: identity.userId };
    case 'shop': {
      const shopId = requested.shopId;
      if (!shopId || !servesShop(identity, shopId)) throw new NotFoundError('quick reply');
      if (intent === 'write' && identity.role === 'agent') throw new ForbiddenError('only supervisors and admins edit a shop library');
      return { kind: 'shop', shopId };
    }
    case 'tenant':
      if (intent === 'write' && identity.role !== 'admin') throw new ForbiddenError('only admins edit the tenant library');
      return { kind: 'tenant' };
  }
}

/**
 * Where a shortcut is looked up when an agent sends it: their own phrasing first, then the shop's, then
 * the tenant's.
 */
export function resolutionOrder(agentId: string, shopId: string): LibraryScope[] {
  return [{ kind: 'agent', agentId }, { kind: 'shop', shopId }, { kind: 'tenant' }];
}

/**
 * Where a shortcut is looked up while a promo content set is in force for the shop: the set's version
 * in the agent's, the shop's and the tenant's library first, then the usual order. Without a set, only
 * the usual order: a tagged version is never found outside its phase.
 */
export function resolutionWithContentSet(agentId: string, shopId: string, contentSet: string | undefined): { scope: LibraryScope; contentSet?: string }[] {
  const usual = resolutionOrder(agentId, shopId).map((scope) => ({ scope }));
  return contentSet === undefined ? usual : [...usual.map(({ scope }) => ({ scope, contentSet })), ...usual];
}
