import type { Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import * as store from '../store/quick-replies';
import { getShop } from '../store/shops';
import { auditPut } from '../store/audit-log';
import type { StoredQuickReply } from '../store/quick-replies';
import { assertKnownContentSet, contentSetInForce, knownContentSets } from './content-sets';
import { encodeCursor } from './cursor';
import { authorizeLibrary, type LibraryScope } from './library-access';
import type { LibraryQuery, ListQuickRepliesQuery, QuickReplyBody, QuickReplyView } from './schemas';

/** The library use cases behind the HTTP routes: authorize against the verified identity, then store. */

export const defaultPageSize = 50;

export interface LibraryDeps {
  listQuickReplies: typeof store.listQuickReplies;
  putQuickReply: typeof store.putQuickReply;
  deleteQuickReply: typeof store.deleteQuickReply;
  /** The reply as it is before a change, for the audit entry (an eventually consistent read). */
  findQuickReply: typeof store.findQuickReply;
  /** Whether the tenant has this shop (a strongly consistent read: it may have been created just now). */
  shopExists: (tenantId: string, shopId: string) => Promise<boolean>;
  /** The promo content sets the tenant's calendar names: a reply may only be tagged with one of them. */
  knownContentSets: (tenantId: string) => Promise<Set<string>>;
  /** The set in force for a shop now, reported with a shop library's page. */
  contentSetInForce: (tenantId: string, shopId: string, now: Date) => Promise<string | undefined>;
  now: () => Date;
}

const productionDeps: LibraryDeps = {
  listQuickReplies: store.listQuickReplies,
  putQuickReply: store.putQuickReply,
  deleteQuickReply: store.deleteQuickReply,
  findQuickReply: store.findQuickReply,
  shopExists: async (tenantId, shopId) => (await getShop(tenantId, shopId, { consistent: true })) !== undefined,
  knownContentSets,
  contentSetInForce,
  now: () => new Date(),
};

function toView(reply: StoredQuickReply, scope: LibraryScope): QuickReplyView {
  return {
    shortcut: reply.shortcut,
    title: reply.title,
    variants: reply.variants,
    tags: reply.tags,
    ...(reply.stage ? { stage: reply.stage } : {}),
    ...(reply.contentSet !== undefined ? { contentSet: reply.contentSet } : {}),
    scope: scope.kind,
    ...(scope.kind === 'shop' ? { shopId: scope.shopId } : {}),
    createdAt: reply.createdAt,
    updatedAt: reply.updatedAt,
    updatedBy: reply.updatedBy,
  };
}

/**
 * One page of a library the caller may read, with an opaque cursor to the next. Promo versions come
 * marked with their set; a shop's page also says which set is in force for the shop now.
 */
export async function listLibrary(
  identity: Identity,
  query: ListQuickRepliesQuery,
  deps: LibraryDeps = productionDeps,
): Promise<{ items: QuickReplyView[]; nextCursor?: string; contentSetInForce?: string }> {
  const scope = authorizeLibrary(identity, query, 'read');
  const [page, inForce] = await Promise.all([
    deps.listQuickReplies(identity.tenantId, scope, { limit: query.limit ?? defaultPageSize, after: query.cursor }),
    scope.kind === 'shop' ? deps.contentSetInForce(identity.tenantId, scope.shopId, deps.now()) : undefined,
  ]);
  return {
    items: page.replies.map((reply) => toView(reply, scope)),
    ...(page.last ? { nextCursor: encodeCursor(page.last) } : {}),
    ...(inForce !== undefined ? { contentSetInForce: inForce } : {}),
  };
}

/**
 * Creates or replaces a reply in a library the caller may write; a shop library only for a shop the
 * tenant has. With `contentSet`, the shortcut's version in that promo set (the set must be named by a
 * phase of the tenant's calendar: 400 naming `query.contentSet` otherwise).
 */
export async function saveQuickReply(
  identity: Identity,
  query: LibraryQuery,
  shortcut: string,
  body: QuickReplyBody,
  deps: LibraryDeps = productionDeps,
): Promise<{ reply: QuickReplyView; created: boolean }> {
  const scope = authorizeLibrary(identity, query, 'write');
  // Admins may name any shop id: one the tenant does not have would get a library nobody can use.
  if (scope.kind === 'shop' && !(await deps.shopExists(identity.tenantId, scope.shopId))) throw new NotFoundError('shop');
  if (query.contentSet !== undefined) assertKnownContentSet(query.contentSet, await deps.knownContentSets(identity.tenantId), 'query.contentSet');
  const content = {
    title: body.title,
    variants: body.variants,
    tags: body.tags ?? [],
    ...(body.stage ? { stage: body.stage } : {}),
    ...(query.contentSet !== undefined ? { contentSet: query.contentSet } : {}),
  };
  const now = deps.now();
  const audit = await auditedChange(identity, scope, { shortcut, contentSet: query.contentSet }, 'quick-reply.put', content, deps, now);
  const { reply, created } = await deps.putQuickReply(identity.tenantId, scope, shortcut, content, identity.userId, now, undefined, audit);
  return { reply: toView(reply, scope), created };
}

/** Deletes a reply (or, with `contentSet`, its promo version) from a library the caller may write; NOT_FOUND if it is not there. */
export async function removeQuickReply(
  identity: Identity,
  query: LibraryQuery,
  shortcut: string,
  deps: LibraryDeps = productionDeps,
): Promise<void> {
  const scope = authorizeLibrary(identity, query, 'write');
  const key = { shortcut, ...(query.contentSet !== undefined ? { contentSet: query.contentSet } : {}) };
  const audit = await auditedChange(identity, scope, key, 'quick-reply.delete', undefined, deps, deps.now());
  await deps.deleteQuickReply(identity.tenantId, scope, key, undefined, audit);
}

/** What an audit entry of a library change names: the reply (`@set` for a promo version), its library and (for a shop library) the shop. */
export function auditTarget(scope: LibraryScope, shortcut: string, contentSet?: string) {
  return {
    type: 'quick-reply',
    id: `${scope.kind === 'tenant' ? 'tenant' : scope.kind === 'shop' ? `shop:${scope.shopId}` : `agent:${scope.agentId}`}/${shortcut}${contentSet !== undefined ? `@${contentSet}` : ''}`,
    ...(scope.kind === 'shop' ? { shopId: scope.shopId } : {}),
  };
}

/**
 * The audit entry of a change to a shop's or the tenant's library, to write with the change; none for an
 * agent's own phrases, which are no administrative change.
 */
async function auditedChange(
  identity: Identity,
  scope: LibraryScope,
  { shortcut, contentSet }: { shortcut: string; contentSet?: string },
  action: 'quick-reply.put' | 'quick-reply.delete',
  after: unknown,
  deps: LibraryDeps,
  now: Date,
) {
  if (scope.kind === 'agent') return [];
  const before = (await deps.findQuickReply(identity.tenantId, [{ scope, contentSet }], shortcut))?.reply;
  return [await auditPut(identity.tenantId, identity, { action, target: auditTarget(scope, shortcut, contentSet), before, after }, now)];
}
