import type { TestProject } from 'vitest/node';
import { startEngines, type LocalEngines } from '../../infra/local/engines';

declare module 'vitest' {
  export interface ProvidedContext {
    engines: Pick<LocalEngines, 'dynamoEndpoint' | 'sqsEndpoint' | 'tableName' | 'queueUrls' | 'deadLetterQueueUrls'>;
  }
}

let engines: LocalEngines | undefined;

/** Starts DynamoDB Local and the SQS server once for the whole run (in memory); tests isolate by tenant id. */
export async function setup(project: TestProject): Promise<void> {
  engines = await startEngines({ tableName: 'kefu-test' });
  const { dynamoEndpoint, sqsEndpoint, tableName, queueUrls, deadLetterQueueUrls } = engines;
  project.provide('engines', { dynamoEndpoint, sqsEndpoint, tableName, queueUrls, deadLetterQueueUrls });
}

export async function teardown(): Promise<void> {
  await engines?.stop();
}
