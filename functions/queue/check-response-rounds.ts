import { z } from 'zod';
import { queueConsumer } from '../../shared/middleware/queue-consumer';
import { runRobotWaitCheck } from '../../shared/robot/robot-first';
import { robotWaitCheckSchema } from '../../shared/robot/wait-check';
import { runRoundCheck } from '../../shared/service-clock/live-clock';
import { roundCheckSchema } from '../../shared/service-clock/rounds';

/**
 * Response-round checks (issue 7 §4): at the at-risk instant, alert the assignee and the shop's
 * supervisors if the round is still unanswered; at the due instant, record it missed. Idempotent: a
 * redelivered check alerts once and records once. Also the FAQ robot's check after a hand-off (issue 8
 * §3): tells a buyer nobody has joined yet, once per hand-off.
 */
export const handler = queueConsumer(z.discriminatedUnion('type', [roundCheckSchema, robotWaitCheckSchema]), async (check) => {
  if (check.type === 'robot-wait-check') await runRobotWaitCheck(check);
  else await runRoundCheck(check);
});
