import { beforeAll, describe, expect, it } from 'vitest';
import { handler as listMessagesHandler } from '../../functions/http/list-messages';
import { handler as responseStatsHandler } from '../../functions/http/get-response-stats';
import type { Identity } from '../../shared/auth/identity';
import { serviceDay } from '../../shared/conversations/conversation';
import { sendMessage } from '../../shared/conversations/send-message';
import { httpEvent, lambdaContext } from '../support/events';
import { ownQueues } from '../support/queues';
import { assign, seedShop, uniqueTenant, who } from './messaging-fixtures';
import { createAgent } from './routing-fixtures';

const tenant = uniqueTenant('http');
const otherTenant = uniqueTenant('http-b');
const shopX = 'shop-x';
const shopY = 'shop-y';
const agent = who(tenant, 'agent', 'agent-1', [shopX]);
const agentOfY = who(tenant, 'agent', 'agent-y', [shopY]);
const supervisorX = who(tenant, 'supervisor', 'sup-x', [shopX]);
const supervisorY = who(tenant, 'supervisor', 'sup-y', [shopY]);
const admin = who(tenant, 'admin', 'admin-1');
const buyer = who(tenant, 'buyer', 'buyer-1');
const otherBuyer = who(tenant, 'buyer', 'buyer-2');
const foreignAgent = who(otherTenant, 'agent', 'agent-1', [shopX]);
const foreignAdmin = who(otherTenant, 'admin', 'admin-1');

type Response = { statusCode: number; body: string };

