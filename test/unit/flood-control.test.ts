import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { FloodControl, SharedBudget, TokenBuckets } from '../../shared/conversations/flood-control';
import { admitConnection, withinSocketCap, type ConnectionStore } from '../../shared/conversations/socket-cap';
import { leaseMessageBlock, type BlockLease } from '../../shared/store/rate-budgets';
import type { ConnectionRecord } from '../../shared/store/connections';
import { RateLimitedError } from '../../shared/http/errors';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const mock = mockClient(client);
const buyer = { tenantId: 't1', userId: 'b1', role: 'buyer' as const, shopIds: [] };

describe('leaseMessageBlock (unit)', () => {
  beforeEach(() => mock.reset());

  it('takes a block with one conditional ADD on the window counter, which expires a minute after the window', async () => {
    mock.on(UpdateCommand).resolves({});
    const lease: BlockLease = { tenantId: 't1', userId: 'b1', windowStartSeconds: 1_790_000_000, windowSeconds: 10, block: 10, limit: 300 };
    expect(await leaseMessageBlock(lease, client)).toBe(true);
    const calls = mock.commandCalls(UpdateCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      TableName: process.env.TABLE_NAME,
      Key: { pk: 'T#t1#USER#b1', sk: 'RATE#MSG#1790000000' },
      UpdateExpression: 'ADD #leased :block SET #entity = :entity, #expiresAt = :expiresAt',
      ConditionExpression: 'attribute_not_exists(#leased) OR #leased <= :room',
      ExpressionAttributeNames: { '#leased': 'leased', '#entity': 'entity', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: { ':block': 10, ':room': 290, ':entity': 'MessageBudget', ':expiresAt': 1_790_000_070 },
    });
  });

  it('reads a failed condition as "no budget left" and lets any other error through', async () => {
    const lease: BlockLease = { tenantId: 't1', userId: 'b1', windowStartSeconds: 0, windowSeconds: 10, block: 10, limit: 300 };
    mock
      .on(UpdateCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'no room', $metadata: {} }))
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    expect(await leaseMessageBlock(lease, client)).toBe(false);
    await expect(leaseMessageBlock(lease, client)).rejects.toThrow('slow down');
  });
});

describe('SharedBudget (unit)', () => {
  const options = { windowSeconds: 10, limitPerWindow: 30, blockSize: 10, freePerWindow: 5 };
  const t0 = 1_790_000_000_000;

  it('lets the first few messages of a window through without a lease, then leases one block per 10 messages', async () => {
    const leases: BlockLease[] = [];
    const budget = new SharedBudget({ ...options, lease: async (lease) => (leases.push(lease), true) });
    for (let i = 0; i < 5; i++) expect(await budget.take('t1', 'b1', t0)).toBe(true);
    expect(leases).toHaveLength(0);
    for (let i = 0; i < 20; i++) expect(await budget.take('t1', 'b1', t0 + 100)).toBe(true);
    expect(leases).toHaveLength(2);
    expect(leases[0]).toEqual({ tenantId: 't1', userId: 'b1', windowStartSeconds: 1_790_000_000, windowSeconds: 10, block: 10, limit: 30 });
  });

  it('shares one lease among concurrent messages of a user', async () => {
    let calls = 0;
    const budget = new SharedBudget({ ...options, freePerWindow: 0, lease: async () => (calls++, await new Promise((r) => setTimeout(r, 10)), true) });
    const results = await Promise.all(Array.from({ length: 10 }, () => budget.take('t1', 'b1', t0)));
    expect(results.every(Boolean)).toBe(true);
    expect(calls).toBe(1);
  });

  it('refuses the rest of the window once a lease is refused, without asking the table again; a new window starts over', async () => {
    let granted = 1;
    let calls = 0;
    const budget = new SharedBudget({ ...options, freePerWindow: 0, lease: async () => (calls++, granted-- > 0) });
    const firstWindow = await Promise.all(Array.from({ length: 15 }, (_, i) => budget.take('t1', 'b1', t0 + i)));
    expect(firstWindow.filter(Boolean)).toHaveLength(10);
    expect(await budget.take('t1', 'b1', t0 + 9_000)).toBe(false);
    expect(calls).toBe(2);
    granted = 1;
    expect(await budget.take('t1', 'b1', t0 + 10_000)).toBe(true);
    expect(calls).toBe(3);
  });

  it('keeps users apart', async () => {
    const budget = new SharedBudget({ ...options, freePerWindow: 0, lease: async (lease) => lease.userId !== 'flooder' });
    expect(await budget.take('t1', 'flooder', t0)).toBe(false);
    expect(await budget.take('t1', 'quiet', t0)).toBe(true);
    expect(await budget.take('t2', 'flooder', t0)).toBe(false);
  });

  it('refuses a block size that does not divide the limit', () => {
    expect(() => new SharedBudget({ ...options, blockSize: 7, lease: async () => true })).toThrow('multiple');
  });
});

describe('FloodControl (unit)', () => {
  it('refuses with RATE_LIMITED on the connection bucket first, without spending the user budget', async () => {
    let leases = 0;
    const control = new FloodControl(
      new TokenBuckets({ ratePerSecond: 1, burst: 1 }),
      new SharedBudget({ windowSeconds: 10, limitPerWindow: 10, blockSize: 10, freePerWindow: 0, lease: async () => leases++ === 0 }),
    );
    await control.admit(buyer, 'c1', 0);
    await expect(control.admit(buyer, 'c1', 10)).rejects.toThrow(RateLimitedError);
    expect(leases).toBe(1);
    // Another connection of the same user has its own bucket but shares the user's budget.
    for (let i = 0; i < 9; i++) await control.admit(buyer, `tab-${i}`, 20);
    await expect(control.admit(buyer, 'tab-9', 20)).rejects.toThrow('across their connections');
  });
});

describe('socket cap (unit)', () => {
  const record = (connectionId: string, connectedAt: string): ConnectionRecord => ({ connectionId, userId: 'a1', role: 'agent', connectedAt });

  it('admits the oldest connections up to the cap, ties broken by id', () => {
    const live = [record('c', '2026-11-11T00:00:02Z'), record('a', '2026-11-11T00:00:01Z'), record('b', '2026-11-11T00:00:02Z')];
    expect(withinSocketCap(live, 'a', 2)).toBe(true);
    expect(withinSocketCap(live, 'b', 2)).toBe(true);
    expect(withinSocketCap(live, 'c', 2)).toBe(false);
    expect(withinSocketCap(live, 'missing', 2)).toBe(false);
  });

  it('saves, reads, and deletes its own record when past the cap', async () => {
    const saved = new Map<string, ConnectionRecord>();
    const removed: string[] = [];
    const store: ConnectionStore = {
      save: async (identity, connectionId, now) => void saved.set(connectionId, record(connectionId, now.toISOString())),
      listLive: async () => [...saved.values()],
      remove: async (_t, _u, connectionId) => void (removed.push(connectionId), saved.delete(connectionId)),
    };
    const agent = { tenantId: 't1', userId: 'a1', role: 'agent' as const, shopIds: ['s1'] };
    for (let i = 0; i < 3; i++) expect(await admitConnection(agent, `c${i}`, store, new Date(1000 + i), 3)).toBe(true);
    expect(await admitConnection(agent, 'c3', store, new Date(2000), 3)).toBe(false);
    expect(removed).toEqual(['c3']);
    expect([...saved.keys()]).toEqual(['c0', 'c1', 'c2']);
  });
});
