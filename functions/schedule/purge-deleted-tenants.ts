import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { purgeDueTenants } from '../../shared/tenants/purge-tenants';

/** Hourly: removes the data of deleted tenants whose restore window has ended (idempotent; a cut-short run is finished by the next). */
export const handler = scheduledJob(async (_invocation, now) => purgeDueTenants(now));
