import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { noticeBuyerMessage } from '../../shared/outreach/buyer-message';
import { fireTask, type FireDependencies } from '../../shared/outreach/fire-task';
import type { FireJob } from '../../shared/outreach/jobs';
import { orderOutreachDependencies, planOrderOutreach } from '../../shared/outreach/order-outreach';
import { minuteOf, taskIdFor, type OutreachTask } from '../../shared/outreach/task';
import { openConversation } from '../../shared/store/conversations';
import { applyOrderEventToStore } from '../../shared/store/orders';
import { dynamo } from '../../shared/runtime/clients';
import { claimTask, createTask, dueShardOf, getTask, listDueEntries, takeSmsSlot } from '../../shared/store/outreach';
import { appendMessage, appendSteps } from '../../shared/conversations/append-message';
import { getConversation } from '../../shared/store/conversations';
import { partitionOf } from './messaging-fixtures';
import { campaignTask, orderEnvelope, ownOutreachQueue, recordingGateway, saveSettings } from './outreach-fixtures';
import { createShop } from './routing-fixtures';

/**
 * A consumer takes a send over after the one that claimed it died (docs/outreach-design.md §5 "Fires at
 * most once", §6): the task's recorded outcome must be true. If the dead consumer had taken the buyer's daily
 * slot — its last write before the message goes, conditioned on no opt-out — a message may have gone, so a
 * takeover that finds the buyer opted out (or the order moved on) meanwhile must not record "not sent" nor
 * send again: the chat copy in the buyer's conversation says it went (→ `sent` with its reach); the platform
 * chat API and SMS cannot be asked (→ `cancelled` with `maybeSentOn`: unconfirmed). The interleaving is
 * forced: the first consumer's `markSent` throws (it sent, then died), the buyer writes 退订, the job is
 * redelivered after the claim's lease (120 s).
 */
const tenant = `outreach-tko-${randomUUID().slice(0, 8)}`;
const shopId = 'shop-tk';
// 10:00 in Shanghai: inside sendable hours.
const morning = new Date('2026-12-05T02:00:00.000Z');
const plus = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);
const fireJob = (task: Pick<OutreachTask, 'taskId' | 'dueMinute'>, phase: FireJob['phase'] = 'send'): FireJob => ({ type: 'fire', tenantId: tenant, taskId: task.taskId, dueMinute: task.dueMinute, phase });
const messagesOf = (items: Record<string, unknown>[]) => items.filter((item) => String(item.sk).startsWith('MSG#') && item.entity === 'Message');
const optOut = (buyerId: string, at: Date) => noticeBuyerMessage({ tenantId: tenant, shopId: 'shop-tk2', buyerId, text: '退订' }, at);

beforeAll(async () => {
  await ownOutreachQueue('outreach-tko');
  await createShop(tenant, shopId);
  await createShop(tenant, 'shop-tk2');
  // No quiet hours (the midnight case); SMS on, so an SMS task goes by SMS.
  for (const id of [shopId, 'shop-tk2']) {
    await saveSettings(tenant, id, { brandId: 'brand-tk', quietHours: { start: '00:00', end: '00:00' }, channels: { sms: { enabled: true } } });
  }
  // Shops whose SMS ramp allows one SMS a day: the last slot of a day is easy to reach.
  for (const id of rampShops) {
    await createShop(tenant, id);
    await saveSettings(tenant, id, { brandId: 'brand-tk', quietHours: { start: '00:00', end: '00:00' }, channels: { sms: { enabled: true, startPerDay: 1, growth: 1, maxPerDay: 1 } } });
  }
});

/** The platform / SMS provider as a recorder, and a consumer that sends and then dies before recording `sent`. */
function platform() {
  const recorder = recordingGateway();
  const dying: FireDependencies = {
    ...recorder.deps,
    markSent: async () => {
      throw new Error('the consumer died after the send');
    },
  };
  return { recorder, dying };
}

const rampShops = ['shop-tk-ramp', 'shop-tk-ramp2'];
const newBuyer = () => `buyer-tko-${randomUUID().slice(0, 6)}`;

