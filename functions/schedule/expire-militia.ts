import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { expireMilitia } from '../../shared/people/expire-militia';

/** Every minute: militia members whose accounts expired are taken offline and their conversations re-queued. */
export const handler = scheduledJob(async (_invocation, now) => expireMilitia(now));
