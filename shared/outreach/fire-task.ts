import { randomInt } from 'node:crypto';
import { appendMessage, appendSteps, type AppendSteps } from '../conversations/append-message';
import type { Message } from '../conversations/conversation';
import { sendDeliveryJob, sendOutreachJobs } from '../notify/job-queues';
import { logger } from '../runtime/observability';
import { cachedPromos } from '../promo/calendar-cache';
import { promoOutreachDeferral } from '../promo/promo-routing';
import { sampledMembersPerGroup } from '../routing/choose-agent';
import { listOnlineAgentIdsOfGroup } from '../store/agents';
import { getConversation, QuestionPendingError } from '../store/conversations';
import { batchGetAll } from '../store/read-all';
import { keys } from '../store/keys';
import { dynamo } from '../runtime/clients';
import { getShop } from '../store/shops';
import { tenantIsOpen } from '../store/tenants';
import {
  assignTask,
  cancelClaimedTask,
  cancelTask,
  claimLeaseMs,
  claimTask,
  coalescedOutreachStore,
  deferTask,
  getOutreachSettings,
  getTask,
  holdsBuyerDaySlot,
  markSent,
  returnSmsSlot,
  takeBuyerDaySlot,
  takeSmsSlot,
  updateReach,
  type CoalescedOutreachStore,
} from '../store/outreach';
import { getClientMessageClaimSeq, getLogEntry, listMessagesAfter } from '../store/messages';
import type { FireJob, OutreachJob } from './jobs';
import { httpOutreachGateway, type OutreachGateway } from './outreach-gateway';
import { stillWanted } from './plan-outreach';
import { localDayOf, nextLocalDayStart, nextSendableAt, sendableAt, smsAllowanceOn, urgentOutreachKinds } from './rules';
import { brandOf, chooseCouponRow, renderTemplate, type OutreachSettings } from './settings';
import { minuteOf, type Channel, type OutreachTask, type Reach } from './task';

/**
 * The outreach consumer's work for one due task (issue 8, docs/outreach-design.md §1, §5): decide from
 * what is stored now, then claim, then send. In order:
 *  1. a job for a minute the task has left, or a task no longer scheduled → nothing (a double sweep, an
 *     SQS redelivery, a cancel: at most once);
 *  2. opted out → cancelled; the order moved on (paid, refunded, closed, rated, window passed) → cancelled;
 *  3. inside the shop's quiet hours → re-filed at their end (deferred, never dropped);
 *  4. the shop's and the platform's token buckets → if empty, the job goes back on the queue a second later;
 *  5. claim (scheduled → sending, conditioned on the minute): one consumer wins;
 *  6. the buyer's daily cap across the brand's shops → if full, re-filed on the next local day;
 *  7. a delivery callback for agents → an agent's work list (capacity-aware) or, if none is free, 15
 *     minutes later; everything else → sent on its channel with the task id as idempotency key, then
 *     `sent` with its reach, and a reach check filed `resendAfterHours` later.
 * A task found `sending` is a takeover (its consumer's claim lapsed: it died between the claim and `sent`):
 * if that consumer had taken the buyer's daily slot (one read, on the takeover path only), its message may
 * have gone, and `finishTakenOverSend` decides instead of steps 2–7; a takeover more than `takeoverBoundMs`
 * after the claim sends nothing (docs/outreach-design.md §6).
 */

/** Sends per second per platform app, across all tenants (platform quotas set the pace, not the scheduler). */
export const platformSendPerSecond: Readonly<Record<string, number>> = { taobao: 2000, douyin: 1000, shopify: 500 };
/** The platform bucket is split so one second's counter is never one hot partition (1,000 writes/s each). */
export const platformRateShards = 8;
/** How long settings stay cached in a consumer: a changed template or quiet hour applies within this. */
const settingsCacheMs = 30_000;
const robotSenderId = 'outreach';
/**
 * A send taken over later than this after its claim is stopped as maybe sent instead of decided again. The
 * SQS redeliveries of a job that died come within minutes (visibility timeout 180 s × 5 receives); past an
 * hour it is a redrive from the DLQ (14 days' retention, docs/deploy.md): the buyer-day item that says whether
 * and on which channel the first attempt went expires 3 days after its day, the opt-out stamp covers only the
 * UTC days around the opt-out, and the first attempt's sendable-hours decision no longer holds (a re-issue
 * could go at 03:00). So a late takeover never sends: it records `maybeSentOn` (docs/outreach-design.md §6).
 */
