import type { Manifest } from '../../../shared/manifest';
import type { FunctionSpec } from '../../../shared/manifest';

const handler = 'test/infra/support/noop-handler.ts';

/**
 * A small manifest that exercises what the real one may not declare yet: a FIFO queue, a queue consumer
 * with its own timeout, a schedule with input, and every kind of access.
 */
export const syntheticManifest: Manifest = {
  queues: [
    { name: 'delivery', fifo: false, maxReceiveCount: 5, retentionDays: 4 },
    { name: 'routing', fifo: true, maxReceiveCount: 8, retentionDays: 7 },
  ],
  webSocketAuthorizer: { name: 'Authorize', handler, access: ['table:write'] },
  httpRoutes: [
    { name: 'Health', method: 'GET', path: '/health', handler, access: ['table:read'], public: true },
    { name: 'ListThings', method: 'GET', path: '/v1/things/{thingId}', handler, access: ['table:read'] },
  ],
  webSocketRoutes: [
    { name: 'Connect', route: '$connect', handler, access: ['table:write'], returnResponse: false },
    { name: 'Send', route: 'send', handler, access: ['table:write', 'queue:delivery:send'], returnResponse: true },
  ],
  queueConsumers: [
    {
      name: 'DeliverMessages',
      queue: 'delivery',
      handler,
      access: ['table:read', 'websocket:post'],
      timeoutSeconds: 40,
      batchSize: 10,
      maxBatchingWindowSeconds: 2,
      maxConcurrency: 30,
    },
  ],
  schedules: [
    {
      name: 'CloseIdleConversations',
      expression: 'cron(0/5 * * * ? *)',
      input: { job: 'close-idle' },
      handler,
      access: ['table:write', 'queue:routing:send'],
    },
  ],
};
