import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  DynamoDBClient,
  IdempotentParameterMismatchException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { assignConversation, closeConversation, type RoutableConversation } from '../../shared/store/conversation-ownership';
import { idleCheckShard, idleCheckShards } from '../../shared/store/idle-timers';
import { saveAgentProfile, updatePresence } from '../../shared/store/agents';
import { assertMayHandleConversation } from '../../shared/routing/access';
import { emptyResponseFacts } from '../../shared/conversations/conversation';
import { NotFoundError } from '../../shared/http/errors';
import { memberRingPosition } from '../../shared/store/keys';
import { namedTransaction } from '../../shared/store/write-failures';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const mock = mockClient(client);
const now = new Date('2026-11-11T02:00:00.000Z');

const waiting: RoutableConversation = {
  conversationId: 'c1',
  tenantId: 't1',
  shopId: 's1',
  buyerId: 'b1',
  stage: 'pre-sale',
  status: 'waiting',
  openedAt: '2026-11-11T01:59:00.000Z',
  lastSeq: 1,
  lastMessageAt: '2026-11-11T01:59:00.000Z',
  buyerReadSeq: 0,
  agentReadSeq: 0,
  responseFacts: emptyResponseFacts(),
};
const assigned: RoutableConversation = { ...waiting, status: 'assigned', assigneeId: 'a1', assignmentVersion: 1 };

const canceled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'canceled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

const assignInput = { conversation: waiting, agentId: 'a1', groupId: 'pre', makeOwner: false, runId: 'run-1', attempt: 0, idleCheckAt: new Date(now.getTime() + 1_800_000), now };

