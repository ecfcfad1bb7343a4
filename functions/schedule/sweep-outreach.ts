import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { sweepOutreach } from '../../shared/outreach/sweep-outreach';

/** A run stops draining 50 s in: of the 60 s timeout, 10 s stay for the pages in hand. */
const drainForMs = 50_000;

/**
 * Every minute: drain the outreach due-time buckets up to the scheduled minute into the outreach queue.
 * `now` is the time Scheduler planned the run for, so a late or repeated run drains the minute it was
 * meant for and a cursor at that minute makes a second run read nothing (row 25).
 */
export const handler = scheduledJob(async (invocation, now) => {
  const scheduled = invocation.scheduledTime ? new Date(invocation.scheduledTime) : now;
  const sweepAt = Number.isNaN(scheduled.getTime()) ? now : scheduled;
  return sweepOutreach(sweepAt, undefined, { deadline: new Date(Date.now() + drainForMs) });
});
