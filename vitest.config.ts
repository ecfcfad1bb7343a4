import { defineConfig } from 'vitest/config';

/**
 * One run covers every layer: unit tests (aws-sdk-client-mock), integration tests against DynamoDB Local
 * and the SQS server started once by test/support/global-setup.ts, infra tests (CDK assertions and
 * cdk-nag), and end-to-end tests that boot the local stack. Two cores: files run two at a time.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/test-env.ts'],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
