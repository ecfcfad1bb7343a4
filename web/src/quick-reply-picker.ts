import type { QuickReplyView } from './contracts';

/**
 * The replies a conversation of `shopId` can use, each shortcut once, in the order the server resolves a
 * shortcut (shared/quick-replies/library-access.ts): while a promo content set is in force for the shop,
 * its versions first (agent → shop → tenant), then the everyday replies (agent → shop → tenant). Versions
 * of a set that is not in force are left out: the server would never send them. Listed agent → shop →
 * tenant, then by shortcut, as before promo sets.
 *
 * @example repliesForShop(replies, 'peach-glow', 'double11') // '/hi' from the double11 set if one exists
 */
export function repliesForShop(replies: readonly QuickReplyView[], shopId: string, contentSetInForce: string | undefined): QuickReplyView[] {
  const scopeRank = (reply: QuickReplyView) => (reply.scope === 'agent' ? 0 : reply.scope === 'shop' ? 1 : 2);
  const rank = (reply: QuickReplyView) => (reply.contentSet === undefined ? 3 : 0) + scopeRank(reply);
  const seen = new Set<string>();
  return replies
    .filter((reply) => reply.scope !== 'shop' || reply.shopId === shopId)
    .filter((reply) => reply.contentSet === undefined || reply.contentSet === contentSetInForce)
    .sort((a, b) => rank(a) - rank(b))
    .filter((reply) => (seen.has(reply.shortcut) ? false : (seen.add(reply.shortcut), true)))
    .sort((a, b) => scopeRank(a) - scopeRank(b) || a.shortcut.localeCompare(b.shortcut));
}
