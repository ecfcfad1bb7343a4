import { describe, expect, it, vi } from 'vitest';
import { routeConversation, maxRoutingAttempts, type RoutingDependencies } from '../../shared/routing/route-conversation';
import type { RoutableConversation } from '../../shared/store/conversation-assignment';
import type { Agent } from '../../shared/routing/agent';
import type { Shop } from '../../shared/routing/shop';
import { emptyResponseFacts } from '../../shared/conversations/conversation';

const conversation: RoutableConversation = {
  conversationId: 'c1',
  tenantId: 't1',
  shopId: 's1',
  buyerId: 'b1',
  stage: 'pre-sale',
  status: 'waiting',
  openedAt: '2026-11-11T00:00:00.000Z',
  lastSeq: 1,
  lastMessageAt: '2026-11-11T00:00:00.000Z',
  buyerReadSeq: 0,
  agentReadSeq: 0,
  responseFacts: emptyResponseFacts(),
};
const shop: Shop = {
  shopId: 's1',
  name: 'shop',
  category: 'c',
  routing: { mode: 'by-stage', groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after' }, backupGroup: 'after', idleCloseMinutes: 30, defaultAgentCap: 10 },
  createdAt: 'x',
  updatedAt: 'x',
};
const agent = (agentId: string, groupIds: string[], load = 0): Agent => ({
  agentId,
  name: agentId,
  shopIds: ['s1'],
  groupIds,
  presence: 'online',
  load,
  cap: 10,
  version: 1,
  createdAt: 'x',
  updatedAt: 'x',
});

function fakeDeps(overrides: Partial<RoutingDependencies> = {}): RoutingDependencies {
  const agents = [agent('p1', ['pre'], 2), agent('p2', ['pre'], 1), agent('b1', ['after'])];
  return {
    getConversation: vi.fn(async () => conversation),
    getShop: vi.fn(async () => shop),
    getBuyerAtShop: vi.fn(async () => ({})),
    listAgentIdsOfGroup: vi.fn(async (_t: string, groupId: string) => agents.filter((a) => a.groupIds.includes(groupId)).map((a) => a.agentId)),
    getAgents: vi.fn(async (_t: string, ids: readonly string[]) => agents.filter((a) => ids.includes(a.agentId))),
    assign: vi.fn(async () => 'applied' as const),
    waitingPosition: vi.fn(async () => 7),
    notify: vi.fn(async () => undefined),
    now: () => new Date('2026-11-11T00:01:00.000Z'),
    ...overrides,
  };
}

describe('routeConversation (unit, fake dependencies)', () => {
  it('reads only the stage group while it has someone, and assigns with the idle timer from the shop', async () => {
    const deps = fakeDeps();
    expect(await routeConversation(conversation, deps)).toMatchObject({ kind: 'assigned', agentId: 'p2' });
    expect(deps.listAgentIdsOfGroup).toHaveBeenCalledTimes(1);
    expect(deps.assign).toHaveBeenCalledWith(expect.objectContaining({ agentId: 'p2', groupId: 'pre', idleCheckAt: new Date('2026-11-11T00:31:00.000Z'), attempt: 0 }));
  });

  it('excludes an agent whose cap check failed and tries the next', async () => {
    const assign = vi.fn().mockResolvedValueOnce('agent-unavailable').mockResolvedValueOnce('agent-unavailable').mockResolvedValue('applied');
    const deps = fakeDeps({ assign });
    expect(await routeConversation(conversation, deps)).toMatchObject({ kind: 'assigned', agentId: 'b1', reason: 'backup', attempts: 3 });
    expect(assign.mock.calls.map((call) => call[0].agentId)).toEqual(['p2', 'p1', 'b1']);
  });

  it('stops when another router won (the head is no longer waiting on re-read)', async () => {
    const getConversation = vi.fn().mockResolvedValueOnce(conversation).mockResolvedValue({ ...conversation, status: 'assigned', assigneeId: 'x' });
    const deps = fakeDeps({ getConversation, assign: vi.fn(async () => 'conversation-changed' as const) });
    expect(await routeConversation(conversation, deps)).toEqual({ kind: 'skipped', reason: 'not-waiting' });
    expect(deps.notify).not.toHaveBeenCalled();
  });

  it('fails the job (so SQS retries it) when contention never settles, after a bounded number of tries', async () => {
    const deps = fakeDeps({ assign: vi.fn(async () => 'conflict' as const) });
    await expect(routeConversation(conversation, deps)).rejects.toThrow('will be retried');
    expect(deps.assign).toHaveBeenCalledTimes(maxRoutingAttempts);
  });

  it('lets throttling surface, so the queue record is reported failed and not lost (row 9)', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    await expect(routeConversation(conversation, fakeDeps({ getAgents: vi.fn().mockRejectedValue(throttled) }))).rejects.toBe(throttled);
  });

  it('waits and tells the buyer their position when nobody is online', async () => {
    const offline = fakeDeps({ getAgents: vi.fn(async () => [{ ...agent('p1', ['pre']), presence: 'away' as const }]) });
    expect(await routeConversation(conversation, offline)).toEqual({ kind: 'waiting', position: 7 });
    expect(offline.notify).toHaveBeenCalledWith('t1', 'b1', { type: 'queuePosition', conversationId: 'c1', position: 7 });
    expect(offline.assign).not.toHaveBeenCalled();
  });

  it('leaves a conversation of an unconfigured shop waiting without failing the job', async () => {
    expect(await routeConversation(conversation, fakeDeps({ getShop: vi.fn(async () => undefined) }))).toEqual({ kind: 'skipped', reason: 'no-shop' });
  });
});
