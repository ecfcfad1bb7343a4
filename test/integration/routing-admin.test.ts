import { beforeAll, describe, expect, it } from 'vitest';
import { handler as putShopHandler } from '../../functions/http/put-shop';
import { handler as getShopHandler } from '../../functions/http/get-shop';
import { handler as putAgentHandler } from '../../functions/http/put-agent';
import { handler as getAgentHandler } from '../../functions/http/get-agent';
import { keys } from '../../shared/store/keys';
import { listAgentIdsOfGroup } from '../../shared/store/agents';
import { httpEvent, lambdaContext } from '../support/events';
import { storedItem } from '../support/table';
import type { DevUser } from '../../infra/local/token-issuer';

const tenant = 'tenant-routing-admin';
const otherTenant = 'tenant-routing-admin-other';
const admin: DevUser = { userId: 'admin-1', tenantId: tenant, role: 'admin', shopIds: [] };
const supervisorA: DevUser = { userId: 'sup-a', tenantId: tenant, role: 'supervisor', shopIds: ['shop-a'] };
const agentUser: DevUser = { userId: 'agent-x', tenantId: tenant, role: 'agent', shopIds: ['shop-a'] };
const foreignAdmin: DevUser = { userId: 'admin-9', tenantId: otherTenant, role: 'admin', shopIds: [] };
const buyer: DevUser = { userId: 'buyer-1', tenantId: tenant, role: 'buyer', shopIds: [] };

const shopBody = (name = 'Handu flagship') => ({
  name,
  category: 'apparel',
  persona: { tone: 'artsy', nickname: '小韩' },
  routing: {
    mode: 'by-stage',
    groups: { 'pre-sale': 'g-pre', 'in-sale': 'g-in', 'after-sale': 'g-after' },
    backupGroup: 'g-after',
    defaultAgentCap: 40,
  },
});

type Response = { statusCode: number; body: string };
const json = (response: Response) => (response.body ? JSON.parse(response.body) : undefined);

