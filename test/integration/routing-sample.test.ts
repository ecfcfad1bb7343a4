import { beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../shared/http/errors';
import { sampledMembersPerGroup } from '../../shared/routing/choose-agent';
import { routeConversation, routingDependencies, type RoutingDependencies } from '../../shared/routing/route-conversation';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { getAgent, getAgents, listAgentIdsOfGroup, listOnlineAgentIdsOfGroup, saveAgentProfile, updatePresence } from '../../shared/store/agents';
import { keys, memberRingPosition } from '../../shared/store/keys';
import { windowModel } from '../support/member-ring';
import { storedItem } from '../support/table';
import { createAgent, createShop, frameRecorder, measure, openWaiting, routingConfig } from './routing-fixtures';

/**
 * The router reads a bounded sample of a group: at most sampledMembersPerGroup online members from a
 * random place on the group's member ring, eventually consistent. These tests measure what one routing
 * costs in a 60-agent group, check the choice (exactly the least loaded while the group has no more online
 * members than the sample, the least loaded of the sample otherwise), that presence moves memberships
 * between the ONLINE and OFFLINE listings, and that a drain's named agent is found in a full department.
 */

/**
 * The `assigned` frame's order cards (issue 7 §2, announce-assignment.ts): the buyer-at-shop item's
 * linked platform ids and the buyer's own link (2 GetItems, 0.5 each), then the buyer's order index
 * (1 keys-only Query, 0.5); a buyer with orders adds a BatchGet of at most 5 orders.
 */
const orderCardReads = 1.5;

const tenant = 'tenant-routing-sample';
const K = sampledMembersPerGroup;

// ---- helpers ----

/** Sets an agent's load directly: these tests need a given spread of loads, not the conversations behind them. */
async function setLoad(agentId: string, load: number) {
  await dynamo().send(
    new UpdateCommand({ TableName: env().TABLE_NAME, Key: keys.agent(tenant, agentId), UpdateExpression: 'SET #load = :load', ExpressionAttributeNames: { '#load': 'load' }, ExpressionAttributeValues: { ':load': load } }),
  );
}

async function inParallel<T>(items: readonly T[], run: (item: T) => Promise<unknown>, width = 8) {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(run));
}

/** Routing dependencies with frames recorded, a fixed sample start, and the agent ids each read asked for. */
function routing(random: number, overrides: Partial<RoutingDependencies> = {}) {
  const recorder = frameRecorder();
  const read: string[][] = [];
  const deps: RoutingDependencies = {
    ...routingDependencies,
    notify: recorder.notify,
    random: () => random,
    getAgents: async (tenantId, ids, options) => {
      read.push([...ids]);
      return routingDependencies.getAgents(tenantId, ids, options);
    },
    ...overrides,
  };
  return { deps, read, recorder };
}

const loadsOf = async (agentIds: readonly string[]) => new Map((await getAgents(tenant, agentIds, { consistent: true })).map((a) => [a.agentId, a.load]));
const leastLoaded = (loads: Map<string, number>) => [...loads].sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1))[0]![0];

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);