async function campaign(buyerId: string, at: Date, channel: 'chat' | 'sms' = 'chat', shop = shopId) {
  const task = { ...campaignTask(tenant, shop, `ot_tko_${randomUUID().slice(0, 8)}`, buyerId, at, 'brand-tk'), channel };
  await createTask(task);
  return task;
}

/** A task whose first consumer sent it at `at` and died before recording `sent`. */
async function sentThenDied({ buyerId = newBuyer(), at = morning, channel = 'chat' as 'chat' | 'sms', shop = shopId } = {}) {
  const task = await campaign(buyerId, at, channel, shop);
  const { recorder, dying } = platform();
  await expect(fireTask(fireJob(task), at, dying)).rejects.toThrow('died');
  return { buyerId, task, recorder };
}

/** A task whose first consumer claimed it at `morning` and died before its slot write; then the buyer opts out. */
async function claimedThenOptedOut(optOutAt: Date) {
  const buyerId = newBuyer();
  const task = await campaign(buyerId, morning);
  expect(await claimTask(tenant, task.taskId, task.dueMinute, morning)).toBeTruthy();
  expect(await optOut(buyerId, optOutAt)).toBe(true);
  return { task, recorder: platform().recorder };
}

/** An order created an hour before `morning`, its outreach planned: its first urge to pay, scheduled. */
async function plannedUrgeToPay(orderId: string, buyerId: string): Promise<OutreachTask> {
  const created = plus(morning, -60);
  const envelope = orderEnvelope(shopId, orderId, 'created', created, buyerId);
  const applied = await applyOrderEventToStore(tenant, envelope, created);
  await planOrderOutreach({ tenantId: tenant, order: applied.order!, envelope, now: created }, orderOutreachDependencies);
  const task = (await getTask(tenant, taskIdFor(shopId, 'taobao', orderId, 'urge-to-pay', 0)))!;
  expect(task.status).toBe('scheduled');
  return task;
}

