import { describe, expect, it, vi } from 'vitest';
import type { OrderIntegration } from '../../shared/orders/integration';
import { connectorDependencies, reconcileAllShops } from '../../shared/orders/run-connectors';

const integration = (tenantId: string, shopId: string, overrides: Partial<OrderIntegration> = {}): OrderIntegration => ({
  tenantId,
  shopId,
  platform: 'taobao',
  platformShopId: `tb-${shopId}`,
  endpointId: `ep-${shopId}`,
  active: true,
  rotationPeriodMinutes: 1440,
  webhookSecrets: [],
  credentials: { sealed: 'sealed', setAt: '2026-11-01T00:00:00.000Z' },
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  rev: 1,
  ...overrides,
});

describe('the scheduled order connectors', () => {
  it("work no shop of a deleted tenant (issue 12: a deleted tenant's shops take no more orders), nor an inactive or credential-less integration", async () => {
    const platformClient = vi.fn((platformShopId: string) => ({ platformShopId, changedTrades: async () => [] }));
    const deps = {
      ...connectorDependencies,
      listOrderIntegrations: async () => [
        integration('open-firm', 'tea'),
        integration('deleted-firm', 'coats'),
        integration('open-firm', 'paused', { active: false }),
        integration('open-firm', 'new', { credentials: undefined }),
      ],
      tenantOpen: async (tenantId: string) => tenantId !== 'deleted-firm',
      openSecret: async () => JSON.stringify({ appKey: 'k', appSecret: 's' }),
      platformClient: platformClient as unknown as typeof connectorDependencies.platformClient,
    };
    const now = new Date('2026-11-11T12:00:00.000Z');
    const run = await reconcileAllShops({ from: new Date(now.getTime() - 900_000), to: now }, now, deps);
    expect(run).toMatchObject({ shops: 1, failedShops: 0, skippedShops: 0 });
    expect(platformClient.mock.calls.map(([platformShopId]) => platformShopId)).toEqual(['tb-tea']);
  });
});
