import { logger } from '../runtime/observability';
import { getRoutableConversations, type RoutableConversation } from '../store/conversation-ownership';
import { listWaitingLine, waitingLineEntryOf } from '../store/waiting-line';
import { notifyUser, type NotifyUser } from './notify';

/**
 * Every conversation is in its line from the moment it opens, but until its first routing job has run
 * (well under a second normally, seconds in a Double 11 opening burst) nobody is really waiting for an
 * agent. Position updates go only to buyers who have been in the line at least this long, so a burst of
 * conversations opened and assigned within seconds costs no line reads and no frames; a buyer whose own
 * routing job finds nobody free is told their position by that job either way.
 */
export const settledWaitMs = 5000;

export const waitingLineDependencies = {
  listWaitingLine: (tenantId: string, shopId: string, stage: string, limit: number, openedBefore?: string) =>
    listWaitingLine(tenantId, shopId, stage, limit, openedBefore),
  settledWaitMs,
  getConversations: (tenantId: string, conversationIds: readonly string[]) => getRoutableConversations(tenantId, conversationIds),
  notify: notifyUser as NotifyUser,
};
export type WaitingLineDependencies = typeof waitingLineDependencies;

/**
 * Buyers told per line movement: those behind the conversation that left, among the first 50 of the line.
 * Buyers further back are told when they move into the first 50 (the next movement after that) or when a
 * routing job of their own finds nobody free.
 */
export const maxPositionUpdatesPerMove = 50;

/**
 * A conversation left its waiting line (the router assigned it, or it was closed while waiting): the
 * buyers who were behind it moved up one, so each of them among the first 50 of the line gets a fresh
 * `queuePosition` frame. Runs once per line movement, never per message. Cost: one keys-only Query of
 * the line (Limit 51: the 50 plus the leaver, in case the index has not dropped it yet), one strongly
 * consistent BatchGet of the heads behind it (their buyers, and whether they are still waiting), and one
 * notification per buyer (a connections Query and a post per open connection).
 *
 * Positions count from the front of the line as the Query sees it, minus the leaver and any head read as
 * no longer waiting (gsi1 lags the table), so they agree with waitingPosition. A frame states a position,
 * not a change: getting the same position twice (two movements read the same line, or the buyer's own
 * routing job tells them too) is harmless, and a client shows the latest. Best effort, like every
 * routing notification: the movement is committed already, so a failure is logged and not thrown (a
 * throw would only make SQS redeliver a routing job that then skips the conversation); the next movement
 * repairs a lost update. Returns how many buyers were told.
 */
export async function tellBuyersBehind(
  left: RoutableConversation,
  deps: Pick<WaitingLineDependencies, 'listWaitingLine' | 'getConversations' | 'notify'> & { settledWaitMs?: number; now?: () => Date } = waitingLineDependencies,
): Promise<number> {
  try {
    const { tenantId, shopId, stage } = left;
    const settledBefore = new Date((deps.now?.() ?? new Date()).getTime() - (deps.settledWaitMs ?? settledWaitMs)).toISOString();
    // Everyone behind a conversation that had not settled opened even later: nobody to tell, nothing to read.
    if (left.openedAt >= settledBefore) return 0;
    const leftKey = waitingLineEntryOf(left).lineKey;
    const line = (await deps.listWaitingLine(tenantId, shopId, stage, maxPositionUpdatesPerMove + 1, settledBefore))
      .filter((entry) => entry.conversationId !== left.conversationId)
      .slice(0, maxPositionUpdatesPerMove);
    const behind = line.filter((entry) => entry.lineKey > leftKey);
    if (behind.length === 0) return 0;
    const heads = await deps.getConversations(tenantId, behind.map((entry) => entry.conversationId));
    const waiting = new Map(
      heads.filter((h) => h.status === 'waiting' && h.shopId === shopId && h.stage === stage).map((h) => [h.conversationId, h]),
    );
    const behindIds = new Set(behind.map((entry) => entry.conversationId));
    const updates: { buyerId: string; conversationId: string; position: number }[] = [];
    let position = 0;
    for (const { conversationId } of line) {
      const head = waiting.get(conversationId);
      // Entries ahead of the leaver were not read: their own departures tell the buyers behind them.
      if (behindIds.has(conversationId) && !head) continue;
      position++;
      if (head) updates.push({ buyerId: head.buyerId, conversationId, position });
    }
    await Promise.all(updates.map((u) => deps.notify(tenantId, u.buyerId, { type: 'queuePosition', conversationId: u.conversationId, position: u.position })));
    return updates.length;
  } catch (error) {
    logger.warn('waiting-line positions not updated', { error: error as Error });
    return 0;
  }
}