/** The DynamoDB commands `run` sends through the shared client (name and the sort keys it names). */
async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const name = `record-${randomUUID()}`;
  dynamo().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: { sk?: unknown }; RequestItems?: Record<string, { Keys?: { sk?: unknown }[] }> };
      const sortKeys = input.Key ? [input.Key.sk] : Object.values(input.RequestItems ?? {}).flatMap((request) => (request.Keys ?? []).map((key) => key.sk));
      seen.push(`${String(context.commandName)} ${sortKeys.map(String).join(',')}`.trim());
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    await run();
  } finally {
    dynamo().middlewareStack.remove(name);
  }
  return seen;
}
const readsOfBuyerDay = (commands: string[]) => commands.filter((command) => /^(GetItem|BatchGetItem)Command .*DAY#/.test(command));

describe('a send taken over after its consumer died, and an opt-out in between (DynamoDB Local)', () => {
  it('the per-send cost is unchanged on the normal path: the buyer-day read happens on the takeover path only, once', async () => {
    const { recorder } = platform();
    const normal = await campaign(newBuyer(), morning);
    const commands = await commandsOf(() => fireTask(fireJob(normal), morning, recorder.deps));
    expect((await getTask(tenant, normal.taskId))?.status).toBe('sent');
    expect(readsOfBuyerDay(commands)).toEqual([]);
    // The normal send's calls: the task, settings, opt-out, conversation pointer, two token leases, claim, slot, shop name, reach entry, sent (settings and name are cached 30 s per consumer).
    console.info(`normal send: ${commands.length} DynamoDB calls: ${commands.map((command) => command.split(' ')[0]).join(', ')}`);

    const { task: taken } = await sentThenDied();
    const takeover = await commandsOf(() => fireTask(fireJob(taken), plus(morning, 3), recorder.deps));
    expect(readsOfBuyerDay(takeover)).toHaveLength(1);
  });

  it('chat copy in the buyer\'s open conversation: the message log says it went, so the takeover records `sent` with its reach and files the reach check, and sends nothing again (rows 1, 3)', async () => {
    const buyerId = newBuyer();
    const { conversation } = await openConversation({ tenantId: tenant, shopId, buyerId, stage: 'after-sale' });
    const { task, recorder } = await sentThenDied({ buyerId });
    expect((await getTask(tenant, task.taskId))?.status).toBe('sending');
    expect(await optOut(buyerId, plus(morning, 1))).toBe(true);

    // SQS redelivers after the claim's lease: another consumer takes it over.
    expect(await fireTask(fireJob(task), plus(morning, 3), recorder.deps)).toBe('sent');
    const stored = await getTask(tenant, task.taskId);
    expect(stored).toMatchObject({ status: 'sent', reach: { channel: 'chat', sentAt: morning.toISOString(), conversationId: conversation.conversationId, seq: 1 } });
    expect(stored?.maybeSentOn).toBeUndefined();
    expect(stored?.claimedAt).toBeUndefined();
    // Exactly one message: the copy in the conversation; nothing through the platform.
    expect(messagesOf(await partitionOf(tenant, conversation.conversationId)).map((message) => message.senderRole)).toEqual(['robot']);
    expect(recorder.to(task.taskId)).toHaveLength(0);
    // Its reach is tracked: the check is filed at sentAt + 24 h, and resends nothing to the opted-out buyer.
    const reachMinute = minuteOf(plus(morning, 24 * 60));
    const bucket = await listDueEntries(reachMinute, dueShardOf(tenant, task.taskId), 500);
    expect(bucket.entries.filter((entry) => entry.taskId === task.taskId && entry.phase === 'reach')).toHaveLength(1);
    expect(await fireTask({ ...fireJob(task, 'reach'), dueMinute: reachMinute }, plus(morning, 24 * 60), recorder.deps)).toBe('nothing-to-do');
    expect(recorder.to(task.taskId)).toHaveLength(0);
  });

  it.each([
    ['the platform chat API (no open conversation)', 'chat' as const],
    ['SMS', 'sms' as const],
  ])('an external channel, %s: the send cannot be asked, so the takeover never sends again to the opted-out buyer and records `cancelled` opted-out with `maybeSentOn`, not "not sent" (row 1)', async (_name, channel) => {
    const { buyerId, task, recorder } = await sentThenDied({ channel });
    expect(recorder.to(task.taskId).map((item) => item.channel)).toEqual([channel]);
    expect(await optOut(buyerId, plus(morning, 1))).toBe(true);

    expect(await fireTask(fireJob(task), plus(morning, 3), recorder.deps)).toBe('maybe-sent');
    const stored = await getTask(tenant, task.taskId);
    expect(stored).toMatchObject({ status: 'cancelled', reason: 'opted-out', maybeSentOn: '2026-12-05' });
    expect(stored?.reach).toBeUndefined();
    // One call at the provider in all: the first consumer's.
    expect(recorder.to(task.taskId)).toHaveLength(1);
    // A further copy of the job finds it stopped.
    expect(await fireTask(fireJob(task), plus(morning, 10), recorder.deps)).toBe('stale');
    expect(recorder.to(task.taskId)).toHaveLength(1);
  });

  it('an opt-out after the takeover\'s read and before its slot write: the re-issue is refused by the slot\'s opt-out condition, recorded as maybe sent, and not sent again', async () => {
    const { buyerId, task, recorder } = await sentThenDied();
    const takeover: FireDependencies = {
      ...recorder.deps,
      takeBuyerDaySlot: async (...args) => {
        expect(await optOut(buyerId, plus(morning, 3))).toBe(true);
        return recorder.deps.takeBuyerDaySlot(...args);
      },
    };
    expect(await fireTask(fireJob(task), plus(morning, 3), takeover)).toBe('maybe-sent');
    expect(await getTask(tenant, task.taskId)).toMatchObject({ status: 'cancelled', reason: 'opted-out', maybeSentOn: '2026-12-05' });
    expect(recorder.to(task.taskId)).toHaveLength(1);
  });

  it('no opt-out: the takeover finishes the send by re-issuing it with the same idempotency key (one message at the platform) and records `sent`', async () => {
    const { task, recorder } = await sentThenDied();
    expect(await fireTask(fireJob(task), plus(morning, 3), recorder.deps)).toBe('sent');
    const stored = await getTask(tenant, task.taskId);
    expect(stored).toMatchObject({ status: 'sent', reach: { channel: 'chat' } });
    expect(stored?.maybeSentOn).toBeUndefined();
    // Two calls, one idempotency key: the platform takes one message.
    expect(new Set(recorder.to(task.taskId).map((item) => item.message.idempotencyKey))).toEqual(new Set([`${task.taskId}#chat`]));
  });

  it('taken over before its consumer took the slot: nothing went, so the opt-out cancels it as not sent — and it does not stay `sending`', async () => {
    const { task, recorder } = await claimedThenOptedOut(plus(morning, 1));
    expect(await fireTask(fireJob(task), plus(morning, 3), recorder.deps)).toBe('cancelled');
    const stored = await getTask(tenant, task.taskId);
    expect(stored).toMatchObject({ status: 'cancelled', reason: 'opted-out' });
    expect(stored?.maybeSentOn).toBeUndefined();
    expect(recorder.sent).toHaveLength(0);
  });

  it('a copy of the job while the claim\'s lease runs does nothing (the consumer is alive), even with the buyer opted out', async () => {
    const { task, recorder } = await claimedThenOptedOut(plus(morning, 0.5));
    expect(await fireTask(fireJob(task), plus(morning, 1), recorder.deps)).toBe('lost-claim');
    expect((await getTask(tenant, task.taskId))?.status).toBe('sending');
  });

  it('a takeover of a takeover across the local midnight: the second consumer recorded the first one\'s slot day in its claim, so the third still knows a message may have gone', async () => {
    // 23:59 in Shanghai on 12-05; the takeovers run on 12-06 local.
    const lateNight = new Date('2026-12-05T15:59:00.000Z');
    const { buyerId, task, recorder } = await sentThenDied({ at: lateNight });
    // The second consumer claims (at 00:02 local), then dies before its slot write.
    const diesAfterItsClaim: FireDependencies = {
      ...recorder.deps,
      takeBuyerDaySlot: async () => {
        throw new Error('the second consumer died');
      },
    };
    await expect(fireTask(fireJob(task), plus(lateNight, 3), diesAfterItsClaim)).rejects.toThrow('died');
    expect(await getTask(tenant, task.taskId)).toMatchObject({ status: 'sending', maybeSentOn: '2026-12-05', claimedAt: plus(lateNight, 3).toISOString() });
    expect(await optOut(buyerId, plus(lateNight, 4))).toBe(true);
    expect(await fireTask(fireJob(task), plus(lateNight, 6), recorder.deps)).toBe('maybe-sent');
    expect(await getTask(tenant, task.taskId)).toMatchObject({ status: 'cancelled', reason: 'opted-out', maybeSentOn: '2026-12-05' });
    expect(recorder.to(task.taskId)).toHaveLength(1);
  });

  it('stop on state change after the first send: an urge to pay sent, its consumer dead, the order paid — the takeover records the nudge as maybe sent (reason order-paid) and sends no nudge after payment', async () => {
    const orderId = '7000000000000077001';
    const task = await plannedUrgeToPay(orderId, 'buyer-tko-order');
    const { recorder, dying } = platform();
    await expect(fireTask(fireJob(task), morning, dying)).rejects.toThrow('died');
    expect(recorder.to(task.taskId)).toHaveLength(1);
    await applyOrderEventToStore(tenant, orderEnvelope(shopId, orderId, 'paid', plus(morning, 1), `buyer-tko-order`), plus(morning, 1));

    expect(await fireTask(fireJob(task), plus(morning, 3), recorder.deps)).toBe('maybe-sent');
    expect(await getTask(tenant, task.taskId)).toMatchObject({ status: 'cancelled', reason: 'order-paid', maybeSentOn: '2026-12-05' });
    expect(recorder.to(task.taskId)).toHaveLength(1);
  });
});

/** The idempotency keys the platform and the SMS provider were called with for a task. */
const keysOf = (recorder: ReturnType<typeof platform>['recorder'], taskId: string) => recorder.to(taskId).map((item) => `${item.channel} ${item.message.idempotencyKey.replace(taskId, 'task')}`);

describe('a send taken over is re-issued on exactly the channel and path its first attempt chose (DynamoDB Local)', () => {
  it('SMS that took the day\'s last SMS slot: the takeover re-issues the SMS with its key and takes no second slot, so no chat copy under another key follows it', async () => {
    const { task, recorder } = await sentThenDied({ channel: 'sms', shop: 'shop-tk-ramp' });
    expect(keysOf(recorder, task.taskId)).toEqual(['sms task#sms']);

    expect(await fireTask(fireJob(task), plus(morning, 3), recorder.deps)).toBe('sent');
    expect(await getTask(tenant, task.taskId)).toMatchObject({ status: 'sent', reach: { channel: 'sms' } });
    // Two calls, one key: the provider sends one SMS; the buyer gets nothing on chat.
    expect(keysOf(recorder, task.taskId)).toEqual(['sms task#sms', 'sms task#sms']);
  });

  it('an SMS task that fell back to chat on day D (the ramp used up), taken over after local midnight when the ramp has an SMS again: re-issued on chat with its key, not sent by SMS too', async () => {
    // 23:59 in Shanghai on 12-05: the day's one SMS is already used.
    const lateNight = new Date('2026-12-05T15:59:00.000Z');
    expect(await takeSmsSlot(tenant, 'shop-tk-ramp2', '2026-12-05', 1)).toBe(true);
    const { task, recorder } = await sentThenDied({ channel: 'sms', shop: 'shop-tk-ramp2', at: lateNight });
    expect(keysOf(recorder, task.taskId)).toEqual(['chat task#chat']);

    // 00:02 on 12-06: the new day's SMS slot is free, and stays free.
    expect(await fireTask(fireJob(task), plus(lateNight, 3), recorder.deps)).toBe('sent');
    expect(await getTask(tenant, task.taskId)).toMatchObject({ status: 'sent', reach: { channel: 'chat' } });
    expect(keysOf(recorder, task.taskId)).toEqual(['chat task#chat', 'chat task#chat']);
    expect(await takeSmsSlot(tenant, 'shop-tk-ramp2', '2026-12-06', 1)).toBe(true);
  });

  it('a chat send that went by the platform chat because a question was pending, the question answered before the takeover: re-issued on the platform chat with its key, no copy appended to the conversation', async () => {
    const buyerId = newBuyer();
    const { conversation } = await openConversation({ tenantId: tenant, shopId, buyerId, stage: 'after-sale' });
    await appendMessage(
      { tenantId: tenant, conversation: { conversationId: conversation.conversationId }, sender: { userId: buyerId, role: 'buyer' }, clientMessageId: `q-${randomUUID()}`, text: '请问什么时候发货？', now: plus(morning, -1) },
      appendSteps,
    );
    const { task, recorder } = await sentThenDied({ buyerId });
    expect(keysOf(recorder, task.taskId)).toEqual(['chat task#chat']);
    // The agent answers: no question pending any more.
    const head = await getConversation(tenant, conversation.conversationId, { consistent: true });
    await appendMessage({ tenantId: tenant, conversation: head!, sender: { userId: 'agent-1', role: 'agent' }, clientMessageId: `r-${randomUUID()}`, text: '亲，今天发', now: plus(morning, 1) }, appendSteps);
    expect((await getConversation(tenant, conversation.conversationId, { consistent: true }))?.pendingQuestionSince).toBeUndefined();

    expect(await fireTask(fireJob(task), plus(morning, 3), recorder.deps)).toBe('sent');
    expect(keysOf(recorder, task.taskId)).toEqual(['chat task#chat', 'chat task#chat']);
    expect(messagesOf(await partitionOf(tenant, conversation.conversationId)).map((message) => message.senderRole)).toEqual(['buyer', 'agent']);
    expect((await getTask(tenant, task.taskId))?.reach?.conversationId).toBeUndefined();
  });
});

describe('the SMS slot, taken before the buyer\'s daily slot that records the channel (DynamoDB Local)', () => {
  it('given back when the daily slot then refuses (an opt-out between the read and the write): the ramp is not spent on a message that did not go', async () => {
    await createShop(tenant, 'shop-tk-ramp3');
    await saveSettings(tenant, 'shop-tk-ramp3', { brandId: 'brand-tk', quietHours: { start: '00:00', end: '00:00' }, channels: { sms: { enabled: true, startPerDay: 1, growth: 1, maxPerDay: 1 } } });
    const buyerId = newBuyer();
    const task = await campaign(buyerId, morning, 'sms', 'shop-tk-ramp3');
    const { recorder } = platform();
    const optsOutFirst: FireDependencies = {
      ...recorder.deps,
      takeBuyerDaySlot: async (...args) => {
        expect(await optOut(buyerId, morning)).toBe(true);
        return recorder.deps.takeBuyerDaySlot(...args);
      },
    };
    expect(await fireTask(fireJob(task), morning, optsOutFirst)).toBe('cancelled');
    expect(recorder.to(task.taskId)).toHaveLength(0);
    // The day's one SMS is still there.
    expect(await takeSmsSlot(tenant, 'shop-tk-ramp3', '2026-12-05', 1)).toBe(true);
  });
});

describe('a takeover long after the claim, and a reach check after the order moved on (DynamoDB Local)', () => {
  it('a takeover more than an hour after the claim (a DLQ redrive) sends nothing and records the send as maybe sent (takeover-expired), though nothing stops it', async () => {
    const { task, recorder } = await sentThenDied();
    expect(await fireTask(fireJob(task), plus(morning, 61), recorder.deps)).toBe('maybe-sent');
    expect(await getTask(tenant, task.taskId)).toMatchObject({ status: 'cancelled', reason: 'takeover-expired', maybeSentOn: '2026-12-05' });
    expect(recorder.to(task.taskId)).toHaveLength(1);
  });

  it('an urge to pay sent, then the order paid: its reach check, unread after 24 h, sends no resend and records why (order-paid)', async () => {
    const orderId = '7000000000000077002';
    const task = await plannedUrgeToPay(orderId, 'buyer-tko-reach');
    const { recorder } = platform();
    expect(await fireTask(fireJob(task), morning, recorder.deps)).toBe('sent');
    expect(keysOf(recorder, task.taskId)).toEqual(['chat task#chat']);
    await applyOrderEventToStore(tenant, orderEnvelope(shopId, orderId, 'paid', plus(morning, 5), 'buyer-tko-reach'), plus(morning, 5));

    const reachMinute = minuteOf(plus(morning, 24 * 60));
    expect(await fireTask({ ...fireJob(task, 'reach'), dueMinute: reachMinute }, plus(morning, 24 * 60), recorder.deps)).toBe('resend-stopped');
    expect((await getTask(tenant, task.taskId))?.reach).toMatchObject({ channel: 'chat', resendStopped: 'order-paid' });
    expect((await getTask(tenant, task.taskId))?.reach?.resentOn).toBeUndefined();
    expect(keysOf(recorder, task.taskId)).toEqual(['chat task#chat']);
    // A second copy of the check does nothing.
    expect(await fireTask({ ...fireJob(task, 'reach'), dueMinute: reachMinute }, plus(morning, 24 * 60 + 1), recorder.deps)).toBe('nothing-to-do');
    expect(recorder.to(task.taskId)).toHaveLength(1);
  });

  it("a message sent, then its tenant deleted: its reach check, unread after 24 h, resends nothing and records why (tenant-deleted)", async () => {
    const orderId = '7000000000000077003';
    const task = await plannedUrgeToPay(orderId, 'buyer-tko-reach-deleted');
    const { recorder } = platform();
    expect(await fireTask(fireJob(task), morning, recorder.deps)).toBe('sent');
    const reachMinute = minuteOf(plus(morning, 24 * 60));
    // The tenant gate as the consumer reads it (cached tenant state): deleted since the send.
    const deleted = { ...recorder.deps, tenantOpen: async () => false };
    expect(await fireTask({ ...fireJob(task, 'reach'), dueMinute: reachMinute }, plus(morning, 24 * 60), deleted)).toBe('resend-stopped');
    expect((await getTask(tenant, task.taskId))?.reach).toMatchObject({ channel: 'chat', resendStopped: 'tenant-deleted' });
    expect((await getTask(tenant, task.taskId))?.reach?.resentOn).toBeUndefined();
    expect(keysOf(recorder, task.taskId)).toEqual(['chat task#chat']);
  });
});