describe('shop and agent admin routes (DynamoDB Local)', () => {

  const putShop = async (user: DevUser, shopId: string, body: unknown, extra: { rawBody?: string; headers?: Record<string, string> } = {}) =>
    (await putShopHandler(
      httpEvent({ method: 'PUT', path: `/v1/shops/${shopId}`, identity: user, body, pathParameters: { shopId }, ...extra }),
      lambdaContext,
    )) as Response;
  const getShop = async (user: DevUser, shopId: string) =>
    (await getShopHandler(httpEvent({ method: 'GET', path: `/v1/shops/${shopId}`, identity: user, pathParameters: { shopId } }), lambdaContext)) as Response;
  const putAgent = async (user: DevUser, agentId: string, body: unknown) =>
    (await putAgentHandler(
      httpEvent({ method: 'PUT', path: `/v1/agents/${agentId}`, identity: user, body, pathParameters: { agentId } }),
      lambdaContext,
    )) as Response;
  const getAgent = async (user: DevUser, agentId: string) =>
    (await getAgentHandler(httpEvent({ method: 'GET', path: `/v1/agents/${agentId}`, identity: user, pathParameters: { agentId } }), lambdaContext)) as Response;

  beforeAll(async () => {
    for (const shopId of ['shop-a', 'shop-b']) expect((await putShop(admin, shopId, shopBody(`shop ${shopId}`))).statusCode).toBe(200);
  });

  describe('shops', () => {
    it('lets an admin create a shop with defaults applied and read it back', async () => {
      const response = await getShop(admin, 'shop-a');
      expect(response.statusCode).toBe(200);
      expect(json(response)).toMatchObject({
        shopId: 'shop-a',
        name: 'shop shop-a',
        routing: { mode: 'by-stage', idleCloseMinutes: 30, defaultAgentCap: 40, backupGroup: 'g-after' },
        persona: { tone: 'artsy', nickname: '小韩' },
      });
    });

    it('lets a supervisor update their own shop, keeping createdAt', async () => {
      const before = json(await getShop(admin, 'shop-a'));
      const body = { ...shopBody('renamed'), routing: { ...shopBody().routing, mode: 'owner', idleCloseMinutes: 15 } };
      const response = await putShop(supervisorA, 'shop-a', body);
      expect(response.statusCode).toBe(200);
      expect(json(response)).toMatchObject({ name: 'renamed', routing: { mode: 'owner', idleCloseMinutes: 15 }, createdAt: before.createdAt });
    });

    it('refuses a supervisor another shop, or a shop that does not exist, with the same 404 and writes nothing (rows 14-15)', async () => {
      const other = await putShop(supervisorA, 'shop-b', shopBody('hijacked'));
      const missingInScope = await putShop({ ...supervisorA, shopIds: ['shop-a', 'shop-new'] }, 'shop-new', shopBody());
      const missing = await putShop(supervisorA, 'shop-zzz', shopBody());
      for (const response of [other, missingInScope, missing]) {
        expect(response.statusCode).toBe(404);
        expect(json(response).error).toMatchObject({ code: 'NOT_FOUND', message: 'shop not found' });
      }
      expect(json(await getShop(admin, 'shop-b')).name).toBe('shop shop-b');
      expect(await storedItem(keys.shop(tenant, 'shop-new'))).toBeUndefined();
      const readOther = await getShop(supervisorA, 'shop-b');
      expect(readOther.statusCode).toBe(404);
      expect(withoutRequestId(readOther.body)).toBe(withoutRequestId((await getShop(supervisorA, 'shop-zzz')).body));
    });

    it("gives another tenant's admin a 404 for an existing shop id, like a missing one, and does not touch it (row 14)", async () => {
      const read = await getShop(foreignAdmin, 'shop-a');
      const readMissing = await getShop(foreignAdmin, 'shop-never');
      expect(read.statusCode).toBe(404);
      expect(withoutRequestId(read.body)).toBe(withoutRequestId(readMissing.body));
      // The foreign admin's PUT creates a shop in *their* tenant; ours is untouched.
      expect((await putShop(foreignAdmin, 'shop-a', shopBody('foreign'))).statusCode).toBe(200);
      expect(json(await getShop(admin, 'shop-a')).name).toBe('renamed');
    });

    it('refuses agents and buyers (row 15)', async () => {
      for (const user of [agentUser, buyer]) {
        expect((await putShop(user, 'shop-a', shopBody('x'))).statusCode).toBe(403);
        expect((await getShop(user, 'shop-a')).statusCode).toBe(403);
      }
    });

    it.each([
      ['tenantId in the body', { ...shopBody(), tenantId: otherTenant }, 'body.tenantId'],
      ['createdAt in the body', { ...shopBody(), createdAt: '2000-01-01T00:00:00Z' }, 'body.createdAt'],
      ['unknown routing key', { ...shopBody(), routing: { ...shopBody().routing, load: 5 } }, 'body.routing.load'],
      ['bad mode', { ...shopBody(), routing: { ...shopBody().routing, mode: 'random' } }, 'body.routing.mode'],
      ['missing stage group', { ...shopBody(), routing: { ...shopBody().routing, groups: { 'pre-sale': 'g' } } }, 'body.routing.groups.in-sale'],
      ['group id with #', { ...shopBody(), routing: { ...shopBody().routing, backupGroup: 'a#b' } }, 'body.routing.backupGroup'],
      ['cap above 5000', { ...shopBody(), routing: { ...shopBody().routing, defaultAgentCap: 5001 } }, 'body.routing.defaultAgentCap'],
      ['idle minutes 0', { ...shopBody(), routing: { ...shopBody().routing, idleCloseMinutes: 0 } }, 'body.routing.idleCloseMinutes'],
      ['lone surrogate in the name', { ...shopBody('bad\ud800') }, 'body.name'],
      ['bidi override in the name', { ...shopBody('evil\u202Egnp.exe') }, 'body.name'],
      ['name of 500 emoji', { ...shopBody('😀'.repeat(500)) }, 'body.name'],
      ['__proto__ key', JSON.parse(`{"name":"x","category":"c","routing":${JSON.stringify(shopBody().routing)},"__proto__":{"admin":true}}`), 'body.__proto__'],
    ])('rejects %s with 400 naming the field and stores nothing (rows 16, 20)', async (_name, body, field) => {
      const response = await putShop(admin, 'shop-bad', body);
      expect(response.statusCode).toBe(400);
      const error = json(response).error;
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await storedItem(keys.shop(tenant, 'shop-bad'))).toBeUndefined();
    });

    it('rejects invalid JSON, a missing content type and a bad path id before any write (row 20)', async () => {
      expect((await putShop(admin, 'shop-bad', undefined, { rawBody: '{"name":' })).statusCode).toBe(400);
      expect((await putShop(admin, 'shop-bad', shopBody(), { headers: { 'content-type': 'text/plain' } })).statusCode).toBe(400);
      const badPath = await putShop(admin, '..%2F', shopBody());
      expect(badPath.statusCode).toBe(400);
      expect(json(badPath).error.details[0].field).toBe('path.shopId');
      expect(await storedItem(keys.shop(tenant, 'shop-bad'))).toBeUndefined();
    });
  });

  describe('agents', () => {
    const agentBody = { name: 'Xiao Li', shopIds: ['shop-a'], groupIds: ['g-pre', 'g-after'] };

    it('lets an admin create an agent: offline, load 0, cap from the shop default, listed in its groups', async () => {
      const response = await putAgent(admin, 'agent-1', agentBody);
      expect(response.statusCode).toBe(200);
      expect(json(response)).toMatchObject({ agentId: 'agent-1', presence: 'offline', load: 0, cap: 40, shopIds: ['shop-a'], version: 1 });
      expect(await listAgentIdsOfGroup(tenant, 'g-pre')).toContain('agent-1');
      expect(await listAgentIdsOfGroup(tenant, 'g-after')).toContain('agent-1');
    });

    it('moves group memberships when groups change, keeping load and presence', async () => {
      const response = await putAgent(admin, 'agent-1', { ...agentBody, groupIds: ['g-in'], cap: 120 });
      expect(json(response)).toMatchObject({ groupIds: ['g-in'], cap: 120, load: 0, presence: 'offline', version: 2 });
      expect(await listAgentIdsOfGroup(tenant, 'g-pre')).not.toContain('agent-1');
      expect(await listAgentIdsOfGroup(tenant, 'g-in')).toContain('agent-1');
    });

    it("lets a supervisor update an agent of their shop but keeps the agent's shops elsewhere", async () => {
      expect((await putAgent(admin, 'agent-2', { name: 'Two', shopIds: ['shop-a', 'shop-b'], groupIds: [] })).statusCode).toBe(200);
      const response = await putAgent(supervisorA, 'agent-2', { name: 'Two renamed', shopIds: [], groupIds: ['g-pre'] });
      expect(response.statusCode).toBe(200);
      expect(json(response)).toMatchObject({ name: 'Two renamed', shopIds: ['shop-b'], groupIds: ['g-pre'] });
    });

    it("refuses a supervisor an agent outside their shops, a missing agent, and a shop they don't supervise, all as 404 (rows 14-15)", async () => {
      expect((await putAgent(admin, 'agent-b-only', { name: 'B', shopIds: ['shop-b'], groupIds: [] })).statusCode).toBe(200);
      const outside = await putAgent(supervisorA, 'agent-b-only', { name: 'stolen', shopIds: ['shop-a'], groupIds: [] });
      const missing = await putAgent(supervisorA, 'agent-none', { name: 'new', shopIds: ['shop-a'], groupIds: [] });
      const foreignShop = await putAgent(supervisorA, 'agent-1', { name: 'x', shopIds: ['shop-b'], groupIds: [] });
      expect(outside.statusCode).toBe(404);
      expect(withoutRequestId(outside.body)).toBe(withoutRequestId(missing.body));
      expect(foreignShop.statusCode).toBe(404);
      expect(json(await getAgent(admin, 'agent-b-only')).name).toBe('B');
      expect(await storedItem(keys.agent(tenant, 'agent-none'))).toBeUndefined();
      const read = await getAgent(supervisorA, 'agent-b-only');
      expect(withoutRequestId(read.body)).toBe(withoutRequestId((await getAgent(supervisorA, 'agent-none')).body));
    });

    it("gives another tenant the same 404 for an existing agent and for a shop it names (row 14)", async () => {
      const read = await getAgent(foreignAdmin, 'agent-1');
      expect(read.statusCode).toBe(404);
      expect(withoutRequestId(read.body)).toBe(withoutRequestId((await getAgent(foreignAdmin, 'agent-nope')).body));
      const write = await putAgent(foreignAdmin, 'agent-1', { name: 'x', shopIds: ['shop-b'], groupIds: [] });
      expect(write.statusCode).toBe(404);
      expect(json(await getAgent(admin, 'agent-1')).name).toBe('Xiao Li');
    });

    describe("a supervisor changes only their shops' routing groups", () => {
      /** shop-c routes to its own groups; supervisor A supervises shop-a (groups g-pre, g-in, g-after) only. */
      const shopC = { ...shopBody('shop C'), routing: { ...shopBody().routing, groups: { 'pre-sale': 'c-pre', 'in-sale': 'c-in', 'after-sale': 'c-after' }, backupGroup: 'c-backup' } };
      const supervisorAC: DevUser = { ...supervisorA, userId: 'sup-ac', shopIds: ['shop-a', 'shop-c'] };
      const foreignSupervisor: DevUser = { ...supervisorA, tenantId: otherTenant };
      const members = async (groupId: string) => listAgentIdsOfGroup(tenant, groupId);

      beforeAll(async () => {
        expect((await putShop(admin, 'shop-c', shopC)).statusCode).toBe(200);
        const created = await putAgent(admin, 'agent-ac', { name: 'AC', shopIds: ['shop-a', 'shop-c'], groupIds: ['g-pre', 'c-pre', 'c-backup'] });
        expect(created.statusCode).toBe(200);
      });

      it("keeps shop C's memberships when supervisor A leaves them out, and changes shop A's", async () => {
        const response = await putAgent(supervisorA, 'agent-ac', { name: 'AC', shopIds: ['shop-a'], groupIds: ['g-in'] });
        expect(response.statusCode).toBe(200);
        expect(json(response)).toMatchObject({ shopIds: ['shop-c', 'shop-a'], groupIds: ['c-pre', 'c-backup', 'g-in'] });
        expect(await members('c-pre')).toContain('agent-ac');
        expect(await members('c-backup')).toContain('agent-ac');
        expect(await members('g-in')).toContain('agent-ac');
        expect(await members('g-pre')).not.toContain('agent-ac');
      });

      it("refuses supervisor A adding or naming a group of shop C (or of no shop) with 403 on body.groupIds, changing nothing", async () => {
        const before = json(await getAgent(admin, 'agent-ac'));
        for (const groupIds of [['g-pre', 'c-in'], ['c-pre'], ['c-backup', 'g-in'], ['no-shop-routes-here']]) {
          const response = await putAgent(supervisorA, 'agent-ac', { name: 'AC', shopIds: ['shop-a'], groupIds });
          expect(response.statusCode, groupIds.join()).toBe(403);
          const error = json(response).error;
          expect(error.code).toBe('FORBIDDEN');
          expect(error.details).toEqual([{ field: 'body.groupIds', message: expect.stringContaining(groupIds.find((g) => !g.startsWith('g-'))!) }]);
        }
        expect(json(await getAgent(admin, 'agent-ac'))).toEqual(before);
        expect(await members('c-in')).not.toContain('agent-ac');
        expect(await members('c-pre')).toContain('agent-ac');
      });

      it("lets a supervisor of shops A and C change both shops' groups; an admin still sets them wholesale", async () => {
        const bySupervisor = await putAgent(supervisorAC, 'agent-ac', { name: 'AC', shopIds: ['shop-a', 'shop-c'], groupIds: ['c-in'] });
        expect(bySupervisor.statusCode).toBe(200);
        expect(json(bySupervisor).groupIds).toEqual(['c-in']);
        expect(await members('c-pre')).not.toContain('agent-ac');
        const byAdmin = await putAgent(admin, 'agent-ac', { name: 'AC', shopIds: ['shop-a', 'shop-c'], groupIds: ['c-pre', 'g-after', 'no-shop-routes-here'] });
        expect(byAdmin.statusCode).toBe(200);
        expect(json(byAdmin).groupIds).toEqual(['c-pre', 'g-after', 'no-shop-routes-here']);
        expect(await members('c-in')).not.toContain('agent-ac');
      });

      it("gives another tenant's supervisor of a same-named shop a 404 and leaves the agent alone (row 14)", async () => {
        const before = json(await getAgent(admin, 'agent-ac'));
        const response = await putAgent(foreignSupervisor, 'agent-ac', { name: 'x', shopIds: ['shop-a'], groupIds: ['g-pre'] });
        expect(response.statusCode).toBe(404);
        expect(json(await getAgent(admin, 'agent-ac'))).toEqual(before);
      });
    });

    it('refuses an admin a shop that does not exist and stores nothing', async () => {
      const response = await putAgent(admin, 'agent-ghost', { name: 'x', shopIds: ['shop-ghost'], groupIds: ['g-pre'] });
      expect(response.statusCode).toBe(404);
      expect(await storedItem(keys.agent(tenant, 'agent-ghost'))).toBeUndefined();
      expect(await listAgentIdsOfGroup(tenant, 'g-pre')).not.toContain('agent-ghost');
    });

    it.each([
      ['load in the body', { ...agentBody, load: -100 }, 'body.load'],
      ['presence in the body', { ...agentBody, presence: 'online' }, 'body.presence'],
      ['tenantId in the body', { ...agentBody, tenantId: otherTenant }, 'body.tenantId'],
      ['cap above 5000', { ...agentBody, cap: 5001 }, 'body.cap'],
      ['cap not an integer', { ...agentBody, cap: 1.5 }, 'body.cap'],
      ['10k groups', { ...agentBody, groupIds: Array.from({ length: 10_000 }, (_, i) => `g${i}`) }, 'body.groupIds'],
      ['repeated shop', { ...agentBody, shopIds: ['shop-a', 'shop-a'] }, 'body.shopIds'],
      ['zero-width-only name', { ...agentBody, name: '   ' }, 'body.name'],
    ])('rejects %s with 400 naming the field and stores nothing (rows 16, 20)', async (_name, body, field) => {
      const response = await putAgent(admin, 'agent-bad', body);
      expect([400, 413]).toContain(response.statusCode);
      if (response.statusCode === 400) expect(json(response).error.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await storedItem(keys.agent(tenant, 'agent-bad'))).toBeUndefined();
    });

    it('refuses agents and buyers (row 15)', async () => {
      expect((await putAgent(agentUser, 'agent-x', agentBody)).statusCode).toBe(403);
      expect((await getAgent(agentUser, 'agent-1')).statusCode).toBe(403);
      expect((await getAgent(buyer, 'agent-1')).statusCode).toBe(403);
    });
  });
});

function withoutRequestId(body: string): string {
  return body.replace(/"requestId":"[^"]*"/, '');
}
