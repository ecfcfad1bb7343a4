import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { connectingGraceSeconds, connectionLifetimeSeconds, deleteConnection, listConnectionsOfUser, saveConnection } from '../../shared/store/connections';
import { postFrameToUser } from '../../shared/notify/post-to-user';
import { deliverMessage, deliverySteps } from '../../shared/conversations/deliver-message';
import { keys } from '../../shared/store/keys';
import { dynamo } from '../../shared/runtime/clients';
import { env, resetEnvForTests } from '../../shared/runtime/env';
import { FakeConnections } from '../support/fake-connections';

const tenantId = 'tenant-connections';
const agent = { tenantId, userId: 'agent-conn', role: 'agent' as const, shopIds: ['shop-1'] };

/** A buyer's message for the agent, as the delivery queue carries it. */
const buyerMessageJob = (conversationId: string, now: Date): Parameters<typeof deliverMessage>[0] => ({
  type: 'message',
  tenantId,
  conversationId,
  shopId: 'shop-1',
  recipients: [agent.userId],
  message: { conversationId, seq: 1, senderId: `buyer-${conversationId}`, senderRole: 'buyer', clientMessageId: 'c1', text: '在吗', createdAt: now.toISOString() },
});

describe('connection records (DynamoDB Local)', () => {
  it('expire on their own: the TTL is 2 h 5 min after connecting, past API Gateway’s 2 h cut-off', async () => {
    const connectedAt = new Date('2026-11-11T00:00:00Z');
    await saveConnection(agent, 'conn-ttl', connectedAt);
    const item = await dynamo().send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.connection(tenantId, agent.userId, 'conn-ttl') }));
    expect(item.Item?.expiresAt).toBe(connectedAt.getTime() / 1000 + connectionLifetimeSeconds);
    expect(connectionLifetimeSeconds).toBeGreaterThan(2 * 3600);
  });

  // Row 13: $disconnect never arrived and DynamoDB's TTL sweep (which can lag by hours) has not run yet.
  it('are not posted to once past their expiry, even before TTL deletes them', async () => {
    const now = new Date();
    const threeHoursAgo = new Date(now.getTime() - 3 * 3600 * 1000);
    await saveConnection(agent, 'conn-stale', threeHoursAgo);
    await saveConnection(agent, 'conn-live', now);
    expect((await listConnectionsOfUser(tenantId, agent.userId, now)).map((c) => c.connectionId)).toEqual(['conn-live']);

    const posted: string[] = [];
    const report = await deliverMessage(
      buyerMessageJob('conv-ttl', now),
      { ...deliverySteps, post: async (connectionId) => (posted.push(connectionId), 'sent') },
    );
    expect(posted).toEqual(['conn-live']);
    expect(report).toEqual({ sent: 1, removed: 0 });
  });

  it('are removed by $disconnect when it does arrive, only the one that closed', async () => {
    await saveConnection(agent, 'tab-1');
    await saveConnection(agent, 'tab-2');
    await deleteConnection(tenantId, agent.userId, 'tab-1');
    const left = (await listConnectionsOfUser(tenantId, agent.userId)).map((c) => c.connectionId);
    expect(left).toContain('tab-2');
    expect(left).not.toContain('tab-1');
  });
  // Row 11 (a post answered 410), for a connection whose $connect is still running: API Gateway answers 410
  // until $connect returns, and the record was saved during it. Removing it left the socket that then
  // opened with no record: it received nothing, ever (the contract e2e's case.opened went to the other tab).
  it('keep a record still in its connecting grace when a post to it answers 410; an older one is removed', async () => {
    const now = new Date();
    await saveConnection(agent, 'tab-connecting', new Date(now.getTime() - 1000));
    await saveConnection(agent, 'tab-long-gone', new Date(now.getTime() - (connectingGraceSeconds + 5) * 1000));
    const report = await deliverMessage(
      buyerMessageJob('conv-grace', now),
      { ...deliverySteps, post: async () => 'gone' },
    );
    expect(report).toEqual({ sent: 0, removed: 1 });
    const left = (await listConnectionsOfUser(tenantId, agent.userId)).map((c) => c.connectionId);
    expect(left).toContain('tab-connecting');
    expect(left).not.toContain('tab-long-gone');
  });

  it('are kept the same way when a frame to the user (a case, a progress) meets a connecting tab', async () => {
    const fake = new FakeConnections();
    await fake.start();
    process.env.WS_MANAGEMENT_ENDPOINT = fake.endpoint;
    resetEnvForTests();
    try {
      const user = { ...agent, userId: 'agent-conn-frames' };
      await saveConnection(user, 'frames-connecting');
      await saveConnection(user, 'frames-closed', new Date(Date.now() - 60_000));
      fake.gone.add('frames-connecting').add('frames-closed');
      await postFrameToUser(tenantId, user.userId, { type: 'case.opened' });
      expect((await listConnectionsOfUser(tenantId, user.userId)).map((c) => c.connectionId)).toEqual(['frames-connecting']);
    } finally {
      await fake.stop();
    }
  });
});
