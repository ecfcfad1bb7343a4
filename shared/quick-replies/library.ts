import type { Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import * as store from '../store/quick-replies';
import { getShop } from '../store/shops';
import type { StoredQuickReply } from '../store/quick-replies';
import { encodeCursor } from './cursor';
import { authorizeLibrary, type LibraryScope } from './library-access';
import type { LibraryQuery, ListQuickRepliesQuery, QuickReplyBody, QuickReplyView } from './schemas';

/** The library use cases behind the HTTP routes: authorize against the verified identity, then store. */

export const defaultPageSize = 50;

export interface LibraryDeps {
  listQuickReplies: typeof store.listQuickReplies;
  putQuickReply: typeof store.putQuickReply;
  deleteQuickReply: typeof store.deleteQuickReply;
  /** Whether the tenant has this shop (a strongly consistent read: it may have been created just now). */
  shopExists: (tenantId: string, shopId: string) => Promise<boolean>;
  now: () => Date;
}

const productionDeps: LibraryDeps = {
  listQuickReplies: store.listQuickReplies,
  putQuickReply: store.putQuickReply,
  deleteQuickReply: store.deleteQuickReply,
  shopExists: async (tenantId, shopId) => (await getShop(tenantId, shopId, { consistent: true })) !== undefined,
  now: () => new Date(),
};

function toView(reply: StoredQuickReply, scope: LibraryScope): QuickReplyView {
  return {
    shortcut: reply.shortcut,
    title: reply.title,
    variants: reply.variants,
    tags: reply.tags,
    ...(reply.stage ? { stage: reply.stage } : {}),
    scope: scope.kind,
    ...(scope.kind === 'shop' ? { shopId: scope.shopId } : {}),
    createdAt: reply.createdAt,
    updatedAt: reply.updatedAt,
    updatedBy: reply.updatedBy,
  };
}

/** One page of a library the caller may read, with an opaque cursor to the next. */
export async function listLibrary(
  identity: Identity,
  query: ListQuickRepliesQuery,
  deps: LibraryDeps = productionDeps,
): Promise<{ items: QuickReplyView[]; nextCursor?: string }> {
  const scope = authorizeLibrary(identity, query, 'read');
  const page = await deps.listQuickReplies(identity.tenantId, scope, { limit: query.limit ?? defaultPageSize, after: query.cursor });
  return {
    items: page.replies.map((reply) => toView(reply, scope)),
    ...(page.lastShortcut ? { nextCursor: encodeCursor(page.lastShortcut) } : {}),
  };
}

/** Creates or replaces a reply in a library the caller may write; a shop library only for a shop the tenant has. */
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
  const content = { title: body.title, variants: body.variants, tags: body.tags ?? [], ...(body.stage ? { stage: body.stage } : {}) };
  const { reply, created } = await deps.putQuickReply(identity.tenantId, scope, shortcut, content, identity.userId, deps.now());
  return { reply: toView(reply, scope), created };
}

/** Deletes a reply from a library the caller may write; NOT_FOUND if it is not there. */
export async function removeQuickReply(
  identity: Identity,
  query: LibraryQuery,
  shortcut: string,
  deps: LibraryDeps = productionDeps,
): Promise<void> {
  const scope = authorizeLibrary(identity, query, 'write');
  await deps.deleteQuickReply(identity.tenantId, scope, shortcut);
}
