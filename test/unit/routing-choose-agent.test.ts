import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentCandidate } from '../../shared/routing/agent';
import { chooseAgent, isAvailable, sampledMembersPerGroup, type RoutingInput } from '../../shared/routing/choose-agent';
import { conversationStages, type ShopRouting } from '../../shared/routing/shop';
import { windowModel } from '../support/member-ring';

const routing: ShopRouting = {
  mode: 'by-stage',
  groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after' },
  backupGroup: 'after',
  idleCloseMinutes: 30,
  defaultAgentCap: 10,
};

const agent = (agentId: string, overrides: Partial<AgentCandidate> = {}): AgentCandidate => ({
  agentId,
  presence: 'online',
  load: 0,
  cap: 10,
  groupIds: ['pre'],
  shopIds: ['s1'],
  ...overrides,
});

const input = (overrides: Partial<RoutingInput>): RoutingInput => ({
  shopId: 's1',
  routing,
  stage: 'pre-sale',
  buyer: {},
  candidates: [],
  ...overrides,
});

describe('chooseAgent', () => {
  it('picks the least-loaded online agent of the stage group', () => {
    const choice = chooseAgent(input({ candidates: [agent('a1', { load: 3 }), agent('a2', { load: 1 }), agent('a3', { load: 2 })] }));
    expect(choice).toEqual({ kind: 'assign', agentId: 'a2', groupId: 'pre', reason: 'group' });
  });

  it('breaks load ties by the smallest agent id', () => {
    const choice = chooseAgent(input({ candidates: [agent('b', { load: 1 }), agent('a', { load: 1 }), agent('c', { load: 1 })] }));
    expect(choice).toMatchObject({ agentId: 'a' });
  });

  it.each([
    ['away', agent('x', { presence: 'away' })],
    ['offline', agent('x', { presence: 'offline' })],
    ['at cap', agent('x', { load: 10, cap: 10 })],
    ['over cap (cap lowered)', agent('x', { load: 12, cap: 10 })],
    ['not serving the shop', agent('x', { shopIds: ['s2'] })],
    ['in another group', agent('x', { groupIds: ['in'] })],
  ])('never picks an agent who is %s', (_name, candidate) => {
    expect(chooseAgent(input({ routing: { ...routing, backupGroup: undefined }, candidates: [candidate] }))).toEqual({ kind: 'wait', groupId: 'pre' });
  });

  it('keeps the last agent (stickiness) when they serve the stage, even if busier', () => {
    const choice = chooseAgent(input({ buyer: { lastAgentId: 'a1' }, candidates: [agent('a1', { load: 9 }), agent('a2')] }));
    expect(choice).toEqual({ kind: 'assign', agentId: 'a1', groupId: 'pre', reason: 'sticky' });
  });

  it('does not keep the last agent in by-stage mode when they are not in the stage group', () => {
    const choice = chooseAgent(
      input({ stage: 'after-sale', buyer: { lastAgentId: 'a1' }, candidates: [agent('a1'), agent('a2', { groupIds: ['after'] })] }),
    );
    expect(choice).toEqual({ kind: 'assign', agentId: 'a2', groupId: 'after', reason: 'group' });
  });

  it('falls back to the group when the last agent is full or away', () => {
    for (const last of [agent('a1', { load: 10 }), agent('a1', { presence: 'away' })]) {
      expect(chooseAgent(input({ buyer: { lastAgentId: 'a1' }, candidates: [last, agent('a2', { load: 5 })] }))).toMatchObject({
        agentId: 'a2',
        reason: 'group',
      });
    }
  });

  it('gives the buyer to their owner in owner mode, whatever the group', () => {
    const owner = { ...routing, mode: 'owner' as const };
    const candidates = [agent('owner', { groupIds: ['crm'], load: 50, cap: 100 }), agent('a2'), agent('last')];
    expect(chooseAgent(input({ routing: owner, buyer: { ownerAgentId: 'owner', lastAgentId: 'last' }, candidates }))).toEqual({
      kind: 'assign',
      agentId: 'owner',
      groupId: 'pre',
      reason: 'owner',
    });
    const ownerAway = [agent('owner', { presence: 'away' }), agent('a2'), agent('last', { groupIds: ['crm'] })];
    expect(chooseAgent(input({ routing: owner, buyer: { ownerAgentId: 'owner', lastAgentId: 'last' }, candidates: ownerAway }))).toMatchObject({
      agentId: 'last',
      reason: 'sticky',
    });
    const nobodyKnown = [agent('owner', { presence: 'offline' }), agent('a2')];
    expect(chooseAgent(input({ routing: owner, buyer: { ownerAgentId: 'owner' }, candidates: nobodyKnown }))).toMatchObject({
      agentId: 'a2',
      reason: 'group',
    });
  });

  it('borrows from the backup group when the stage group is full', () => {
    const candidates = [agent('a1', { load: 10 }), agent('b2', { groupIds: ['after'], load: 4 }), agent('b1', { groupIds: ['after'], load: 7 })];
    expect(chooseAgent(input({ candidates }))).toEqual({ kind: 'assign', agentId: 'b2', groupId: 'after', reason: 'backup' });
  });

  it('waits when nobody is available anywhere', () => {
    expect(chooseAgent(input({ candidates: [agent('a1', { load: 10 }), agent('b1', { groupIds: ['after'], presence: 'away' })] }))).toEqual({
      kind: 'wait',
      groupId: 'pre',
    });
    expect(chooseAgent(input({ candidates: [] }))).toEqual({ kind: 'wait', groupId: 'pre' });
  });

  it('skips excluded agents (a failed cap check, or the agent transferring away)', () => {
    const choice = chooseAgent(input({ candidates: [agent('a1'), agent('a2', { load: 3 })], exclude: ['a1'] }));
    expect(choice).toMatchObject({ agentId: 'a2' });
    expect(chooseAgent(input({ buyer: { lastAgentId: 'a1' }, candidates: [agent('a1')], exclude: ['a1'] }))).toMatchObject({ kind: 'wait' });
  });

  it('routes a transfer to the requested group and ignores stickiness', () => {
    const candidates = [agent('a1'), agent('c1', { groupIds: ['crm'], load: 2 })];
    expect(chooseAgent(input({ buyer: { lastAgentId: 'a1', ownerAgentId: 'a1' }, requestedGroupId: 'crm', candidates }))).toEqual({
      kind: 'assign',
      agentId: 'c1',
      groupId: 'crm',
      reason: 'group',
    });
  });
});

