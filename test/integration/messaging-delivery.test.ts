import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message as SqsMessage,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { handler as deliverMessages } from '../../functions/queue/deliver-messages';
import { handler as sendMessageHandler } from '../../functions/ws/send-message';
import { handler as watchHandler } from '../../functions/ws/watch';
import { sendMessage, sendMessageDependencies, type SendMessageDeps } from '../../shared/conversations/send-message';
import type { MessageDeliveryJob } from '../../shared/conversations/jobs';
import type { MessageFrame } from '../../shared/conversations/frames';
import { toQueueBody } from '../../shared/notify/job-queues';
import { sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';
import { listConnectionsOfUser, saveConnection } from '../../shared/store/connections';
import { callWs, lambdaContext } from '../support/events';
import { FakeConnections } from '../support/fake-connections';
import { ownQueues } from '../support/queues';
import { assign, partitionOf, seedShop, uniqueTenant, who } from './messaging-fixtures';

/**
 * The delivery consumer against the real SQS server (fauxqs) and a stand-in for API Gateway's
 * @connections API on loopback: what a socket receives, what happens on redelivery, and where poison goes.
 */
const tenant = uniqueTenant('delivery');
const shop = 'shop-d';
const agent = who(tenant, 'agent', 'agent-d', [shop]);
const buyer = who(tenant, 'buyer', 'buyer-d');

/**
 * One poll of the event source mapping: receive up to 10, invoke the consumer, delete what succeeded;
 * what failed becomes visible again at once (as if its visibility timeout ran out).
 */
async function pollOnce(queueUrl: string): Promise<{ received: number; failed: string[] }> {
  const messages: SqsMessage[] = [];
  for (let i = 0; i < 5 && messages.length < 10; i++) {
    const result = await sqs().send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 - messages.length, VisibilityTimeout: 30, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    if (!result.Messages?.length) break;
    messages.push(...result.Messages);
  }
  if (messages.length === 0) return { received: 0, failed: [] };
  const event: SQSEvent = {
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
      awsRegion: 'us-east-1',
    })) as SQSEvent['Records'],
  };
  let failed: string[];
  try {
    const response = await deliverMessages(event, lambdaContext);
    failed = response.batchItemFailures.map((f) => f.itemIdentifier);
  } catch {
    failed = messages.map((m) => m.MessageId!);
  }
  for (const m of messages) {
    if (failed.includes(m.MessageId!)) {
      await sqs().send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
    } else {
      await sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return { received: messages.length, failed };
}

async function queueWithDeadLetters(maxReceiveCount: number) {
  const suffix = randomUUID().slice(0, 8);
  const dlq = (await sqs().send(new CreateQueueCommand({ QueueName: `msg-delivery-dlq-${suffix}` }))).QueueUrl!;
  const dlqArn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const source = (
    await sqs().send(
      new CreateQueueCommand({
        QueueName: `msg-delivery-${suffix}`,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }) },
      }),
    )
  ).QueueUrl!;
  return { source, dlq };
}

const job = (seq: number, recipients: string[]): MessageDeliveryJob => ({
  type: 'message',
  tenantId: tenant,
  conversationId: 'conv-batch',
  shopId: shop,
  recipients,
  message: { conversationId: 'conv-batch', seq, senderId: agent.userId, senderRole: 'agent', clientMessageId: `b-${seq}`, text: `第${seq}条`, createdAt: new Date().toISOString() },
});

