/**
 * Schedule payloads, kept free of runtime imports so the CDK app can build the same input the local
 * scheduler sends.
 */
/** What EventBridge Scheduler passes as input for kefu's schedules (see the manifest's `input`). */
export interface ScheduledInvocation {
  schedule: string;
  /** ISO time the schedule fired, set by the scheduler's <aws.scheduler.scheduled-time> placeholder. */
  scheduledTime?: string;
  [key: string]: unknown;
}

/**
 * The input a schedule's target receives, built in one place for both runtimes: the CDK passes Scheduler's
 * <aws.scheduler.scheduled-time> placeholder as `scheduledTime`, the local scheduler the planned time.
 */
export function scheduledInvocationInput(
  spec: { name: string; input?: Record<string, unknown> },
  scheduledTime: string,
): ScheduledInvocation {
  return { schedule: spec.name, ...spec.input, scheduledTime };
}

