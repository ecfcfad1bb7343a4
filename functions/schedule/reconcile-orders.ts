import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { reconcileAllShops } from '../../shared/orders/run-connectors';
import { reconciliationWindow } from '../../shared/orders/reconcile';

/**
 * Every 15 minutes: re-reads orders changed in the window ending at the scheduled time (not the run's own
 * clock, so a retried or late run reads the same window: row 25) and feeds them in as envelopes.
 */
export const handler = scheduledJob(async (invocation, now) => {
  const scheduled = invocation.scheduledTime ? new Date(invocation.scheduledTime) : now;
  const run = await reconcileAllShops(reconciliationWindow(Number.isNaN(scheduled.getTime()) ? now : scheduled), now);
  // A shop that failed makes the run fail, so Scheduler retries it over the same window.
  if (run.failedShops > 0) throw new Error(`reconciliation failed for ${run.failedShops} of ${run.shops} shops`);
  return run;
});
