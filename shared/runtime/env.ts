import { z } from 'zod';

/**
 * Handler configuration, read once at cold start. The CDK app and the local stack both set exactly these
 * variables (see infra/app-stack.ts and infra/local/environment.ts).
 */
const envSchema = z.object({
  TABLE_NAME: z.string().min(1),
  DELIVERY_QUEUE_URL: z.string().min(1).optional(),
  ROUTING_QUEUE_URL: z.string().min(1).optional(),
  ORDERS_QUEUE_URL: z.string().min(1).optional(),
  ROUNDS_QUEUE_URL: z.string().min(1).optional(),
  IMPORTS_QUEUE_URL: z.string().min(1).optional(),
  OUTREACH_QUEUE_URL: z.string().min(1).optional(),
  RECOMPUTE_QUEUE_URL: z.string().min(1).optional(),
  /** The SMS provider's API (outreach): the platform simulator locally. */
  SMS_API_URL: z.string().url().optional(),
  /**
   * Local stack only: the secret the SMS simulator signs its delivery/read receipts with (POST /v1/sms/receipts).
   * In the cloud the secret is in Secrets Manager (SMS_CALLBACK_SECRET_ARN); neither set: receipts are refused.
   */
  SMS_CALLBACK_SECRET: z.string().min(16).optional(),
  /** Only the receipts function's: the Secrets Manager secret holding {"current", "previous"?} (shared/outreach/sms-callback-secret.ts). */
  SMS_CALLBACK_SECRET_ARN: z.string().startsWith('arn:').optional(),
  /** https://{apiId}.execute-api.{region}.amazonaws.com/{stage} in the cloud; the local stack's URL locally. */
  WS_MANAGEMENT_ENDPOINT: z.string().min(1).optional(),
  STAGE: z.string().default('dev'),
  /** The KMS key (ARN) that seals shops' webhook secrets and platform credentials (store/secret-box.ts). */
  SECRETS_KEY_ID: z.string().min(1).optional(),
  /** Local stack only: base64 of 32 bytes, the AES-256-GCM key standing in for KMS. Never set in the cloud. */
  LOCAL_SECRETS_KEY: z.string().min(1).optional(),
  /** Base URL of the platforms' order APIs (TMC consume/confirm, order reads): the simulator locally. */
  PLATFORM_API_URL: z.string().url().optional(),
  /** Only the capacity control function's: what it may change, with each preset's values (shared/promo/capacity.ts). */
  PROMO_CAPACITY_TARGETS: z.string().min(2).optional(),
  /** Only the user directory function's: the region's Cognito staff pool (infra/identity-stack.ts). */
  USER_POOL_ID: z.string().min(1).optional(),
  /** Local stack only: the dev issuer's user pool (infra/local/user-pool.ts). Never set in the cloud. */
  LOCAL_USER_DIRECTORY_URL: z.string().url().optional(),
  /** Bench only: `per-fact` writes the KPI aggregator's facts one transaction each, as before batching (bench --kpi-batching). */
  KPI_FACT_BATCHING: z.enum(['merged', 'per-fact']).optional(),
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

/** Fails fast, naming the missing variable, instead of letting an undefined table name reach the SDK. */
export function env(): Env {
  if (!cached) {
    const result = envSchema.safeParse(process.env);
    if (!result.success) {
      const names = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
      throw new Error(`handler environment is incomplete: ${names}`);
    }
    cached = result.data;
  }
  return cached;
}

/** Tests change process.env between cases; this forgets the parsed copy. */
export function resetEnvForTests(): void {
  cached = undefined;
}
