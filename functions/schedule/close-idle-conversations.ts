import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { closeIdleConversations } from '../../shared/routing/close-idle';

/** Leaves the function this much of its timeout to finish the conversation in hand. */
const safetyMarginMs = 10_000;

/**
 * Every minute: closes conversations idle longer than their shop's idleCloseMinutes. Idempotent, so an
 * overlapping or repeated run is harmless; what one run leaves (time budget) the next one picks up.
 */
export const handler = scheduledJob(async (_invocation, now) => {
  const deadline = new Date(Date.now() + 50_000 - safetyMarginMs);
  return closeIdleConversations(now, undefined, { deadline });
});
