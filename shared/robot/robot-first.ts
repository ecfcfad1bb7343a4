import { isInServiceHours } from '../after-sales/response-clock';
import type { Identity } from '../auth/identity';
import { appendMessage, appendSteps, type AppendResult, type AppendSteps } from '../conversations/append-message';
import { liveWatchers, serviceDay, type Conversation } from '../conversations/conversation';
import type { DeliveryJob, RouteJob } from '../conversations/jobs';
import { sendDeliveryJob, sendRobotWaitCheck, sendRouteJob } from '../notify/job-queues';
import { cachedPromos } from '../promo/calendar-cache';
import { promoContentSet, promoWaitingLinePolicies } from '../promo/promo-routing';
import { chooseVariant } from '../quick-replies/choose-variant';
import { renderQuickReply } from '../quick-replies/render-quick-reply';
import { logger } from '../runtime/observability';
import { policyOfShop } from '../service-clock/manage-policy';
import type { ServiceClockHooks } from '../conversations/send-message';
import { getConversation } from '../store/conversations';
import { getRobotSettings, listFaqEntries } from '../store/faq-entries';
import { handOverFromRobot, setRobotMisses, takeForRobot } from '../store/robot-holds';
import { countRobotDay, type RobotCounts } from '../store/robot-stats';
import { getShop } from '../store/shops';
import { listWaitingLine, waitingPosition } from '../store/waiting-line';
import type { HandoffReason } from './faq';
import { faqIndexOf } from './faq-index-cache';
import { robotTakesNew, robotTurn } from './handoff-rules';
import type { RobotWaitCheck } from './wait-check';

/**
 * The FAQ robot that answers first (issue 8 §3; docs/robot.md), a step of the buyer's sendMessage: after
 * the buyer's message is stored, and before routing. A new conversation is taken by the robot when the
 * shop's mode (or a promo phase's robot-first policy) says so: it leaves the waiting line and nobody
 * routes it. Each buyer message in a conversation the robot holds gets the robot's answer (sender role
 * `robot`), a miss, or a hand-off: the conversation, history intact, enters its waiting line at the
 * front and is routed at once; a check on the rounds queue tells the buyer if nobody has joined within
 * the shop's (or the phase's) maximum wait.
 */

/** Who the robot writes as (senderId; senderRole `robot`). */
export const robotSenderId = 'kefu-robot';

/** What the robot says when it cannot answer, when it hands over, and when nobody has joined yet. */
export const robotLines = {
  miss: '{buyerName}，这个问题我还没学会，可以换个说法问问我；需要人工客服请回复「转人工」哦~',
  handoff: '{buyerName}，正在为您转接人工客服，请稍候，之前的聊天记录客服都能看到哦~',
  stillWaiting: '{buyerName}，人工客服都在忙，您已排在优先队列第{position}位，请再稍等一下，马上为您服务~',
} as const;

export const robotFirstDependencies = {
  settings: getRobotSettings,
  faqIndex: (tenantId: string, shopId: string, version: number, contentSet?: string) => faqIndexOf(tenantId, shopId, version, listFaqEntries, contentSet),
  shopName: async (tenantId: string, shopId: string) => (await getShop(tenantId, shopId))?.name,
  promos: (tenantId: string) => cachedPromos(tenantId),
  policy: (tenantId: string, shopId: string) => policyOfShop(tenantId, shopId),
  waiting: async (conversation: Pick<Conversation, 'tenantId' | 'shopId' | 'stage'>, limit: number) =>
    (await listWaitingLine(conversation.tenantId, conversation.shopId, conversation.stage, limit)).length,
  take: takeForRobot,
  setMisses: setRobotMisses,
  handOver: handOverFromRobot,
  append: appendSteps as AppendSteps,
  sendDeliveryJob: (job: DeliveryJob) => sendDeliveryJob(job),
  sendRouteJob: (job: RouteJob) => sendRouteJob(job),
  sendWaitCheck: (check: RobotWaitCheck, delaySeconds: number) => sendRobotWaitCheck(check, delaySeconds),
  count: countRobotDay,
  random: () => Math.random(),
};
export type RobotFirstDependencies = typeof robotFirstDependencies;

