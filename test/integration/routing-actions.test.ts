import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../shared/auth/identity';
import { handler as setPresenceHandler } from '../../functions/ws/set-presence';
import { handler as transferHandler } from '../../functions/ws/transfer';
import { handler as reassignHandler } from '../../functions/ws/reassign';
import { handler as closeHandler } from '../../functions/ws/close-conversation';
import { handler as watchHandler } from '../../functions/ws/watch';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { getAgent } from '../../shared/store/agents';
import { getBuyerAtShop } from '../../shared/store/conversation-ownership';
import { keys } from '../../shared/store/keys';
import { openConversation } from '../../shared/store/conversations';
import { routeConversation, routingDependencies } from '../../shared/routing/route-conversation';
import { ownershipDependencies, transferConversation, closeConversationByUser, watchConversation } from '../../shared/routing/ownership';
import { liveWatchers, maxWatchers, watchLifetimeSeconds } from '../../shared/conversations/conversation';
import { presenceDependencies, setPresence } from '../../shared/routing/presence';
import type { RouteJob } from '../../shared/conversations/jobs';
import { transferFrame } from '../../shared/routing/frames';
import { callWs } from '../support/events';
import { ownQueues, receiveAll } from '../support/queues';
import { createAgent, createShop, frameRecorder, head, openListCount, openWaiting, routingConfig } from './routing-fixtures';

const tenant = 'tenant-routing-actions';
const otherTenant = 'tenant-routing-actions-other';

const user = (userId: string, role: Identity['role'], shopIds: string[] = ['shop-a'], tenantId = tenant): Identity => ({ tenantId, userId, role, shopIds });
const agent1 = user('ag-1', 'agent');
const agent2 = user('ag-2', 'agent');
const agentB = user('ag-b', 'agent', ['shop-b']);
const supervisorA = user('sup-a', 'supervisor');
const supervisorB = user('sup-b', 'supervisor', ['shop-b']);
const buyer = user('buyer-x', 'buyer', []);
const foreignAgent = user('ag-1', 'agent', ['shop-a'], otherTenant);
const foreignSupervisor = user('sup-a', 'supervisor', ['shop-a'], otherTenant);

const send = (handler: Parameters<typeof callWs>[0], identity: Identity, frame: unknown): Promise<Record<string, unknown>> => callWs(handler, identity, frame);
const withoutRequestId = (frame: Record<string, unknown>) => ({ ...frame, requestId: undefined });

const quiet = () => {
  const recorder = frameRecorder();
  const jobs: RouteJob[] = [];
  const sendRouteJob = async (job: RouteJob) => {
    jobs.push(job);
  };
  return {
    recorder,
    jobs,
    ownership: { ...ownershipDependencies, notify: recorder.notify, sendRouteJob },
    presence: { ...presenceDependencies, sendRouteJob },
    routing: { ...routingDependencies, notify: recorder.notify },
  };
};

/** A conversation of shop-a assigned to `agentId` (made the only one online in 'pre' for the moment). */
async function assignedTo(agentId: string, buyerId: string) {
  const conversation = await openWaiting(tenant, 'shop-a', buyerId);
  const outcome = await routeConversation(conversation, {
    ...quiet().routing,
    getAgents: async (tenantId, ids) => (await routingDependencies.getAgents(tenantId, ids)).filter((a) => a.agentId === agentId),
  });
  expect(outcome).toMatchObject({ kind: 'assigned', agentId });
  return conversation;
}

