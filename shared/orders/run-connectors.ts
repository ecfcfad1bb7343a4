import { logger } from '../runtime/observability';
import { sendOrderEvents } from '../notify/job-queues';
import { recordOrderEventLog } from '../store/order-event-log';
import { listOrderIntegrations } from '../store/order-integrations';
import { openSecret } from '../store/secret-box';
import { tenantIsOpen } from '../store/tenants';
import { platformCredentialsSchema, type OrderIntegration } from './integration';
import { platformClient } from './platform-client';
import { pullShop, type PullResult } from './pull-connector';
import { reconciledPlatforms, reconcileShop, type ReconcileResult } from './reconcile';

/**
 * The two scheduled connectors over every shop's integration: read the integrations once, open each
 * shop's credentials, and run the shop's part with the platform client. One shop failing (its credentials,
 * its platform) does not stop the others; its error is logged without the credentials.
 */
export const connectorDependencies = {
  listOrderIntegrations,
  tenantOpen: tenantIsOpen,
  openSecret,
  platformClient,
  sendOrderEvents,
  recordOrderEventLog,
};

/**
 * The integrations a run works: active, with credentials, of a tenant not deleted. A deleted tenant's shops
 * pull no more orders while its data waits for a restore or is purged (the purge's walk removes the
 * integrations themselves; until it reaches them, this keeps new orders from landing behind it).
 */
async function workableIntegrations(deps: typeof connectorDependencies): Promise<OrderIntegration[]> {
  const withCredentials = (await deps.listOrderIntegrations()).filter((i) => i.active && i.credentials);
  const tenants = [...new Set(withCredentials.map((i) => i.tenantId))];
  const open = new Set((await Promise.all(tenants.map(async (t) => ((await deps.tenantOpen(t)) ? t : undefined)))).filter((t) => t !== undefined));
  return withCredentials.filter((i) => open.has(i.tenantId));
}

/** How many shops are worked at once in a run. */
const shopsInParallel = 4;

async function clientOf(integration: OrderIntegration, deps: typeof connectorDependencies) {
  const sealed = integration.credentials!.sealed;
  const credentials = platformCredentialsSchema.parse(
    JSON.parse(await deps.openSecret(sealed, { tenantId: integration.tenantId, shopId: integration.shopId, purpose: 'credentials' })),
  );
  return deps.platformClient(integration.platformShopId, credentials);
}

async function forEachShop<R>(integrations: OrderIntegration[], work: (integration: OrderIntegration) => Promise<R>): Promise<{ shops: number; failedShops: number; results: R[] }> {
  const results: R[] = [];
  let failedShops = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(shopsInParallel, integrations.length) }, async () => {
      while (next < integrations.length) {
        const integration = integrations[next++]!;
        try {
          results.push(await work(integration));
        } catch (error) {
          failedShops++;
          logger.warn('connector failed for a shop', { tenantId: integration.tenantId, shopId: integration.shopId, error: (error as Error).message });
        }
      }
    }),
  );
  return { shops: integrations.length, failedShops, results };
}

/** Every minute: each active Taobao shop with credentials is pulled until drained or `deadline`. */
export async function pullAllShops(options: { deadline: number }, deps = connectorDependencies) {
  const integrations = (await workableIntegrations(deps)).filter((i) => i.platform === 'taobao');
  const run = await forEachShop(integrations, async (integration) => {
    const client = await clientOf(integration, deps);
    return pullShop(integration, { consume: client.consume, confirm: client.confirm, send: (m) => deps.sendOrderEvents(m), record: (e) => deps.recordOrderEventLog(integration.tenantId, integration.shopId, e) }, { deadline: options.deadline });
  });
  return { ...run, total: sum(run.results) };
}

/**
 * Every 15 minutes: each active shop with credentials is re-read over the window. Taobao's and Shopify's
 * order APIs have readers; Douyin shops are counted as skipped (docs/orders-design.md §9.4).
 */
export async function reconcileAllShops(window: { from: Date; to: Date }, now: Date, deps = connectorDependencies) {
  const active = await workableIntegrations(deps);
  const readable = active.filter((i) => reconciledPlatforms.includes(i.platform));
  const run = await forEachShop(readable, async (integration) => {
    const client = await clientOf(integration, deps);
    return reconcileShop({ ...integration, platform: integration.platform as 'taobao' | 'shopify' }, window, { changedTrades: client.changedTrades, send: (m) => deps.sendOrderEvents(m), record: (e) => deps.recordOrderEventLog(integration.tenantId, integration.shopId, e) }, now);
  });
  return { ...run, skippedShops: active.length - readable.length, total: sum(run.results) };
}

function sum<R extends PullResult | ReconcileResult>(results: R[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const result of results) for (const [key, value] of Object.entries(result)) total[key] = (total[key] ?? 0) + value;
  return total;
}
