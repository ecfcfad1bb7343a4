import { beforeAll, describe, expect, it } from 'vitest';
import { handler as putShopHandler } from '../../functions/http/put-shop';
import { handler as putAgentHandler } from '../../functions/http/put-agent';
import { handler as getShopBoardHandler } from '../../functions/http/get-shop-board';
import { openConversation } from '../../shared/store/conversations';
import type { ShopBoard } from '../../shared/routing/shop-board';
import { httpEvent, lambdaContext } from '../support/events';
import type { DevUser } from '../../infra/local/token-issuer';

const tenant = 'tenant-shop-board';
const admin: DevUser = { userId: 'admin-1', tenantId: tenant, role: 'admin', shopIds: [] };
const supervisorA: DevUser = { userId: 'sup-a', tenantId: tenant, role: 'supervisor', shopIds: ['board-a'] };
const supervisorB: DevUser = { userId: 'sup-b', tenantId: tenant, role: 'supervisor', shopIds: ['board-b'] };
const agent: DevUser = { userId: 'agent-a1', tenantId: tenant, role: 'agent', shopIds: ['board-a'] };
const foreignAdmin: DevUser = { userId: 'admin-9', tenantId: 'tenant-shop-board-other', role: 'admin', shopIds: [] };

type Response = { statusCode: number; body: string };
const call = async (handler: (event: unknown, context: unknown) => Promise<unknown>, event: unknown) => (await handler(event, lambdaContext)) as Response;
const board = (user: DevUser, shopId: string) =>
  call(getShopBoardHandler as never, httpEvent({ method: 'GET', path: `/v1/shops/${shopId}/board`, identity: user, pathParameters: { shopId } }));

const routing = (prefix: string) => ({
  mode: 'by-stage',
  groups: { 'pre-sale': `${prefix}-pre`, 'in-sale': `${prefix}-in`, 'after-sale': `${prefix}-after` },
  backupGroup: 'board-militia',
  defaultAgentCap: 5,
});

describe('GET /v1/shops/{shopId}/board: the supervisor wall (DynamoDB Local)', () => {
  const opened: string[] = [];

  beforeAll(async () => {
    for (const shopId of ['board-a', 'board-b']) {
      const put = await call(putShopHandler as never, httpEvent({ method: 'PUT', path: `/v1/shops/${shopId}`, identity: admin, pathParameters: { shopId }, body: { name: `店 ${shopId}`, category: 'tea', routing: routing(shopId) } }));
      expect(put.statusCode).toBe(200);
    }
    for (const [agentId, groupIds] of [
      ['agent-a1', ['board-a-pre']],
      ['agent-a2', ['board-a-pre', 'board-a-after']],
      ['agent-m', ['board-militia']],
    ] as const) {
      const body = { name: agentId, shopIds: ['board-a'], groupIds: [...groupIds], cap: 4 };
      const put = await call(putAgentHandler as never, httpEvent({ method: 'PUT', path: `/v1/agents/${agentId}`, identity: admin, pathParameters: { agentId }, body }));
      expect(put.statusCode).toBe(200);
    }
    // Two buyers wait for pre-sale (nobody is online to take them), opened a minute apart.
    for (const [i, buyerId] of ['buyer-1', 'buyer-2'].entries()) {
      const { conversation } = await openConversation({ tenantId: tenant, shopId: 'board-a', buyerId, stage: 'pre-sale', now: new Date(Date.UTC(2026, 10, 11, 0, i)) });
      opened.push(conversation.openedAt);
    }
  });

  it('shows each stage’s waiting count and since when the longest has waited, and each group’s agents with presence, load and cap', async () => {
    const response = await board(supervisorA, 'board-a');
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as ShopBoard;
    expect(body.name).toBe('店 board-a');
    expect(body.stages).toEqual([
      { stage: 'pre-sale', groupId: 'board-a-pre', waiting: 2, oldestWaitingSince: opened[0] },
      { stage: 'in-sale', groupId: 'board-a-in', waiting: 0 },
      { stage: 'after-sale', groupId: 'board-a-after', waiting: 0 },
    ]);
    const groups = Object.fromEntries(body.groups.map((g) => [g.groupId, g]));
    expect(groups['board-a-pre']!.agents.map((a) => a.agentId)).toEqual(['agent-a1', 'agent-a2']);
    expect(groups['board-a-pre']!.agents[0]).toEqual({ agentId: 'agent-a1', name: 'agent-a1', presence: 'offline', load: 0, cap: 4 });
    expect(groups['board-militia']).toMatchObject({ backup: true, agents: [expect.objectContaining({ agentId: 'agent-m' })] });
    expect(groups['board-a-in']!.agents).toEqual([]);
  });

  it('is a 404 for a shop the supervisor does not supervise and for another tenant, exactly like a missing shop', async () => {
    for (const [user, shopId] of [
      [supervisorB, 'board-a'],
      [foreignAdmin, 'board-a'],
      [admin, 'no-such-shop'],
    ] as const) {
      const response = await board(user, shopId);
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body).error.code).toBe('NOT_FOUND');
    }
  });

  it('is refused to agents (403), who have no wall', async () => {
    const response = await board(agent, 'board-a');
    expect(response.statusCode).toBe(403);
  });
});
