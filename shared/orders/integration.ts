import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { isoTimeSchema, platformIdSchema } from './envelope';
import type { WebhookKind } from './ingest/receive-webhook';

/**
 * A shop's order integration (issue 7 §1): which platform the shop sells on, its seller id there, the
 * webhook secrets that sign what the platform (or a relay) sends, and the API credentials the pull
 * connector and the reconciliation sweep use. Secrets and credentials are write-only: they go in through
 * PUT, are sealed (store/secret-box.ts) before they are stored, and nothing ever returns them.
 */

/** Platforms kefu has adapters for. Taobao is pulled (TMC); Douyin and Shopify push webhooks. */
export const integrationPlatforms = ['taobao', 'douyin', 'shopify'] as const;
export type IntegrationPlatform = (typeof integrationPlatforms)[number];

/** How long the previous webhook secret stays valid after a new one is set (Shopify's takes up to an hour). */
export const defaultRotationPeriodMinutes = 60;

export const putOrderIntegrationBody = z
  .strictObject({
    platform: z.enum(integrationPlatforms),
    /** The shop's seller / shop id on the platform (TMC `user_id`, Douyin shop id, Shopify shop domain or id). */
    platformShopId: platformIdSchema,
    /** A new webhook secret: becomes the current one; the previous stays valid for `rotationPeriodMinutes`. */
    webhookSecret: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
    /** The platform API credentials (Taobao app key / secret / session); replaced as a whole. */
    credentials: z
      .strictObject({
        appKey: z.string().min(1).max(128),
        appSecret: z.string().min(8, 'must be at least 8 characters').max(256),
        sessionKey: z.string().min(1).max(512).optional(),
      })
      .optional(),
    rotationPeriodMinutes: z.number().int().min(0).max(7 * 24 * 60).optional(),
    /** Inactive: webhooks answer 404, nothing is pulled or reconciled. Default true. */
    active: z.boolean().optional(),
  })
  .meta({ id: 'PutOrderIntegration' });
export type PutOrderIntegrationBody = z.infer<typeof putOrderIntegrationBody>;

export const platformCredentialsSchema = z.object({ appKey: z.string(), appSecret: z.string(), sessionKey: z.string().optional() });
export type PlatformCredentials = z.infer<typeof platformCredentialsSchema>;

/** One webhook secret as stored: sealed, when it was set, and when it stops being valid (rotated out). */
export const storedSecretSchema = z.object({ sealed: z.string(), setAt: isoTimeSchema, expiresAt: isoTimeSchema.optional() });
export type StoredSecret = z.infer<typeof storedSecretSchema>;

export const orderIntegrationSchema = z.object({
  tenantId: idSchema,
  shopId: idSchema,
  platform: z.enum(integrationPlatforms),
  platformShopId: platformIdSchema,
  endpointId: z.string(),
  active: z.boolean(),
  rotationPeriodMinutes: z.number().int(),
  webhookSecrets: z.array(storedSecretSchema).max(2),
  credentials: z.object({ sealed: z.string(), setAt: isoTimeSchema }).optional(),
  createdAt: isoTimeSchema,
  updatedAt: isoTimeSchema,
  rev: z.number().int().nonnegative(),
});
export type OrderIntegration = z.infer<typeof orderIntegrationSchema>;

/** What the webhook routes read: everything needed to verify and attribute a delivery, in one item. */
export const webhookEndpointSchema = orderIntegrationSchema.pick({
  endpointId: true,
  tenantId: true,
  shopId: true,
  platform: true,
  platformShopId: true,
  active: true,
  webhookSecrets: true,
});
export type WebhookEndpointRecord = z.infer<typeof webhookEndpointSchema>;

/** The integration as the API shows it: never a secret, only whether one is set and since when. */
export const orderIntegrationViewSchema = z
  .object({
    shopId: idSchema,
    platform: z.enum(integrationPlatforms),
    platformShopId: platformIdSchema,
    active: z.boolean(),
    endpointId: z.string(),
    /** Paths of the webhook routes that accept this shop's events (prefix the API's URL). */
    webhookPaths: z.object({ kefu: z.string(), shopify: z.string().optional(), douyin: z.string().optional() }),
    /** Taobao shops are pulled from TMC every minute. */
    pulled: z.boolean(),
    rotationPeriodMinutes: z.number().int(),
    /** The webhook secrets valid now, oldest first: at most two, the older one during a rotation. */
    webhookSecrets: z.array(z.object({ setAt: isoTimeSchema, expiresAt: isoTimeSchema.optional() })),
    credentials: z.object({ set: z.boolean(), setAt: isoTimeSchema.optional() }),
    createdAt: isoTimeSchema,
    updatedAt: isoTimeSchema,
  })
  .meta({ id: 'OrderIntegration' });
export type OrderIntegrationView = z.infer<typeof orderIntegrationViewSchema>;

export const shopIntegrationPathParams = z.strictObject({ shopId: idSchema });

/** 128 random bits, base64url: the only thing a public webhook URL names, so it must not be guessable. */
export const newEndpointId = (): string => randomBytes(16).toString('base64url');

/** The webhook kinds an endpoint of this platform accepts: the platform's own format and kefu's (relays, ERPs). */
export function webhookKindsOf(platform: IntegrationPlatform): WebhookKind[] {
  return platform === 'taobao' ? ['kefu'] : [platform, 'kefu'];
}

export const webhookPath = (kind: WebhookKind, endpointId: string) => `/v1/webhooks/${kind}/${endpointId}`;

/** The secrets still valid at `now`, oldest first. */
export function validSecrets(secrets: readonly StoredSecret[], now: Date): StoredSecret[] {
  return secrets.filter((secret) => secret.expiresAt === undefined || Date.parse(secret.expiresAt) > now.getTime());
}

/**
 * A new secret becomes the current one; the current one stays valid for the rotation period (so a
 * platform still signing with it is not refused), and anything older goes. At most two at any time.
 */
export function rotateSecrets(current: readonly StoredSecret[], sealedNew: string, now: Date, rotationPeriodMinutes: number): StoredSecret[] {
  const live = validSecrets(current, now);
  const previous = live.at(-1);
  const until = new Date(now.getTime() + rotationPeriodMinutes * 60_000).toISOString();
  const kept: StoredSecret[] =
    previous && rotationPeriodMinutes > 0
      ? [{ ...previous, expiresAt: previous.expiresAt && previous.expiresAt < until ? previous.expiresAt : until }]
      : [];
  return [...kept, { sealed: sealedNew, setAt: now.toISOString() }];
}

export function viewOf(integration: OrderIntegration, now: Date): OrderIntegrationView {
  const kinds = webhookKindsOf(integration.platform);
  return {
    shopId: integration.shopId,
    platform: integration.platform,
    platformShopId: integration.platformShopId,
    active: integration.active,
    endpointId: integration.endpointId,
    webhookPaths: Object.fromEntries(kinds.map((kind) => [kind, webhookPath(kind, integration.endpointId)])) as OrderIntegrationView['webhookPaths'],
    pulled: integration.platform === 'taobao',
    rotationPeriodMinutes: integration.rotationPeriodMinutes,
    webhookSecrets: validSecrets(integration.webhookSecrets, now).map(({ setAt, expiresAt }) => ({ setAt, ...(expiresAt ? { expiresAt } : {}) })),
    credentials: integration.credentials ? { set: true, setAt: integration.credentials.setAt } : { set: false },
    createdAt: integration.createdAt,
    updatedAt: integration.updatedAt,
  };
}