export const takeoverBoundMs = 3_600_000;

/** The message log says whether an outreach copy went into a conversation: its claim (the task id) and the message at that seq. */
async function earlierCopy(task: OutreachTask, conversationId: string): Promise<Message | undefined> {
  const seq = await getClientMessageClaimSeq(task.tenantId, conversationId, robotSenderId, task.taskId);
  const earlier = seq === undefined ? undefined : await getLogEntry(task.tenantId, conversationId, seq);
  return earlier?.kind === 'message' ? earlier.message : undefined;
}

/** The buyer and the conversation's assignee get a copy's frame (again, on a takeover: recipients dedupe by conversation and seq, row 1). */
async function deliverCopy(task: OutreachTask, conversation: { conversationId: string; buyerId: string; assigneeId?: string }, message: Message): Promise<void> {
  const recipients = [conversation.buyerId, ...(conversation.assigneeId ? [conversation.assigneeId] : [])];
  await sendDeliveryJob({ type: 'message', tenantId: task.tenantId, conversationId: conversation.conversationId, shopId: task.shopId, recipients, message });
}

/**
 * What the consumer reads and writes. The per-task reads (task, opt-out, order, conversation pointer), the
 * token leases and the reach checks' due entries go through one `coalescedOutreachStore` per consumer, so
 * the records of an SQS batch, fired concurrently, share one BatchGet / block lease / BatchWrite per step
 * instead of one call each (docs/outreach-design.md §5, "the send path").
 */