export type RobotStep = { held: false } | { held: true; did: 'answered' | 'missed' | 'handed-off' | 'resend'; faqId?: string; reason?: HandoffReason };

/**
 * Runs the robot on a buyer's stored message. `held: false`: people handle the conversation as usual
 * (sendMessage routes it); `held: true`: the robot answered, missed, or handed over (and sent the routing
 * job itself). A resend (duplicate) is not answered again: the first call's answer has its own client
 * message id and a second append would find it stored.
 */
export async function robotFirst(
  identity: Identity,
  conversation: Conversation,
  appended: AppendResult,
  created: boolean,
  now: Date,
  clock: ServiceClockHooks | undefined,
  deps: RobotFirstDependencies = robotFirstDependencies,
): Promise<RobotStep> {
  if (identity.role !== 'buyer' || conversation.status !== 'waiting') return { held: false };
  const { tenantId, shopId } = conversation;
  let held = conversation.robot !== undefined;
  if (!held && !created && appended.message.seq !== 1) return { held: false };
  if (appended.duplicate) return held ? { held: true, did: 'resend' } : { held: false };

  const [stored, promos] = await Promise.all([deps.settings(tenantId, shopId), deps.promos(tenantId).catch(() => [])]);
  const { settings } = stored;
  const promo = promoWaitingLinePolicies(promos, shopId, now);
  const policy = await deps.policy(tenantId, shopId);
  const day = serviceDay(now);
  const counts: RobotCounts = {};

  if (!held) {
    const takes = await robotTakesNew({
      mode: settings.mode,
      waitingOver: settings.waitingOver,
      promoWaitingOver: promo.robotFirstWaitingOver,
      inServiceHours: () => isInServiceHours(now, policy),
      waiting: (limit) => deps.waiting(conversation, limit),
    });
    if (!takes || !(await deps.take(conversation, now))) return { held: false };
    held = true;
    counts.conversations = 1;
  }

  const say = async (template: string, key: string, extra: Record<string, string> = {}) => {
    const shopName = await deps.shopName(tenantId, shopId).catch(() => undefined);
    const text = renderQuickReply(template, shopName ? { shopName } : {}).replace(/\{(\w+)\}/g, (whole, name: string) => extra[name] ?? whole);
    return robotSays(conversation, text, key, now, policy.robotAnswersCount === true, clock, deps);
  };

  const robotOn = settings.mode !== 'off' || promo.robotFirstWaitingOver !== undefined;
  // The promo content set in force (issue 10 §2): its entries join the untagged ones while the phase runs.
  const index = await deps.faqIndex(tenantId, shopId, stored.faqVersion, promoContentSet(promos, shopId, now));
  const turn = robotOn
    ? robotTurn({ text: appended.message.text, stage: conversation.stage, settings, missesSoFar: conversation.robot?.misses ?? 0, match: (text, stage) => index.match(text, stage) })
    : ({ kind: 'handoff', reason: 'robot-off' } as const);
  const key = `r${appended.message.seq}`;
  let step: RobotStep;
  if (turn.kind === 'answer') {
    const entry = index.entry(turn.faqId);
    const variants = entry?.answers ?? [];
    const template = variants[chooseVariant(variants, undefined, deps.random)] ?? robotLines.miss;
    await say(template, key);
    if ((conversation.robot?.misses ?? 0) > 0) await deps.setMisses(tenantId, conversation.conversationId, 0);
    counts.answered = 1;
    step = { held: true, did: 'answered', faqId: turn.faqId };
  } else if (turn.kind === 'miss') {
    await say(robotLines.miss, key);
    await deps.setMisses(tenantId, conversation.conversationId, turn.misses);
    counts.missed = 1;
    step = { held: true, did: 'missed' };
  } else {
    await say(robotLines.handoff, key);
    if (await deps.handOver(conversation, now)) {
      await deps.sendRouteJob({ type: 'route', tenantId, conversationId: conversation.conversationId });
      const minutes = promo.maxWaitMinutes ?? settings.noHumanNoticeMinutes;
      await deps.sendWaitCheck({ type: 'robot-wait-check', tenantId, shopId, conversationId: conversation.conversationId, handedOffAt: now.toISOString() }, minutes * 60);
      counts.handoffs = 1;
      counts.handoffReason = turn.reason;
    }
    step = { held: true, did: 'handed-off', reason: turn.reason };
  }
  // The day's counters are best effort: a lost increment must not fail the buyer's message.
  await deps.count(tenantId, shopId, day, counts).catch((error: unknown) => logger.warn('robot counters not updated', { shopId, error: error as Error }));
  return step;
}

