import { z } from 'zod';

/**
 * Where kefu runs: one entry per deployed copy (an AWS region and a stage). Checked in, so a change of
 * capacity or alarm target is a reviewed commit, and validated with zod when the app starts, so a typo
 * fails `cdk synth` instead of a deploy. The CDK app reads process.env (CDK_DEFAULT_ACCOUNT) only in
 * infra/app.ts; everything else comes from here.
 */

/** Dev entries may use this account: it means "the account of whoever deploys" (a developer's sandbox). */
export const SANDBOX_ACCOUNT = '000000000000';

/**
 * How much concurrency a region dedicates to kefu in one mode. A promo (Double 11, 618) multiplies chat
 * volume for weeks, so the promo preset is switched on ahead of it by changing `capacityMode` below.
 */
const capacityPresetSchema = z
  .object({
    /**
     * Provisioned concurrency on each interactive entry point (HTTP routes, WebSocket routes and the
     * $connect authorizer), so a login wave does not queue on cold starts. 0: none.
     */
    interactiveProvisionedConcurrency: z.number().int().min(0),
    /**
     * Multiplies each queue consumer's manifest maxConcurrency (its share relative to the other
     * consumers) into its event source mapping's maxConcurrency here: below 1 in a sandbox, above 1 in a
     * promo. See {@link consumerMaxConcurrency}.
     */
    consumerConcurrencyScale: z.number().positive().max(100),
    /**
     * Reserve each consumer's maxConcurrency for it, so its pollers are never throttled (throttled
     * receives burn receive counts and dead-letter good messages) and consumers cannot starve the chat
     * API. Off in sandboxes, whose accounts have too little concurrency to reserve any.
     */
    reserveConsumerConcurrency: z.boolean(),
    /**
     * Provisioned concurrency the promo capacity control sets on each latency-critical alias (see
     * `promoControl`) while a phase asks for this preset; defaults to interactiveProvisionedConcurrency.
     */
    latencyCriticalProvisionedConcurrency: z.number().int().min(0).optional(),
    /**
     * Reserved concurrency the promo capacity control caps non-urgent consumers (outreach, analytics) at
     * in this preset, so chat keeps the account's concurrency; omitted: the deploy's own setting.
     */
    nonUrgentReservedConcurrency: z.number().int().min(0).optional(),
    /** Steady-state requests per second and burst of the HTTP and WebSocket stages (API4: rate limits). */
    apiRateLimit: z.number().int().positive(),
    apiBurstLimit: z.number().int().positive(),
  })
  .refine((preset) => preset.apiBurstLimit >= preset.apiRateLimit, { message: 'apiBurstLimit must be at least apiRateLimit' });

const regionSchema = z
  .object({
    /** Stack name prefix and the value of `-c region=NAME`: `<aws region>-<stage>`. */
    name: z.string().regex(/^[a-z0-9-]+$/),
    awsRegion: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/),
    account: z.string().regex(/^\d{12}$/),
    stage: z.enum(['dev', 'prod']),
    alarmEmail: z.email(),
    capacityMode: z.enum(['normal', 'promo']),
    capacity: z.object({ normal: capacityPresetSchema, promo: capacityPresetSchema }),
    /**
     * What the promo capacity control (shared/promo/capacity-control.ts) may change, by manifest name:
     * the aliases a buyer waits on (connect, send) and the consumers that may wait for chat (outreach,
     * analytics, catalogue imports).
     */
    promoControl: z
      .object({ latencyCriticalFunctions: z.array(z.string()).min(1), nonUrgentConsumers: z.array(z.string()) })
      // Non-urgent: work that may wait hours without a buyer noticing: catalogue imports, and outreach
      // (urges, callbacks, review invitations), whose due tasks stay on the queue until the cap lets them
      // through. The KPI aggregator reads the table's stream, not a queue: it is not capped here.
      .default({ latencyCriticalFunctions: ['AuthorizeConnect', 'WsConnect', 'WsSendMessage', 'CreateConnectTicket'], nonUrgentConsumers: ['ImportCatalogueBatches', 'RunOutreach'] }),
    /** The token issuer the HTTP API's JWT authorizer trusts; handlers read the claims it verified. */
    jwt: z.object({ issuer: z.url(), audience: z.string().min(1), jwksUri: z.url() }),
    /**
     * The web clients in S3 + CloudFront (infra/constructs/web-hosting.ts), signing in at this Cognito
     * hosted-UI domain (infra/identity-stack.ts: prefix `kefu-<name>`) with the app client `jwt.audience`;
     * without it the region serves no web app.
     */
    web: z.object({ hostedUiDomain: z.url() }).optional(),
  })
  .refine((region) => region.name === `${region.awsRegion}-${region.stage}`, {
    message: 'name must be `<awsRegion>-<stage>`',
  })
  .refine((region) => region.stage === 'dev' || region.account !== SANDBOX_ACCOUNT, {
    message: 'a prod region must name its account; only dev may use the sandbox placeholder',
  })
  .refine((region) => region.stage === 'dev' || isCognitoIssuerOf(region.awsRegion, region.jwt.issuer), {
    message: 'a prod region must trust a Cognito user pool of its own region',
  })
  .refine((region) => region.stage === 'dev' || region.jwt.jwksUri === `${region.jwt.issuer}/.well-known/jwks.json`, {
    message: "a prod region's jwksUri must be its Cognito pool's /.well-known/jwks.json",
  });

