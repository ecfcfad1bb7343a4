import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from '../runtime/observability';
import { publishMetrics } from './publish-metrics';
import type { ScheduledInvocation } from '../schedule-input';

export type { ScheduledInvocation } from '../schedule-input';

/** The schedule handler factory: logging, then the job. A thrown error lets Scheduler retry, then DLQ. */
export function scheduledJob(run: (invocation: ScheduledInvocation, now: Date, context: Context) => Promise<unknown>) {
  return middy<ScheduledInvocation, unknown>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics())
    .handler(async (invocation: ScheduledInvocation, context: Context) => run(invocation, new Date(), context));
}