describe('assignment transaction (unit, exact command input)', () => {
  beforeEach(() => mock.reset());

  it('adds load only under the agent conditions, moves the head only while waiting, and stamps an idempotency token', async () => {
    mock.on(TransactWriteCommand).resolves({});
    expect(await assignConversation(assignInput, client)).toBe('applied');
    const input = mock.commandCalls(TransactWriteCommand)[0]!.args[0].input;
    expect(input.ClientRequestToken).toMatch(/^[A-Za-z0-9_-]{36}$/);
    const [agent, head, buyer, timer] = input.TransactItems!;
    expect(agent!.Update).toMatchObject({
      Key: { pk: 'T#t1#AGENT#a1', sk: 'AGENT' },
      UpdateExpression: 'ADD #load :one',
      ConditionExpression: 'presence = :online AND #load < cap AND contains(shopIds, :shop)',
      ExpressionAttributeValues: { ':one': 1, ':online': 'online', ':shop': 's1' },
    });
    expect(head!.Update).toMatchObject({
      Key: { pk: 'T#t1#CONV#c1', sk: 'CONV' },
      ConditionExpression: '#status = :waiting AND attribute_not_exists(assignmentVersion)',
      ExpressionAttributeValues: expect.objectContaining({
        ':gsi1pk': 'T#t1#AGENT#a1#OPEN',
        ':gsi1sk': '2026-11-11T01:59:00.000Z#c1',
        ':gsi2pk': 'T#t1#AGENT#a1#DAY#2026-11-11',
        ':gsi2sk': 'CONV#c1',
        ':next': 1,
      }),
    });
    expect(buyer!.Update).toMatchObject({ Key: { pk: 'T#t1#SHOP#s1#BUYER#b1', sk: 'BUYER' }, UpdateExpression: 'SET lastAgentId = :agent' });
    expect(timer!.Put!.Item).toMatchObject({ pk: `IDLE#${idleCheckShard('t1', 'c1')}`, sk: '2026-11-11T02:30:00.000Z#T#t1#CONV#c1', dueAt: '2026-11-11T02:30:00.000Z' });
  });

  it('conditions on the version read once the head has one, and sets the owner only in owner mode', async () => {
    mock.on(TransactWriteCommand).resolves({});
    await assignConversation({ ...assignInput, conversation: { ...waiting, assignmentVersion: 4 }, makeOwner: true }, client);
    const [, head, buyer] = mock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(head!.Update!.ConditionExpression).toBe('#status = :waiting AND assignmentVersion = :version');
    expect(head!.Update!.ExpressionAttributeValues).toMatchObject({ ':version': 4, ':next': 5 });
    expect(buyer!.Update!.UpdateExpression).toBe('SET lastAgentId = :agent, ownerAgentId = if_not_exists(ownerAgentId, :agent)');
  });

  it('derives the same token for an SDK resend and different tokens for different routers or tries', async () => {
    mock.on(TransactWriteCommand).resolves({});
    await assignConversation(assignInput, client);
    await assignConversation(assignInput, client);
    await assignConversation({ ...assignInput, runId: 'run-2' }, client);
    await assignConversation({ ...assignInput, attempt: 1 }, client);
    const tokens = mock.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.ClientRequestToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(new Set(tokens).size).toBe(3);
  });

  it.each([
    [['None', 'ConditionalCheckFailed', 'None', 'None'], 'conversation-changed'],
    [['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None', 'None'], 'conversation-changed'],
    [['ConditionalCheckFailed', 'None', 'None', 'None'], 'agent-unavailable'],
    [['TransactionConflict', 'None', 'None', 'None'], 'conflict'],
  ])('reads cancellation reasons %j as %s', async (codes, outcome) => {
    mock.on(TransactWriteCommand).rejects(canceled(...codes));
    expect(await assignConversation(assignInput, client)).toBe(outcome);
  });

  it('treats a token reused with other parameters as a conflict to re-read, and rethrows anything else', async () => {
    mock.on(TransactWriteCommand).rejectsOnce(new IdempotentParameterMismatchException({ message: 'x', $metadata: {} }));
    expect(await assignConversation(assignInput, client)).toBe('conflict');
    mock.on(TransactWriteCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(assignConversation(assignInput, client)).rejects.toThrow('slow down');
  });
});

describe('named transactions (unit)', () => {
  const put = (sk: string) => ({ Put: { TableName: 't', Item: { pk: 'p', sk } } });

  it('sends items in the order they are named, leaves out an absent one, and reads each reason by its name', () => {
    const transaction = namedTransaction({ head: put('CONV'), buyerPointer: undefined, releasingAgent: put('AGENT') });
    expect(transaction.items.map((item) => item.Put!.Item!.sk)).toEqual(['CONV', 'AGENT']);
    // The second reason belongs to the agent, not to the absent pointer that was named second.
    expect(transaction.reasons(canceled('None', 'ConditionalCheckFailed'))).toEqual({ head: 'None', releasingAgent: 'ConditionalCheckFailed' });
  });

  it('has no reasons for an error that is not a cancelled transaction', () => {
    const transaction = namedTransaction({ head: put('CONV') });
    expect(transaction.reasons(new Error('ConditionalCheckFailed'))).toEqual({});
    expect(transaction.reasons(Object.assign(new Error('x'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }))).toEqual({});
  });
});

describe('close transaction (unit)', () => {
  beforeEach(() => mock.reset());

  it('closes with the buyer pointer and load in one transaction, conditioned on assignee, version and (idle) lastSeq', async () => {
    mock.on(TransactWriteCommand).resolves({});
    await closeConversation({ conversation: assigned, closeId: 'k', closedBy: 'sys', reason: 'idle-closed', now, requireLastSeq: 1 }, client);
    const [head, pointer, load] = mock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(head!.Update!.ConditionExpression).toBe('#status = :assigned AND assigneeId = :from AND assignmentVersion = :version AND lastSeq = :lastSeq');
    expect(head!.Update!.UpdateExpression).toContain('REMOVE gsi1pk, gsi1sk, requestedGroupId');
    expect(pointer!.Update).toMatchObject({ ConditionExpression: 'openConversationId = :conversationId', UpdateExpression: 'REMOVE openConversationId' });
    expect(load!.Update).toMatchObject({ Key: { pk: 'T#t1#AGENT#a1', sk: 'AGENT' }, UpdateExpression: 'ADD #load :minusOne' });
  });

  it('closes without the pointer when the buyer already moved on, rather than never closing', async () => {
    mock.on(TransactWriteCommand).rejectsOnce(canceled('None', 'ConditionalCheckFailed', 'None')).resolves({});
    expect(await closeConversation({ conversation: assigned, closeId: 'k', closedBy: 'a1', reason: 'closed', now }, client)).toBe('applied');
    const calls = mock.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.TransactItems!.map((item) => item.Update!.Key!.sk)).toEqual(['CONV', 'AGENT']);
  });

  it('does not touch any load when closing a waiting conversation', async () => {
    mock.on(TransactWriteCommand).resolves({});
    await closeConversation({ conversation: waiting, closeId: 'k', closedBy: 'sup', reason: 'closed', now }, client);
    const items = mock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(2);
    expect(items[0]!.Update!.ConditionExpression).toBe('#status = :waiting AND attribute_not_exists(assignmentVersion)');
  });
});

