import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { purgeDueTenants } from '../../shared/tenants/purge-tenants';

/** Hourly: removes the data of deleted tenants whose restore window has ended (idempotent; a cut-short run is finished by the next). */
/** Time left for a tenant's own partitions (shops, agents, accounts) after its conversations stop being taken. */
const otherPartitionsMs = 5 * 60_000;

export const handler = scheduledJob(async (_invocation, now, context) =>
  purgeDueTenants(now, { stopTakingConversationsAt: Date.now() + context.getRemainingTimeInMillis() - otherPartitionsMs }),
);
