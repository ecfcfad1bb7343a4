import { z } from 'zod';
import { idSchema } from '../auth/identity';

/**
 * What the `outreach` queue carries (issue 8): a due task to fire (its send, or its reach check), and a
 * coupon issuance to carry out on the platform. `dueMinute` is the minute the sweep found the task under:
 * the claim is conditioned on it, so a copy from a minute the task has since left does nothing.
 */
export const outreachJobSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('fire'),
    tenantId: idSchema,
    taskId: idSchema,
    dueMinute: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/),
    phase: z.enum(['send', 'reach']),
  }),
  z.object({ type: z.literal('coupon'), tenantId: idSchema, couponId: z.string().min(1).max(64) }),
]);
export type OutreachJob = z.infer<typeof outreachJobSchema>;
export type FireJob = Extract<OutreachJob, { type: 'fire' }>;
