import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { queueUrlVariable } from '../../shared/queue-settings';
import { functionsOf, type Manifest, type QueueSpec } from '../../shared/manifest';
import { capacityTargetsFor } from '../config/promo-capacity';
import { selectRegions } from '../config/regions';
import { localCredentials, localRegion, type LocalEngines } from './engines';
import { localSmsCallbackSecret } from './platform-simulator/sms-receipts';

export { localAudience, localIssuerPath, localIssuerUrl } from './token-issuer';
export const jwksPath = '/.well-known/jwks.json';
/** Where the dev issuer's user pool takes the user directory's operations (shared/people/local-user-directory.ts). */
export const localDirectoryPath = '/local-issuer/directory';

export interface HandlerEnvironmentInput {
  engines: Pick<LocalEngines, 'dynamoEndpoint' | 'sqsEndpoint' | 'tableName'> & { queueUrls: Partial<Record<QueueSpec['name'], string>> };
  /** http://127.0.0.1:PORT: the HTTP API, which also serves @connections. */
  httpUrl: string;
  /** Base64 of the AES-256-GCM key standing in for KMS (localSecretsKey()). */
  secretsKey?: string;
  /** The platform simulator's URL: the platforms' order APIs locally. */
  platformApiUrl?: string;
}

/**
 * The local stand-in for the KMS secrets key: kept in the data folder (so sealed secrets open after a
 * restart), or new on every start in memory.
 */
export function localSecretsKey(dataDir: string | undefined): string {
  const file = dataDir ? join(dataDir, 'secrets.key') : undefined;
  if (file && existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(32).toString('base64');
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, key, { mode: 0o600 });
  }
  return key;
}

/**
 * The variables the CDK stack gives every function (shared/runtime/env.ts validates them), with local
 * values: the same names, so handlers never branch on "local". The SDK's own AWS_ENDPOINT_URL_* variables
 * point the handlers' clients at DynamoDB Local and the SQS server.
 */
export function localHandlerEnvironment(input: HandlerEnvironmentInput): Record<string, string> {
  const { engines, httpUrl } = input;
  const vars: Record<string, string> = {
    TABLE_NAME: engines.tableName,
    WS_MANAGEMENT_ENDPOINT: httpUrl,
    STAGE: 'local',
    AWS_REGION: localRegion,
    AWS_DEFAULT_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: engines.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: engines.sqsEndpoint,
    // What infra/constructs/kefu-function.ts adds for Powertools; the log level may be overridden.
    POWERTOOLS_SERVICE_NAME: 'kefu',
    POWERTOOLS_METRICS_NAMESPACE: 'kefu',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
    LOCAL_USER_DIRECTORY_URL: `${httpUrl}${localDirectoryPath}`,
  };
  if (input.secretsKey) vars.LOCAL_SECRETS_KEY = input.secretsKey;
  if (input.platformApiUrl) vars.PLATFORM_API_URL = input.platformApiUrl;
  // The simulator plays the SMS provider too (outreach); in the cloud SMS_API_URL names the provider.
  if (input.platformApiUrl) vars.SMS_API_URL = input.platformApiUrl;
  // ...and signs its SMS receipts with this local secret (infra/local/platform-simulator/simulator.ts); the
  // cloud has no such variable: the receipts function reads Secrets Manager (shared/outreach/sms-callback-secret.ts).
  if (input.platformApiUrl) vars.SMS_CALLBACK_SECRET = localSmsCallbackSecret;
  for (const [name, url] of Object.entries(engines.queueUrls)) {
    if (url) vars[queueUrlVariable({ name: name as QueueSpec['name'] })] = url;
  }
  return vars;
}

/**
 * Handlers run in this process and read process.env at cold start, so this must run before the first
 * handler module is imported. A developer's own AWS profile or session token must never reach the
 * engines' dummy-credential clients (or, worse, a real account), so those are removed.
 */
export function applyHandlerEnvironment(vars: Record<string, string>, target: NodeJS.ProcessEnv = process.env): void {
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE']) delete target[name];
  Object.assign(target, vars);
}

/**
 * The promo capacity control's targets on the local stack: the dev region's presets and the manifest's
 * names, in `record` mode, so the control computes and records exactly the commands a deployed region
 * would send, and sends none (there is no AWS to send them to; the promo status says so). Only when the
 * manifest has the control (a test's small manifest may not).
 */
export function localCapacityControl(manifest: Manifest, tableName: string): Record<string, string> {
  if (!functionsOf(manifest).some((spec) => spec.access.includes('capacity:control'))) return {};
  const region = selectRegions('ap-southeast-1-dev')[0]!;
  const targets = capacityTargetsFor(region, manifest, { tableName, functionName: (name) => `kefu-local-${name}`, mappingUuid: (name) => `local-${name}` }, 'record');
  return { PROMO_CAPACITY_TARGETS: JSON.stringify(targets) };
}