// ---- properties ----

const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
const groups = ['pre', 'in', 'after', 'crm'];
const candidateArb = fc.record({
  agentId: fc.constantFrom(...ids),
  presence: fc.constantFrom('online' as const, 'away' as const, 'offline' as const),
  load: fc.nat({ max: 12 }),
  cap: fc.integer({ min: 1, max: 12 }),
  groupIds: fc.subarray(groups),
  shopIds: fc.subarray(['s1', 's2']),
});
const inputArb = fc.record({
  shopId: fc.constant('s1'),
  routing: fc.record({
    mode: fc.constantFrom('by-stage' as const, 'owner' as const),
    groups: fc.record({ 'pre-sale': fc.constantFrom(...groups), 'in-sale': fc.constantFrom(...groups), 'after-sale': fc.constantFrom(...groups) }),
    backupGroup: fc.option(fc.constantFrom(...groups), { nil: undefined }),
    idleCloseMinutes: fc.constant(30),
    defaultAgentCap: fc.constant(10),
  }),
  stage: fc.constantFrom(...conversationStages),
  buyer: fc.record({ lastAgentId: fc.option(fc.constantFrom(...ids), { nil: undefined }), ownerAgentId: fc.option(fc.constantFrom(...ids), { nil: undefined }) }),
  candidates: fc.uniqueArray(candidateArb, { selector: (a) => a.agentId, maxLength: ids.length }),
  requestedGroupId: fc.option(fc.constantFrom(...groups), { nil: undefined }),
  exclude: fc.subarray(ids),
});

