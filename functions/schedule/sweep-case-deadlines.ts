import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { sweepCaseDeadlines } from '../../shared/after-sales/sweep-case-deadlines';

/** A run stops taking index entries 45 s in: of the 60 s timeout, 15 s stay for the cases in hand. */
const takeEntriesForMs = 45_000;

/**
 * Every minute: the deadline sweep. `now` is the time Scheduler planned the run for (the input's
 * scheduledTime), so a late or repeated run sweeps the minute it was meant for, and a cursor at that
 * minute makes a second run read nothing (row 25). The local stack passes its own planned times the same way.
 */
export const handler = scheduledJob(async (invocation, now) => {
  const scheduled = invocation.scheduledTime ? new Date(invocation.scheduledTime) : now;
  const sweepAt = Number.isNaN(scheduled.getTime()) ? now : scheduled;
  return sweepCaseDeadlines(sweepAt, undefined, { deadline: new Date(Date.now() + takeEntriesForMs) });
});
