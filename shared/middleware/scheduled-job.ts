import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from '../runtime/observability';
import { publishMetrics } from './publish-metrics';

/** What EventBridge Scheduler passes as input for kefu's schedules (see the manifest's `input`). */
export interface ScheduledInvocation {
  schedule: string;
  /** ISO time the schedule fired, set by the scheduler's <aws.scheduler.scheduled-time> placeholder. */
  scheduledTime?: string;
  [key: string]: unknown;
}

/** The schedule handler factory: logging, then the job. A thrown error lets Scheduler retry, then DLQ. */
export function scheduledJob(run: (invocation: ScheduledInvocation, now: Date) => Promise<unknown>) {
  return middy<ScheduledInvocation, unknown>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics())
    .handler(async (invocation: ScheduledInvocation, _context: Context) => run(invocation, new Date()));
}
