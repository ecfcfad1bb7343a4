import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import { env } from '../runtime/env';
import { logger } from '../runtime/observability';

/**
 * Where the SMS provider's receipt-callback secret comes from (docs/outreach-design.md §5 "SMS receipts",
 * docs/deploy.md): in the cloud, the data stack's Secrets Manager secret (`SMS_CALLBACK_SECRET_ARN`, set on
 * the receipts function only), read through Powertools Parameters and kept `maxAgeSeconds`; in the local
 * stack, which has no Secrets Manager, the simulator's secret in `SMS_CALLBACK_SECRET`.
 *
 * The secret holds `{"current": "…", "previous": "…"}`: during a rotation both are accepted, so the
 * operator puts the new value as `current` (the old as `previous`), waits `maxAgeSeconds`, and only then
 * switches the provider. An unset, placeholder (`{}`) or unreadable secret yields no secrets, and the route
 * refuses every receipt with 401 `SMS_RECEIPTS_NOT_CONFIGURED` — never a 500.
 */
export const smsCallbackSecretMaxAgeSeconds = 300;
/**
 * A receipt that no cached secret verifies (or one arriving while none is configured) may re-read the
 * secret, at most this often per instance: a provider switched before every instance's cache expired is
 * accepted at once, and a flood of badly signed requests costs at most one extra GetSecretValue per 30 s
 * while the secret reads. (A read that fails is not cached: while it fails, every receipt reads again.)
 */
export const smsCallbackSecretRefreshMs = 30_000;

const storedValue = z.object({ current: z.string().min(16), previous: z.string().min(16).optional() });

export interface SmsCallbackSecrets {
  /** The secrets receipts may be signed with, newest first; empty: not configured. `refresh`: re-read past the cache (rate-limited). */
  secrets(options?: { refresh?: boolean }): Promise<string[]>;
}

export function smsCallbackSecrets(provider?: Pick<SecretsProvider, 'get'>, clock: () => number = Date.now): SmsCallbackSecrets {
  let lastRefresh = Number.NEGATIVE_INFINITY;
  // Made on first use in the cloud: the local stack and the tests that set no ARN never build an SDK client.
  let reader = provider;
  return {
    async secrets(options = {}) {
      const { SMS_CALLBACK_SECRET_ARN: arn, SMS_CALLBACK_SECRET: local } = env();
      if (!arn) return local ? [local] : [];
      const forceFetch = options.refresh === true && clock() - lastRefresh >= smsCallbackSecretRefreshMs;
      if (forceFetch) lastRefresh = clock();
      let value: unknown;
      try {
        reader ??= new SecretsProvider();
        value = await reader.get(arn, { maxAge: smsCallbackSecretMaxAgeSeconds, transform: 'json', forceFetch });
      } catch (error) {
        // Missing, no permission, throttled, not JSON: receipts are refused (the provider retries them) until it reads.
        logger.warn('the SMS callback secret could not be read; receipts are refused', { error: (error as Error).name });
        return [];
      }
      const parsed = storedValue.safeParse(value);
      if (!parsed.success) {
        // The stack's `{}` placeholder before the operator put the provider's secret, or a value of the wrong shape.
        logger.warn('the SMS callback secret is not configured ({"current": "…"} of 16+ characters); receipts are refused');
        return [];
      }
      return parsed.data.previous ? [parsed.data.current, parsed.data.previous] : [parsed.data.current];
    },
  };
}