export function createFireDependencies(store: CoalescedOutreachStore = coalescedOutreachStore(), append: AppendSteps = appendSteps) {
  return {
    getTask: store.getTask,
    /** Strongly consistent: confirms an eventually consistent "nothing to do" before the job is dropped. */
    recheckTask: (tenantId: string, taskId: string) => getTask(tenantId, taskId),
    claimTask: (tenantId: string, taskId: string, dueMinute: string, now: Date, takeover?: { maybeSentOn?: string }) => claimTask(tenantId, taskId, dueMinute, now, takeover),
    deferTask: (task: OutreachTask, toMinute: string, reason: string, now: Date) => deferTask(task, toMinute, reason, now),
    cancelTask: (tenantId: string, taskId: string, reason: string, now: Date) => cancelTask(tenantId, taskId, reason, now),
    cancelClaimedTask: (task: OutreachTask, reason: string, now: Date) => cancelClaimedTask(task, reason, now),
    markSent: (task: OutreachTask, reach: Reach, now: Date) => markSent(task, reach, now),
    fileReachCheck: store.fileReachCheck,
    updateReach: (task: OutreachTask, reach: Reach, now: Date) => updateReach(task, reach, now),
    assignTask: (task: OutreachTask, agentId: string, cap: number, now: Date) => assignTask(task, agentId, cap, now),
    getSettings: (tenantId: string, shopId: string) => getOutreachSettings(tenantId, shopId),
    /** False once the tenant's deletion is confirmed (cached per instance, tenantSettings): its buyers get nothing more. */
    tenantOpen: tenantIsOpen,
    getOrder: (task: OutreachTask) => (task.orderId ? store.getOrder({ tenantId: task.tenantId, shopId: task.shopId, platform: task.platform, orderId: task.orderId }) : Promise.resolve(undefined)),
    hasOptedOut: store.hasOptedOut,
    /** The promo calendar (cached per instance): phases that defer outreach (issue 10 §2). */
    promos: (tenantId: string) => cachedPromos(tenantId),
    /** The send's last write before its message goes (opt-out condition, daily cap); it records the channel chosen. */
    takeBuyerDaySlot: (task: OutreachTask, day: string, cap: number, channel: Channel = 'chat') => takeBuyerDaySlot(task.tenantId, task.brandId, task.buyerId, day, task.taskId, cap, channel),
    /** A takeover's question: did the consumer that died take the buyer's slot of `day` for this task (so pass the opt-out condition), and for which channel? */
    holdsBuyerDaySlot: (task: OutreachTask, day: string) => holdsBuyerDaySlot(task.tenantId, task.brandId, task.buyerId, day, task.taskId),
    takeSmsSlot: (tenantId: string, shopId: string, day: string, allowance: number) => takeSmsSlot(tenantId, shopId, day, allowance),
    returnSmsSlot: (tenantId: string, shopId: string, day: string) => returnSmsSlot(tenantId, shopId, day),
    takeShopToken: (tenantId: string, shopId: string, second: number, limit: number) =>
      store.takeToken({
        group: `shop#${tenantId}#${shopId}#${second}`,
        limit,
        lease: (block) => ({ key: keys.outreachShopRate(tenantId, shopId, second), entity: 'OutreachShopRate', windowEndSeconds: second + 1, block, limit }),
      }),
    /** Each lease picks one of the platform's sub-buckets at random, so one second's counter is never one hot partition. */
    takePlatformToken: (platform: string, second: number, limit: number) =>
      store.takeToken({
        group: `platform#${platform}#${second}`,
        limit,
        lease: (block) => ({ key: keys.outreachPlatformRate(`${platform}#${randomInt(platformRateShards)}`, second), entity: 'OutreachPlatformRate', windowEndSeconds: second + 1, block, limit }),
      }),
    requeue: async (job: OutreachJob, delaySeconds: number) => {
      const { failed } = await sendOutreachJobs([job], delaySeconds);
      if (failed.length > 0) throw new Error('could not put the job back on the outreach queue');
    },
    gateway: httpOutreachGateway as OutreachGateway,
    /** The buyer's open kefu conversation at the shop, if any (the pointer, read with the batch's other reads). */
    openConversationId: (task: OutreachTask) => store.openConversationId(task.tenantId, task.shopId, task.buyerId),
    /**
     * The chat copy into the buyer's open conversation, marked as outreach; undefined: not possible now.
     * A buyer question waiting for an answer: the outreach message must not count as the answer (response
     * KPIs, service clocks), so it goes through the platform's chat instead and the agent's reply stays the
     * response. The consistent read only saves a write when one is already pending; the rule itself is a
     * condition of the append's seq write (`whileNoQuestionPending`), so a question arriving between the read
     * and the append refuses the copy too (docs/outreach-design.md §6).
     */
    appendToConversation: async (task: OutreachTask, text: string, now: Date, conversationId: string) => {
      const conversation = await getConversation(task.tenantId, conversationId, { consistent: true });
      if (!conversation || conversation.status === 'closed') return undefined;
      const appendCopy = async (): Promise<Message | undefined> => {
        try {
          const appended = await appendMessage(
            {
              tenantId: task.tenantId,
              conversation,
              sender: { userId: robotSenderId, role: 'robot' },
              clientMessageId: task.taskId,
              text,
              now,
              outreach: { taskId: task.taskId, kind: task.kind },
              whileNoQuestionPending: true,
            },
            append,
          );
          return appended.message;
        } catch (error) {
          if (error instanceof QuestionPendingError) return undefined;
          throw error;
        }
      };
      // A send taken over after its consumer died (same task id) may have appended its copy before the
      // question: that copy stands, so the platform chat does not send it a second time.
      const message = (conversation.pendingQuestionSince === undefined ? await appendCopy() : undefined) ?? (await earlierCopy(task, conversationId));
      if (!message) return undefined;
      await deliverCopy(task, conversation, message);
      return { conversationId: conversation.conversationId, seq: message.seq };
    },
    /** The copy an earlier attempt of this send appended to the conversation (its client-message claim, the task id), if it is there. */
    earlierCopy,
    /** A taken-over send's copy, found in the log, delivered again (its first consumer may have died before the frame went). */
    redeliverCopy: async (task: OutreachTask, conversationId: string, message: Message) => {
      const conversation = await getConversation(task.tenantId, conversationId);
      if (conversation) await deliverCopy(task, conversation, message);
    },
    /** Reach as the conversation shows it: read (the buyer's read pointer passed the message), replied (a buyer message after it). */
    conversationReach: async (task: OutreachTask, reach: Reach) => {
      if (!reach.conversationId || !reach.seq) return {};
      const conversation = await getConversation(task.tenantId, reach.conversationId);
      const read = conversation !== undefined && conversation.buyerReadSeq >= reach.seq;
      const later = await listMessagesAfter(task.tenantId, reach.conversationId, reach.seq, { limit: 50 });
      const reply = later.messages.find((message) => message.senderRole === 'buyer');
      return { ...(read ? { read: true } : {}), ...(reply ? { repliedAt: reply.createdAt } : {}) };
    },
    /** Online agents of the shop's after-sale group (routing's ring sample) with their open callbacks. */
    callbackCandidates: async (tenantId: string, shopId: string) => {
      const groupId = (await getShop(tenantId, shopId))?.routing.groups['after-sale'];
      if (!groupId) return [];
      const ids = await listOnlineAgentIdsOfGroup(tenantId, groupId, Math.random(), sampledMembersPerGroup);
      const items = await batchGetAll(dynamo(), ids.map((id) => keys.agent(tenantId, id)), { consistentRead: true });
      return items.map((item) => ({
        agentId: String(item.agentId),
        presence: String(item.presence),
        shopIds: (item.shopIds as string[] | undefined) ?? [],
        outreachLoad: Number(item.outreachLoad ?? 0),
      }));
    },
    shopName: async (tenantId: string, shopId: string) => (await getShop(tenantId, shopId))?.name ?? shopId,
  };
}
export type FireDependencies = ReturnType<typeof createFireDependencies>;
/** The module's own: a Lambda instance handles one batch at a time, so its records coalesce with each other. */
export const fireDependencies: FireDependencies = createFireDependencies();

