import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { serviceDaySchema } from '../conversations/conversation';

/** Wire contracts of the response clock: the at-risk frame and the response-rate route (issue 7 §4). */

export const responseAtRiskFrameSchema = z.object({
  type: z.literal('response.at-risk'),
  conversationId: idSchema,
  shopId: idSchema,
  buyerId: idSchema,
  /** Absent while the conversation waits for an agent. */
  assigneeId: idSchema.optional(),
  /** The buyer's first unanswered question of this round (UTC). */
  questionAt: z.string(),
  /** When the answer is due under the shop's response policy (UTC). */
  dueAt: z.string(),
});
export type ResponseAtRiskFrame = z.infer<typeof responseAtRiskFrameSchema>;

export const responseRateQuerySchema = z.object({ day: serviceDaySchema }).strict();

const count = z.number().int().nonnegative();
const rateFigures = {
  /** Counted rounds that finished: met + missed. */
  rounds: count,
  met: count,
  missed: count,
  /** met / rounds; absent when no counted round finished. */
  rate: z.number().min(0).max(1).optional(),
};

export const responseRateSchema = z.object({
  shopId: idSchema,
  /** The shop's local date (in `timeZone`) the rounds' questions were asked on. */
  day: z.string(),
  timeZone: z.string(),
  targetRate: z.number(),
  ...rateFigures,
  /** Rounds opened outside service hours and answered: not part of the rate. */
  notCounted: count,
  meetsTarget: z.boolean().optional(),
  /** Per assignee responsible for the rounds; rounds that waited for an agent throughout are under no one. */
  agents: z.array(z.object({ agentId: idSchema, ...rateFigures })),
});
export type ResponseRate = z.infer<typeof responseRateSchema>;
