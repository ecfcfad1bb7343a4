import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { controlPromoCapacity } from '../../shared/promo/capacity-control';

/**
 * Every minute: takes the region's capacity (warm throughput, provisioned concurrency, event-source and
 * reserved concurrency) to what the promo calendars ask for now. Converging, so a repeated or
 * overlapping run issues nothing new (row 25).
 */
export const handler = scheduledJob(async (_invocation, now) => controlPromoCapacity(now));