export type FireOutcome =
  | 'stale'
  | 'cancelled'
  | 'deferred-quiet'
  | 'deferred-promo'
  | 'deferred-cap'
  | 'deferred-no-agent'
  | 'throttled'
  | 'lost-claim'
  | 'sent'
  /** A taken-over send stopped (opt-out, order moved on) whose first attempt may have gone: not sent again, recorded `cancelled` with `maybeSentOn`. */
  | 'maybe-sent'
  | 'assigned'
  | 'resent'
  /** The reach check found the order moved on: no resend, the reason on the reach. */
  | 'resend-stopped'
  | 'reach-recorded'
  | 'nothing-to-do';

const shopCache = new Map<string, { at: number; value: Promise<unknown> }>();
/** Settings and shop names change rarely and are read for every task: kept per consumer for settingsCacheMs. */
function cached<T>(kind: string, tenantId: string, shopId: string, read: () => Promise<T>): Promise<T> {
  const key = `${kind}#${tenantId}#${shopId}`;
  const hit = shopCache.get(key);
  if (hit && Date.now() - hit.at < settingsCacheMs) return hit.value as Promise<T>;
  const value = read();
  shopCache.set(key, { at: Date.now(), value });
  // A failed read is not kept.
  value.catch(() => shopCache.delete(key));
  if (shopCache.size > 10_000) shopCache.delete(shopCache.keys().next().value!);
  return value;
}
const cachedSettings = (tenantId: string, shopId: string, deps: FireDependencies) => cached('settings', tenantId, shopId, () => deps.getSettings(tenantId, shopId));
/** Tests change settings between cases. */
export const forgetCachedSettings = () => shopCache.clear();

/** Whether the task as read is one this job acts on (otherwise the job has nothing to do). */
const actsOn = (task: OutreachTask | undefined, job: FireJob): task is OutreachTask =>
  task !== undefined && (job.phase === 'reach' ? task.status === 'sent' : task.dueMinute === job.dueMinute && (task.status === 'scheduled' || task.status === 'sending'));