describe('routing in a large group reads a bounded sample (DynamoDB Local)', () => {
  const big = ids('big', 60);
  const mixed = ids('mixed', 60);
  const mixedOnline = mixed.filter((_, i) => i % 3 === 0); // 20 online, 40 offline: fewer than K online

  beforeAll(async () => {
    await createShop(tenant, 'shop-big', routingConfig({ groups: { 'pre-sale': 'big', 'in-sale': 'mixed', 'after-sale': 'after' } }));
    // Distinct loads, spread over the ring without any order: load = 5 + (37 i mod 60).
    await inParallel(big, async (agentId) => {
      await createAgent(tenant, agentId, { shopIds: ['shop-big'], groupIds: ['big'], cap: 500 });
      await setLoad(agentId, 5 + ((37 * Number(agentId.slice(-2))) % 60));
    });
    await inParallel(mixed, async (agentId) => {
      const i = Number(agentId.slice(-2));
      await createAgent(tenant, agentId, { shopIds: ['shop-big'], groupIds: ['mixed'], cap: 500, presence: i % 3 === 0 ? 'online' : 'offline' });
      await setLoad(agentId, 5 + ((37 * i) % 60));
    });
  }, 120_000);

  it(`routes one conversation in a 60-agent group reading at most ${K} agents: ≤ ${K} × 0.5 + 5 read units`, async () => {
    const conversation = await openWaiting(tenant, 'shop-big', 'buyer-cost');
    const { deps, read } = routing(0.5);
    const { result, rru, wru, calls } = await measure(() => routeConversation(conversation, deps));
    expect(result).toMatchObject({ kind: 'assigned', attempts: 1 });
    expect(read).toHaveLength(1);
    expect(read[0]).toHaveLength(K);
    // Head (1, consistent), shop (0.5), buyer (1, consistent), sample (≤ 2 keys-only Queries: ≤ 1),
    // K agents eventually consistent (K × 0.5), the waiting line behind it (0.5), and the buyer's order
    // cards for the assigned frame (orderCardReads).
    console.info(`routing in a 60-agent group: ${rru} RRU, ${wru} WRU (${calls.join(', ')})`);
    expect(rru).toBeLessThanOrEqual(K * 0.5 + 5 + orderCardReads);
    // The sample is eventually consistent, so it costs half a unit an agent.
    expect(calls.filter((c) => c.startsWith('BatchGetItem'))).toEqual([`BatchGetItem ${K * 0.5}`]);
  });

  it(`with at most ${K} members online, reads only them and chooses exactly the least loaded, wherever the sample starts`, async () => {
    for (const [n, random] of [0, 0.3, 0.77, 0.999].entries()) {
      const conversation = await openWaiting(tenant, 'shop-big', `buyer-mixed-${n}`, 'in-sale');
      const expected = leastLoaded(await loadsOf(mixedOnline));
      const { deps, read } = routing(random);
      const { result, rru } = await measure(() => routeConversation(conversation, deps));
      expect(result, `start ${random}`).toMatchObject({ kind: 'assigned', agentId: expected, reason: 'group' });
      expect(new Set(read.flat())).toEqual(new Set(mixedOnline));
      expect(rru).toBeLessThanOrEqual(mixedOnline.length * 0.5 + 5 + orderCardReads);
    }
  });

  it(`with more than ${K} online, chooses the least loaded of the sample: the ${K} members from a random place on the ring`, async () => {
    for (const [n, random] of [0.1, 0.42, 0.9].entries()) {
      const sample = windowModel(big, random, K);
      expect(await listOnlineAgentIdsOfGroup(tenant, 'big', random, K)).toEqual(sample);
      const conversation = await openWaiting(tenant, 'shop-big', `buyer-big-${n}`);
      const expected = leastLoaded(await loadsOf(sample));
      const { deps, read } = routing(random);
      expect(await routeConversation(conversation, deps)).toMatchObject({ kind: 'assigned', agentId: expected, reason: 'group' });
      expect(read).toEqual([sample]);
    }
    // Across starts, every member is in some sample: nobody is starved by where they sit on the ring.
    const seen = new Set(Array.from({ length: 200 }, (_, i) => windowModel(big, i / 200, K)).flat());
    expect(seen.size).toBe(big.length);
  });

  it('finds the one agent with room in a full department when the drain names them, and waits without the name', async () => {
    await createShop(tenant, 'shop-full', routingConfig({ groups: { 'pre-sale': 'full', 'in-sale': 'full', 'after-sale': 'full' } }));
    const full = ids('full', 40);
    await inParallel(full, async (agentId) => {
      await createAgent(tenant, agentId, { shopIds: ['shop-full'], groupIds: ['full'], cap: 3 });
      await setLoad(agentId, 3);
    });
    const random = 0.6;
    const outside = full.find((id) => !windowModel(full, random, K).includes(id))!;
    const conversation = await openWaiting(tenant, 'shop-full', 'buyer-full');
    expect(await routeConversation(conversation, routing(random).deps)).toMatchObject({ kind: 'waiting', position: 1 });

    // The agent outside the sample closes a conversation: room for one, and the drain's job names them.
    await setLoad(outside, 2);
    expect(await routeConversation(conversation, routing(random).deps)).toMatchObject({ kind: 'waiting' });
    const { deps, read } = routing(random);
    expect(await routeConversation({ ...conversation, agentWithRoom: outside }, deps)).toMatchObject({ kind: 'assigned', agentId: outside, reason: 'group' });
    expect(read).toContainEqual([outside]);
    expect((await getAgent(tenant, outside, { consistent: true }))?.load).toBe(3);
  });
});

