import { describe, expect, it, vi } from 'vitest';
import { announceAssignment, assignmentBrief, type ReadRecentMessages } from '../../shared/routing/announce-assignment';
import { routeConversation, type RoutingDependencies } from '../../shared/routing/route-conversation';
import { ownershipDependencies, transferConversation } from '../../shared/routing/ownership';
import { agentJoinedFrame, assignedFrame, maxMessagesOnAssignment, type RoutingFrame } from '../../shared/routing/frames';
import { waitingConversation } from '../support/routing-fixtures';
import type { Agent } from '../../shared/routing/agent';
import { type Message } from '../../shared/conversations/conversation';

const conversation = waitingConversation;

const message = (seq: number): Message => ({
  conversationId: 'c1',
  seq,
  senderId: 'b1',
  senderRole: 'buyer',
  clientMessageId: `m${seq}`,
  text: `第${seq}条`,
  createdAt: '2026-11-11T00:00:00.000Z',
});

/** A message log 1..stored, read the way the store reads it (after afterSeq, at most limit, one extra tells hasMore). */
const log = (stored: number): ReadRecentMessages =>
  vi.fn(async (_t, _c, afterSeq, limit) => {
    const after = Array.from({ length: Math.max(0, stored - afterSeq) }, (_, i) => message(afterSeq + i + 1));
    return { messages: after.slice(0, limit), hasMore: after.length > limit };
  });

const agent = (agentId: string, name: string): Agent => ({
  agentId,
  name,
  shopIds: ['s1'],
  groupIds: ['pre'],
  presence: 'online',
  load: 0,
  cap: 10,
  version: 1,
  createdAt: 'x',
  updatedAt: 'x',
});

