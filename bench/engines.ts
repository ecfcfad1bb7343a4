/**
 * The stand-alone benchmarks (case-sweep, onboarding-import, outreach, kpi-recompute) run production code
 * in this process against engines of their own, without the local stack: this points the shared clients
 * at those engines and totals what the meters billed.
 */
import type { LocalEngines } from '../infra/local/engines';
import { localCredentials, localRegion } from '../infra/local/engines';
import { queueUrlVariable } from '../shared/queue-settings';
import { resetEnvForTests } from '../shared/runtime/env';
import type { Meters } from './meters';

/** Points this process's shared clients at the engines: DynamoDB always, the SQS server and its queues with `sqs`. */
export function pointAtEngines(engines: Pick<LocalEngines, 'dynamoEndpoint' | 'tableName'> & Partial<Pick<LocalEngines, 'sqsEndpoint' | 'queueUrls'>>, options: { sqs?: boolean } = {}): void {
  process.env.AWS_REGION = localRegion;
  process.env.AWS_ACCESS_KEY_ID = localCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = localCredentials.secretAccessKey;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = engines.dynamoEndpoint;
  process.env.TABLE_NAME = engines.tableName;
  if (options.sqs) {
    if (!engines.sqsEndpoint || !engines.queueUrls) throw new Error('pointAtEngines: sqs asked for, but the engines have no SQS server');
    process.env.AWS_ENDPOINT_URL_SQS = engines.sqsEndpoint;
    for (const [name, url] of Object.entries(engines.queueUrls)) if (url) process.env[queueUrlVariable({ name: name as never })] = url;
  }
  resetEnvForTests();
}

/** Billed DynamoDB read and write units, DynamoDB calls and billed SQS requests of everything metered since the last reset. */
export function units(meters: Meters): { read: number; write: number; calls: number; sqsRequests: number } {
  let read = 0;
  let write = 0;
  let calls = 0;
  for (const operations of Object.values(meters.snapshot().dynamo)) {
    for (const stats of Object.values(operations)) {
      read += stats.billedReadUnits;
      write += stats.billedWriteUnits;
      calls += stats.calls;
    }
  }
  let sqsRequests = 0;
  for (const byKey of Object.values(meters.snapshot().sqs)) for (const stats of Object.values(byKey)) sqsRequests += stats.billedRequests;
  return { read, write, calls, sqsRequests };
}