describe('message HTTP routes (DynamoDB Local)', () => {
  let conversationId: string;
  const call = async (handler: typeof listMessagesHandler, caller: Identity, path: string, pathParameters: Record<string, string>, query?: Record<string, string>) => {
    const response = (await handler(httpEvent({ method: 'GET', path, identity: caller, pathParameters, query }), lambdaContext)) as Response;
    return { status: response.statusCode, body: JSON.parse(response.body) };
  };
  const listMessages = (caller: Identity, id: string, query?: Record<string, string>) =>
    call(listMessagesHandler, caller, `/v1/conversations/${id}/messages`, { conversationId: id }, query);
  const stats = (caller: Identity, agentId: string, query: Record<string, string> = { day: serviceDay(new Date()) }) =>
    call(responseStatsHandler, caller, `/v1/agents/${agentId}/response-stats`, { agentId }, query);

  beforeAll(async () => {
    await ownQueues('http');
    for (const shop of [shopX, shopY]) await seedShop(tenant, shop);
    await createAgent(tenant, agent.userId, { shopIds: [shopX], groupIds: [], cap: 200 });
    await createAgent(tenant, agentOfY.userId, { shopIds: [shopY], groupIds: [], cap: 200 });
    await createAgent(otherTenant, agent.userId, { shopIds: [shopX], groupIds: [], cap: 200 });

    // Two conversations served by agent-1 today, with known waits.
    const t0 = Date.now() - 60_000;
    const at = (seconds: number) => new Date(t0 + seconds * 1000);
    const first = await sendMessage(buyer, { action: 'sendMessage', shopId: shopX, clientMessageId: 'q1', text: 'q1' }, at(0));
    conversationId = first.conversationId;
    await assign(tenant, conversationId, agent.userId);
    await sendMessage(agent, { action: 'sendMessage', conversationId, clientMessageId: 'a1', text: 'a1' }, at(4));
    await sendMessage(buyer, { action: 'sendMessage', shopId: shopX, conversationId, clientMessageId: 'q2', text: 'q2' }, at(10));
    await sendMessage(agent, { action: 'sendMessage', conversationId, clientMessageId: 'a2', text: 'a2' }, at(12));
    const second = await sendMessage(otherBuyer, { action: 'sendMessage', shopId: shopX, clientMessageId: 'q1', text: 'q1' }, at(20));
    await assign(tenant, second.conversationId, agent.userId);
    await sendMessage(agent, { action: 'sendMessage', conversationId: second.conversationId, clientMessageId: 'a1', text: 'a1' }, at(30));
  });

  describe('GET /v1/conversations/{conversationId}/messages', () => {
    it('pages the log for the buyer, the shop agents and supervisors, and an admin', async () => {
      for (const caller of [buyer, agent, supervisorX, admin]) {
        const page = await listMessages(caller, conversationId);
        expect(page.status).toBe(200);
        expect(page.body.messages.map((m: { text: string }) => m.text)).toEqual(['q1', 'a1', 'q2', 'a2']);
        expect(page.body).toMatchObject({ conversationId, hasMore: false });
      }
      const first = await listMessages(agent, conversationId, { limit: '3' });
      expect(first.body).toMatchObject({ hasMore: true, nextAfterSeq: 3 });
      const rest = await listMessages(agent, conversationId, { afterSeq: '3', limit: '3' });
      expect(rest.body.messages.map((m: { seq: number }) => m.seq)).toEqual([4]);
      expect(rest.body.hasMore).toBe(false);
    });

    it('answers another tenant, another shop and another buyer exactly like a missing conversation (rows 14-15)', async () => {
      const missing = await listMessages(agent, 'no-such-conversation');
      expect(missing.status).toBe(404);
      const shape = { error: { code: 'NOT_FOUND', message: 'conversation not found', requestId: expect.any(String) } };
      expect(missing.body).toEqual(shape);
      for (const caller of [foreignAgent, foreignAdmin, agentOfY, supervisorY, otherBuyer]) {
        const response = await listMessages(caller, conversationId);
        expect(response.status).toBe(404);
        expect(response.body).toEqual(shape);
      }
    });

    it.each([
      [{ limit: '0' }, 'query.limit'],
      [{ limit: '101' }, 'query.limit'],
      [{ limit: 'ten' }, 'query.limit'],
      [{ afterSeq: '-1' }, 'query.afterSeq'],
      [{ afterSeq: '1e3' }, 'query.afterSeq'],
      [{ afterSeq: '9'.repeat(30) }, 'query.afterSeq'],
      [{ sortBy: 'text' }, 'query.sortBy'],
    ])('refuses the query %j with a 400 naming %s (rows 20-21)', async (query, field) => {
      const response = await listMessages(agent, conversationId, query);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      expect(response.body.error.details[0].field).toBe(field);
    });

    it('refuses a malformed conversation id before reading', async () => {
      const response = await listMessages(agent, 'x#T#other');
      expect(response.status).toBe(400);
      expect(response.body.error.details[0].field).toBe('path.conversationId');
    });
  });

  describe('GET /v1/agents/{agentId}/response-stats', () => {
    const expected = {
      conversations: 2,
      questions: 3,
      replies: 3,
      responseCount: 3,
      responseMsTotal: 4000 + 2000 + 10_000,
      averageResponseMs: 5333,
      averageFirstResponseMs: 7000,
      replyQuestionRatio: 1,
    };

    it('sums the response facts of the agent-day for the agent, their supervisor and an admin', async () => {
      for (const caller of [agent, supervisorX, admin]) {
        const response = await stats(caller, agent.userId);
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ agentId: agent.userId, day: serviceDay(new Date()), ...expected });
      }
      const quietDay = await stats(agent, agent.userId, { day: '2020-02-29' });
      expect(quietDay.body).toEqual({ agentId: agent.userId, day: '2020-02-29', conversations: 0, questions: 0, replies: 0, responseCount: 0, responseMsTotal: 0 });
    });

    it('hides agents outside the caller scope behind the same 404 as an unknown agent (rows 14-15)', async () => {
      const unknown = await stats(supervisorX, 'nobody');
      expect(unknown.status).toBe(404);
      for (const [caller, agentId] of [
        [agentOfY, agent.userId],
        [supervisorY, agent.userId],
        [foreignAdmin, agentOfY.userId],
        [foreignAgent, agentOfY.userId],
      ] as const) {
        const response = await stats(caller, agentId);
        expect(response.status).toBe(404);
        expect(response.body.error).toEqual({ ...unknown.body.error, requestId: expect.any(String) });
      }
      // The same agent id in another tenant sees only its own (empty) day.
      expect((await stats(foreignAgent, foreignAgent.userId)).body.conversations).toBe(0);
    });

    it('refuses buyers by role and bad days by validation', async () => {
      expect((await stats(buyer, agent.userId)).status).toBe(403);
      for (const day of ['2026-13-01', '2026-02-30', 'today', '2026-1-1']) {
        const response = await stats(agent, agent.userId, { day });
        expect(response.status).toBe(400);
        expect(response.body.error.details[0].field).toBe('query.day');
      }
      expect((await stats(agent, agent.userId, {})).status).toBe(400);
    });
  });
});
