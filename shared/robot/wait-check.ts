import { z } from 'zod';
import { idSchema } from '../auth/identity';

/**
 * ROUNDS_QUEUE, beside the response clock's checks: after a hand-off the robot's check is held until the
 * shop's (or the promo phase's) maximum wait; if no person has joined by then the robot tells the buyer.
 */
export const robotWaitCheckSchema = z
  .object({
    type: z.literal('robot-wait-check'),
    tenantId: idSchema,
    shopId: idSchema,
    conversationId: idSchema,
    /** The hand-off it follows (the head's linePriorityAt): a later hand-off has its own check. */
    handedOffAt: z.string().datetime({ offset: true }),
  })
  .strict();
export type RobotWaitCheck = z.infer<typeof robotWaitCheckSchema>;
