import { describe, expect, it } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { handler as routeHandler } from '../../functions/queue/route-conversations';
import { getAgent, updatePresence } from '../../shared/store/agents';
import { getBuyerAtShop, getRoutableConversation } from '../../shared/store/conversation-ownership';
import { waitingPosition } from '../../shared/store/waiting-line';
import { keys } from '../../shared/store/keys';
import { routeConversation, routingDependencies, type RoutingDependencies } from '../../shared/routing/route-conversation';
import { closeConversationByUser, ownershipDependencies } from '../../shared/routing/ownership';
import { presenceDependencies, setPresence } from '../../shared/routing/presence';
import { maxPositionUpdatesPerMove } from '../../shared/routing/waiting-line';
import type { RouteJob } from '../../shared/conversations/jobs';
import { lambdaContext } from '../support/events';
import { storedItem } from '../support/table';
import { createAgent, createShop, frameRecorder, head, idleTimersOf, openListCount, openWaiting, routingConfig } from './routing-fixtures';

const tenant = 'tenant-routing-assign';

/** Conversations here are opened a moment before they are routed: they count as settled in their line at once. */
function deps(overrides: Partial<RoutingDependencies> = {}) {
  const recorder = frameRecorder();
  return { recorder, deps: { ...routingDependencies, notify: recorder.notify, settledWaitMs: 0, ...overrides } };
}

/** `load` must equal the conversations on the agent's open list: the invariant every transaction keeps. */
async function expectLoadsTrue(agentIds: string[]) {
  for (const agentId of agentIds) {
    const agent = await getAgent(tenant, agentId, { consistent: true });
    expect(agent?.load, `load of ${agentId}`).toBe(await openListCount(tenant, agentId));
  }
}

