import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import type { Identity } from '../../shared/auth/identity';
import { handler as routeHandler } from '../../functions/queue/route-conversations';
import { handler as reassignHandler } from '../../functions/ws/reassign';
import { handler as sendMessageHandler } from '../../functions/ws/send-message';
import { handler as setPresenceHandler } from '../../functions/ws/set-presence';
import { handler as transferHandler } from '../../functions/ws/transfer';
import { readRecentMessages } from '../../shared/routing/announce-assignment';
import { agentJoinedFrame, assignedFrame, maxMessagesOnAssignment } from '../../shared/routing/frames';
import { resetEnvForTests } from '../../shared/runtime/env';
import { saveConnection } from '../../shared/store/connections';
import { callWs, lambdaContext } from '../support/events';
import { ownQueues, receiveAll } from '../support/queues';
import { createAgent, createShop, head, measure, routingConfig } from './routing-fixtures';

/**
 * What the people of a conversation are told when an agent joins it, through the real path: the buyer's
 * message stored by the send handler, the routing job taken from the SQS server and run by the queue
 * consumer, transfer / reassign / setPresence handlers, and every frame posted by the real notifier to
 * the connections stored in DynamoDB Local, received by a stand-in for API Gateway's @connections API.
 */

const tenant = `tenant-joins-${randomUUID().slice(0, 8)}`;
const otherTenant = `${tenant}-other`;

const user = (userId: string, role: Identity['role'], shopIds: string[] = [], tenantId = tenant): Identity => ({ tenantId, userId, role, shopIds });
const mei = user('ag-mei', 'agent', ['shop-j']);
const qiang = user('ag-qiang', 'agent', ['shop-j']);
const supervisor = user('sup-j', 'supervisor', ['shop-j']);
const de = user('ag-de', 'agent', ['shop-d']);
/** People who must never receive a frame about shop-j's or shop-d's conversations. */
const outsiders = [
  user('ag-k', 'agent', ['shop-k']),
  user('sup-k', 'supervisor', ['shop-k']),
  user('buyer-k', 'buyer'),
  // The same ids in another tenant.
  user('ag-mei', 'agent', ['shop-j'], otherTenant),
  user('ag-qiang', 'agent', ['shop-j'], otherTenant),
  user('buyer-j1', 'buyer', [], otherTenant),
  user('buyer-j2', 'buyer', [], otherTenant),
  user('buyer-j3', 'buyer', [], otherTenant),
];
const connectionOf = (identity: Identity) => `${identity.tenantId}:${identity.userId}`;

type Frame = Record<string, unknown> & { type: string };

/** A stand-in for the @connections endpoint: records what each connection was sent. */
class FakeConnections {
  private readonly frames = new Map<string, Frame[]>();
  private server?: Server;
  endpoint = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const match = /^\/@connections\/([^/?]+)/.exec(req.url ?? '');
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        if (req.method !== 'POST' || !match?.[1]) return void res.writeHead(404).end();
        const connectionId = decodeURIComponent(match[1]);
        this.frames.set(connectionId, [...(this.frames.get(connectionId) ?? []), JSON.parse(body) as Frame]);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** Frames sent to one person's connection since the last call, then forgotten. */
  take(identity: Identity): Frame[] {
    const id = connectionOf(identity);
    const frames = this.frames.get(id) ?? [];
    this.frames.delete(id);
    return frames;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const fake = new FakeConnections();
let routingQueue: string;

/** Runs every routing job on the routing queue through the queue consumer, as the event source mapping would. */
async function routeQueued(): Promise<number> {
  const bodies = await receiveAll(routingQueue);
  if (bodies.length === 0) return 0;
  const records = bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `m${i}`,
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:routing',
    awsRegion: 'us-east-1',
  }));
  const response = await routeHandler({ Records: records } as unknown as SQSEvent, lambdaContext);
  expect(response.batchItemFailures).toEqual([]);
  return bodies.length;
}

