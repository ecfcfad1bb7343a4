import { createHash } from 'node:crypto';
import { demoOrderIntegrations, type DemoOrderIntegration } from '../demo-data';
import type { SimShop } from './simulator';

/** Demo endpoint ids are derived, not random, so the seed and the simulator agree without talking. */
export const demoEndpointId = (integration: Pick<DemoOrderIntegration, 'tenantId' | 'shopId'>): string =>
  createHash('sha256').update(`kefu-demo-endpoint:${integration.tenantId}:${integration.shopId}`).digest('base64url').slice(0, 22);

/** The demo shops as the simulator plays their platforms. */
export const demoSimShops = (): SimShop[] =>
  demoOrderIntegrations.map((integration) => ({
    tenantId: integration.tenantId,
    shopId: integration.shopId,
    platform: integration.platform,
    platformShopId: integration.platformShopId,
    endpointId: demoEndpointId(integration),
    webhookSecret: integration.webhookSecret,
    ...(integration.credentials ? { appKey: integration.credentials.appKey } : {}),
    ...(integration.relay ? { relay: true } : {}),
  }));