describe('agent and supervisor actions (DynamoDB Local)', () => {
  let routingQueue: string;
  beforeAll(async () => {
    routingQueue = (await ownQueues('routing-actions')).routing;
    await createShop(tenant, 'shop-a', routingConfig({ backupGroup: 'after' }));
    await createShop(tenant, 'shop-b');
    await createAgent(tenant, 'ag-1', { shopIds: ['shop-a'], groupIds: ['pre'], cap: 50 });
    await createAgent(tenant, 'ag-2', { shopIds: ['shop-a'], groupIds: ['pre'], cap: 50 });
    await createAgent(tenant, 'ag-full', { shopIds: ['shop-a'], groupIds: ['pre'], cap: 1 });
    await createAgent(tenant, 'ag-off', { shopIds: ['shop-a'], groupIds: ['pre'], presence: 'offline' });
    await createAgent(tenant, 'ag-b', { shopIds: ['shop-b'], groupIds: ['pre'] });
    await createAgent(tenant, 'ag-after', { shopIds: ['shop-a'], groupIds: ['after'], cap: 50, presence: 'offline' });
    await assignedTo('ag-full', 'buyer-fill');
  });

  describe('setPresence', () => {
    it('stores the presence and acks it; going online drains the waiting lines of the agent’s shops', async () => {
      await createAgent(tenant, 'ag-late', { shopIds: ['shop-late'], groupIds: ['pre'], presence: 'offline' });
      await createShop(tenant, 'shop-late');
      const waiting = [await openWaiting(tenant, 'shop-late', 'late-1'), await openWaiting(tenant, 'shop-late', 'late-2', 'after-sale')];
      const { presence, jobs } = quiet();
      const result = await setPresence(user('ag-late', 'agent', ['shop-late']), 'online', presence);
      expect(result).toMatchObject({ presence: 'online', load: 0, routed: 2 });
      expect(jobs.map((j) => j.conversationId).sort()).toEqual(waiting.map((c) => c.conversationId).sort());
      expect(jobs.every((j) => j.tenantId === tenant && j.type === 'route')).toBe(true);
      // Then routing picks them up: the pre-sale one goes to ag-late; the after-sale one has no after-sale agent.
      const { routing } = quiet();
      expect(await routeConversation(waiting[0]!, routing)).toMatchObject({ kind: 'assigned', agentId: 'ag-late' });
      const away = await setPresence(user('ag-late', 'agent', ['shop-late']), 'away', presence);
      expect(away).toMatchObject({ presence: 'away', routed: 0 });
    });

    it('acks over the WebSocket route with the ref, and the drained jobs reach the routing queue', async () => {
      await createShop(tenant, 'shop-q');
      await createAgent(tenant, 'ag-q', { shopIds: ['shop-q'], groupIds: ['pre'], presence: 'offline' });
      const waiting = [await openWaiting(tenant, 'shop-q', 'q-1'), await openWaiting(tenant, 'shop-q', 'q-2', 'in-sale')];
      const reply = await send(setPresenceHandler, user('ag-q', 'agent', ['shop-q']), { action: 'setPresence', presence: 'online', ref: 'r1' });
      expect(reply).toEqual({ type: 'ack', action: 'setPresence', presence: 'online', load: 0, cap: 10, routed: 2, ref: 'r1' });
      const jobs = await receiveAll(routingQueue);
      // Each job names the agent whose room sent it, so the router reads them whatever the size of the group.
      expect(jobs).toEqual(expect.arrayContaining(waiting.map((c) => ({ type: 'route', tenantId: tenant, conversationId: c.conversationId, agentWithRoom: 'ag-q' }))));
    });

    it('refuses a user with no agent profile in the tenant, and another tenant’s user with the same id, changing nothing (row 14)', async () => {
      const before = await getAgent(tenant, 'ag-1', { consistent: true });
      const foreign = await send(setPresenceHandler, foreignAgent, { action: 'setPresence', presence: 'offline' });
      expect(foreign).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
      const missing = await send(setPresenceHandler, user('nobody', 'agent'), { action: 'setPresence', presence: 'offline' });
      expect(withoutRequestId(foreign)).toEqual(withoutRequestId(missing));
      expect((await getAgent(tenant, 'ag-1', { consistent: true }))?.presence).toBe(before?.presence);
    });

    it.each([
      ['an unknown presence', { action: 'setPresence', presence: 'busy' }, 'presence'],
      ['a load override', { action: 'setPresence', presence: 'offline', load: 0 }, 'load'],
      ['a tenantId', { action: 'setPresence', presence: 'offline', tenantId: otherTenant }, 'tenantId'],
      ['invalid JSON', '{"action":', '(frame)'],
    ])('answers %s with an error frame naming the field and changes nothing (rows 16, 20)', async (_name, frame, field) => {
      const reply = await send(setPresenceHandler, agent1, frame);
      expect(reply).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', field });
      expect((await getAgent(tenant, 'ag-1', { consistent: true }))?.presence).toBe('online');
    });

    it('refuses buyers (row 15)', async () => {
      expect(await send(setPresenceHandler, buyer, { action: 'setPresence', presence: 'online' })).toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  describe('transfer and reassign', () => {
    it('moves the conversation, both loads and the buyer’s last agent in one step, records the note and tells the new agent', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-t1');
      const loads = { a1: (await getAgent(tenant, 'ag-1', { consistent: true }))!.load, a2: (await getAgent(tenant, 'ag-2', { consistent: true }))!.load };
      const { ownership, recorder } = quiet();
      const ack = await transferConversation(agent1, { conversationId: conversation.conversationId, toAgentId: 'ag-2', note: '买家要换尺码，已查库存' }, { action: 'transfer' }, ownership);
      expect(ack).toEqual({ type: 'ack', action: 'transfer', conversationId: conversation.conversationId, status: 'assigned', assigneeId: 'ag-2' });
      expect((await getAgent(tenant, 'ag-1', { consistent: true }))!.load).toBe(loads.a1 - 1);
      expect((await getAgent(tenant, 'ag-2', { consistent: true }))!.load).toBe(loads.a2 + 1);
      expect(await head(tenant, conversation.conversationId)).toMatchObject({
        assigneeId: 'ag-2',
        ...keys.conversationInAssigneeList(tenant, 'ag-2', conversation.openedAt, conversation.conversationId),
      });
      expect((await getBuyerAtShop(tenant, 'shop-a', 'buyer-t1')).lastAgentId).toBe('ag-2');
      expect(recorder.of('ag-2')).toEqual([
        expect.objectContaining({ type: 'assigned', conversationId: conversation.conversationId, transferredBy: 'ag-1', note: '买家要换尺码，已查库存' }),
      ]);
      const { pk, skPrefix } = keys.transfersOfConversation(tenant, conversation.conversationId);
      const records = await dynamo().send(
        new QueryCommand({ TableName: env().TABLE_NAME, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)', ExpressionAttributeValues: { ':pk': pk, ':p': skPrefix } }),
      );
      expect(records.Items).toEqual([expect.objectContaining({ fromAgentId: 'ag-1', toAgentId: 'ag-2', byUserId: 'ag-1', note: '买家要换尺码，已查库存' })]);
      for (const agentId of ['ag-1', 'ag-2']) expect((await getAgent(tenant, agentId, { consistent: true }))!.load).toBe(await openListCount(tenant, agentId));
    });

    it('hands a conversation to a group of the shop: it waits in its old place, a routing job goes out, and the group’s agent gets it', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-t2');
      const { ownership, jobs, routing } = quiet();
      const ack = await transferConversation(agent1, { conversationId: conversation.conversationId, toGroupId: 'after', note: 'return request' }, { action: 'transfer' }, ownership);
      expect(ack).toMatchObject({ status: 'waiting', requestedGroupId: 'after' });
      expect(jobs).toContainEqual({ type: 'route', tenantId: tenant, conversationId: conversation.conversationId });
      expect(await head(tenant, conversation.conversationId)).toMatchObject({
        status: 'waiting',
        requestedGroupId: 'after',
        ...keys.conversationInWaitingLine(tenant, 'shop-a', 'pre-sale', conversation.openedAt, conversation.conversationId),
      });
      expect((await head(tenant, conversation.conversationId))?.assigneeId).toBeUndefined();
      // Nobody of 'after' is online: it waits (not back to the pre-sale agents). Then one comes online.
      expect(await routeConversation(conversation, routing)).toMatchObject({ kind: 'waiting' });
      await setPresence(user('ag-after', 'agent'), 'online', quiet().presence);
      expect(await routeConversation(conversation, routing)).toMatchObject({ kind: 'assigned', agentId: 'ag-after' });
      expect((await head(tenant, conversation.conversationId))?.requestedGroupId).toBeUndefined();
    });

    it('lets a supervisor of the shop reassign, and refuses reassign to agents', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-r1');
      const byAgent = await send(reassignHandler, agent1, { action: 'reassign', conversationId: conversation.conversationId, toAgentId: 'ag-2' });
      expect(byAgent).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
      const reply = await send(reassignHandler, supervisorA, { action: 'reassign', conversationId: conversation.conversationId, toAgentId: 'ag-2', ref: 'x' });
      expect(reply).toMatchObject({ type: 'ack', action: 'reassign', assigneeId: 'ag-2', ref: 'x' });
    });

    it('refuses the target when it is offline or full (409) and when it is on another shop or tenant (404), changing nothing', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-t3');
      const before = await head(tenant, conversation.conversationId);
      const frame = (toAgentId: string) => ({ action: 'transfer', conversationId: conversation.conversationId, toAgentId, note: 'n' });
      expect(await send(transferHandler, agent1, frame('ag-off'))).toMatchObject({ code: 'AGENT_UNAVAILABLE' });
      expect(await send(transferHandler, agent1, frame('ag-full'))).toMatchObject({ code: 'AGENT_UNAVAILABLE' });
      expect(await send(transferHandler, agent1, frame('ag-b'))).toMatchObject({ code: 'NOT_FOUND', message: 'agent not found' });
      expect(await send(transferHandler, agent1, frame('ag-nobody'))).toMatchObject({ code: 'NOT_FOUND', message: 'agent not found' });
      expect(await send(transferHandler, agent1, { ...frame('x'), toAgentId: undefined, toGroupId: 'not-a-group-of-shop-a' })).toMatchObject({ code: 'NOT_FOUND', message: 'group not found' });
      expect(await send(transferHandler, agent1, frame('ag-1'))).toMatchObject({ code: 'VALIDATION_FAILED', field: 'toAgentId' });
      expect(await head(tenant, conversation.conversationId)).toEqual(before);
      expect((await getAgent(tenant, 'ag-full', { consistent: true }))!.load).toBe(1);
      expect((await getAgent(tenant, 'ag-off', { consistent: true }))!.load).toBe(0);
    });

    it('refuses other agents of the shop (403), agents and supervisors of other shops and tenants (404 like a missing id), and buyers (rows 14-15)', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-t4');
      const before = await head(tenant, conversation.conversationId);
      const frame = { action: 'transfer', conversationId: conversation.conversationId, toAgentId: 'ag-2', note: 'n' };
      const missing = await send(transferHandler, agentB, { ...frame, conversationId: 'no-such-conversation' });
      expect(missing).toMatchObject({ code: 'NOT_FOUND', message: 'conversation not found' });
      expect(await send(transferHandler, agent2, frame)).toMatchObject({ code: 'FORBIDDEN' });
      for (const caller of [agentB, supervisorB, foreignAgent, foreignSupervisor]) {
        expect(withoutRequestId(await send(transferHandler, caller, frame))).toEqual(withoutRequestId(missing));
        expect(withoutRequestId(await send(reassignHandler, caller.role === 'agent' ? { ...caller, role: 'supervisor' } : caller, { ...frame, action: 'reassign' }))).toEqual(
          withoutRequestId(missing),
        );
      }
      expect(await send(transferHandler, buyer, frame)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await head(tenant, conversation.conversationId)).toEqual(before);
    });

    it.each([
      ['both targets', { toAgentId: 'ag-2', toGroupId: 'after', note: 'n' }, 'toAgentId'],
      ['no target', { note: 'n' }, 'toAgentId'],
      ['no note', { toAgentId: 'ag-2' }, 'note'],
      ['a 501-character note', { toAgentId: 'ag-2', note: 'x'.repeat(501) }, 'note'],
      ['a lone surrogate in the note', { toAgentId: 'ag-2', note: 'hi \ud800' }, 'note'],
      ['a bidi override in the note', { toAgentId: 'ag-2', note: 'ok \u202e' }, 'note'],
      ['a tenantId', { toAgentId: 'ag-2', note: 'n', tenantId: otherTenant }, 'tenantId'],
      ['an assigneeId', { toAgentId: 'ag-2', note: 'n', assigneeId: 'ag-2' }, 'assigneeId'],
      ['a path-like id', { toAgentId: '../ag-2', note: 'n' }, 'toAgentId'],
    ])('answers %s with an error frame naming the field and changes nothing (rows 16, 20)', async (_name, fields, field) => {
      const conversation = await assignedTo('ag-1', `buyer-bad-${Math.random().toString(36).slice(2, 10)}`);
      const before = await head(tenant, conversation.conversationId);
      const reply = await send(transferHandler, agent1, { action: 'transfer', conversationId: conversation.conversationId, ...fields });
      expect(reply).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', field });
      expect(await head(tenant, conversation.conversationId)).toEqual(before);
    });

    it('never answers a fuzzed frame with an internal error (row 20)', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-fuzz');
      await fc.assert(
        fc.asyncProperty(
          fc.record(
            {
              action: fc.constantFrom('transfer', 'reassign', 'x'),
              conversationId: fc.oneof(fc.constant(conversation.conversationId), fc.string(), fc.integer()),
              toAgentId: fc.oneof(fc.constant('ag-2'), fc.string({ maxLength: 80 }), fc.constant(null)),
              toGroupId: fc.oneof(fc.constant('after'), fc.string({ unit: 'grapheme', maxLength: 80 })),
              note: fc.oneof(fc.string({ unit: 'binary', maxLength: 600 }), fc.array(fc.string(), { maxLength: 3 })),
              __proto__: fc.constant({ polluted: true }),
            },
            { requiredKeys: ['action'] },
          ),
          async (frame) => {
            const reply = await send(transferHandler, agent1, frame);
            // The generator can build a valid transfer (e.g. to group 'after'), which may be acked (or refused
            // once an earlier run moved the conversation away); an invalid frame must always be an error.
            const valid = transferFrame.safeParse(JSON.parse(JSON.stringify(frame))).success;
            if (!valid) expect(reply.type).toBe('error');
            expect(reply.code).not.toBe('INTERNAL');
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  describe('closeConversation', () => {
    it('closes in one step: head closed and off the open list, buyer pointer cleared, load down once; a repeat is acked again', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-c1');
      const load = (await getAgent(tenant, 'ag-1', { consistent: true }))!.load;
      const { ownership, recorder } = quiet();
      const acks = await Promise.all([1, 2, 3].map(() => closeConversationByUser(agent1, conversation.conversationId, ownership)));
      for (const ack of acks) expect(ack).toEqual({ type: 'ack', action: 'closeConversation', conversationId: conversation.conversationId, status: 'closed' });
      const item = await head(tenant, conversation.conversationId);
      expect(item).toMatchObject({ status: 'closed', closedBy: 'ag-1', closeReason: 'closed' });
      expect(item?.gsi1pk).toBeUndefined();
      expect(item?.closedAt).toEqual(expect.any(String));
      expect((await getAgent(tenant, 'ag-1', { consistent: true }))!.load).toBe(load - 1);
      expect((await getBuyerAtShop(tenant, 'shop-a', 'buyer-c1')).openConversationId).toBeUndefined();
      expect(recorder.of('buyer-c1')).toEqual([{ type: 'conversationClosed', conversationId: conversation.conversationId, reason: 'closed' }]);
      // The buyer's next message opens a new conversation.
      const next = await openConversation({ tenantId: tenant, shopId: 'shop-a', buyerId: 'buyer-c1', stage: 'pre-sale' });
      expect(next.created).toBe(true);
      expect(next.conversation.conversationId).not.toBe(conversation.conversationId);
    });

    it('lets a supervisor close a waiting conversation and tells the buyer', async () => {
      const conversation = await openWaiting(tenant, 'shop-a', 'buyer-c2');
      const reply = await send(closeHandler, supervisorA, { action: 'closeConversation', conversationId: conversation.conversationId });
      expect(reply).toMatchObject({ type: 'ack', status: 'closed' });
      expect((await head(tenant, conversation.conversationId))?.status).toBe('closed');
    });

    it('refuses other agents, other shops, other tenants and buyers, changing nothing (rows 14-15)', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-c3');
      const before = await head(tenant, conversation.conversationId);
      const frame = { action: 'closeConversation', conversationId: conversation.conversationId };
      const missing = await send(closeHandler, agentB, { ...frame, conversationId: 'nope' });
      expect(await send(closeHandler, agent2, frame)).toMatchObject({ code: 'FORBIDDEN' });
      for (const caller of [agentB, supervisorB, foreignAgent, foreignSupervisor]) {
        expect(withoutRequestId(await send(closeHandler, caller, frame))).toEqual(withoutRequestId(missing));
      }
      expect(await send(closeHandler, buyer, frame)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await send(closeHandler, agent1, { ...frame, closedAt: '2000-01-01T00:00:00Z' })).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await send(closeHandler, agent1, { action: 'closeConversation', conversationId: 'a'.repeat(65) })).toMatchObject({ field: 'conversationId' });
      expect(await head(tenant, conversation.conversationId)).toEqual(before);
    });
  });

  describe('watch', () => {
    /** The supervisors the head lists as watching at `at`: what sendMessage adds to a message's recipients. */
    const watchingAt = async (conversationId: string, at = new Date()) =>
      liveWatchers((await head(tenant, conversationId)) as { watchers?: Record<string, number> }, at).sort();
    const hoursLater = (hours: number) => new Date(Date.now() + hours * 3600_000);

    it('subscribes a supervisor of the shop: the head lists them as watching until the watch ends', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-w1');
      const reply = await send(watchHandler, supervisorA, { action: 'watch', conversationId: conversation.conversationId, ref: 'w' });
      expect(reply).toMatchObject({ type: 'ack', action: 'watch', conversationId: conversation.conversationId, ref: 'w', watchingUntil: expect.any(String) });
      const until = Date.parse(String(reply.watchingUntil));
      expect(until).toBeGreaterThan(Date.now() + (watchLifetimeSeconds - 60) * 1000);
      expect((await head(tenant, conversation.conversationId))?.watchers).toEqual({ 'sup-a': until / 1000 });
      expect(await watchingAt(conversation.conversationId)).toEqual(['sup-a']);
      // Ended watches are not listed.
      expect(await watchingAt(conversation.conversationId, hoursLater(13))).toEqual([]);
    });

    it('renews a watch when the supervisor watches again, keeping one entry', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-w-renew');
      const first = await watchConversation(supervisorA, conversation.conversationId);
      const later = await watchConversation(supervisorA, conversation.conversationId, { ...ownershipDependencies, now: () => hoursLater(11) });
      expect(Date.parse(later.watchingUntil)).toBeGreaterThan(Date.parse(first.watchingUntil));
      expect(Object.keys((await head(tenant, conversation.conversationId))?.watchers as object)).toEqual(['sup-a']);
      expect(await watchingAt(conversation.conversationId, hoursLater(13))).toEqual(['sup-a']);
    });

    it(`lets at most ${maxWatchers} supervisors watch at once, even when they all ask at the same time; ended watches make room`, async () => {
      const conversation = await assignedTo('ag-1', 'buyer-w-many');
      const supervisors = Array.from({ length: maxWatchers + 5 }, (_, i) => user(`sup-many-${i}`, 'supervisor'));
      const replies = await Promise.all(supervisors.map((s) => send(watchHandler, s, { action: 'watch', conversationId: conversation.conversationId })));
      expect(replies.filter((r) => r.type === 'ack')).toHaveLength(maxWatchers);
      const refused = replies.filter((r) => r.type === 'error');
      expect(refused).toHaveLength(5);
      for (const r of refused) expect(r).toMatchObject({ code: 'WATCHER_LIMIT', message: expect.stringContaining(`${maxWatchers} supervisors`) });
      const watching = await watchingAt(conversation.conversationId);
      expect(watching).toHaveLength(maxWatchers);
      // One of the twenty renewing is no new watcher; a twenty-first is refused.
      const oneOfThem = supervisors.find((s) => watching.includes(s.userId))!;
      expect(await send(watchHandler, oneOfThem, { action: 'watch', conversationId: conversation.conversationId })).toMatchObject({ type: 'ack' });
      const late = user('sup-late', 'supervisor');
      expect(await send(watchHandler, late, { action: 'watch', conversationId: conversation.conversationId })).toMatchObject({ code: 'WATCHER_LIMIT' });
      // Thirteen hours on, every watch has ended: the next one drops them all and the head holds just it.
      await watchConversation(late, conversation.conversationId, { ...ownershipDependencies, now: () => hoursLater(13) });
      expect(Object.keys((await head(tenant, conversation.conversationId))?.watchers as object)).toEqual(['sup-late']);
    });

    it('refuses a closed conversation (409), storing nothing', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-w-closed');
      await closeConversationByUser(agent1, conversation.conversationId, quiet().ownership);
      expect(await send(watchHandler, supervisorA, { action: 'watch', conversationId: conversation.conversationId })).toMatchObject({
        type: 'error',
        code: 'CONVERSATION_CLOSED',
      });
      expect((await head(tenant, conversation.conversationId))?.watchers).toBeUndefined();
    });

    it('refuses agents and buyers (403), supervisors of other shops and tenants (404 like a missing id), storing nothing (rows 14-15, 20)', async () => {
      const conversation = await assignedTo('ag-1', 'buyer-w2');
      const frame = { action: 'watch', conversationId: conversation.conversationId };
      expect(await send(watchHandler, agent1, frame)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await send(watchHandler, buyer, frame)).toMatchObject({ code: 'FORBIDDEN' });
      const missing = await send(watchHandler, supervisorB, { ...frame, conversationId: 'nope' });
      for (const caller of [supervisorB, foreignSupervisor]) expect(withoutRequestId(await send(watchHandler, caller, frame))).toEqual(withoutRequestId(missing));
      expect(await send(watchHandler, supervisorA, { ...frame, userId: 'someone-else' })).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await send(watchHandler, supervisorA, { action: 'watch' })).toMatchObject({ field: 'conversationId' });
      expect(await watchingAt(conversation.conversationId)).toEqual([]);
      expect((await head(tenant, conversation.conversationId))?.watchers).toBeUndefined();
    });
  });
});
