import { describe, expect, it, vi } from 'vitest';
import type { Promo } from '../../shared/promo/calendar';
import { promoRoutingFor } from '../../shared/promo/promo-routing';
import type { Agent, AgentCandidate } from '../../shared/routing/agent';
import { chooseAgent } from '../../shared/routing/choose-agent';
import { routeConversation, type RoutingDependencies } from '../../shared/routing/route-conversation';
import type { Shop, ShopRouting } from '../../shared/routing/shop';
import type { RoutableConversation } from '../../shared/store/conversation-ownership';
import { waitingConversation } from '../support/routing-fixtures';

const groups = { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after' } as const;
const routing: ShopRouting = { mode: 'by-stage', groups, idleCloseMinutes: 30, defaultAgentCap: 10 };

/** Double 11 in Asia/Shanghai, stored in UTC: the peak 11-11 00:00–02:00 local, the tail from 11-15. */
const double11: Promo = {
  promoId: 'double-11',
  name: '双11',
  zone: 'Asia/Shanghai',
  shopIds: ['s1'],
  phases: [
    {
      phaseId: 'peak',
      kind: 'peak',
      startsAt: '2026-11-10T16:00:00.000Z',
      endsAt: '2026-11-10T18:00:00.000Z',
      routing: { stageBorrowing: [{ from: 'after-sale', to: 'pre-sale' }], backupGroup: 'militia' },
    },
    {
      phaseId: 'tail',
      kind: 'after-sales-tail',
      startsAt: '2026-11-14T16:00:00.000Z',
      endsAt: '2026-11-29T16:00:00.000Z',
      routing: { stageBorrowing: [{ from: 'pre-sale', to: 'after-sale' }] },
    },
  ],
  triggered: {},
  version: 1,
  createdAt: 'x',
  updatedAt: 'x',
  updatedBy: 'ops-1',
};
const at = (iso: string) => new Date(iso);

describe('promoRoutingFor', () => {
  it('lends after-sale agents to pre-sale during the peak, and nothing a second before it', () => {
    expect(promoRoutingFor([double11], 's1', 'pre-sale', routing, at('2026-11-10T15:59:59.999Z'))).toEqual({ borrowedGroups: [], phases: [] });
    expect(promoRoutingFor([double11], 's1', 'pre-sale', routing, at('2026-11-10T16:00:00.000Z'))).toEqual({
      borrowedGroups: ['after'],
      backupGroup: 'militia',
      phases: ['double-11/peak'],
    });
    // After-sale conversations are not lent anything in the peak; the switch ends with the phase.
    expect(promoRoutingFor([double11], 's1', 'after-sale', routing, at('2026-11-10T16:30:00.000Z')).borrowedGroups).toEqual([]);
    expect(promoRoutingFor([double11], 's1', 'pre-sale', routing, at('2026-11-10T18:00:00.000Z'))).toEqual({ borrowedGroups: [], phases: [] });
  });

  it('lends pre-sale agents to after-sale in the tail (the reverse)', () => {
    expect(promoRoutingFor([double11], 's1', 'after-sale', routing, at('2026-11-20T03:00:00.000Z')).borrowedGroups).toEqual(['pre']);
    expect(promoRoutingFor([double11], 's1', 'pre-sale', routing, at('2026-11-20T03:00:00.000Z')).borrowedGroups).toEqual([]);
  });

  it('starts a phase at its ops trigger, and only for the shops of the promo', () => {
    const triggered = { ...double11, triggered: { peak: '2026-11-10T15:00:00.000Z' } };
    expect(promoRoutingFor([triggered], 's1', 'pre-sale', routing, at('2026-11-10T15:30:00.000Z')).borrowedGroups).toEqual(['after']);
    expect(promoRoutingFor([triggered], 'other-shop', 'pre-sale', routing, at('2026-11-10T16:30:00.000Z')).borrowedGroups).toEqual([]);
  });
});

describe('chooseAgent with a lent group', () => {
  const candidate = (agentId: string, groupIds: string[], load = 0): AgentCandidate => ({ agentId, presence: 'online', load, cap: 10, groupIds, shopIds: ['s1'] });
  const base = { shopId: 's1', routing: { ...routing, backupGroup: 'militia' }, stage: 'pre-sale' as const, buyer: {} };

  it('tries the stage group first, then the lent group, then the backup', () => {
    const pre = candidate('p1', ['pre'], 9);
    const after = candidate('a1', ['after']);
    const militia = candidate('m1', ['militia']);
    expect(chooseAgent({ ...base, candidates: [pre, after, militia], borrowedGroups: ['after'] })).toMatchObject({ agentId: 'p1', reason: 'group' });
    const full = { ...pre, load: 10 };
    expect(chooseAgent({ ...base, candidates: [full, after, militia], borrowedGroups: ['after'] })).toEqual({ kind: 'assign', agentId: 'a1', groupId: 'after', reason: 'borrowed' });
    expect(chooseAgent({ ...base, candidates: [full, { ...after, load: 10 }, militia], borrowedGroups: ['after'] })).toMatchObject({ agentId: 'm1', reason: 'backup' });
    // Without the promo the after-sale agent is never offered a pre-sale chat.
    expect(chooseAgent({ ...base, routing, candidates: [full, after] })).toEqual({ kind: 'wait', groupId: 'pre' });
  });
});

describe('routeConversation with the promo calendar', () => {
  const conversation: RoutableConversation = { ...waitingConversation, openedAt: '2026-11-10T16:00:00.000Z', lastMessageAt: '2026-11-10T16:00:00.000Z' };

  const shop: Shop = { shopId: 's1', name: 's', category: 'c', routing, createdAt: 'x', updatedAt: 'x' };
  const agent = (agentId: string, groupIds: string[], load = 0): Agent => ({
    agentId, name: agentId, shopIds: ['s1'], groupIds, presence: 'online', load, cap: 10, version: 1, createdAt: 'x', updatedAt: 'x',
  });
  const agents = [agent('p1', ['pre'], 10), agent('a1', ['after'])];
  const deps = (now: string): RoutingDependencies => ({
    getConversation: vi.fn(async () => conversation),
    settledWaitMs: 5000,
    getShop: vi.fn(async () => shop),
    getBuyerAtShop: vi.fn(async () => ({})),
    listOnlineMembers: vi.fn(async (_t: string, groupId: string) => agents.filter((a) => a.groupIds.includes(groupId)).map((a) => a.agentId)),
    getAgents: vi.fn(async (_t: string, ids: readonly string[]) => agents.filter((a) => ids.includes(a.agentId))),
    assign: vi.fn(async () => 'applied' as const),
    waitingPosition: vi.fn(async () => 3),
    listWaitingLine: vi.fn(async () => []),
    getConversations: vi.fn(async () => []),
    readRecentMessages: vi.fn(async () => ({ messages: [], hasMore: false })),
    notify: vi.fn(async () => undefined),
    readOrderCards: vi.fn(async () => []),
    listPromos: vi.fn(async () => [double11]),
    now: () => new Date(now),
    random: () => 0.5,
  });

  it('applies the peak phase routing when the phase starts on the clock: the after-sale agent takes the pre-sale chat', async () => {
    const before = deps('2026-11-10T15:59:00.000Z');
    expect(await routeConversation(conversation, before)).toEqual({ kind: 'waiting', position: 3 });
    const during = deps('2026-11-10T16:00:00.000Z');
    expect(await routeConversation(conversation, during)).toMatchObject({ kind: 'assigned', agentId: 'a1', reason: 'borrowed' });
    expect(during.assign).toHaveBeenCalledWith(expect.objectContaining({ agentId: 'a1', groupId: 'after' }));
  });
});
