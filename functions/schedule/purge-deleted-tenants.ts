import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { purgeDueTenants } from '../../shared/tenants/purge-tenants';

/** Time left for a tenant's own partitions (shops, agents, accounts) after its conversations stop being taken. */
const otherPartitionsMs = 5 * 60_000;
/**
 * Time left after the sweep's last page is taken: one page (a 1 MB Scan and the BatchWrites of what it
 * found, a few seconds at most), the tombstone and the marker. The next run resumes from the stored pages.
 */
const sweepPageMs = 60_000;

/** Hourly: removes the data of deleted tenants whose restore window has ended (idempotent; a cut-short run is finished by the next). */
export const handler = scheduledJob(async (_invocation, now, context) => {
  const deadline = Date.now() + context.getRemainingTimeInMillis();
  return purgeDueTenants(now, { stopTakingConversationsAt: deadline - otherPartitionsMs, stopSweepingAt: deadline - sweepPageMs });
});