describe('routing a waiting conversation (DynamoDB Local)', () => {
  it('assigns to the least-loaded online agent in one transaction: head, open list, agent-day, load, last agent, idle timer', async () => {
    await createShop(tenant, 'shop-basic');
    await createAgent(tenant, 'basic-busy', { shopIds: ['shop-basic'], groupIds: ['pre'] });
    await createAgent(tenant, 'basic-free', { shopIds: ['shop-basic'], groupIds: ['pre'] });
    const { deps: d0 } = deps();
    // Give basic-busy one conversation first, so basic-free is the least loaded.
    const first = await openWaiting(tenant, 'shop-basic', 'buyer-0');
    expect(await routeConversation(first, d0)).toMatchObject({ kind: 'assigned', agentId: 'basic-busy' });

    const conversation = await openWaiting(tenant, 'shop-basic', 'buyer-1');
    const { deps: d, recorder } = deps();
    const outcome = await routeConversation(conversation, d);
    expect(outcome).toEqual({ kind: 'assigned', agentId: 'basic-free', reason: 'group', attempts: 1 });

    const item = await head(tenant, conversation.conversationId);
    expect(item).toMatchObject({
      status: 'assigned',
      assigneeId: 'basic-free',
      groupId: 'pre',
      assignmentVersion: 1,
      ...keys.conversationInAssigneeList(tenant, 'basic-free', conversation.openedAt, conversation.conversationId),
    });
    expect(item?.gsi2pk).toMatch(new RegExp(`^T#${tenant}#AGENT#basic-free#DAY#\\d{4}-\\d{2}-\\d{2}$`));
    expect((await getBuyerAtShop(tenant, 'shop-basic', 'buyer-1')).lastAgentId).toBe('basic-free');
    // Opened without a message here (test/integration/routing-joins.test.ts routes real opening messages).
    expect(recorder.of('basic-free')).toEqual([
      // `orders`: the buyer's order cards at the shop (none here).
      { type: 'assigned', conversationId: conversation.conversationId, shopId: 'shop-basic', buyerId: 'buyer-1', stage: 'pre-sale', lastSeq: 0, messages: [], orders: [] },
    ]);
    expect(recorder.of('buyer-1')).toEqual([
      { type: 'agentJoined', conversationId: conversation.conversationId, role: 'agent', agentId: 'basic-free', name: 'basic-free', kind: 'assigned' },
    ]);
    await expectLoadsTrue(['basic-busy', 'basic-free']);
    const timers = await idleTimersOf(tenant, conversation.conversationId);
    expect(timers).toHaveLength(1);
    const dueInMs = Date.parse(String(timers[0]?.dueAt)) - Date.parse(String(item?.assignedAt));
    expect(dueInMs).toBe(30 * 60_000);
  });

  it('does nothing for a duplicate or late job (idempotent)', async () => {
    await createShop(tenant, 'shop-dup');
    await createAgent(tenant, 'dup-1', { shopIds: ['shop-dup'], groupIds: ['pre'] });
    const conversation = await openWaiting(tenant, 'shop-dup', 'buyer-dup');
    const { deps: d, recorder } = deps();
    expect((await routeConversation(conversation, d)).kind).toBe('assigned');
    expect(await routeConversation(conversation, d)).toEqual({ kind: 'skipped', reason: 'not-waiting' });
    expect(await routeConversation({ tenantId: tenant, conversationId: 'no-such-conversation' }, d)).toEqual({ kind: 'skipped', reason: 'not-found' });
    // Once: the agent's `assigned` and the buyer's `agentJoined`.
    expect(recorder.frames.map((f) => f.frame.type)).toEqual(['assigned', 'agentJoined']);
    expect((await getAgent(tenant, 'dup-1'))?.load).toBe(1);
  });

  it('two (and three) routers racing on the same conversation: one assignment, loads stay true (row 10)', async () => {
    await createShop(tenant, 'shop-race');
    const agents = ['race-a', 'race-b', 'race-c'];
    for (const agentId of agents) await createAgent(tenant, agentId, { shopIds: ['shop-race'], groupIds: ['pre'], cap: 100 });
    for (let round = 0; round < 25; round++) {
      const conversation = await openWaiting(tenant, 'shop-race', `buyer-race-${round}`);
      const routers = round % 2 === 0 ? 2 : 3;
      const outcomes = await Promise.all(Array.from({ length: routers }, () => routeConversation(conversation, deps().deps)));
      expect(outcomes.filter((o) => o.kind === 'assigned'), `round ${round}`).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'skipped')).toHaveLength(routers - 1);
      const item = await head(tenant, conversation.conversationId);
      expect(item?.status).toBe('assigned');
      expect(item?.assignmentVersion).toBe(1);
    }
    await expectLoadsTrue(agents);
    const total = (await Promise.all(agents.map((a) => getAgent(tenant, a, { consistent: true })))).reduce((sum, a) => sum + (a?.load ?? 0), 0);
    expect(total).toBe(25);
  });

  it('respects caps under concurrency: 50 conversations, 3 agents of cap 10 → 30 assigned, 20 waiting in order', async () => {
    await createShop(tenant, 'shop-cap');
    const agents = ['cap-a', 'cap-b', 'cap-c'];
    for (const agentId of agents) await createAgent(tenant, agentId, { shopIds: ['shop-cap'], groupIds: ['pre'], cap: 10 });
    const conversations = [];
    for (let i = 0; i < 50; i++) conversations.push(await openWaiting(tenant, 'shop-cap', `buyer-cap-${i}`));
    const { deps: d, recorder } = deps();
    // Each conversation routed twice at once, everything in parallel: duplicates and contention together.
    const outcomes = await Promise.all([...conversations, ...conversations].map((c) => routeConversation(c, d)));
    expect(outcomes.filter((o) => o.kind === 'assigned')).toHaveLength(30);

    for (const agentId of agents) {
      const agent = await getAgent(tenant, agentId, { consistent: true });
      expect(agent?.load).toBe(10);
    }
    await expectLoadsTrue(agents);
    const heads = await Promise.all(conversations.map((c) => getRoutableConversation(tenant, c.conversationId)));
    expect(heads.filter((h) => h?.status === 'assigned')).toHaveLength(30);
    const waiting = heads.filter((h) => h?.status === 'waiting');
    expect(waiting).toHaveLength(20);
    // Positions count from 1 along the line, oldest first.
    const positions = await Promise.all(waiting.map((h) => waitingPosition(h!)));
    expect(positions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const told = recorder.frames.filter((f) => f.frame.type === 'queuePosition');
    expect(told.length).toBeGreaterThanOrEqual(20);
    for (const { frame } of told) expect(frame).toMatchObject({ type: 'queuePosition', position: expect.any(Number) });
  });

  it('tries the next agent when the chosen one filled up after the read (bounded retries)', async () => {
    await createShop(tenant, 'shop-stale');
    await createAgent(tenant, 'stale-a', { shopIds: ['shop-stale'], groupIds: ['pre'], cap: 1 });
    await createAgent(tenant, 'stale-b', { shopIds: ['shop-stale'], groupIds: ['pre'], cap: 5 });
    // stale-a is full, but the router's first read says it is empty.
    const filler = await openWaiting(tenant, 'shop-stale', 'buyer-stale-0');
    expect(await routeConversation(filler, deps().deps)).toMatchObject({ agentId: 'stale-a' });
    let reads = 0;
    const { deps: d } = deps({
      getAgents: async (tenantId, ids) => {
        const agents = await routingDependencies.getAgents(tenantId, ids);
        return reads++ === 0 ? agents.map((a) => (a.agentId === 'stale-a' ? { ...a, load: 0 } : a)) : agents;
      },
    });
    const conversation = await openWaiting(tenant, 'shop-stale', 'buyer-stale-1');
    expect(await routeConversation(conversation, d)).toMatchObject({ kind: 'assigned', agentId: 'stale-b', attempts: 2 });
    await expectLoadsTrue(['stale-a', 'stale-b']);
  });

  it('never assigns to an agent who went away between the read and the transaction', async () => {
    await createShop(tenant, 'shop-away');
    await createAgent(tenant, 'away-a', { shopIds: ['shop-away'], groupIds: ['pre'] });
    const conversation = await openWaiting(tenant, 'shop-away', 'buyer-away');
    const { deps: d } = deps({
      assign: async (input) => {
        await updatePresence(tenant, 'away-a', 'away');
        return routingDependencies.assign(input);
      },
    });
    expect(await routeConversation(conversation, d)).toEqual({ kind: 'waiting', position: 1 });
    expect((await head(tenant, conversation.conversationId))?.status).toBe('waiting');
    expect((await getAgent(tenant, 'away-a', { consistent: true }))?.load).toBe(0);
  });

  it('borrows from the backup group, keeps the last agent, and makes the first agent the owner in owner mode', async () => {
    await createShop(tenant, 'shop-modes', routingConfig({ mode: 'owner', backupGroup: 'after' }));
    await createAgent(tenant, 'modes-pre', { shopIds: ['shop-modes'], groupIds: ['pre'], presence: 'offline' });
    await createAgent(tenant, 'modes-after', { shopIds: ['shop-modes'], groupIds: ['after'] });
    const first = await openWaiting(tenant, 'shop-modes', 'buyer-modes');
    expect(await routeConversation(first, deps().deps)).toMatchObject({ agentId: 'modes-after', reason: 'backup' });
    expect(await getBuyerAtShop(tenant, 'shop-modes', 'buyer-modes')).toMatchObject({ lastAgentId: 'modes-after', ownerAgentId: 'modes-after' });
  });

  it('tells a buyer their place in line when nobody can take the conversation', async () => {
    await createShop(tenant, 'shop-line');
    await createAgent(tenant, 'line-off', { shopIds: ['shop-line'], groupIds: ['pre'], presence: 'offline' });
    const { deps: d, recorder } = deps();
    const line = [];
    for (let i = 0; i < 3; i++) line.push(await openWaiting(tenant, 'shop-line', `buyer-line-${i}`));
    for (const conversation of line) await routeConversation(conversation, d);
    expect(line.map((c) => recorder.of(c.buyerId))).toEqual(
      line.map((c, i) => [{ type: 'queuePosition', conversationId: c.conversationId, position: i + 1 }]),
    );
  });

  it('the queue consumer reports only the malformed record failed and routes the good one (rows 4-5)', async () => {
    await createShop(tenant, 'shop-consumer');
    await createAgent(tenant, 'consumer-a', { shopIds: ['shop-consumer'], groupIds: ['pre'] });
    const conversation = await openWaiting(tenant, 'shop-consumer', 'buyer-consumer');
    const record = (messageId: string, body: string) => ({ messageId, body, receiptHandle: messageId, attributes: {}, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:0:routing', awsRegion: 'us-east-1' });
    const event = {
      Records: [
        record('good', JSON.stringify({ type: 'route', tenantId: tenant, conversationId: conversation.conversationId })),
        record('bad-json', '{'),
        record('bad-id', JSON.stringify({ type: 'route', tenantId: tenant, conversationId: '../x' })),
        record('extra-key', JSON.stringify({ type: 'route', tenantId: tenant, conversationId: conversation.conversationId, agentId: 'x' })),
      ],
    } as unknown as SQSEvent;
    const response = await routeHandler(event, lambdaContext);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['bad-id', 'bad-json', 'extra-key']);
    expect((await head(tenant, conversation.conversationId))?.assigneeId).toBe('consumer-a');
    expect(await storedItem(keys.buyerAtShop(tenant, 'shop-consumer', 'buyer-consumer'))).toMatchObject({ lastAgentId: 'consumer-a' });
  });
});