describe('chooseAgent properties', () => {
  it('only ever assigns an available agent: online, under cap, on the shop, not excluded', () => {
    fc.assert(
      fc.property(inputArb, (routingInput) => {
        const choice = chooseAgent(routingInput);
        if (choice.kind === 'wait') return;
        const chosen = routingInput.candidates.find((a) => a.agentId === choice.agentId);
        expect(chosen).toBeDefined();
        expect(isAvailable(chosen!, routingInput.shopId, routingInput.exclude)).toBe(true);
      }),
    );
  });

  it('waits only when no member of the primary or backup group is available', () => {
    fc.assert(
      fc.property(inputArb, (routingInput) => {
        const choice = chooseAgent(routingInput);
        if (choice.kind !== 'wait') return;
        const primary = routingInput.requestedGroupId ?? routingInput.routing.groups[routingInput.stage];
        const pools = [primary, routingInput.routing.backupGroup].filter((g): g is string => g !== undefined);
        const anyone = routingInput.candidates.some(
          (a) => pools.some((g) => a.groupIds.includes(g)) && isAvailable(a, routingInput.shopId, routingInput.exclude),
        );
        expect(anyone).toBe(false);
      }),
    );
  });

  it('a group choice is the least-loaded available member; backup only when the primary group has nobody', () => {
    fc.assert(
      fc.property(inputArb, (routingInput) => {
        const choice = chooseAgent(routingInput);
        if (choice.kind !== 'assign' || (choice.reason !== 'group' && choice.reason !== 'backup')) return;
        const primary = routingInput.requestedGroupId ?? routingInput.routing.groups[routingInput.stage];
        const members = (group: string) =>
          routingInput.candidates.filter((a) => a.groupIds.includes(group) && isAvailable(a, routingInput.shopId, routingInput.exclude));
        const chosen = routingInput.candidates.find((a) => a.agentId === choice.agentId)!;
        for (const other of members(choice.groupId)) expect(chosen.load).toBeLessThanOrEqual(other.load);
        if (choice.reason === 'backup') expect(members(primary)).toHaveLength(0);
      }),
    );
  });

  it('does not depend on the order candidates were loaded in', () => {
    fc.assert(
      fc.property(inputArb, fc.nat(), (routingInput, seed) => {
        const shuffled = [...routingInput.candidates].sort((x, y) => ((x.agentId.charCodeAt(0) * (seed + 7)) % 13) - ((y.agentId.charCodeAt(0) * (seed + 7)) % 13));
        expect(chooseAgent({ ...routingInput, candidates: shuffled })).toEqual(chooseAgent(routingInput));
      }),
    );
  });

  it('in owner mode, an available owner always gets the buyer unless a transfer names a group', () => {
    const ownerModeArb = inputArb.map((routingInput) => {
      // Make the first candidate (if any) an available owner; the rest stay random.
      const [first, ...rest] = routingInput.candidates;
      if (!first) return routingInput;
      const owner = { ...first, presence: 'online' as const, load: 0, shopIds: ['s1'] };
      return {
        ...routingInput,
        routing: { ...routingInput.routing, mode: 'owner' as const },
        requestedGroupId: undefined,
        buyer: { ...routingInput.buyer, ownerAgentId: owner.agentId },
        candidates: [owner, ...rest],
        exclude: routingInput.exclude.filter((id) => id !== owner.agentId),
      };
    });
    fc.assert(
      fc.property(ownerModeArb, (routingInput) => {
        fc.pre(routingInput.candidates.length > 0);
        expect(chooseAgent(routingInput)).toMatchObject({ kind: 'assign', agentId: routingInput.buyer.ownerAgentId, reason: 'owner' });
      }),
    );
  });
});

// ---- the policy on a sample of the group ----

describe('chooseAgent on the sample the router reads (properties)', () => {
  const K = sampledMembersPerGroup;
  const sampleRouting: ShopRouting = { ...routing, backupGroup: undefined };
  /** A group of up to 2K + 8 members (m0, m1, …), any presence, load and cap; the sample starts anywhere. */
  const groupArb = fc.record({
    members: fc.array(
      fc.record({
        presence: fc.constantFrom('online' as const, 'online' as const, 'away' as const, 'offline' as const),
        load: fc.nat({ max: 30 }),
        cap: fc.integer({ min: 1, max: 30 }),
        shopIds: fc.constantFrom(['s1'], ['s1'], ['s2']),
      }),
      { maxLength: 2 * K + 8, size: 'max' },
    ),
    from: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  });
  const setUp = ({ members, from }: { members: { presence: AgentCandidate['presence']; load: number; cap: number; shopIds: readonly string[] }[]; from: number }) => {
    const all = members.map((m, i) => agent(`m${i}`, { ...m, shopIds: [...m.shopIds], groupIds: ['pre'] }));
    const online = all.filter((a) => a.presence === 'online');
    const sampled = new Set(windowModel(online.map((a) => a.agentId), from, K));
    const sample = all.filter((a) => sampled.has(a.agentId));
    return { all, online, sample };
  };

  it(`with at most ${K} online members, the sample is all of them wherever it starts: the choice is exactly the least loaded`, () => {
    // Any group, with online members past the K-th taken offline.
    const fewOnlineArb = groupArb.map(({ members, from }) => {
      let online = 0;
      return { from, members: members.map((m) => (m.presence === 'online' && ++online > K ? { ...m, presence: 'offline' as const } : m)) };
    });
    fc.assert(
      fc.property(fewOnlineArb, (group) => {
        const { all, online, sample } = setUp(group);
        expect(online.length).toBeLessThanOrEqual(K);
        expect(sample).toHaveLength(online.length);
        expect(chooseAgent(input({ routing: sampleRouting, candidates: sample }))).toEqual(chooseAgent(input({ routing: sampleRouting, candidates: all })));
      }),
    );
  });

  it(`with more, the sample is ${K} online members and the choice the least loaded available one of them; it waits only if none is available`, () => {
    fc.assert(
      fc.property(groupArb, (group) => {
        const { online, sample } = setUp(group);
        expect(sample).toHaveLength(Math.min(K, online.length));
        const choice = chooseAgent(input({ routing: sampleRouting, candidates: sample }));
        const available = sample.filter((a) => isAvailable(a, 's1'));
        if (choice.kind === 'wait') {
          expect(available).toHaveLength(0);
          return;
        }
        const chosen = sample.find((a) => a.agentId === choice.agentId)!;
        for (const other of available) expect(chosen.load).toBeLessThanOrEqual(other.load);
      }),
      // About one run in ten has more than K members online: enough runs for a few dozen of those.
      { numRuns: 400 },
    );
  });
});
