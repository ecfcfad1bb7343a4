import { describe, expect, it, vi } from 'vitest';
import { routeConversation, maxRoutingAttempts, type RoutingDependencies } from '../../shared/routing/route-conversation';
import { sampledMembersPerGroup } from '../../shared/routing/choose-agent';
import { maxPositionUpdatesPerMove, settledWaitMs, tellBuyersBehind } from '../../shared/routing/waiting-line';
import { afterClose, closeConversationByUser, ownershipDependencies } from '../../shared/routing/ownership';
import type { RoutableConversation } from '../../shared/store/conversation-ownership';
import { waitingConversation } from '../support/routing-fixtures';
import type { Agent } from '../../shared/routing/agent';
import type { Shop } from '../../shared/routing/shop';
import { emptyResponseFacts } from '../../shared/conversations/conversation';

const conversation = waitingConversation;
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
    readOrderCards: vi.fn(async () => []),
    settledWaitMs,
    getShop: vi.fn(async () => shop),
    getBuyerAtShop: vi.fn(async () => ({})),
    listOnlineMembers: vi.fn(async (_t: string, groupId: string) => agents.filter((a) => a.groupIds.includes(groupId)).map((a) => a.agentId)),
    getAgents: vi.fn(async (_t: string, ids: readonly string[]) => agents.filter((a) => ids.includes(a.agentId))),
    assign: vi.fn(async () => 'applied' as const),
    waitingPosition: vi.fn(async () => 7),
    listWaitingLine: vi.fn(async () => []),
    getConversations: vi.fn(async () => []),
    readRecentMessages: vi.fn(async () => ({ messages: [], hasMore: false })),
    notify: vi.fn(async () => undefined),
    now: () => new Date('2026-11-11T00:01:00.000Z'),
    random: () => 0.25,
    ...overrides,
  };
}

