import type { Identity } from '../auth/identity';
import { ConflictError, NotFoundError } from '../http/errors';
import { assertSupervisesShop } from '../routing/access';
import { readOrderEventLog } from '../store/order-event-log';
import { getOrderIntegration, saveOrderIntegration } from '../store/order-integrations';
import { sealSecret } from '../store/secret-box';
import { getShop } from '../store/shops';
import {
  defaultRotationPeriodMinutes,
  newEndpointId,
  rotateSecrets,
  viewOf,
  type OrderIntegration,
  type OrderIntegrationView,
  type PutOrderIntegrationBody,
} from './integration';
import type { OrderEventLogPage } from './order-event-log';

export const integrationDependencies = { getShop, getOrderIntegration, saveOrderIntegration, sealSecret };

/**
 * Creates or updates a shop's order integration (its admins and supervisors, like the shop itself). A
 * new webhook secret rotates in (the previous one stays valid for the rotation period); new credentials
 * replace the old. The platform of an existing integration cannot change: its endpoint id, events and
 * orders belong to that platform (409 INTEGRATION_PLATFORM_FIXED).
 */
export async function putOrderIntegration(
  identity: Identity,
  shopId: string,
  body: PutOrderIntegrationBody,
  now = new Date(),
  deps = integrationDependencies,
): Promise<OrderIntegrationView> {
  assertSupervisesShop(identity, shopId);
  const { tenantId } = identity;
  if (!(await deps.getShop(tenantId, shopId))) throw new NotFoundError('shop');
  const existing = await deps.getOrderIntegration(tenantId, shopId, { consistent: true });
  if (existing && existing.platform !== body.platform) {
    throw new ConflictError('INTEGRATION_PLATFORM_FIXED', `this shop's integration is on ${existing.platform}`, [
      { field: 'body.platform', message: `must be ${existing.platform}` },
    ]);
  }
  const at = now.toISOString();
  const rotationPeriodMinutes = body.rotationPeriodMinutes ?? existing?.rotationPeriodMinutes ?? defaultRotationPeriodMinutes;
  const context = (purpose: string) => ({ tenantId, shopId, purpose });
  const webhookSecrets = body.webhookSecret
    ? rotateSecrets(existing?.webhookSecrets ?? [], await deps.sealSecret(body.webhookSecret, context('webhook-secret')), now, rotationPeriodMinutes)
    : (existing?.webhookSecrets ?? []);
  const credentials = body.credentials
    ? { sealed: await deps.sealSecret(JSON.stringify(body.credentials), context('credentials')), setAt: at }
    : existing?.credentials;
  const integration: OrderIntegration = {
    tenantId,
    shopId,
    platform: body.platform,
    platformShopId: body.platformShopId,
    endpointId: existing?.endpointId ?? newEndpointId(),
    active: body.active ?? existing?.active ?? true,
    rotationPeriodMinutes,
    webhookSecrets,
    ...(credentials ? { credentials } : {}),
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
    rev: (existing?.rev ?? 0) + 1,
  };
  await deps.saveOrderIntegration(integration, existing?.rev);
  return viewOf(integration, now);
}

export async function readOrderIntegration(identity: Identity, shopId: string, now = new Date(), deps = integrationDependencies): Promise<OrderIntegrationView> {
  assertSupervisesShop(identity, shopId);
  const integration = await deps.getOrderIntegration(identity.tenantId, shopId);
  if (!integration) throw new NotFoundError('order integration');
  return viewOf(integration, now);
}

/** A shop-day of ignored and rejected events, for the shop's admins and supervisors. */
export async function readShopOrderEventLog(
  identity: Identity,
  shopId: string,
  query: { day: string; limit: number; cursor?: string | undefined },
  deps = { readOrderEventLog, getShop },
): Promise<OrderEventLogPage> {
  assertSupervisesShop(identity, shopId);
  if (!(await deps.getShop(identity.tenantId, shopId))) throw new NotFoundError('shop');
  const page = await deps.readOrderEventLog(identity.tenantId, shopId, query.day, query);
  return { shopId, day: query.day, ...page };
}
