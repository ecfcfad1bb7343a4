import { describe, expect, it } from 'vitest';
import type { Identity } from '../../shared/auth/identity';
import { assertAccountCurrent } from '../../shared/people/account-check';
import { takeUserOffline, type TakeOfflineDependencies } from '../../shared/people/take-offline';
import { checkUserCsv } from '../../shared/people/user';
import type { RoutableConversation } from '../../shared/store/conversation-ownership';

const shop = (prefix: string) => ({ routing: { mode: 'by-stage' as const, groups: { 'pre-sale': `${prefix}-pre`, 'in-sale': `${prefix}-pre`, 'after-sale': `${prefix}-after` }, defaultAgentCap: 12, idleCloseMinutes: 30 } });
const shops = new Map([['tea', shop('tea')], ['silk', shop('silk')]]);

describe('checkUserCsv', () => {
  const check = (csv: string, existing = new Map<string, { importId?: string }>()) => checkUserCsv(csv, { shops: shops as never, existing, importId: 'file-1', defaultCap: 200 });

  it('gives agents every group of their shops and the smallest shop default cap unless the row names them', () => {
    const result = check('userId,name,role,shopIds,groupIds,cap\na1,甲,agent,tea;silk,,\na2,乙,agent,tea,tea-after,5\ns1,丙,supervisor,tea,,');
    expect(result.errors).toEqual([]);
    expect(result.users).toEqual([
      { userId: 'a1', name: '甲', role: 'agent', shopIds: ['tea', 'silk'], groupIds: ['tea-pre', 'tea-after', 'silk-pre', 'silk-after'], cap: 12 },
      { userId: 'a2', name: '乙', role: 'agent', shopIds: ['tea'], groupIds: ['tea-after'], cap: 5 },
      { userId: 's1', name: '丙', role: 'supervisor', shopIds: ['tea'], groupIds: [], cap: 12 },
    ]);
  });

  it('reports every bad row with its row, field and code, and returns no users when any row is bad', () => {
    const result = check('userId,name,role,shopIds,groupIds\na1,甲,agent,tea,silk-pre\na1,乙,agent,tea,\nbad id,丙,agent,tea,\nold,丁,agent,tea,', new Map([['old', {}]]));
    expect(result.users).toEqual([]);
    expect(result.errors.map(({ row, field, code }) => [row, field, code])).toEqual([
      [1, 'rows.1.groupIds', 'UNKNOWN_GROUP'],
      [2, 'rows.2.userId', 'DUPLICATE_USER'],
      [3, 'rows.3.userId', 'INVALID_VALUE'],
      [4, 'rows.4.userId', 'USER_EXISTS'],
    ]);
  });

  it("accepts a user written by the same file before (a re-run), and refuses a header it does not know", () => {
    expect(check('userId,name,role\nold,丁,ops', new Map([['old', { importId: 'file-1' }]])).errors).toEqual([]);
    expect(check('userId,name,role,team\nx,y,ops,z').fileErrors).toEqual([{ field: 'header.team', message: 'unknown column' }]);
  });
});

describe('assertAccountCurrent', () => {
  const agent: Identity = { tenantId: 't1', userId: 'u1', role: 'agent', shopIds: ['tea', 'silk'] };
  const account = (over: object = {}) => ({ userId: 'u1', name: 'x', role: 'agent', shopIds: ['silk', 'tea'], status: 'active', version: 1, createdAt: 'a', createdBy: 'b', updatedAt: 'c', ...over });

  it('lets an active account whose token carries its role and shops (in any order) through', async () => {
    await expect(assertAccountCurrent(agent, async () => account())).resolves.toBeUndefined();
  });
  it('refuses a disabled account (403 USER_DISABLED) and a token with other claims (401 TOKEN_STALE)', async () => {
    await expect(assertAccountCurrent(agent, async () => account({ status: 'disabled' }))).rejects.toMatchObject({ status: 403, code: 'USER_DISABLED' });
    await expect(assertAccountCurrent(agent, async () => account({ shopIds: ['tea'] }))).rejects.toMatchObject({ status: 401, code: 'TOKEN_STALE' });
    await expect(assertAccountCurrent(agent, async () => account({ role: 'supervisor' }))).rejects.toMatchObject({ status: 401, code: 'TOKEN_STALE' });
  });
  it('reads nothing for buyers and the platform operator, and passes identities without an account', async () => {
    const never = async () => {
      throw new Error('read');
    };
    await expect(assertAccountCurrent({ ...agent, role: 'buyer', shopIds: [] }, never)).resolves.toBeUndefined();
    await expect(assertAccountCurrent({ ...agent, role: 'platform', shopIds: [] }, never)).resolves.toBeUndefined();
    await expect(assertAccountCurrent(agent, async () => undefined)).resolves.toBeUndefined();
  });
});

describe('takeUserOffline', () => {
  function fakes(conversations: RoutableConversation[]) {
    const calls: string[] = [];
    let presence = 'online';
    const deps: TakeOfflineDependencies = {
      getAgent: async () => ({ agentId: 'a1', presence }) as never,
      setOffline: async () => {
        presence = 'offline';
        calls.push('offline');
        return {} as never;
      },
      listConnections: async () => [{ connectionId: 'c1', userId: 'a1', role: 'agent', connectedAt: 'x' }],
      closeConnection: async (id) => (calls.push(`close ${id}`), 'sent'),
      deleteConnection: async (_t, _u, id) => void calls.push(`delete ${id}`),
      listOpenConversationIds: async () => ({ conversationIds: conversations.filter((c) => c.assigneeId === 'a1').map((c) => c.conversationId) }),
      getConversation: async (_t, id) => conversations.find((c) => c.conversationId === id),
      getShop: async () => shop('tea') as never,
      requeue: async (c, record) => {
        calls.push(`requeue ${c.conversationId} to ${record.toGroupId}`);
        Object.assign(c, { status: 'waiting', assigneeId: undefined });
        return 'applied';
      },
      sendRouteJob: async (job) => void calls.push(`route ${job.conversationId}`),
      now: () => new Date('2026-12-01T00:00:00Z'),
    };
    return { deps, calls };
  }
  const conversation = (id: string, over: object = {}) => ({ tenantId: 't1', conversationId: id, shopId: 'tea', buyerId: 'b', stage: 'pre-sale', status: 'assigned', assigneeId: 'a1', groupId: 'tea-pre', openedAt: 'x', ...over }) as unknown as RoutableConversation;

  it('goes offline before anything else, closes the sockets, re-queues each conversation still theirs, and finds nothing the second time', async () => {
    const { deps, calls } = fakes([conversation('k1'), conversation('k2', { groupId: undefined, stage: 'after-sale' }), conversation('k3', { assigneeId: 'other' })]);
    expect(await takeUserOffline('t1', 'a1', 'boss', deps)).toEqual({ socketsClosed: 1, conversationsRequeued: 2 });
    expect(calls).toEqual(['offline', 'close c1', 'delete c1', 'requeue k1 to tea-pre', 'route k1', 'requeue k2 to tea-after', 'route k2']);
    calls.length = 0;
    const again = await takeUserOffline('t1', 'a1', 'boss', { ...deps, listConnections: async () => [] });
    expect(again).toEqual({ socketsClosed: 0, conversationsRequeued: 0 });
    expect(calls).toEqual([]);
  });
});