describe('delivery through the SQS server (fauxqs)', () => {
  const fake = new FakeConnections<MessageFrame>();
  let queues: { delivery: string; routing: string };

  beforeAll(async () => {
    await fake.start();
    process.env.WS_MANAGEMENT_ENDPOINT = fake.endpoint;
    resetEnvForTests();
    queues = await ownQueues('delivery');
    await seedShop(tenant, shop);
  });
  afterAll(async () => fake.stop());

  it('posts a reply to the buyer live sockets, removes only the stale one, never the sender (row 11)', async () => {
    await saveConnection(buyer, 'buyer-phone');
    // Connected a minute ago: past the connecting grace, when a 410 may only mean closed.
    await saveConnection(buyer, 'buyer-stale', new Date(Date.now() - 60_000));
    await saveConnection(agent, 'agent-tab');
    fake.gone.add('buyer-stale');
    const opened = await callWs(sendMessageHandler, buyer, { action: 'sendMessage', shopId: shop, clientMessageId: 'q', text: '请问有货吗' }, 'buyer-phone');
    await assign(tenant, opened.conversationId, agent.userId);
    const reply = await callWs(sendMessageHandler, agent, { action: 'sendMessage', conversationId: opened.conversationId, clientMessageId: 'a', text: '有的亲 😊' }, 'agent-tab');

    expect(await pollOnce(queues.delivery)).toEqual({ received: 1, failed: [] });
    expect(fake.received('buyer-phone')).toEqual([
      { type: 'message', conversationId: opened.conversationId, seq: reply.seq, message: expect.objectContaining({ text: '有的亲 😊', senderId: agent.userId, senderRole: 'agent', seq: 2 }) },
    ]);
    expect(fake.received('agent-tab')).toEqual([]);
    expect((await listConnectionsOfUser(tenant, buyer.userId)).map((c) => c.connectionId)).toEqual(['buyer-phone']);
    expect((await listConnectionsOfUser(tenant, agent.userId)).map((c) => c.connectionId)).toEqual(['agent-tab']);
  });

  it('pushes a message whose first send died before its delivery job once the client resends it (rows 1, 8)', async () => {
    const crashAgent = who(tenant, 'agent', 'agent-crash', [shop]);
    const crashBuyer = who(tenant, 'buyer', 'buyer-crash');
    await saveConnection(crashAgent, 'crash-agent-tab');
    await saveConnection(crashBuyer, 'crash-buyer-phone');
    const opened = await callWs(sendMessageHandler, crashBuyer, { action: 'sendMessage', shopId: shop, clientMessageId: 'hello', text: '你好' }, 'crash-buyer-phone');
    await assign(tenant, opened.conversationId, crashAgent.userId);
    while ((await pollOnce(queues.delivery)).received > 0);

    // The handler stores the message (claim, message, head) and dies sending the delivery job.
    let jobSends = 0;
    const crashingOnce: SendMessageDeps = {
      ...sendMessageDependencies,
      sendDeliveryJob: async (deliveryJob) => {
        if (jobSends++ === 0) throw Object.assign(new Error('Task timed out after 6.00 seconds'), { name: 'TimeoutError' });
        await sendMessageDependencies.sendDeliveryJob(deliveryJob);
      },
    };
    const frame = { action: 'sendMessage', shopId: shop, conversationId: opened.conversationId, clientMessageId: 'lost-job', text: '发货了吗？' } as const;
    await expect(sendMessage(crashBuyer, frame, new Date(), crashingOnce)).rejects.toThrow('Task timed out');
    expect(await pollOnce(queues.delivery)).toEqual({ received: 0, failed: [] });
    expect(fake.received('crash-agent-tab')).toEqual([]);

    // No ack reached the client, so it resends: acked as a duplicate with the original seq, and delivered.
    const resend = await sendMessage(crashBuyer, frame, new Date(), crashingOnce);
    expect(resend).toMatchObject({ type: 'ack', conversationId: opened.conversationId, seq: 2, clientMessageId: 'lost-job', duplicate: true });
    expect(await pollOnce(queues.delivery)).toEqual({ received: 1, failed: [] });
    expect(fake.received('crash-agent-tab')).toEqual([
      { type: 'message', conversationId: opened.conversationId, seq: 2, message: expect.objectContaining({ text: '发货了吗？', senderId: crashBuyer.userId, seq: 2 }) },
    ]);
    expect(fake.received('crash-buyer-phone')).toEqual([]);
    // The resend's own unused seq (3) is a skipped marker, not a message.
    const stored = (await partitionOf(tenant, opened.conversationId)).filter((item) => String(item.sk).startsWith('MSG#') && item.entity !== 'SkippedSeq');
    expect(stored.map((m) => [m.seq, m.clientMessageId, m.text])).toEqual([
      [1, 'hello', '你好'],
      [2, 'lost-job', '发货了吗？'],
    ]);
  });

  it('pushes every message to a supervisor watching, never their own; once the watch has ended, nothing (head watchers, no delivery read)', async () => {
    const watchAgent = who(tenant, 'agent', 'agent-w', [shop]);
    const watchBuyer = who(tenant, 'buyer', 'buyer-w');
    const supervisor = who(tenant, 'supervisor', 'sup-w', [shop]);
    await saveConnection(watchAgent, 'w-agent-tab');
    await saveConnection(watchBuyer, 'w-buyer-phone');
    await saveConnection(supervisor, 'w-sup-tab');
    const opened = await callWs(sendMessageHandler, watchBuyer, { action: 'sendMessage', shopId: shop, clientMessageId: 'w-1', text: '在吗' }, 'w-buyer-phone');
    await assign(tenant, opened.conversationId, watchAgent.userId);
    const conversationId = opened.conversationId as string;
    expect(await callWs(watchHandler, supervisor, { action: 'watch', conversationId }, 'w-sup-tab')).toMatchObject({ type: 'ack', action: 'watch' });

    await callWs(sendMessageHandler, watchBuyer, { action: 'sendMessage', shopId: shop, conversationId, clientMessageId: 'w-2', text: '尺码偏大吗' }, 'w-buyer-phone');
    await callWs(sendMessageHandler, watchAgent, { action: 'sendMessage', conversationId, clientMessageId: 'w-3', text: '正常尺码亲' }, 'w-agent-tab');
    await callWs(sendMessageHandler, supervisor, { action: 'sendMessage', conversationId, clientMessageId: 'w-4', text: '补充：可以参考尺码表' }, 'w-sup-tab');
    while ((await pollOnce(queues.delivery)).received > 0);
    const seqs = (connectionId: string) => fake.received(connectionId).map((f) => f.seq).sort((a, b) => a - b);
    expect(seqs('w-sup-tab')).toEqual([2, 3]);
    expect(seqs('w-buyer-phone')).toEqual([3, 4]);
    expect(seqs('w-agent-tab')).toEqual([2, 4]);

    // Thirteen hours later the watch (12 h) has ended: the buyer's next message reaches the agent only.
    const later = new Date(Date.now() + 13 * 3600_000);
    await sendMessage(watchBuyer, { action: 'sendMessage', shopId: shop, conversationId, clientMessageId: 'w-5', text: '还在吗' }, later);
    while ((await pollOnce(queues.delivery)).received > 0);
    expect(seqs('w-sup-tab')).toEqual([2, 3]);
    expect(seqs('w-agent-tab')).toEqual([2, 4, 5]);
  });

  it('redelivers a job as the same frame, so the client drops it by (conversationId, seq), and stores nothing (rows 1, 3)', async () => {
    const before = fake.received('buyer-phone').length;
    const body = toQueueBody(job(1, [buyer.userId]));
    // SQS delivers at least once: the same job twice.
    await sqs().send(new SendMessageCommand({ QueueUrl: queues.delivery, MessageBody: body }));
    await sqs().send(new SendMessageCommand({ QueueUrl: queues.delivery, MessageBody: body }));
    while ((await pollOnce(queues.delivery)).received > 0);
    const frames = fake.received('buyer-phone').slice(before);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toEqual(frames[1]);
    // What a client does with them: one message per (conversationId, seq).
    const kept = new Map(frames.map((f) => [`${f.conversationId}#${f.seq}`, f]));
    expect(kept.size).toBe(1);
    expect(await partitionOf(tenant, 'conv-batch')).toEqual([]);
  });

  it('retries only the failed records of a batch: records that succeeded are not posted again (row 3)', async () => {
    const steady = who(tenant, 'buyer', 'steady');
    const flaky = who(tenant, 'buyer', 'flaky');
    await saveConnection(steady, 'steady-1');
    await saveConnection(flaky, 'flaky-1');
    fake.failing.add('flaky-1');
    for (let seq = 1; seq <= 10; seq++) {
      await sqs().send(new SendMessageCommand({ QueueUrl: queues.delivery, MessageBody: toQueueBody(job(seq, [seq <= 5 ? steady.userId : flaky.userId])) }));
    }
    const first = await pollOnce(queues.delivery);
    expect(first.received).toBe(10);
    expect(first.failed).toHaveLength(5);
    fake.failing.delete('flaky-1');
    while ((await pollOnce(queues.delivery)).received > 0);
    // A standard queue keeps no order within a batch; clients order by seq.
    expect(fake.received('steady-1').map((f) => f.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(fake.received('flaky-1').map((f) => f.seq).sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10]);
  });

  it('moves a poison job to the dead-letter queue after maxReceiveCount, delivering the rest once (row 4)', async () => {
    const { source, dlq } = await queueWithDeadLetters(2);
    const listener = who(tenant, 'buyer', 'listener');
    await saveConnection(listener, 'listener-1');
    await sqs().send(new SendMessageCommand({ QueueUrl: source, MessageBody: '{"type":"message","tenantId":"../etc"}' }));
    await sqs().send(new SendMessageCommand({ QueueUrl: source, MessageBody: toQueueBody(job(42, [listener.userId])) }));
    for (let i = 0; i < 6 && (await pollOnce(source)).received > 0; i++);
    expect(fake.received('listener-1').map((f) => f.seq)).toEqual([42]);
    const dead = await sqs().send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10 }));
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['{"type":"message","tenantId":"../etc"}']);
  });
});