describe('agent repository (unit)', () => {
  beforeEach(() => mock.reset());

  it('writes every group membership with the presence read, removes dropped ones, under the version and presence read', async () => {
    mock.on(TransactWriteCommand).resolves({});
    // The saved agent is read back (strongly consistent) to return what is stored.
    mock.on(GetCommand).resolves({ Item: { agentId: 'a1', name: 'n', shopIds: [], groupIds: ['g2', 'g3'], presence: 'online', load: 0, cap: 5, version: 3, createdAt: 'x', updatedAt: 'y' } });
    await saveAgentProfile('t1', 'a1', { name: 'n', shopIds: [], groupIds: ['g2', 'g3'], cap: 5 }, { version: 2, groupIds: ['g1', 'g2'], presence: 'online' }, now, client);
    const items = mock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[0]!.Update!.ConditionExpression).toBe('version = :expectedVersion AND presence = :presence');
    expect(items[0]!.Update!.ExpressionAttributeValues).toMatchObject({ ':expectedVersion': 2, ':presence': 'online', ':version': 3 });
    expect(items[0]!.Update!.UpdateExpression).toContain('#load = if_not_exists(#load, :zero)');
    const ring = memberRingPosition('a1');
    expect(items[1]!.Put!.Item).toMatchObject({ pk: 'T#t1#AGENT#a1', sk: 'GROUP#g2', gsi1pk: 'T#t1#GROUP#g2', gsi1sk: `ONLINE#${ring}#AGENT#a1` });
    expect(items[2]!.Put!.Item).toMatchObject({ pk: 'T#t1#AGENT#a1', sk: 'GROUP#g3', gsi1pk: 'T#t1#GROUP#g3', gsi1sk: `ONLINE#${ring}#AGENT#a1` });
    expect(items[3]!.Delete!.Key).toEqual({ pk: 'T#t1#AGENT#a1', sk: 'GROUP#g1' });
    expect(items).toHaveLength(4);
  });

  it('lists a new agent in its groups as offline', async () => {
    mock.on(TransactWriteCommand).resolves({});
    mock.on(GetCommand).resolves({ Item: { agentId: 'a1', name: 'n', shopIds: [], groupIds: ['g1'], presence: 'offline', load: 0, cap: 5, version: 1, createdAt: 'x', updatedAt: 'y' } });
    await saveAgentProfile('t1', 'a1', { name: 'n', shopIds: [], groupIds: ['g1'], cap: 5 }, undefined, now, client);
    const items = mock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[0]!.Update!.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(items[1]!.Put!.Item!.gsi1sk).toBe(`OFFLINE#${memberRingPosition('a1')}#AGENT#a1`);
  });

  it('changes presence and every membership in one transaction, conditioned on the profile version read', async () => {
    mock.on(GetCommand).resolves({ Item: { agentId: 'a1', name: 'n', shopIds: ['s1'], groupIds: ['g1', 'g2'], presence: 'offline', load: 2, cap: 5, version: 7, createdAt: 'x', updatedAt: 'y' } });
    mock.on(TransactWriteCommand).resolves({});
    expect(await updatePresence('t1', 'a1', 'online', now, client)).toMatchObject({ presence: 'online', load: 2, cap: 5 });
    expect(mock.commandCalls(GetCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
    const [agent, ...memberships] = mock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(agent!.Update).toMatchObject({
      Key: { pk: 'T#t1#AGENT#a1', sk: 'AGENT' },
      ConditionExpression: '#version = :version',
      UpdateExpression: 'SET presence = :presence, presenceChangedAt = :now',
      ExpressionAttributeValues: { ':presence': 'online', ':version': 7, ':now': now.toISOString() },
    });
    expect(memberships.map((item) => item.Put!.Item!.gsi1sk)).toEqual(['g1', 'g2'].map(() => `ONLINE#${memberRingPosition('a1')}#AGENT#a1`));
    expect(memberships.map((item) => item.Put!.Item!.gsi1pk)).toEqual(['T#t1#GROUP#g1', 'T#t1#GROUP#g2']);
  });

  it('re-reads and writes the groups the agent has now when the profile changed meanwhile', async () => {
    mock
      .on(GetCommand)
      .resolvesOnce({ Item: { agentId: 'a1', name: 'n', shopIds: [], groupIds: ['g1'], presence: 'online', load: 0, cap: 5, version: 1, createdAt: 'x', updatedAt: 'y' } })
      .resolves({ Item: { agentId: 'a1', name: 'n', shopIds: [], groupIds: ['g2'], presence: 'online', load: 0, cap: 5, version: 2, createdAt: 'x', updatedAt: 'y' } });
    mock.on(TransactWriteCommand).rejectsOnce(canceled('ConditionalCheckFailed', 'None')).resolves({});
    await updatePresence('t1', 'a1', 'away', now, client);
    const calls = mock.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.TransactItems!.map((item) => item.Put?.Item?.sk ?? item.Update!.ExpressionAttributeValues![':version'])).toEqual([2, 'GROUP#g2']);
    expect(calls[1]!.args[0].input.TransactItems![1]!.Put!.Item!.gsi1sk).toMatch(/^AWAY#/);
  });

  it('maps a presence update for a missing agent to NOT_FOUND, writing nothing', async () => {
    mock.on(GetCommand).resolves({});
    await expect(updatePresence('t1', 'ghost', 'online', now, client)).rejects.toBeInstanceOf(NotFoundError);
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('idle-check shards', () => {
  it('spreads conversations over every shard, deterministically', () => {
    const shards = new Set(Array.from({ length: 500 }, (_, i) => idleCheckShard('t1', `c${i}`)));
    expect([...shards].every((s) => s >= 0 && s < idleCheckShards)).toBe(true);
    expect(shards.size).toBe(idleCheckShards);
    expect(idleCheckShard('t1', 'c1')).toBe(idleCheckShard('t1', 'c1'));
  });
});

describe('who may handle a conversation', () => {
  const conversation = { shopId: 's1', status: 'assigned', assigneeId: 'a1' };
  const who = (role: 'agent' | 'supervisor' | 'admin' | 'buyer', userId: string, shopIds: string[]) => ({ tenantId: 't1', userId, role, shopIds });
  it.each([
    ['its assignee', who('agent', 'a1', ['s1']), {}, undefined],
    ['a supervisor of the shop', who('supervisor', 'sup', ['s1']), { supervisorOnly: true }, undefined],
    ['an admin', who('admin', 'adm', []), { supervisorOnly: true }, undefined],
    ['another agent of the shop', who('agent', 'a2', ['s1']), {}, 'FORBIDDEN'],
    ['its assignee, for a supervisor-only action', who('agent', 'a1', ['s1']), { supervisorOnly: true }, 'FORBIDDEN'],
    ['the assignee id used by an agent not on the shop', who('agent', 'a1', ['s2']), {}, 'NOT_FOUND'],
    ['a supervisor of another shop', who('supervisor', 'sup', ['s2']), {}, 'NOT_FOUND'],
    ['a buyer', who('buyer', 'a1', []), {}, 'NOT_FOUND'],
  ])('%s', (_name, identity, options, code) => {
    const run = () => assertMayHandleConversation(identity, conversation, options);
    if (code === undefined) expect(run).not.toThrow();
    else expect(run).toThrow(expect.objectContaining({ code }));
  });
});