/** Appends a robot message and hands it to delivery (the buyer and the supervisors watching). */
async function robotSays(
  conversation: Conversation,
  text: string,
  clientMessageId: string,
  now: Date,
  countsAsResponse: boolean,
  clock: ServiceClockHooks | undefined,
  deps: Pick<RobotFirstDependencies, 'append' | 'sendDeliveryJob'>,
): Promise<AppendResult> {
  const at = new Date(Math.max(now.getTime() + 1, Date.now()));
  const appended = await appendMessage(
    { tenantId: conversation.tenantId, conversation, sender: { userId: robotSenderId, role: 'robot' }, clientMessageId, text, now: at, countsAsResponse },
    deps.append,
  );
  const recipients = [...new Set([conversation.buyerId, ...liveWatchers(conversation, now)])];
  await deps.sendDeliveryJob({ type: 'message', tenantId: conversation.tenantId, conversationId: conversation.conversationId, shopId: conversation.shopId, recipients, message: appended.message });
  if (clock && appended.round?.kind === 'answered') {
    const round = { tenantId: conversation.tenantId, shopId: conversation.shopId, conversationId: conversation.conversationId, questionAt: appended.round.questionAt };
    await clock.roundAnswered({ ...round, answeredAt: appended.message.createdAt, answeredBy: robotSenderId }, now).catch((error: unknown) => logger.warn('robot answer not recorded on the clock', { error: error as Error }));
  }
  return appended;
}

export const robotWaitCheckDependencies = {
  getConversation,
  position: waitingPosition as (conversation: Conversation) => Promise<number>,
  shopName: robotFirstDependencies.shopName,
  policy: robotFirstDependencies.policy,
  append: appendSteps as AppendSteps,
  sendDeliveryJob: robotFirstDependencies.sendDeliveryJob,
};

/**
 * The check after a hand-off: if the conversation still waits from that hand-off (nobody joined, and no
 * later hand-off replaced it), the robot tells the buyer their place in the priority line. Once per
 * hand-off: a redelivered check appends with the same client message id, which stores nothing new.
 */
export async function runRobotWaitCheck(check: RobotWaitCheck, now = new Date(), deps = robotWaitCheckDependencies): Promise<'told' | 'joined'> {
  const head = await deps.getConversation(check.tenantId, check.conversationId);
  if (!head || head.status !== 'waiting' || head.linePriorityAt !== check.handedOffAt) return 'joined';
  const [shopName, position, policy] = await Promise.all([deps.shopName(head.tenantId, head.shopId).catch(() => undefined), deps.position(head), deps.policy(head.tenantId, head.shopId)]);
  const text = renderQuickReply(robotLines.stillWaiting, shopName ? { shopName } : {}).replace('{position}', String(position));
  await robotSays(head, text, `wait${Date.parse(check.handedOffAt)}`, now, policy.robotAnswersCount === true, undefined, deps);
  return 'told';
}