export async function fireTask(job: FireJob, now: Date, deps: FireDependencies = fireDependencies): Promise<FireOutcome> {
  let task = await deps.getTask(job.tenantId, job.taskId);
  // The batched read is eventually consistent: before a job is dropped as having nothing to do, the task is read again strongly.
  if (!actsOn(task, job)) task = await deps.recheckTask(job.tenantId, job.taskId);
  if (!task) return 'stale';
  const settings = await cachedSettings(task.tenantId, task.shopId, deps);
  // A reach check is filed at its own minute; it acts once through the reach's conditional update.
  if (job.phase === 'reach') return checkReach(task, settings, now, deps);
  if (!actsOn(task, job)) return 'stale';
  // Claimed by a consumer whose lease still runs: that consumer's (a duplicate copy of the job); lapsed: a takeover.
  const takeover = task.status === 'sending';
  const claimedAt = new Date(task.claimedAt ?? task.updatedAt);
  if (takeover && claimedAt.getTime() >= now.getTime() - claimLeaseMs) return 'lost-claim';

  const sends = task.assignTo === 'robot' || task.kind !== 'delivery-callback';
  // A takeover of a send asks whether the consumer that died had taken the buyer's daily slot — its last write
  // before the message goes, conditioned on no opt-out — on the local day of its claim (or an earlier takeover
  // found so): then its message may have gone, on the channel the slot recorded. No read on the normal path.
  const slotDay = takeover && sends ? (task.maybeSentOn ?? localDayOf(claimedAt, settings.timeZone)) : undefined;
  if (slotDay !== undefined && now.getTime() - claimedAt.getTime() > takeoverBoundMs) return stopTakenOverSend(task, slotDay, 'takeover-expired', now, deps);
  // The batch's reads, all at once: opt-out and order (strongly consistent), the open-conversation pointer for a chat copy.
  const [optedOut, order, conversation, heldChannel, tenantOpen] = await Promise.all([
    deps.hasOptedOut(task.tenantId, task.brandId, task.buyerId),
    task.kind !== 'campaign' ? deps.getOrder(task) : undefined,
    sends && (task.channel ?? 'chat') === 'chat' ? deps.openConversationId(task).then((conversationId) => ({ conversationId })) : undefined,
    slotDay === undefined ? undefined : deps.holdsBuyerDaySlot(task, slotDay),
    deps.tenantOpen(task.tenantId),
  ]);
  const verdict = task.kind === 'campaign' ? { wanted: true } : order ? stillWanted(task.kind, task.nudge, order, settings, now) : { wanted: false, reason: 'order-missing' };
  const stop = !tenantOpen ? 'tenant-deleted' : optedOut ? 'opted-out' : verdict.wanted ? undefined : (verdict.reason ?? 'order-changed');
  if (heldChannel !== undefined || task.maybeSentOn !== undefined) return finishTakenOverSend(task, job, slotDay!, heldChannel, stop, settings, now, deps, conversation);
  if (stop) {
    if (!takeover) {
      await deps.cancelTask(task.tenantId, task.taskId, stop, now);
      return 'cancelled';
    }
    // Taken over before its consumer took the slot: nothing went. The task is `sending` (cancelTask wants
    // `scheduled`): claimed from the lapsed claim, then stopped, so it does not stay `sending` for ever.
    const claimed = await deps.claimTask(task.tenantId, task.taskId, task.dueMinute, now);
    if (!claimed) return 'lost-claim';
    await deps.cancelClaimedTask(claimed, stop, now);
    return 'cancelled';
  }
  const promoEnd = urgentOutreachKinds.has(task.kind) ? undefined : promoOutreachDeferral(await deps.promos(task.tenantId), task.shopId, now);
  const sendable = sendableAt(task.kind, now, settings, promoEnd);
  if (sendable.at.getTime() !== now.getTime()) {
    await deps.deferTask(task, minuteOf(sendable.at), sendable.reason, now);
    return sendable.reason === 'promo-peak' ? 'deferred-promo' : 'deferred-quiet';
  }
  if (sends && !(await takeTokens(task, settings, now, deps))) {
    await deps.requeue(job, 1);
    return 'throttled';
  }
  const claimed = await deps.claimTask(task.tenantId, task.taskId, task.dueMinute, now);
  if (!claimed) return 'lost-claim';

  const day = localDayOf(now, settings.timeZone);
  // The channel is chosen before the daily slot's write, which records it: a takeover re-issues on it (§6).
  const channel = sends ? await chooseChannel(claimed, day, settings, deps) : 'chat';
  const slot = await deps.takeBuyerDaySlot(claimed, day, settings.dailyCapPerBuyer, channel);
  if (slot !== 'taken' && channel === 'sms') await deps.returnSmsSlot(claimed.tenantId, claimed.shopId, day);
  if (slot === 'opted-out') {
    // The buyer opted out after the read above: the slot's own write refused, so nothing goes (§3 Opt-out).
    await deps.cancelClaimedTask(claimed, 'opted-out', now);
    return 'cancelled';
  }
  if (slot === 'cap') {
    await deps.deferTask(claimed, minuteOf(nextLocalDayStart(now, settings)), 'frequency-cap', now);
    return 'deferred-cap';
  }
  if (!sends) return assignCallback(claimed, settings, now, deps);
  return sendClaimed(claimed, channel, settings, now, deps, conversation);
}

