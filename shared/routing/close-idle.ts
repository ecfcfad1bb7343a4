import { randomUUID } from 'node:crypto';
import { logger } from '../runtime/observability';
import { closeConversation, getRoutableConversation } from '../store/conversation-ownership';
import { deleteIdleCheck, idleCheckShards, listDueIdleChecks, rescheduleIdleCheck, type IdleCheck } from '../store/idle-timers';
import { getShop } from '../store/shops';
import { afterClose, ownershipDependencies } from './ownership';
import { defaultIdleCloseMinutes, type Shop } from './shop';

export const idleCloseDependencies = {
  listDue: (shard: number, now: Date, limit: number, after?: IdleCheck['key']) => listDueIdleChecks(shard, now, limit, after),
  getConversation: (tenantId: string, conversationId: string) => getRoutableConversation(tenantId, conversationId),
  getShop: (tenantId: string, shopId: string) => getShop(tenantId, shopId),
  close: (input: Parameters<typeof closeConversation>[0]) => closeConversation(input),
  reschedule: (check: IdleCheck, dueAt: Date) => rescheduleIdleCheck(check, dueAt),
  deleteCheck: (check: IdleCheck) => deleteIdleCheck(check),
  notify: ownershipDependencies.notify,
  drain: ownershipDependencies.drain,
  waitingLine: ownershipDependencies.waitingLine,
};
export type IdleCloseDependencies = typeof idleCloseDependencies;

export interface IdleCloseReport {
  closed: number;
  /** Still active: the timer moved to lastMessageAt + idleCloseMinutes. */
  rescheduled: number;
  /** Timers of conversations no longer assigned (closed, waiting again, gone). */
  dropped: number;
  /** Changed while being closed (a message arrived, another run closed it): looked at again next run. */
  skipped: number;
}

/** Who closed it, on the head and in the unassigned frame. */
export const idleCloser = 'system-idle-close';
/** Timers read per shard per page; a run keeps paging until its time budget is spent. */
const pageSize = 100;

/**
 * Closes assigned conversations idle (no message) for longer than their shop's idleCloseMinutes. Finds
 * them through idle-close timers (see docs/conversation-design.md, "Idle close"), not a Scan. Safe to
 * run twice at once or again after a failure (the schedule fires at least once): a close is conditioned
 * on the head still being assigned to the same agent at the same lastSeq and assignment version, so a
 * conversation is closed, its load released and its buyer told exactly once, and a message that arrives
 * meanwhile cancels the close.
 */
export async function closeIdleConversations(
  now: Date,
  deps: IdleCloseDependencies = idleCloseDependencies,
  options: { deadline?: Date; shards?: readonly number[] } = {},
): Promise<IdleCloseReport> {
  const report: IdleCloseReport = { closed: 0, rescheduled: 0, dropped: 0, skipped: 0 };
  const shops = new Map<string, Promise<Shop | undefined>>();
  const shopOf = (tenantId: string, shopId: string) => {
    const key = `${tenantId}#${shopId}`;
    let shop = shops.get(key);
    if (!shop) shops.set(key, (shop = deps.getShop(tenantId, shopId)));
    return shop;
  };
  const deadline = options.deadline?.getTime() ?? Number.POSITIVE_INFINITY;
  const shards = options.shards ?? Array.from({ length: idleCheckShards }, (_, shard) => shard);

  await Promise.all(
    shards.map(async (shard) => {
      let after: IdleCheck['key'] | undefined;
      while (Date.now() < deadline) {
        const page = await deps.listDue(shard, now, pageSize, after);
        for (const check of page.checks) {
          if (Date.now() >= deadline) return;
          report[await settle(check)]++;
        }
        if (!page.more || page.checks.length === 0) return;
        after = page.checks.at(-1)?.key;
      }
    }),
  );
  return report;

  async function settle(check: IdleCheck): Promise<keyof IdleCloseReport> {
    const conversation = await deps.getConversation(check.tenantId, check.conversationId);
    if (!conversation || conversation.status !== 'assigned') {
      await deps.deleteCheck(check);
      return 'dropped';
    }
    const shop = await shopOf(check.tenantId, conversation.shopId);
    const idleMinutes = shop?.routing.idleCloseMinutes ?? defaultIdleCloseMinutes;
    const idleUntil = new Date(Date.parse(conversation.lastMessageAt) + idleMinutes * 60_000);
    if (idleUntil > now) {
      await deps.reschedule(check, idleUntil);
      return 'rescheduled';
    }
    const outcome = await deps.close({
      conversation,
      closeId: randomUUID(),
      closedBy: idleCloser,
      reason: 'idle-closed',
      now,
      requireLastSeq: conversation.lastSeq,
    });
    if (outcome !== 'applied') {
      logger.info('idle close skipped; conversation changed', { outcome });
      return 'skipped';
    }
    await afterClose(check.tenantId, conversation, 'idle-closed', idleCloser, deps);
    await deps.deleteCheck(check);
    return 'closed';
  }
}