export type RegionConfig = z.infer<typeof regionSchema>;
export type CapacityPreset = z.infer<typeof capacityPresetSchema>;
export type Stage = RegionConfig['stage'];

function isCognitoIssuerOf(awsRegion: string, issuer: string): boolean {
  const suffix = awsRegion.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new RegExp(`^https://cognito-idp\\.${awsRegion}\\.${suffix.replace(/\./g, '\\.')}/${awsRegion}_[0-9A-Za-z]+$`).test(issuer);
}

const sandboxCapacity: CapacityPreset = {
  interactiveProvisionedConcurrency: 0,
  consumerConcurrencyScale: 0.2,
  reserveConsumerConcurrency: false,
  apiRateLimit: 50,
  apiBurstLimit: 100,
};

const regionsSchema = z
  .array(regionSchema)
  .min(1)
  .refine((entries) => new Set(entries.map((entry) => entry.name)).size === entries.length, { message: 'region names must be unique' });

const regions: readonly RegionConfig[] = regionsSchema.parse([
  {
    name: 'ap-southeast-1-dev',
    awsRegion: 'ap-southeast-1',
    account: SANDBOX_ACCOUNT,
    stage: 'dev',
    alarmEmail: 'kefu-dev-alarms@example.com',
    capacityMode: 'normal',
    // A sandbox has no headroom to reserve or provision: both presets stay small.
    // A sandbox has no headroom to reserve or provision; promo mode only lets a developer try the switch.
    capacity: { normal: sandboxCapacity, promo: { ...sandboxCapacity, consumerConcurrencyScale: 0.5, nonUrgentReservedConcurrency: 2 } },
    // Placeholders: a developer points these at their own Cognito pool or the local token issuer's tunnel.
    jwt: {
      issuer: 'https://issuer.kefu.invalid/dev',
      audience: 'kefu-dev',
      jwksUri: 'https://issuer.kefu.invalid/dev/.well-known/jwks.json',
    },
    web: { hostedUiDomain: 'https://kefu-ap-southeast-1-dev.auth.ap-southeast-1.amazoncognito.com' },
  },
  {
    name: 'ap-southeast-1-prod',
    awsRegion: 'ap-southeast-1',
    // TODO(ops): the production account id and the user pool below are placeholders until the prod
    // account exists; deploying with them fails at the account check, never against a wrong account.
    account: '111111111111',
    stage: 'prod',
    alarmEmail: 'kefu-oncall@example.com',
    capacityMode: 'normal',
    capacity: {
      normal: {
        interactiveProvisionedConcurrency: 1,
        consumerConcurrencyScale: 1,
        reserveConsumerConcurrency: true,
        apiRateLimit: 500,
        apiBurstLimit: 1000,
      },
      // Double 11 / 618: chat volume grows several-fold for weeks (shared/domain.md); the account's
      // Lambda concurrency quota must be raised to cover it first (docs/deploy.md).
      promo: {
        interactiveProvisionedConcurrency: 10,
        // The planner's Double 11 example (docs/promo-runbook.md) needs ~35 on sendMessage for one large shop.
        latencyCriticalProvisionedConcurrency: 50,
        nonUrgentReservedConcurrency: 2,
        consumerConcurrencyScale: 5,
        reserveConsumerConcurrency: true,
        apiRateLimit: 5000,
        apiBurstLimit: 10000,
      },
    },
    jwt: {
      issuer: 'https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_KefuProd',
      audience: 'kefu-prod-app-client-id',
      jwksUri: 'https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_KefuProd/.well-known/jwks.json',
    },
    web: { hostedUiDomain: 'https://kefu-ap-southeast-1-prod.auth.ap-southeast-1.amazoncognito.com' },
  },
]);

/** Every configured region, or only the one `-c region=NAME` asks for; an unknown name lists the known ones. */
export function selectRegions(name?: string): readonly RegionConfig[] {
  if (name === undefined) return regions;
  const region = regions.find((candidate) => candidate.name === name);
  if (!region) throw new Error(`unknown region "${name}"; configured: ${regions.map((r) => r.name).join(', ')}`);
  return [region];
}

/** The capacity preset a region runs with now. */
export function activeCapacity(region: RegionConfig): CapacityPreset {
  return region.capacity[region.capacityMode];
}

/**
 * An SQS event source mapping's maxConcurrency in a region: the consumer's manifest value scaled by the
 * active preset, within what Lambda accepts (2 to 1,000).
 */
export function consumerMaxConcurrency(manifestMaxConcurrency: number, preset: CapacityPreset): number {
  return Math.min(1000, Math.max(2, Math.round(manifestMaxConcurrency * preset.consumerConcurrencyScale)));
}

/** The schema, for tests that check a hand-made entry is refused. */
export { regionSchema };