/** The task's channel: SMS within the shop's ramp of `day` (its SMS slot taken here), else chat. */
async function chooseChannel(task: OutreachTask, day: string, settings: OutreachSettings, deps: FireDependencies): Promise<Channel> {
  if ((task.channel ?? 'chat') !== 'sms') return 'chat';
  return (await deps.takeSmsSlot(task.tenantId, task.shopId, day, smsAllowanceOn(day, settings.channels.sms))) ? 'sms' : 'chat';
}

/** The shop's and the platform's token for this second. */
async function takeTokens(task: OutreachTask, settings: OutreachSettings, now: Date, deps: FireDependencies): Promise<boolean> {
  const second = Math.floor(now.getTime() / 1000);
  const platformLimit = Math.max(1, Math.floor((platformSendPerSecond[task.platform] ?? 500) / platformRateShards));
  // Both buckets at once (one round trip): a token of one taken while the other refuses is unused — the buckets under-send, never over-send.
  const [shopToken, platformToken] = await Promise.all([deps.takeShopToken(task.tenantId, task.shopId, second, settings.sendPerSecond), deps.takePlatformToken(task.platform, second, platformLimit)]);
  return shopToken && platformToken;
}

/** Sends a claimed task whose daily slot is held on `channel` (its SMS slot, if SMS, taken), then records `sent`. */
async function sendClaimed(claimed: OutreachTask, channel: Channel, settings: OutreachSettings, now: Date, deps: FireDependencies, conversation?: { conversationId?: string }): Promise<FireOutcome> {
  const text = await textOf(claimed, settings, now, deps);
  const reachAt = new Date(now.getTime() + settings.channels.resendAfterHours * 3600_000);
  // The reach check is filed while the message goes out: a stray check (the send failed and is retried) finds the task not yet due for it.
  const [reach] = await Promise.all([send(claimed, channel, text, now, deps, conversation), deps.fileReachCheck(claimed, minuteOf(reachAt))]);
  await deps.markSent(claimed, reach, now);
  return 'sent';
}

/**
 * A send taken over from a consumer that took the buyer's daily slot of `maybeSentOn` and died before
 * recording `sent`: its message may have gone, on `channel` — the one its slot write recorded (SMS, or chat:
 * the copy in the buyer's conversation or the platform chat) — (docs/outreach-design.md §6). Never "not sent"
 * on a guess, never a second message:
 *  - the copy in the buyer's open kefu conversation (the message log) → it went: `sent` with its reach, the
 *    reach check filed (delivered again if still wanted; the check resends nothing to an opted-out buyer);
 *  - stopped (opted out — at the read or by the slot write —, or the order moved on), or the channel unknown
 *    → nothing is sent again: `cancelled` with its reason and `maybeSentOn` (unconfirmed, counted apart);
 *  - still wanted → finished now, on exactly the first attempt's channel and path with its idempotency key
 *    (which the platform and the SMS provider dedupe): no second SMS slot (the first attempt's counts), no
 *    copy appended to the conversation (the first attempt put none there, so it used the platform chat or
 *    sent nothing), behind the token buckets, its slot write on the first attempt's day (it holds this task,
 *    so the cap never refuses; the opt-out condition still does). Quiet hours and promo peaks are not applied
 *    again: the first attempt was decided inside sendable hours less than `takeoverBoundMs` ago, and a
 *    deferral would re-decide a send that may have happened.
 * The claim records `maybeSentOn` (same write), so a takeover of this takeover knows it.
 */
async function finishTakenOverSend(
  task: OutreachTask,
  job: FireJob,
  maybeSentOn: string,
  channel: Channel | undefined,
  stop: string | undefined,
  settings: OutreachSettings,
  now: Date,
  deps: FireDependencies,
  conversation?: { conversationId?: string },
): Promise<FireOutcome> {
  if (!stop && channel && !(await takeTokens(task, settings, now, deps))) {
    await deps.requeue(job, 1);
    return 'throttled';
  }
  const claimed = await deps.claimTask(task.tenantId, task.taskId, task.dueMinute, now, { maybeSentOn });
  if (!claimed) return 'lost-claim';
  const slot = stop || !channel ? undefined : await deps.takeBuyerDaySlot(claimed, maybeSentOn, settings.dailyCapPerBuyer, channel);
  // No channel: a takeover of a takeover whose first attempt's day item is gone; the first attempt cannot be re-issued as it was.
  const reason = stop ?? (slot === 'opted-out' ? 'opted-out' : channel ? undefined : 'takeover-channel-unknown');

  // Only a chat send can have put its copy in the conversation.
  const conversationId = channel === 'sms' ? undefined : conversation ? conversation.conversationId : await deps.openConversationId(claimed);
  const copy = conversationId ? await deps.earlierCopy(claimed, conversationId) : undefined;
  if (copy) {
    if (!reason) await deps.redeliverCopy(claimed, conversationId!, copy);
    return recordSent(claimed, { channel: 'chat', sentAt: copy.createdAt, conversationId, seq: copy.seq }, settings, now, deps);
  }
  if (reason || !channel) {
    await deps.cancelClaimedTask(claimed, reason ?? 'takeover-channel-unknown', now);
    return 'maybe-sent';
  }
  const text = await textOf(claimed, settings, now, deps);
  if (channel === 'sms') await deps.gateway.sendSms(outreachMessage(claimed, channel, text));
  else await deps.gateway.sendChat(outreachMessage(claimed, channel, text));
  return recordSent(claimed, { channel, sentAt: now.toISOString() }, settings, now, deps);
}