describe('what an assigned agent is given (unit)', () => {
  it('the opening message of a new conversation, with lastSeq = its seq', async () => {
    const read = log(1);
    expect(await assignmentBrief(conversation, read)).toEqual({ lastSeq: 1, messages: [message(1)] });
    expect(read).toHaveBeenCalledWith('t1', 'c1', 0, maxMessagesOnAssignment);
  });

  it(`at most the newest ${maxMessagesOnAssignment}, oldest first, read with one bounded call`, async () => {
    const read = log(50);
    const brief = await assignmentBrief({ ...conversation, lastSeq: 50 }, read);
    expect(brief.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 31 + i));
    expect(brief.lastSeq).toBe(50);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('raises lastSeq past the last message included when more were stored after the head was read, so the agent resumes', async () => {
    // The head said 20, but 23 are stored: the page holds 1..20 and knows more exist.
    const brief = await assignmentBrief({ ...conversation, lastSeq: 20 }, log(23));
    expect(brief.messages.at(-1)?.seq).toBe(20);
    expect(brief.lastSeq).toBeGreaterThan(20);
  });

  it('keeps the head lastSeq when the page was cut short by size, so the agent resumes from the last included', async () => {
    const cut: ReadRecentMessages = vi.fn(async () => ({ messages: [message(1), message(2)], hasMore: true }));
    expect(await assignmentBrief({ ...conversation, lastSeq: 9 }, cut)).toEqual({ lastSeq: 9, messages: [message(1), message(2)] });
  });

  it('still tells the agent when the messages cannot be read: no messages, the head lastSeq (→ resume from 0)', async () => {
    const failing: ReadRecentMessages = vi.fn().mockRejectedValue(new Error('engine down'));
    expect(await assignmentBrief({ ...conversation, lastSeq: 4 }, failing)).toEqual({ lastSeq: 4, messages: [] });
  });
});

describe('announcing an assignment (unit)', () => {
  it('the agent gets assigned (valid against its schema); the buyer gets agentJoined with the display name, never the note', async () => {
    const notify = vi.fn(async (_t: string, _u: string, _f: RoutingFrame) => undefined);
    await announceAssignment(conversation, agent('a1', '小美'), { kind: 'transferred', transferredBy: 'a0', note: '内部备注' }, { readRecentMessages: log(1), notify });
    const toAgent = notify.mock.calls.find((call) => call[1] === 'a1')?.[2];
    const toBuyer = notify.mock.calls.find((call) => call[1] === 'b1')?.[2];
    expect(assignedFrame.parse(toAgent)).toEqual({
      type: 'assigned', conversationId: 'c1', shopId: 's1', buyerId: 'b1', stage: 'pre-sale', lastSeq: 1, messages: [message(1)], transferredBy: 'a0', note: '内部备注',
    });
    expect(agentJoinedFrame.parse(toBuyer)).toEqual({ type: 'agentJoined', conversationId: 'c1', role: 'agent', agentId: 'a1', name: '小美', kind: 'transferred' });
    expect(JSON.stringify(toBuyer)).not.toContain('内部备注');
    expect(notify).toHaveBeenCalledTimes(2);
  });
});

function routingFakes(overrides: Partial<RoutingDependencies> = {}): RoutingDependencies {
  const agents = [agent('p1', '小美')];
  return {
    getConversation: vi.fn(async () => conversation),
    readOrderCards: vi.fn(async () => []),
    settledWaitMs: 5000,
    getShop: vi.fn(async () => ({
      shopId: 's1',
      name: 'shop',
      category: 'c',
      routing: { mode: 'by-stage' as const, groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after' }, idleCloseMinutes: 30, defaultAgentCap: 10 },
      createdAt: 'x',
      updatedAt: 'x',
    })),
    getBuyerAtShop: vi.fn(async () => ({})),
    listOnlineMembers: vi.fn(async () => agents.map((a) => a.agentId)),
    getAgents: vi.fn(async (_t: string, ids: readonly string[]) => agents.filter((a) => ids.includes(a.agentId))),
    assign: vi.fn(async () => 'applied' as const),
    waitingPosition: vi.fn(async () => 1),
    listWaitingLine: vi.fn(async () => []),
    getConversations: vi.fn(async () => []),
    readRecentMessages: log(1),
    notify: vi.fn(async () => undefined),
    now: () => new Date('2026-11-11T00:00:01.000Z'),
    random: () => 0.5,
    ...overrides,
  };
}

describe('who is told when the router assigns (unit)', () => {
  it('a new conversation: assigned with the opening message to the agent, agentJoined (assigned) to the buyer', async () => {
    const deps = routingFakes();
    expect(await routeConversation(conversation, deps)).toMatchObject({ kind: 'assigned', agentId: 'p1' });
    expect(deps.notify).toHaveBeenCalledWith('t1', 'p1', expect.objectContaining({ type: 'assigned', lastSeq: 1, messages: [message(1)] }));
    expect(deps.notify).toHaveBeenCalledWith('t1', 'b1', { type: 'agentJoined', conversationId: 'c1', role: 'agent', agentId: 'p1', name: '小美', kind: 'assigned' });
  });

  it('a conversation handed back to a group: the next agent joins as transferred or reassigned, as the hand-back was', async () => {
    for (const handover of ['transferred', 'reassigned'] as const) {
      const deps = routingFakes({ getConversation: vi.fn(async () => ({ ...conversation, requestedGroupId: 'pre', handover, assignmentVersion: 2 })) });
      await routeConversation(conversation, deps);
      expect(deps.notify).toHaveBeenCalledWith('t1', 'b1', expect.objectContaining({ type: 'agentJoined', kind: handover }));
    }
  });

  it('a duplicate job tells nobody and reads no messages', async () => {
    const deps = routingFakes({ getConversation: vi.fn(async () => ({ ...conversation, status: 'assigned' as const, assigneeId: 'p1' })) });
    await routeConversation(conversation, deps);
    expect(deps.notify).not.toHaveBeenCalled();
    expect(deps.readRecentMessages).not.toHaveBeenCalled();
  });
});

describe('who is told on transfer and reassign (unit)', () => {
  const assigned = { ...conversation, status: 'assigned' as const, assigneeId: 'a1', assignmentVersion: 1, lastSeq: 3 };
  const setup = () => {
    const notify = vi.fn(async (_t: string, _u: string, _f: RoutingFrame) => undefined);
    const transferToAgent = vi.fn(async () => 'applied' as const);
    const requeueToGroup = vi.fn(async () => 'applied' as const);
    const deps = {
      ...ownershipDependencies,
      getConversation: vi.fn(async () => assigned),
      getAgent: vi.fn(async () => agent('a2', '阿强')),
      transferToAgent,
      requeueToGroup,
      getShop: vi.fn(async () => ({ shopId: 's1', name: 's', category: 'c', routing: { mode: 'by-stage' as const, groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after' }, idleCloseMinutes: 30, defaultAgentCap: 10 }, createdAt: 'x', updatedAt: 'x' })),
      sendRouteJob: vi.fn(async () => undefined),
      drain: vi.fn(async () => undefined),
      readRecentMessages: log(3),
      notify,
    };
    return { deps, notify, transferToAgent, requeueToGroup };
  };

  it.each([
    ['transfer' as const, { tenantId: 't1', userId: 'a1', role: 'agent' as const, shopIds: ['s1'] }, 'transferred' as const],
    ['reassign' as const, { tenantId: 't1', userId: 'sup', role: 'supervisor' as const, shopIds: ['s1'] }, 'reassigned' as const],
  ])('%s to an agent: the new agent gets the messages, the buyer agentJoined (%s)', async (action, identity, kind) => {
    const { deps, notify, transferToAgent } = setup();
    await transferConversation(identity, { conversationId: 'c1', toAgentId: 'a2', note: '换尺码' }, { action }, deps);
    expect(transferToAgent).toHaveBeenCalledWith(assigned, expect.objectContaining({ handover: kind, toAgentId: 'a2' }));
    expect(notify).toHaveBeenCalledWith('t1', 'a2', expect.objectContaining({ type: 'assigned', lastSeq: 3, messages: [message(1), message(2), message(3)], transferredBy: identity.userId, note: '换尺码' }));
    expect(notify).toHaveBeenCalledWith('t1', 'b1', { type: 'agentJoined', conversationId: 'c1', role: 'agent', agentId: 'a2', name: '阿强', kind });
  });

  it('to a group: how it was handed back is stored for the router; nobody has joined yet, so the buyer is not told', async () => {
    const { deps, notify, requeueToGroup } = setup();
    await transferConversation({ tenantId: 't1', userId: 'sup', role: 'supervisor', shopIds: ['s1'] }, { conversationId: 'c1', toGroupId: 'after' }, { action: 'reassign' }, deps);
    expect(requeueToGroup).toHaveBeenCalledWith(assigned, expect.objectContaining({ handover: 'reassigned', toGroupId: 'after' }));
    expect(notify.mock.calls.map((call) => call[1])).not.toContain('b1');
  });
});
