import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { closeIdleConversations } from '../../shared/routing/close-idle';

/**
 * A run stops taking new timers 40 s in: of the 60 s timeout the manifest gives it, 20 s stay for the
 * timers in hand (one per shard, the 16 shards in parallel: each a read, a transaction, notifications).
 */
const takeTimersForMs = 40_000;

/**
 * Every minute: closes conversations idle longer than their shop's idleCloseMinutes. Idempotent, so an
 * overlapping or repeated run is harmless; what one run leaves (time budget) the next one picks up.
 */
export const handler = scheduledJob(async (_invocation, now) => {
  const deadline = new Date(Date.now() + takeTimersForMs);
  return closeIdleConversations(now, undefined, { deadline });
});
