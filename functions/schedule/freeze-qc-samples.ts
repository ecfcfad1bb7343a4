import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { freezeDueSamples } from '../../shared/qc/freeze-samples';

/** Hourly: freezes each QC shop's sample of its current cycle once (idempotent; a frozen cycle is kept). */
export const handler = scheduledJob(async (_invocation, now) => freezeDueSamples(now));
