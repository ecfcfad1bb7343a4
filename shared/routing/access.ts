import type { Identity } from '../auth/identity';
import { ForbiddenError, NotFoundError } from '../http/errors';

/**
 * Who may act on what, as plain rules. A tenant admin acts on every shop of the tenant; a supervisor on
 * the shops their token lists; an agent only on conversations assigned to them in shops they serve.
 * Tenants never meet here: every key the stores build starts with the caller's tenant.
 */
export function supervisesShop(identity: Identity, shopId: string): boolean {
  if (identity.role === 'admin') return true;
  return identity.role === 'supervisor' && identity.shopIds.includes(shopId);
}

/** A shop outside the caller's scope is reported exactly like a missing one, so ids cannot be probed. */
export function assertSupervisesShop(identity: Identity, shopId: string): void {
  if (!supervisesShop(identity, shopId)) throw new NotFoundError('shop');
}

/** Admins see every agent; supervisors the agents serving at least one of their shops. */
export function canSeeAgent(identity: Identity, agent: { shopIds: readonly string[] }): boolean {
  if (identity.role === 'admin') return true;
  return identity.role === 'supervisor' && agent.shopIds.some((shopId) => identity.shopIds.includes(shopId));
}

export interface ConversationOwnership {
  shopId: string;
  status: string;
  assigneeId?: string | undefined;
}

/**
 * May the caller move or close this conversation? Its supervisors may; its assignee may unless the
 * action is supervisor-only (`reassign`). A conversation in a shop the caller does not serve is a 404
 * (same as missing); one in their shop but assigned to someone else is a 403.
 */
export function assertMayHandleConversation(
  identity: Identity,
  conversation: ConversationOwnership,
  options: { supervisorOnly?: boolean } = {},
): void {
  if (supervisesShop(identity, conversation.shopId)) return;
  if (identity.role === 'buyer' || !identity.shopIds.includes(conversation.shopId)) throw new NotFoundError('conversation');
  if (options.supervisorOnly) throw new ForbiddenError('only a supervisor of the shop may do this');
  if (identity.role !== 'agent' || conversation.assigneeId !== identity.userId) {
    throw new ForbiddenError('the conversation is not assigned to you');
  }
}
