import { describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { handler as closeIdleHandler } from '../../functions/schedule/close-idle-conversations';
import { closeIdleConversations, idleCloseDependencies, idleCloser, type IdleCloseDependencies } from '../../shared/routing/close-idle';
import { closeConversationByUser, ownershipDependencies } from '../../shared/routing/ownership';
import { routeConversation, routingDependencies } from '../../shared/routing/route-conversation';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { getAgent } from '../../shared/store/agents';
import { getBuyerAtShop } from '../../shared/store/conversation-ownership';
import { openConversation } from '../../shared/store/conversations';
import { keys } from '../../shared/store/keys';
import { lambdaContext } from '../support/events';
import { createAgent, createShop, frameRecorder, head, idleTimersOf, openListCount, routingConfig } from './routing-fixtures';

const tenant = 'tenant-routing-idle';
const minutes = (n: number) => n * 60_000;

/**
 * Each test lives in its own past era, so a sweep at "era + 31 min" only meets timers this file made
 * (every other file's timers are due around the real clock).
 */
async function assignedAt(t0: Date, shopId: string, buyerId: string) {
  const { conversation } = await openConversation({ tenantId: tenant, shopId, buyerId, stage: 'pre-sale', now: t0 });
  const outcome = await routeConversation(conversation, { ...routingDependencies, notify: async () => undefined, now: () => t0 });
  expect(outcome.kind).toBe('assigned');
  return conversation;
}

async function messageAt(conversationId: string, at: Date) {
  await dynamo().send(
    new UpdateCommand({
      TableName: env().TABLE_NAME,
      Key: keys.conversation(tenant, conversationId),
      UpdateExpression: 'SET lastMessageAt = :at ADD lastSeq :one',
      ExpressionAttributeValues: { ':at': at.toISOString(), ':one': 1 },
    }),
  );
}

async function timersOf(conversationId: string) {
  return (await idleTimersOf(tenant, conversationId)).map((item) => String(item.dueAt));
}

function sweeper(overrides: Partial<IdleCloseDependencies> = {}) {
  const recorder = frameRecorder();
  const drained: string[] = [];
  const deps: IdleCloseDependencies = {
    ...idleCloseDependencies,
    notify: recorder.notify,
    drain: async (_tenantId, agentId) => {
      drained.push(agentId);
    },
    ...overrides,
  };
  return { deps, recorder, drained };
}

describe('idle close (DynamoDB Local)', () => {
  it('closes each idle conversation exactly once when the schedule fires twice at once, then finds nothing (row 25)', async () => {
    const t0 = new Date('2019-03-01T00:00:00.000Z');
    await createShop(tenant, 'shop-twice');
    await createAgent(tenant, 'twice-a', { shopIds: ['shop-twice'], groupIds: ['pre'], cap: 100 });
    const conversations = [];
    for (let i = 0; i < 10; i++) conversations.push(await assignedAt(t0, 'shop-twice', `twice-buyer-${i}`));
    expect((await getAgent(tenant, 'twice-a', { consistent: true }))?.load).toBe(10);

    const now = new Date(t0.getTime() + minutes(31));
    const runs = [sweeper(), sweeper()];
    const reports = await Promise.all(runs.map((run) => closeIdleConversations(now, run.deps)));
    expect(reports[0]!.closed + reports[1]!.closed).toBe(10);
    const closedFrames = runs.flatMap((run) => run.recorder.frames.filter((f) => f.frame.type === 'conversationClosed'));
    expect(closedFrames.map((f) => f.userId).sort()).toEqual(conversations.map((c) => c.buyerId).sort());
    for (const conversation of conversations) {
      expect(await head(tenant, conversation.conversationId)).toMatchObject({ status: 'closed', closedBy: idleCloser, closeReason: 'idle-closed' });
      expect(await timersOf(conversation.conversationId)).toEqual([]);
    }
    expect((await getAgent(tenant, 'twice-a', { consistent: true }))?.load).toBe(0);
    expect(await openListCount(tenant, 'twice-a')).toBe(0);

    const again = sweeper();
    expect(await closeIdleConversations(new Date(now.getTime() + minutes(1)), again.deps)).toEqual({ closed: 0, rescheduled: 0, dropped: 0, skipped: 0 });
    expect(again.recorder.frames).toEqual([]);
  });

  it('closes an idle conversation in one step and tells buyer and agent, but not before its shop’s idle minutes', async () => {
    const t0 = new Date('2020-01-01T00:00:00.000Z');
    await createShop(tenant, 'shop-idle', routingConfig({ idleCloseMinutes: 15 }));
    await createAgent(tenant, 'idle-a', { shopIds: ['shop-idle'], groupIds: ['pre'] });
    const conversation = await assignedAt(t0, 'shop-idle', 'idle-buyer');
    expect(await timersOf(conversation.conversationId)).toEqual([new Date(t0.getTime() + minutes(15)).toISOString()]);

    const early = sweeper();
    await closeIdleConversations(new Date(t0.getTime() + minutes(14)), early.deps);
    expect((await head(tenant, conversation.conversationId))?.status).toBe('assigned');

    const { deps, recorder, drained } = sweeper();
    const report = await closeIdleConversations(new Date(t0.getTime() + minutes(16)), deps);
    expect(report.closed).toBe(1);
    const item = await head(tenant, conversation.conversationId);
    expect(item).toMatchObject({ status: 'closed', closeReason: 'idle-closed' });
    expect(item?.gsi1pk).toBeUndefined();
    expect((await getBuyerAtShop(tenant, 'shop-idle', 'idle-buyer')).openConversationId).toBeUndefined();
    expect((await getAgent(tenant, 'idle-a', { consistent: true }))?.load).toBe(0);
    expect(recorder.of('idle-buyer')).toEqual([{ type: 'conversationClosed', conversationId: conversation.conversationId, reason: 'idle-closed' }]);
    expect(recorder.of('idle-a')).toEqual([{ type: 'unassigned', conversationId: conversation.conversationId, reason: 'idle-closed' }]);
    expect(drained).toEqual(['idle-a']);
    expect(await timersOf(conversation.conversationId)).toEqual([]);
  });

  it('moves the timer of a conversation that is still active, and closes it once it goes quiet', async () => {
    const t0 = new Date('2021-01-01T00:00:00.000Z');
    await createShop(tenant, 'shop-active');
    await createAgent(tenant, 'active-a', { shopIds: ['shop-active'], groupIds: ['pre'] });
    const conversation = await assignedAt(t0, 'shop-active', 'active-buyer');
    await messageAt(conversation.conversationId, new Date(t0.getTime() + minutes(20)));

    const first = await closeIdleConversations(new Date(t0.getTime() + minutes(31)), sweeper().deps);
    expect(first).toMatchObject({ closed: 0, rescheduled: 1 });
    expect(await timersOf(conversation.conversationId)).toEqual([new Date(t0.getTime() + minutes(50)).toISOString()]);
    expect((await head(tenant, conversation.conversationId))?.status).toBe('assigned');

    expect((await closeIdleConversations(new Date(t0.getTime() + minutes(51)), sweeper().deps)).closed).toBe(1);
    expect((await head(tenant, conversation.conversationId))?.status).toBe('closed');
  });

  it('does not close a conversation whose message arrives while it is being closed', async () => {
    const t0 = new Date('2022-01-01T00:00:00.000Z');
    await createShop(tenant, 'shop-late-msg');
    await createAgent(tenant, 'late-a', { shopIds: ['shop-late-msg'], groupIds: ['pre'] });
    const conversation = await assignedAt(t0, 'shop-late-msg', 'late-buyer');
    const { deps, recorder } = sweeper({
      close: async (input) => {
        await messageAt(conversation.conversationId, new Date(t0.getTime() + minutes(31)));
        return idleCloseDependencies.close(input);
      },
    });
    expect(await closeIdleConversations(new Date(t0.getTime() + minutes(31)), deps)).toMatchObject({ closed: 0, skipped: 1 });
    expect((await head(tenant, conversation.conversationId))?.status).toBe('assigned');
    expect((await getAgent(tenant, 'late-a', { consistent: true }))?.load).toBe(1);
    expect(recorder.frames).toEqual([]);
    // The timer stays; the next run sees the message and moves it.
    expect(await closeIdleConversations(new Date(t0.getTime() + minutes(32)), sweeper().deps)).toMatchObject({ rescheduled: 1 });
    expect(await timersOf(conversation.conversationId)).toEqual([new Date(t0.getTime() + minutes(61)).toISOString()]);
    expect(await closeIdleConversations(new Date(t0.getTime() + minutes(62)), sweeper().deps)).toMatchObject({ closed: 1 });
  });

  it('drops the timer of a conversation closed by hand, without touching it again', async () => {
    const t0 = new Date('2023-01-01T00:00:00.000Z');
    await createShop(tenant, 'shop-manual');
    await createAgent(tenant, 'manual-a', { shopIds: ['shop-manual'], groupIds: ['pre'] });
    const conversation = await assignedAt(t0, 'shop-manual', 'manual-buyer');
    await closeConversationByUser(
      { tenantId: tenant, userId: 'manual-a', role: 'agent', shopIds: ['shop-manual'] },
      conversation.conversationId,
      { ...ownershipDependencies, notify: async () => undefined, drain: async () => undefined },
    );
    const before = await head(tenant, conversation.conversationId);
    const { deps, recorder } = sweeper();
    expect(await closeIdleConversations(new Date(t0.getTime() + minutes(31)), deps)).toMatchObject({ closed: 0, dropped: 1 });
    expect(await head(tenant, conversation.conversationId)).toEqual(before);
    expect(await timersOf(conversation.conversationId)).toEqual([]);
    expect(recorder.frames).toEqual([]);
    expect((await getAgent(tenant, 'manual-a', { consistent: true }))?.load).toBe(0);
  });

  it('runs as a scheduled job and reports what it did', async () => {
    // The real clock: nothing of this file is due now, and other files' timers are due ~30 min ahead.
    const report = (await closeIdleHandler({ schedule: 'close-idle-conversations' }, lambdaContext)) as Record<string, number>;
    expect(Object.keys(report).sort()).toEqual(['closed', 'dropped', 'rescheduled', 'skipped']);
  });
});
