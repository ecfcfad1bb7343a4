import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendMessage, appendSteps, type AppendSteps } from '../../shared/conversations/append-message';
import { createFireDependencies, fireTask, type FireDependencies } from '../../shared/outreach/fire-task';
import type { FireJob } from '../../shared/outreach/jobs';
import { claimTask, createTask, getTask } from '../../shared/store/outreach';
import { getConversation, openConversation } from '../../shared/store/conversations';
import { campaignTask, ownOutreachQueue, recordingGateway, saveSettings } from './outreach-fixtures';
import { partitionOf } from './messaging-fixtures';
import { createShop } from './routing-fixtures';

/**
 * The chat copy of an outreach message goes into the buyer's open kefu conversation only while no buyer
 * question is pending there (docs/outreach-design.md §5 "Channels", §6): the check is a condition of the
 * append's own seq write, so a question arriving between the consumer's read and the append cannot be
 * counted as answered by the outreach message. The interleaving is forced with a hook on the append's
 * allocate step (the write), after the consumer's consistent read of the head.
 */
const tenant = `outreach-copy-${randomUUID().slice(0, 8)}`;
const shopId = 'shop-copy';
// 10:00 in Shanghai: outside the default quiet hours.
const morning = new Date('2026-12-05T02:00:00.000Z');
const plus = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);
const fireJob = (taskId: string, dueMinute: string): FireJob => ({ type: 'fire', tenantId: tenant, taskId, dueMinute, phase: 'send' });
const messagesOf = (items: Record<string, unknown>[]) => items.filter((item) => String(item.sk).startsWith('MSG#') && item.entity === 'Message');

beforeAll(async () => {
  await ownOutreachQueue('outreach-copy');
  await createShop(tenant, shopId);
  await saveSettings(tenant, shopId, {});
});

async function buyerWithOpenConversation() {
  const buyerId = `buyer-${randomUUID().slice(0, 6)}`;
  const { conversation } = await openConversation({ tenantId: tenant, shopId, buyerId, stage: 'after-sale' });
  const task = campaignTask(tenant, shopId, `ot_copy_${randomUUID().slice(0, 8)}`, buyerId, morning);
  await createTask(task);
  return { buyerId, conversation, task };
}

const buyerAsks = (buyerId: string, conversationId: string, at: Date) =>
  appendMessage({ tenantId: tenant, conversation: { conversationId }, sender: { userId: buyerId, role: 'buyer' }, clientMessageId: `q-${randomUUID()}`, text: '请问我的快递到哪了？', now: at }, appendSteps);

/** Append steps whose seq write is preceded, once, by a buyer question: the window between the read and the append. */
function questionBeforeTheWrite(buyerId: string, conversationId: string, at: Date): AppendSteps {
  let asked = false;
  return {
    ...appendSteps,
    allocate: async (...args) => {
      if (!asked && args[2].senderRole === 'robot') {
        asked = true;
        await buyerAsks(buyerId, conversationId, at);
      }
      return appendSteps.allocate(...args);
    },
  };
}

function depsWith(append: AppendSteps) {
  const recorder = recordingGateway();
  const deps: FireDependencies = { ...createFireDependencies(undefined, append), gateway: recorder.gateway };
  return { deps, recorder };
}