/** A taken-over send stopped without a second message: `cancelled` with `maybeSentOn` (the takeover bound passed). */
async function stopTakenOverSend(task: OutreachTask, maybeSentOn: string, reason: string, now: Date, deps: FireDependencies): Promise<FireOutcome> {
  const claimed = await deps.claimTask(task.tenantId, task.taskId, task.dueMinute, now, { maybeSentOn });
  if (!claimed) return 'lost-claim';
  await deps.cancelClaimedTask(claimed, reason, now);
  return 'maybe-sent';
}

/** `sent` with its reach, the reach check filed `resendAfterHours` after the message went. */
async function recordSent(claimed: OutreachTask, reach: Reach, settings: OutreachSettings, now: Date, deps: FireDependencies): Promise<FireOutcome> {
  await deps.fileReachCheck(claimed, minuteOf(new Date(Date.parse(reach.sentAt) + settings.channels.resendAfterHours * 3600_000)));
  await deps.markSent(claimed, reach, now);
  return 'sent';
}

async function textOf(task: OutreachTask, settings: OutreachSettings, now: Date, deps: FireDependencies): Promise<string> {
  const template = task.template ??
    (task.kind === 'urge-to-pay'
      ? settings.urgeToPay.template
      : task.kind === 'shipping-notice'
        ? settings.shippingNotice.template
        : task.kind === 'urge-to-confirm'
          ? settings.urgeToConfirm.template
          : task.kind === 'review-invitation'
            ? settings.reviewInvitation.template
            : settings.deliveryCallback.template);
  const coupon = chooseCouponRow(settings.coupons, now);
  return renderTemplate(template, {
    shopName: await cached('name', task.tenantId, task.shopId, () => deps.shopName(task.tenantId, task.shopId)),
    orderId: task.orderId ?? '',
    buyerName: '',
    couponAmount: coupon ? (coupon.amountMinor / 100).toFixed(2) : '',
    reviewDays: String(settings.reviewInvitation.windowDays),
  });
}

/**
 * Sends on `channel`: chat goes to the buyer's open kefu conversation when there is one (marked as
 * outreach), else through the platform's chat API; SMS through the provider (its SMS slot already taken:
 * `chooseChannel`, or the reach check). Same idempotency key on every try.
 */
async function send(task: OutreachTask, channel: Channel, text: string, now: Date, deps: FireDependencies, open?: { conversationId?: string }): Promise<Reach> {
  const message = outreachMessage(task, channel, text);
  if (channel === 'sms') {
    await deps.gateway.sendSms(message);
    return { channel: 'sms', sentAt: now.toISOString() };
  }
  const conversationId = open ? open.conversationId : await deps.openConversationId(task);
  const appended = conversationId ? await deps.appendToConversation(task, text, now, conversationId) : undefined;
  if (appended) return { channel: 'chat', sentAt: now.toISOString(), conversationId: appended.conversationId, seq: appended.seq };
  await deps.gateway.sendChat(message);
  return { channel: 'chat', sentAt: now.toISOString() };
}

/** The message to the platform or the SMS provider: one idempotency key per task and channel, the same on every try. */
function outreachMessage(task: OutreachTask, channel: Channel, text: string) {
  return {
    idempotencyKey: `${task.taskId}#${channel}`,
    tenantId: task.tenantId,
    shopId: task.shopId,
    platform: task.platform,
    buyerId: task.platformBuyerId,
    text,
    taskId: task.taskId,
    kind: task.kind,
    dueAt: task.dueAt,
  };
}