describe('routeConversation (unit, fake dependencies)', () => {
  it('reads only the stage group while it has someone, and assigns with the idle timer from the shop', async () => {
    const deps = fakeDeps();
    expect(await routeConversation(conversation, deps)).toMatchObject({ kind: 'assigned', agentId: 'p2' });
    expect(deps.listOnlineMembers).toHaveBeenCalledTimes(1);
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

  it('samples at most sampledMembersPerGroup online members from the injected random place, read eventually consistent', async () => {
    const deps = fakeDeps({ getBuyerAtShop: vi.fn(async () => ({ lastAgentId: 'x-last', ownerAgentId: 'x-owner' })) });
    await routeConversation(conversation, deps);
    expect(deps.listOnlineMembers).toHaveBeenCalledWith('t1', 'pre', 0.25, sampledMembersPerGroup);
    expect(deps.getAgents).toHaveBeenCalledTimes(1);
    expect(deps.getAgents).toHaveBeenCalledWith('t1', ['x-owner', 'x-last', 'p1', 'p2'], { consistent: false });
  });

  it('a retry re-reads the same sample strongly consistent, without the agent whose transaction failed', async () => {
    const assign = vi.fn().mockResolvedValueOnce('agent-unavailable').mockResolvedValue('applied');
    const deps = fakeDeps({ assign });
    expect(await routeConversation(conversation, deps)).toMatchObject({ kind: 'assigned', agentId: 'p1', attempts: 2 });
    expect(deps.listOnlineMembers).toHaveBeenCalledTimes(1);
    expect((deps.getAgents as ReturnType<typeof vi.fn>).mock.calls.map((call) => call[2])).toEqual([{ consistent: false }, { consistent: true }]);
  });

  it('reads the agent a drain named strongly consistent, and gives them the conversation when the sample is full', async () => {
    const full = [agent('p1', ['pre'], 10), agent('p2', ['pre'], 10), agent('b1', ['after'], 10), agent('named', ['pre'], 9)];
    const getAgents = vi.fn(async (_t: string, ids: readonly string[]) => full.filter((a) => ids.includes(a.agentId)));
    const deps = fakeDeps({ getAgents });
    expect(await routeConversation({ ...conversation, agentWithRoom: 'named' }, deps)).toMatchObject({ kind: 'assigned', agentId: 'named', reason: 'group' });
    expect(getAgents).toHaveBeenCalledWith('t1', ['p1', 'p2'], { consistent: false });
    expect(getAgents).toHaveBeenCalledWith('t1', ['named'], { consistent: true });
    // Without the name, the full sample means waiting (and the backup group is full too).
    expect(await routeConversation(conversation, fakeDeps({ getAgents }))).toMatchObject({ kind: 'waiting' });
  });

  it("reads only the backup sample's agents not read already when the stage group has nobody", async () => {
    const agents = [agent('p1', ['pre', 'after'], 10), agent('b1', ['after'], 3)];
    const getAgents = vi.fn(async (_t: string, ids: readonly string[]) => agents.filter((a) => ids.includes(a.agentId)));
    const listOnlineMembers = vi.fn(async (_t: string, groupId: string) => agents.filter((a) => a.groupIds.includes(groupId)).map((a) => a.agentId));
    expect(await routeConversation(conversation, fakeDeps({ getAgents, listOnlineMembers }))).toMatchObject({ agentId: 'b1', reason: 'backup' });
    expect(getAgents.mock.calls.map((call) => call[1])).toEqual([['p1'], ['b1']]);
  });

  it('leaves a conversation of an unconfigured shop waiting without failing the job', async () => {
    expect(await routeConversation(conversation, fakeDeps({ getShop: vi.fn(async () => undefined) }))).toEqual({ kind: 'skipped', reason: 'no-shop' });
  });
});

/** A waiting line of conversations w0..w(n-1), opened a second apart; c1 (the one routed above) opened before them all. */
function line(n: number) {
  const heads = Array.from({ length: n }, (_, i): RoutableConversation => ({
    ...conversation,
    conversationId: `w${i}`,
    buyerId: `buyer-w${i}`,
    openedAt: new Date(Date.parse(conversation.openedAt) + (i + 1) * 1000).toISOString(),
  }));
  const entry = (c: RoutableConversation) => ({ conversationId: c.conversationId, lineKey: `${c.openedAt}#${c.conversationId}` });
  return { heads, entries: heads.map(entry), entry };
}

describe('position updates when a conversation leaves its waiting line (unit, fake dependencies)', () => {
  const positions = (notify: ReturnType<typeof vi.fn>) => notify.mock.calls.map((call) => [call[1], call[2].position]);

  it('after an assignment, tells the buyers behind it their new places, in the same notify as the agent', async () => {
    const { heads, entries } = line(3);
    const deps = fakeDeps({ listWaitingLine: vi.fn(async () => entries), getConversations: vi.fn(async () => heads) });
    expect(await routeConversation(conversation, deps)).toMatchObject({ kind: 'assigned' });
    expect(deps.listWaitingLine).toHaveBeenCalledWith('t1', 's1', 'pre-sale', maxPositionUpdatesPerMove + 1, expect.any(String));
    expect(deps.notify).toHaveBeenCalledWith('t1', 'buyer-w0', { type: 'queuePosition', conversationId: 'w0', position: 1 });
    // Besides the agent's `assigned` and the buyer's `agentJoined`.
    const queuePositions = (deps.notify as ReturnType<typeof vi.fn>).mock.calls.filter((call) => call[2].type === 'queuePosition');
    expect(queuePositions.map((call) => [call[1], call[2].position])).toEqual([['buyer-w0', 1], ['buyer-w1', 2], ['buyer-w2', 3]]);
  });

  it('does not read the line when the job is a duplicate or nobody is free', async () => {
    const skipped = fakeDeps({ getConversation: vi.fn(async () => ({ ...conversation, status: 'assigned' as const })) });
    await routeConversation(conversation, skipped);
    const waiting = fakeDeps({ getAgents: vi.fn(async () => []) });
    await routeConversation(conversation, waiting);
    for (const deps of [skipped, waiting]) expect(deps.listWaitingLine).not.toHaveBeenCalled();
  });

  it('tells only buyers behind the leaver, counting the ones ahead, skipping the leaver and heads no longer waiting (index lag)', async () => {
    const { heads, entries, entry } = line(5);
    const left = heads[1]!;
    const notify = vi.fn(async () => undefined);
    const getConversations = vi.fn(async (_t: string, ids: readonly string[]) =>
      heads.filter((h) => ids.includes(h.conversationId)).map((h) => (h.conversationId === 'w3' ? { ...h, status: 'assigned' as const } : h)),
    );
    // The index still lists the leaver (w1) and w3, which the table already shows assigned.
    const told = await tellBuyersBehind(left, { listWaitingLine: vi.fn(async () => entries), getConversations, notify });
    expect(getConversations).toHaveBeenCalledWith('t1', ['w2', 'w3', 'w4']);
    expect(positions(notify)).toEqual([['buyer-w2', 2], ['buyer-w4', 3]]);
    expect(told).toBe(2);
    expect(entry(left).lineKey < entry(heads[2]!).lineKey).toBe(true);
  });

  it('tells at most the first 50 of the line, and reads nothing more when nobody is behind', async () => {
    const { heads, entries } = line(maxPositionUpdatesPerMove + 1);
    const notify = vi.fn(async () => undefined);
    const getConversations = vi.fn(async (_t: string, ids: readonly string[]) => heads.filter((h) => ids.includes(h.conversationId)));
    // The leaver (c1, the front) already dropped from the index: the Query returns 51 others, 50 are told.
    expect(await tellBuyersBehind(conversation, { listWaitingLine: vi.fn(async () => entries), getConversations, notify })).toBe(maxPositionUpdatesPerMove);
    expect(positions(notify).at(-1)).toEqual([`buyer-w${maxPositionUpdatesPerMove - 1}`, maxPositionUpdatesPerMove]);
    const last = heads.at(-1)!;
    const nobodyBehind = { listWaitingLine: vi.fn(async () => entries.slice(0, 3)), getConversations: vi.fn(), notify: vi.fn() };
    expect(await tellBuyersBehind(last, nobodyBehind)).toBe(0);
    expect(nobodyBehind.getConversations).not.toHaveBeenCalled();
  });

  it('logs and carries on when the line cannot be read: the movement is committed already', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const deps = fakeDeps({ listWaitingLine: vi.fn().mockRejectedValue(throttled) });
    expect(await routeConversation(conversation, deps)).toMatchObject({ kind: 'assigned' });
    // The agent's `assigned` and the buyer's `agentJoined`; no position updates.
    expect((deps.notify as ReturnType<typeof vi.fn>).mock.calls.map((call) => call[2].type).sort()).toEqual(['agentJoined', 'assigned']);
  });

  it('reads and tells nothing when the leaver had not settled in the line, and never tells buyers who have not settled either', async () => {
    const { heads, entries } = line(3);
    const notify = vi.fn(async () => undefined);
    const listWaitingLine = vi.fn(async () => entries);
    const getConversations = vi.fn(async (_t: string, ids: readonly string[]) => heads.filter((h) => ids.includes(h.conversationId)));
    // A Double 11 opening burst: the leaver opened a moment ago, so everyone behind it did too.
    const justOpened = { ...conversation, openedAt: new Date(Date.now() - 1000).toISOString() };
    expect(await tellBuyersBehind(justOpened, { listWaitingLine, getConversations, notify, settledWaitMs })).toBe(0);
    expect(listWaitingLine).not.toHaveBeenCalled();
    expect(notify).not.toHaveBeenCalled();
    // A settled leaver: the line is read only up to the settled cut-off (now - settledWaitMs).
    const now = new Date(Date.parse(conversation.openedAt) + 60_000);
    await tellBuyersBehind(conversation, { listWaitingLine, getConversations, notify, settledWaitMs, now: () => now });
    expect(listWaitingLine).toHaveBeenCalledWith('t1', 's1', conversation.stage, maxPositionUpdatesPerMove + 1, new Date(now.getTime() - settledWaitMs).toISOString());
  });

  it('closing a waiting conversation tells the line; closing an assigned one or a failed close does not', async () => {
    const { heads, entries } = line(2);
    const waitingLine = { listWaitingLine: vi.fn(async () => entries), getConversations: vi.fn(async () => heads), settledWaitMs };
    const drain = vi.fn(async () => undefined);
    const queuePositions = (notify: ReturnType<typeof vi.fn>) =>
      notify.mock.calls.filter((call) => call[2].type === 'queuePosition').map((call) => [call[1], call[2].position]);

    const notify = vi.fn(async () => undefined);
    await afterClose('t1', conversation, 'closed', 'sup', { notify, drain, waitingLine });
    expect(queuePositions(notify)).toEqual([['buyer-w0', 1], ['buyer-w1', 2]]);

    await afterClose('t1', { ...conversation, status: 'assigned', assigneeId: 'a' }, 'closed', 'sup', { notify, drain, waitingLine });
    expect(waitingLine.listWaitingLine).toHaveBeenCalledTimes(1);

    // A close that never applies never reaches afterClose: the line is not read again.
    const supervisor = { tenantId: 't1', userId: 'sup', role: 'supervisor' as const, shopIds: ['s1'] };
    const close = vi.fn(async () => 'conversation-changed' as const);
    const deps = { ...ownershipDependencies, getConversation: vi.fn(async () => conversation), close, notify, drain, waitingLine };
    await expect(closeConversationByUser(supervisor, 'c1', deps)).rejects.toThrow();
    expect(close).toHaveBeenCalled();
    expect(waitingLine.listWaitingLine).toHaveBeenCalledTimes(1);
  });
});