describe('presence moves group memberships between the ONLINE and OFFLINE listings (DynamoDB Local)', () => {
  const online = async (groupId: string) => listOnlineAgentIdsOfGroup(tenant, groupId, 0, 100);
  const membership = (agentId: string, groupId: string) => {
    const { pk, sk } = keys.agentGroupMembership(tenant, agentId, groupId, 'offline');
    return storedItem({ pk, sk });
  };

  it('lists an agent as online in every group while online, and in none while away or offline; the member list keeps them', async () => {
    await createAgent(tenant, 'mover', { shopIds: ['shop-big'], groupIds: ['g-x', 'g-y'], presence: 'offline' });
    for (const groupId of ['g-x', 'g-y']) {
      expect(await online(groupId)).not.toContain('mover');
      expect((await membership('mover', groupId))?.gsi1sk).toBe(`OFFLINE#${memberRingPosition('mover')}#AGENT#mover`);
    }
    const cost = await measure(() => updatePresence(tenant, 'mover', 'online'));
    console.info(`presence change, agent in 2 groups: ${cost.rru} RRU, ${cost.wru} WRU (${cost.calls.join(', ')})`);
    for (const groupId of ['g-x', 'g-y']) expect(await online(groupId)).toContain('mover');

    await updatePresence(tenant, 'mover', 'away');
    for (const groupId of ['g-x', 'g-y']) {
      expect(await online(groupId)).not.toContain('mover');
      expect((await membership('mover', groupId))?.gsi1sk).toMatch(/^AWAY#/);
      expect(await listAgentIdsOfGroup(tenant, groupId)).toContain('mover');
    }
  });

  it('lists a membership added while online as online at once, and drops a removed one', async () => {
    await createAgent(tenant, 'joiner', { shopIds: ['shop-big'], groupIds: ['g-x', 'g-y'] });
    const agent = (await getAgent(tenant, 'joiner', { consistent: true }))!;
    await saveAgentProfile(tenant, 'joiner', { name: 'joiner', shopIds: ['shop-big'], groupIds: ['g-x', 'g-z'], cap: 10 }, agent);
    expect(await online('g-z')).toContain('joiner');
    expect(await online('g-x')).toContain('joiner');
    expect(await online('g-y')).not.toContain('joiner');
    expect(await listAgentIdsOfGroup(tenant, 'g-y')).not.toContain('joiner');
  });

  it('refuses a profile change read before a presence change (409), so memberships never carry a stale presence', async () => {
    await createAgent(tenant, 'racer', { shopIds: ['shop-big'], groupIds: ['g-x'], presence: 'offline' });
    const before = (await getAgent(tenant, 'racer', { consistent: true }))!;
    await updatePresence(tenant, 'racer', 'online');
    await expect(saveAgentProfile(tenant, 'racer', { name: 'racer', shopIds: ['shop-big'], groupIds: ['g-x', 'g-w'], cap: 10 }, before)).rejects.toBeInstanceOf(ConflictError);
    expect(await listAgentIdsOfGroup(tenant, 'g-w')).not.toContain('racer');
    expect(await online('g-x')).toContain('racer');
  });

  it('a presence change that raced a group change writes the memberships the agent has now', async () => {
    await createAgent(tenant, 'switcher', { shopIds: ['shop-big'], groupIds: ['g-a'], presence: 'offline' });
    // Both at once: whichever commits second re-reads (presence) or gets a 409 (profile, retried here).
    const changeGroups = async () => {
      for (;;) {
        const agent = (await getAgent(tenant, 'switcher', { consistent: true }))!;
        try {
          return await saveAgentProfile(tenant, 'switcher', { name: 'switcher', shopIds: ['shop-big'], groupIds: ['g-b'], cap: 10 }, agent);
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
        }
      }
    };
    await Promise.all([changeGroups(), updatePresence(tenant, 'switcher', 'online')]);
    expect(await online('g-b')).toContain('switcher');
    expect(await listAgentIdsOfGroup(tenant, 'g-a')).not.toContain('switcher');
  });
});