/**
 * The reach check, `resendAfterHours` after the send: read or replied → recorded; still unread → one
 * resend on the other channel (SMS only while the shop's ramp allows; chat otherwise), never a second.
 */
async function checkReach(task: OutreachTask, settings: OutreachSettings, now: Date, deps: FireDependencies): Promise<FireOutcome> {
  const reach = task.reach;
  if (task.status !== 'sent' || !reach || reach.resentOn || reach.resendStopped || reach.repliedAt || reach.readAt) return 'nothing-to-do';
  // Filed at the minute of sentAt + resendAfterHours (so up to a minute early); a check filed for an attempt that failed and was retried later is early by more, and does nothing.
  if (now.getTime() < Date.parse(reach.sentAt) + settings.channels.resendAfterHours * 3600_000 - 60_000) return 'nothing-to-do';
  const seen = await deps.conversationReach(task, reach);
  if (seen.read || seen.repliedAt) {
    await deps.updateReach(task, { ...reach, ...(seen.read ? { readAt: now.toISOString() } : {}), ...(seen.repliedAt ? { repliedAt: seen.repliedAt } : {}) }, now);
    return 'reach-recorded';
  }
  if (await deps.hasOptedOut(task.tenantId, task.brandId, task.buyerId)) return 'nothing-to-do';
  // A deleted tenant's buyers get nothing more, a resend included (cached tenant state, as at the send).
  if (!(await deps.tenantOpen(task.tenantId))) {
    await deps.updateReach(task, { ...reach, resendStopped: 'tenant-deleted' }, now);
    return 'resend-stopped';
  }
  // The order moved on since the send (an urge to pay, then paid): no resend of a nudge it no longer wants.
  // One order read, on the resend branch only; the reason is recorded on the reach (conditional: once).
  if (task.kind !== 'campaign') {
    const order = await deps.getOrder(task);
    const verdict = order ? stillWanted(task.kind, task.nudge, order, settings, now) : { wanted: false, reason: 'order-missing' };
    if (!verdict.wanted) {
      await deps.updateReach(task, { ...reach, resendStopped: verdict.reason ?? 'order-changed' }, now);
      return 'resend-stopped';
    }
  }
  const day = localDayOf(now, settings.timeZone);
  // The other channel: SMS after a chat only while the shop's ramp allows it today; chat after an SMS.
  const other: Channel | undefined =
    reach.channel === 'sms' ? 'chat' : (await deps.takeSmsSlot(task.tenantId, task.shopId, day, smsAllowanceOn(day, settings.channels.sms))) ? 'sms' : undefined;
  if (!other) return 'nothing-to-do';
  // Record the resend first (conditional on the reach as read): a concurrent check or a retry resends once.
  const updated = await deps.updateReach(task, { ...reach, resentOn: other, resentAt: now.toISOString() }, now);
  if (!updated) return 'nothing-to-do';
  await send(task, other, await textOf(task, settings, now, deps), now, deps);
  return 'resent';
}

/** Capacity-aware: the least-loaded online agent of the shop's after-sale group under the shop's callback cap. */
async function assignCallback(task: OutreachTask, settings: OutreachSettings, now: Date, deps: FireDependencies): Promise<FireOutcome> {
  const cap = settings.deliveryCallback.agentCap;
  const candidates = (await deps.callbackCandidates(task.tenantId, task.shopId))
    .filter((agent) => agent.presence === 'online' && agent.shopIds.includes(task.shopId) && agent.outreachLoad < cap)
    .sort((a, b) => a.outreachLoad - b.outreachLoad || a.agentId.localeCompare(b.agentId));
  for (const agent of candidates.slice(0, 3)) {
    const outcome = await deps.assignTask(task, agent.agentId, cap, now);
    if (outcome === 'assigned') return 'assigned';
    if (outcome === 'conflict') return 'lost-claim';
  }
  logger.info('no agent free for a delivery callback; retried in 15 minutes', { taskId: task.taskId, shopId: task.shopId });
  await deps.deferTask(task, minuteOf(nextSendableAt(new Date(now.getTime() + 15 * 60_000), settings)), 'no-agent-free', now);
  return 'deferred-no-agent';
}

export { brandOf };
