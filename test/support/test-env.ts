import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { queueUrlVariable } from '../../shared/queue-settings';
import { localCredentials, localRegion } from '../../infra/local/engines';

/**
 * Points the handlers' SDK clients at the engines from global-setup, through the same environment
 * variables the local stack sets. Tokens are verified by the gateway's JWT authorizer, not by handlers,
 * so handlers need no issuer settings.
 */
const engines = inject('engines');
process.env.AWS_REGION = localRegion;
process.env.AWS_ACCESS_KEY_ID = localCredentials.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = localCredentials.secretAccessKey;
process.env.AWS_ENDPOINT_URL_DYNAMODB = engines.dynamoEndpoint;
process.env.AWS_ENDPOINT_URL_SQS = engines.sqsEndpoint;
process.env.TABLE_NAME = engines.tableName;
for (const [name, url] of Object.entries(engines.queueUrls)) process.env[queueUrlVariable({ name: name as never })] = url;
// The local stand-in for the KMS secrets key (shared/store/secret-box.ts), new for each test file.
process.env.LOCAL_SECRETS_KEY ??= randomBytes(32).toString('base64');
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
