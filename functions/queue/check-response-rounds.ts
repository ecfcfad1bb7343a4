import { queueConsumer } from '../../shared/middleware/queue-consumer';
import { runRoundCheck } from '../../shared/service-clock/live-clock';
import { roundCheckSchema } from '../../shared/service-clock/rounds';

/**
 * Response-round checks (issue 7 §4): at the at-risk instant, alert the assignee and the shop's
 * supervisors if the round is still unanswered; at the due instant, record it missed. Idempotent: a
 * redelivered check alerts once and records once.
 */
export const handler = queueConsumer(roundCheckSchema, async (check) => {
  await runRoundCheck(check);
});
