import { roundClock } from '../after-sales/response-clock';
import { sendRoundCheck } from '../notify/job-queues';
import { notifyUserOfFrame } from '../notify/notify-user';
import { logger } from '../runtime/observability';
import { getConversation } from '../store/conversations';
import { claimRoundAlert, putAnsweredRound, putMissedRound } from '../store/round-outcomes';
import { listShopSupervisors } from '../store/shop-supervisors';
import type { ResponseAtRiskFrame } from './frames';
import { policyOfShop } from './manage-policy';
import { answeredRoundFact, checkTimeOf, delaySecondsUntil, shopDay, type RoundCheck } from './rounds';

/**
 * The response clock, live (issue 7 §4; docs/orders-design.md "Response clock, as built"). The message
 * path tells it when a round opens (a buyer message with nothing pending) and when one is answered; SQS
 * holds a check until the round's at-risk instant, whose consumer alerts the assignee and the shop's
 * supervisors if the round is still unanswered and then holds a second check until the due instant,
 * which records the round missed if it still is. The answer records met or missed itself.
 */

export const liveClockDependencies = {
  policyOfShop: (tenantId: string, shopId: string) => policyOfShop(tenantId, shopId),
  sendCheck: sendRoundCheck,
  getConversation,
  claimAlert: claimRoundAlert,
  putAnswered: putAnsweredRound,
  putMissed: putMissedRound,
  listSupervisors: (tenantId: string, shopId: string) => listShopSupervisors(tenantId, shopId),
  notify: notifyUserOfFrame,
};
export type LiveClockDependencies = typeof liveClockDependencies;

export interface RoundRef {
  tenantId: string;
  shopId: string;
  conversationId: string;
  /** The question that opened the round (the head's pendingQuestionSince). */
  questionAt: string;
}

/** A round opened: hold its at-risk check until then. Rounds outside service hours are not watched. */
export async function watchRound(round: RoundRef, now = new Date(), deps: LiveClockDependencies = liveClockDependencies): Promise<'scheduled' | 'not-counted'> {
  const policy = await deps.policyOfShop(round.tenantId, round.shopId);
  const clock = roundClock(new Date(round.questionAt), policy);
  if (!clock.counted) return 'not-counted';
  const check: RoundCheck = {
    type: 'round-check',
    check: 'at-risk',
    ...round,
    atRiskAt: clock.atRiskAt.toISOString(),
    dueAt: clock.dueAt.toISOString(),
    day: shopDay(new Date(round.questionAt), policy.timeZone),
  };
  await deps.sendCheck(check, delaySecondsUntil(clock.atRiskAt, now));
  return 'scheduled';
}

/** A round was answered: its outcome (met, missed or not counted, with the response time) is stored. */
export async function recordAnsweredRound(
  round: RoundRef & { answeredAt: string; answeredBy: string; agentId?: string | undefined },
  now = new Date(),
  deps: LiveClockDependencies = liveClockDependencies,
): Promise<void> {
  const policy = await deps.policyOfShop(round.tenantId, round.shopId);
  await deps.putAnswered(round.tenantId, answeredRoundFact(round, policy, now));
}

export type CheckResult = 'deferred' | 'answered' | 'alerted' | 'already-alerted' | 'missed' | 'already-recorded';

/**
 * Runs one check. Arrived early (a wait past 15 minutes): sent again for the rest. Otherwise the head is
 * read (strongly consistent): a round whose question is no longer the pending one was answered, and the
 * answer recorded it. At risk: the alert is claimed once per round (a redelivered check finds the claim
 * and alerts no one), then the due check is held until the due instant (sent again on a redelivery:
 * harmless, the missed record is conditional). Due: `missed` is recorded unless an answer got there first.
 */
export async function runRoundCheck(check: RoundCheck, now = new Date(), deps: LiveClockDependencies = liveClockDependencies): Promise<CheckResult> {
  const at = checkTimeOf(check);
  const wait = delaySecondsUntil(at, now);
  if (wait > 0) {
    await deps.sendCheck(check, wait);
    return 'deferred';
  }
  const head = await deps.getConversation(check.tenantId, check.conversationId, { consistent: true });
  if (!head || head.shopId !== check.shopId || head.pendingQuestionSince !== check.questionAt) return 'answered';

  if (check.check === 'due') {
    const recorded = await deps.putMissed(check.tenantId, {
      shopId: check.shopId,
      conversationId: check.conversationId,
      day: check.day,
      questionAt: check.questionAt,
      status: 'missed',
      dueAt: check.dueAt,
      ...(head.assigneeId ? { agentId: head.assigneeId } : {}),
      recordedAt: now.toISOString(),
    });
    return recorded ? 'missed' : 'already-recorded';
  }

  const claimed = await deps.claimAlert(check.tenantId, check.conversationId, check.questionAt, 'at-risk', now);
  if (claimed && head.status !== 'closed') {
    const frame: ResponseAtRiskFrame = {
      type: 'response.at-risk',
      conversationId: check.conversationId,
      shopId: check.shopId,
      buyerId: head.buyerId,
      ...(head.assigneeId ? { assigneeId: head.assigneeId } : {}),
      questionAt: check.questionAt,
      dueAt: check.dueAt,
    };
    const supervisors = await deps.listSupervisors(check.tenantId, check.shopId);
    const recipients = [...new Set([...(head.assigneeId ? [head.assigneeId] : []), ...supervisors])];
    await Promise.all(recipients.map((userId) => deps.notify(check.tenantId, userId, frame)));
    logger.info('response round at risk', { conversationId: check.conversationId, shopId: check.shopId, recipients: recipients.length });
  }
  await deps.sendCheck({ ...check, check: 'due' }, delaySecondsUntil(new Date(check.dueAt), now));
  return claimed ? 'alerted' : 'already-alerted';
}
