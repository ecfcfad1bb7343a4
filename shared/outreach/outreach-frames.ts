/**
 * Requests and responses of the outreach routes (issue 8). Exported by name so the OpenAPI generator
 * reads the schemas the handlers validate with. Bodies are strict: `tenantId`, `status`, `assigneeId` or
 * any other key a route does not take is refused, naming it.
 */
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { isoTimeSchema, platformIdSchema, platformSchema } from '../orders/envelope';
import { orderCardSchema } from '../orders/order-card';
import { outreachSettingsBody } from './settings';
import { callbackOutcomes, outreachTaskSchema } from './task';

export const outreachShopPath = z.strictObject({ shopId: idSchema });
export const outreachTaskPath = z.strictObject({ taskId: idSchema });
export const outreachShopTaskPath = z.strictObject({ shopId: idSchema, taskId: idSchema });

export { outreachSettingsBody };
export const outreachSettingsSchema = outreachSettingsBody.extend({ shopId: idSchema, updatedAt: isoTimeSchema.optional() }).meta({ id: 'OutreachSettings' });

/** A task as clients see it (no internal index fields). */
export const outreachTaskView = outreachTaskSchema.omit({ claimedAt: true }).meta({ id: 'OutreachTask' });

export const myOutreachTasksQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be 1-100')
    .transform(Number)
    .pipe(z.number().int().min(1).max(100))
    .optional(),
  cursor: z.string().regex(/^[A-Za-z0-9_:.#-]{1,200}$/, 'must be a cursor from a previous page').optional(),
});
export type MyOutreachTasksQuery = z.infer<typeof myOutreachTasksQuery>;

export const myOutreachTasksResponse = z
  .object({
    tasks: z.array(z.object({ task: outreachTaskView, order: orderCardSchema.optional() })),
    cursor: z.string().optional(),
  })
  .meta({ id: 'MyOutreachTasks' });

export const outcomeBody = z.strictObject({ outcome: z.enum(callbackOutcomes), note: z.string().trim().min(1).max(500).optional() });
export type OutcomeBody = z.infer<typeof outcomeBody>;
export const outcomeResponse = z
  .object({ task: outreachTaskView, coupon: z.object({ outcome: z.enum(['recorded', 'exists', 'over-budget', 'no-strategy']), couponId: z.string().optional() }).optional() })
  .meta({ id: 'OutreachOutcome' });

/** POST /v1/shops/{shopId}/outreach-tasks: one campaign message to one buyer at a time (a supervisor's). */
export const campaignTaskBody = z.strictObject({
  clientRequestId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, _ or -'),
  platform: platformSchema,
  buyerId: platformIdSchema,
  dueAt: isoTimeSchema,
  template: z.string().min(1).max(2000),
  channel: z.enum(['chat', 'sms']).default('chat'),
});
export type CampaignTaskBody = z.infer<typeof campaignTaskBody>;

/**
 * The SMS provider's receipts (POST /v1/sms/receipts): per message kefu sent, `delivered` (the handset
 * took it) or `read` (a read report: 5G/RCS messages and providers that track the message's link). The
 * message is named as kefu named it when sending (tenant and task: the provider echoes them back).
 */
export const smsReceiptsBody = z
  .strictObject({
    receipts: z
      .array(z.strictObject({ tenantId: idSchema, taskId: idSchema, status: z.enum(['delivered', 'read']), at: isoTimeSchema }))
      .min(1)
      .max(100),
  })
  .meta({ id: 'SmsReceipts' });
export type SmsReceiptsBody = z.infer<typeof smsReceiptsBody>;
export const smsReceiptsAnswer = z.object({ recorded: z.number().int(), ignored: z.number().int() }).meta({ id: 'SmsReceiptsAnswer' });