describe('waiting-line position updates (DynamoDB Local)', () => {
  const positionsOf = (recorder: ReturnType<typeof frameRecorder>, buyerId: string) =>
    recorder.of(buyerId).flatMap((frame) => (frame.type === 'queuePosition' ? [frame.position] : []));

  it('5 waiting, an agent comes online with room for 2: the 3 still waiting are told positions 1, 2, 3; a redelivered job tells nobody again', async () => {
    await createShop(tenant, 'shop-moves');
    await createAgent(tenant, 'moves-a', { shopIds: ['shop-moves'], groupIds: ['pre'], cap: 2, presence: 'offline' });
    const line = [];
    for (let i = 0; i < 5; i++) line.push(await openWaiting(tenant, 'shop-moves', `buyer-moves-${i}`));
    const buyers = line.map((c) => c.buyerId);

    // Going online drains the two oldest into routing jobs; the router runs them one after the other.
    const jobs: RouteJob[] = [];
    const online = await setPresence({ tenantId: tenant, userId: 'moves-a', role: 'agent', shopIds: ['shop-moves'] }, 'online', {
      ...presenceDependencies,
      sendRouteJob: async (job) => void jobs.push(job),
    });
    expect(online.routed).toBe(2);
    expect(jobs.map((j) => j.conversationId)).toEqual([line[0]!.conversationId, line[1]!.conversationId]);
    const { deps: d, recorder } = deps();
    for (const job of jobs) expect(await routeConversation(job, d)).toMatchObject({ kind: 'assigned', agentId: 'moves-a' });

    // Each assignment moved the line once: everyone behind the leaver got their new place.
    expect(buyers.map((b) => positionsOf(recorder, b))).toEqual([[], [1], [2, 1], [3, 2], [4, 3]]);
    expect(buyers.slice(2).map((b) => recorder.of(b).at(-1))).toEqual(
      line.slice(2).map((c, i) => ({ type: 'queuePosition', conversationId: c.conversationId, position: i + 1 })),
    );
    // The positions told are the ones the line now has.
    const heads = await Promise.all(line.slice(2).map((c) => getRoutableConversation(tenant, c.conversationId)));
    expect(await Promise.all(heads.map((h) => waitingPosition(h!)))).toEqual([1, 2, 3]);

    // SQS redelivers both jobs: the conversations are assigned already, so nothing is sent again.
    const framesBefore = recorder.frames.length;
    for (const job of jobs) expect(await routeConversation(job, d)).toEqual({ kind: 'skipped', reason: 'not-waiting' });
    expect(recorder.frames).toHaveLength(framesBefore);
  });

  it('a waiting conversation closed from the middle of the line: only the buyers behind it are told', async () => {
    await createShop(tenant, 'shop-close-line');
    const line = [];
    for (let i = 0; i < 4; i++) line.push(await openWaiting(tenant, 'shop-close-line', `buyer-close-line-${i}`));
    const recorder = frameRecorder();
    const supervisor = { tenantId: tenant, userId: 'sup-close-line', role: 'supervisor' as const, shopIds: ['shop-close-line'] };
    const closing = { ...ownershipDependencies, notify: recorder.notify, waitingLine: { ...ownershipDependencies.waitingLine, settledWaitMs: 0 } };
    expect(await closeConversationByUser(supervisor, line[1]!.conversationId, closing)).toMatchObject({ status: 'closed' });
    expect(line.map((c) => recorder.of(c.buyerId))).toEqual([
      [],
      [{ type: 'conversationClosed', conversationId: line[1]!.conversationId, reason: 'closed' }],
      [{ type: 'queuePosition', conversationId: line[2]!.conversationId, position: 2 }],
      [{ type: 'queuePosition', conversationId: line[3]!.conversationId, position: 3 }],
    ]);
    // Closing it again is acknowledged without another movement.
    await closeConversationByUser(supervisor, line[1]!.conversationId, closing);
    expect(recorder.frames).toHaveLength(3);
  });

  it(`tells at most the first ${maxPositionUpdatesPerMove} of a long line; the rest learn theirs from their own routing job`, async () => {
    await createShop(tenant, 'shop-long-line');
    await createAgent(tenant, 'long-a', { shopIds: ['shop-long-line'], groupIds: ['pre'], cap: 1, presence: 'offline' });
    const line = [];
    for (let i = 0; i < maxPositionUpdatesPerMove + 4; i++) line.push(await openWaiting(tenant, 'shop-long-line', `buyer-long-${i}`));
    await updatePresence(tenant, 'long-a', 'online');
    const { deps: d, recorder } = deps();
    expect(await routeConversation(line[0]!, d)).toMatchObject({ kind: 'assigned', agentId: 'long-a' });
    const told = recorder.frames.filter((f) => f.frame.type === 'queuePosition');
    expect(told.map((f) => f.userId)).toEqual(line.slice(1, maxPositionUpdatesPerMove + 1).map((c) => c.buyerId));
    expect(told.map((f) => (f.frame.type === 'queuePosition' ? f.frame.position : 0))).toEqual(Array.from({ length: maxPositionUpdatesPerMove }, (_, i) => i + 1));
    // Further back: the buyer's own routing job (nobody free now) tells them.
    const back = line.at(-1)!;
    expect(await routeConversation(back, d)).toEqual({ kind: 'waiting', position: maxPositionUpdatesPerMove + 3 });
  });
});