/** The buyer writes; the ack's seq proves the message was stored. */
async function buyerSays(buyer: Identity, shopId: string, text: string, conversationId?: string) {
  const ack = await callWs(
    sendMessageHandler,
    buyer,
    { action: 'sendMessage', shopId, clientMessageId: randomUUID(), text, ...(conversationId ? { conversationId } : {}) },
    connectionOf(buyer),
  );
  expect(ack).toMatchObject({ type: 'ack', seq: expect.any(Number) });
  return ack as { conversationId: string; seq: number };
}

/** The only frame of a type a person got; every frame checked against its published schema. */
function only<T extends Frame>(frames: Frame[], type: string): T {
  const matching = frames.filter((frame) => frame.type === type);
  expect(matching, `${type} frames`).toHaveLength(1);
  const frame = matching[0]!;
  if (type === 'assigned') assignedFrame.parse(frame);
  if (type === 'agentJoined') agentJoinedFrame.parse(frame);
  return frame as T;
}

function expectOutsidersToldNothing() {
  for (const outsider of outsiders) expect(fake.take(outsider), `${outsider.tenantId}/${outsider.userId}`).toEqual([]);
}

describe('agents joining a conversation: the agent gets what it needs to answer, the buyer who joined (DynamoDB Local, SQS server)', () => {
  beforeAll(async () => {
    await fake.start();
    process.env.WS_MANAGEMENT_ENDPOINT = fake.endpoint;
    resetEnvForTests();
    routingQueue = (await ownQueues('routing-joins')).routing;
    for (const tenantId of [tenant, otherTenant]) {
      await createShop(tenantId, 'shop-j', routingConfig());
      await createShop(tenantId, 'shop-k', routingConfig({ groups: { 'pre-sale': 'k-pre', 'in-sale': 'k-in', 'after-sale': 'k-after' } }));
      await createShop(tenantId, 'shop-d', routingConfig({ groups: { 'pre-sale': 'd-pre', 'in-sale': 'd-in', 'after-sale': 'd-after' } }));
    }
    await createAgent(tenant, 'ag-mei', { shopIds: ['shop-j'], groupIds: ['pre'], name: '小美', cap: 20 });
    await createAgent(tenant, 'ag-qiang', { shopIds: ['shop-j'], groupIds: ['after'], name: '阿强', cap: 20 });
    await createAgent(tenant, 'ag-de', { shopIds: ['shop-d'], groupIds: ['d-pre'], name: '阿德', presence: 'offline' });
    await createAgent(tenant, 'ag-k', { shopIds: ['shop-k'], groupIds: ['k-pre'], name: 'K' });
    // The other tenant's namesakes are online and would take shop-j's conversations, were tenants mixed.
    await createAgent(otherTenant, 'ag-mei', { shopIds: ['shop-j'], groupIds: ['pre'], name: '别的小美', cap: 20 });
    await createAgent(otherTenant, 'ag-qiang', { shopIds: ['shop-j'], groupIds: ['after'], name: '别的阿强', cap: 20 });
    const everyone = [mei, qiang, supervisor, de, ...outsiders, ...['buyer-j1', 'buyer-j2', 'buyer-j3', 'buyer-d'].map((id) => user(id, 'buyer'))];
    for (const identity of everyone) await saveConnection(identity, connectionOf(identity));
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('a new conversation: the agent gets `assigned` with the opening message and lastSeq; the buyer gets agentJoined with the display name', async () => {
    const buyer = user('buyer-j1', 'buyer');
    const opened = await buyerSays(buyer, 'shop-j', '这款面霜适合干皮吗？');
    expect(await routeQueued()).toBe(1);

    const assigned = only<Frame & { messages: { seq: number; text: string; senderId: string }[] }>(fake.take(mei), 'assigned');
    expect(assigned).toMatchObject({ conversationId: opened.conversationId, shopId: 'shop-j', buyerId: 'buyer-j1', stage: 'pre-sale', lastSeq: 1 });
    expect(assigned.messages).toEqual([expect.objectContaining({ seq: 1, text: '这款面霜适合干皮吗？', senderId: 'buyer-j1', senderRole: 'buyer' })]);
    expect(assigned).not.toHaveProperty('transferredBy');
    expect(fake.take(buyer)).toEqual([
      { type: 'agentJoined', conversationId: opened.conversationId, role: 'agent', agentId: 'ag-mei', name: '小美', kind: 'assigned' },
    ]);
    expect(fake.take(qiang)).toEqual([]);
    expect(fake.take(supervisor)).toEqual([]);
    expectOutsidersToldNothing();
  });

  it(`transfer: the new agent gets the newest ${maxMessagesOnAssignment} messages, lastSeq, who handed it over and the note; the buyer gets agentJoined (transferred), never the note`, async () => {
    const buyer = user('buyer-j2', 'buyer');
    const opened = await buyerSays(buyer, 'shop-j', '第1条');
    await routeQueued();
    for (let seq = 2; seq <= 25; seq++) expect((await buyerSays(buyer, 'shop-j', `第${seq}条`, opened.conversationId)).seq).toBe(seq);
    fake.take(mei);
    fake.take(buyer);

    const ack = await callWs(transferHandler, mei, { action: 'transfer', conversationId: opened.conversationId, toAgentId: 'ag-qiang', note: '买家问退货，转阿强' });
    expect(ack).toMatchObject({ type: 'ack', status: 'assigned', assigneeId: 'ag-qiang' });

    const assigned = only<Frame & { messages: { seq: number; text: string }[] }>(fake.take(qiang), 'assigned');
    expect(assigned).toMatchObject({ conversationId: opened.conversationId, lastSeq: 25, transferredBy: 'ag-mei', note: '买家问退货，转阿强' });
    expect(assigned.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 6 + i));
    expect(assigned.messages.at(-1)?.text).toBe('第25条');
    const toBuyer = fake.take(buyer);
    expect(toBuyer).toEqual([{ type: 'agentJoined', conversationId: opened.conversationId, role: 'agent', agentId: 'ag-qiang', name: '阿强', kind: 'transferred' }]);
    expect(JSON.stringify(toBuyer)).not.toContain('退货');
    // The agent who handed it over asked for it: no `unassigned` echo to them.
    expect(fake.take(mei)).toEqual([]);
    expectOutsidersToldNothing();
    // 25 sends one after the other: slow on a busy 2-core machine.
  }, 120_000);

  it('reassign to an agent and to a group, and transfer to a group: each next agent gets the messages, the buyer is told how they joined', async () => {
    const buyer = user('buyer-j3', 'buyer');
    const opened = await buyerSays(buyer, 'shop-j', '尺码偏大吗');
    await routeQueued();
    await buyerSays(buyer, 'shop-j', '我平时穿M', opened.conversationId);
    expect(only(fake.take(buyer), 'agentJoined')).toMatchObject({ agentId: 'ag-mei', kind: 'assigned' });
    fake.take(mei);

    // A supervisor moves it to 阿强.
    await callWs(reassignHandler, supervisor, { action: 'reassign', conversationId: opened.conversationId, toAgentId: 'ag-qiang' });
    expect(only(fake.take(qiang), 'assigned')).toMatchObject({ lastSeq: 2, messages: [expect.objectContaining({ seq: 1 }), expect.objectContaining({ seq: 2, text: '我平时穿M' })], transferredBy: 'sup-j' });
    expect(fake.take(buyer)).toEqual([{ type: 'agentJoined', conversationId: opened.conversationId, role: 'agent', agentId: 'ag-qiang', name: '阿强', kind: 'reassigned' }]);
    expect(only(fake.take(mei), 'unassigned')).toMatchObject({ reason: 'transferred' });

    // Then back to the pre-sale group: nobody joins until the router gives it to 小美, as reassigned.
    await callWs(reassignHandler, supervisor, { action: 'reassign', conversationId: opened.conversationId, toGroupId: 'pre' });
    expect(await head(tenant, opened.conversationId)).toMatchObject({ status: 'waiting', handover: 'reassigned' });
    expect(fake.take(buyer)).toEqual([]);
    // The hand-back's job, and maybe a drain job for 阿强's freed room: the second finds it assigned.
    expect(await routeQueued()).toBeGreaterThanOrEqual(1);
    expect(only(fake.take(mei), 'assigned')).toMatchObject({ lastSeq: 2, messages: [expect.objectContaining({ seq: 1 }), expect.objectContaining({ seq: 2 })] });
    expect(fake.take(buyer)).toEqual([{ type: 'agentJoined', conversationId: opened.conversationId, role: 'agent', agentId: 'ag-mei', name: '小美', kind: 'reassigned' }]);
    expect(await head(tenant, opened.conversationId)).not.toHaveProperty('handover');

    // 小美 hands it to the after-sale group: 阿强 joins as transferred.
    await callWs(transferHandler, mei, { action: 'transfer', conversationId: opened.conversationId, toGroupId: 'after', note: '转售后' });
    await routeQueued();
    expect(only(fake.take(qiang), 'assigned')).toMatchObject({ lastSeq: 2 });
    expect(fake.take(buyer)).toEqual([{ type: 'agentJoined', conversationId: opened.conversationId, role: 'agent', agentId: 'ag-qiang', name: '阿强', kind: 'transferred' }]);
    expectOutsidersToldNothing();
  }, 120_000);

  it('drain: an agent coming online gets the waiting conversation with every message the buyer sent while waiting', async () => {
    const buyer = user('buyer-d', 'buyer');
    const opened = await buyerSays(buyer, 'shop-d', '在吗');
    await routeQueued();
    expect(fake.take(buyer)).toEqual([{ type: 'queuePosition', conversationId: opened.conversationId, position: 1 }]);
    await buyerSays(buyer, 'shop-d', '有人吗', opened.conversationId);
    await buyerSays(buyer, 'shop-d', '想问下发货时间', opened.conversationId);

    expect(await callWs(setPresenceHandler, de, { action: 'setPresence', presence: 'online' })).toMatchObject({ routed: 1 });
    expect(await routeQueued()).toBe(1);
    const assigned = only<Frame & { messages: { text: string }[] }>(fake.take(de), 'assigned');
    expect(assigned).toMatchObject({ conversationId: opened.conversationId, lastSeq: 3 });
    expect(assigned.messages.map((m) => m.text)).toEqual(['在吗', '有人吗', '想问下发货时间']);
    expect(fake.take(buyer)).toEqual([{ type: 'agentJoined', conversationId: opened.conversationId, role: 'agent', agentId: 'ag-de', name: '阿德', kind: 'assigned' }]);
    expectOutsidersToldNothing();
  });

  it('costs one bounded Query per assignment: measured with ReturnConsumedCapacity', async () => {
    const buyer = user('buyer-cost', 'buyer');
    await createShop(tenant, 'shop-cost', routingConfig({ groups: { 'pre-sale': 'cost-pre', 'in-sale': 'cost-in', 'after-sale': 'cost-after' } }));
    const opened = await buyerSays(buyer, 'shop-cost', '你好，请问这件有现货吗？');
    const opening = await measure(() => readRecentMessages(tenant, opened.conversationId, 0, maxMessagesOnAssignment));
    for (let seq = 2; seq <= 21; seq++) await buyerSays(buyer, 'shop-cost', `第${seq}条：颜色和尺码都还有吗？谢谢亲`, opened.conversationId);
    const twenty = await measure(() => readRecentMessages(tenant, opened.conversationId, 1, maxMessagesOnAssignment));
    console.info(`assigned frame's messages: opening message ${opening.rru} RRU (${opening.calls.join(', ')}); newest 20 of 21 typical messages ${twenty.rru} RRU (${twenty.calls.join(', ')})`);
    expect(opening.calls).toEqual([`Query ${opening.rru}`]);
    expect(opening.result.messages).toHaveLength(1);
    expect(opening.rru).toBe(1);
    expect(twenty.calls).toHaveLength(1);
    expect(twenty.result.messages).toHaveLength(20);
    expect(twenty.rru).toBeLessThanOrEqual(3);
    await receiveAll(routingQueue);
  }, 120_000);
});