describe('the outreach chat copy and a pending buyer question (DynamoDB Local)', () => {
  it('with no question pending, the copy goes into the open conversation and answers nothing', async () => {
    const { conversation, task } = await buyerWithOpenConversation();
    const { deps, recorder } = depsWith(appendSteps);
    expect(await fireTask(fireJob(task.taskId, task.dueMinute), morning, deps)).toBe('sent');
    expect(recorder.to(task.taskId)).toHaveLength(0);
    expect((await getTask(tenant, task.taskId))?.reach).toMatchObject({ channel: 'chat', conversationId: conversation.conversationId, seq: 1 });
    const messages = messagesOf(await partitionOf(tenant, conversation.conversationId));
    expect(messages).toEqual([expect.objectContaining({ seq: 1, senderRole: 'robot', outreach: { taskId: task.taskId, kind: 'campaign' } })]);
  });

  it('a question arriving between the read and the append is not counted as answered by the copy: the write refuses it, the platform chat sends it once, and the agent\'s reply is the answer (row 7)', async () => {
    const { buyerId, conversation, task } = await buyerWithOpenConversation();
    const questionAt = plus(morning, -0.01);
    const { deps, recorder } = depsWith(questionBeforeTheWrite(buyerId, conversation.conversationId, questionAt));
    expect(await fireTask(fireJob(task.taskId, task.dueMinute), morning, deps)).toBe('sent');

    // Sent once, through the platform's chat: nothing lost, nothing twice.
    expect(recorder.to(task.taskId).map((item) => item.channel)).toEqual(['chat']);
    const reach = (await getTask(tenant, task.taskId))?.reach;
    expect(reach).toMatchObject({ channel: 'chat' });
    expect(reach?.conversationId).toBeUndefined();
    // The conversation holds the question only; it is still pending and nothing counted a response.
    const messages = messagesOf(await partitionOf(tenant, conversation.conversationId));
    expect(messages.map((message) => message.senderRole)).toEqual(['buyer']);
    const head = await getConversation(tenant, conversation.conversationId, { consistent: true });
    expect(head?.pendingQuestionSince).toBe(questionAt.toISOString());
    expect(head?.lastSeq).toBe(1);
    expect(head?.responseFacts).toMatchObject({ questions: 1, replies: 0, responseCount: 0 });

    // The agent's reply is the one that answers it.
    const reply = await appendMessage(
      { tenantId: tenant, conversation: head!, sender: { userId: 'agent-1', role: 'agent' }, clientMessageId: `r-${randomUUID()}`, text: '亲，已经在派送中了', now: plus(morning, 1) },
      appendSteps,
    );
    expect(reply.round).toEqual({ kind: 'answered', questionAt: questionAt.toISOString() });
  });

  it('without the condition in the write, the same interleaving makes the outreach message the answer (the window this closes)', async () => {
    const { buyerId, conversation, task } = await buyerWithOpenConversation();
    const questionAt = plus(morning, -0.01);
    const read = await getConversation(tenant, conversation.conversationId, { consistent: true });
    expect(read?.pendingQuestionSince).toBeUndefined();
    const appended = await appendMessage(
      { tenantId: tenant, conversation: read!, sender: { userId: 'outreach', role: 'robot' }, clientMessageId: task.taskId, text: '亲，活动开始啦', now: morning, outreach: { taskId: task.taskId, kind: 'campaign' } },
      questionBeforeTheWrite(buyerId, conversation.conversationId, questionAt),
    );
    expect(appended.round).toEqual({ kind: 'answered', questionAt: questionAt.toISOString() });
  });

  it('a send taken over after its consumer died keeps the copy it had appended before a question came: no second copy on the platform chat (rows 1, 3)', async () => {
    const { buyerId, conversation, task } = await buyerWithOpenConversation();
    const { deps, recorder } = depsWith(appendSteps);
    // The first consumer claimed, appended its copy, and died before recording `sent`.
    const claimed = await claimTask(tenant, task.taskId, task.dueMinute, morning);
    expect(claimed).toBeTruthy();
    const first = await deps.appendToConversation(claimed!, '亲，{shopName}的活动开始啦', morning, conversation.conversationId);
    expect(first).toEqual({ conversationId: conversation.conversationId, seq: 1 });
    await buyerAsks(buyerId, conversation.conversationId, plus(morning, 1));

    // 3 minutes later the claim's lease has passed: another consumer takes the send over.
    expect(await fireTask(fireJob(task.taskId, task.dueMinute), plus(morning, 3), deps)).toBe('sent');
    expect(recorder.to(task.taskId)).toHaveLength(0);
    expect((await getTask(tenant, task.taskId))?.reach).toMatchObject({ channel: 'chat', conversationId: conversation.conversationId, seq: 1 });
    const messages = messagesOf(await partitionOf(tenant, conversation.conversationId));
    expect(messages.map((message) => [message.seq, message.senderRole])).toEqual([
      [1, 'robot'],
      [2, 'buyer'],
    ]);
    expect((await getConversation(tenant, conversation.conversationId, { consistent: true }))?.pendingQuestionSince).toBe(plus(morning, 1).toISOString());
  });
});
