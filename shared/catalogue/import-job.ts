import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { productRowSchema } from './product';

/** One batch of a catalogue import on the `imports` queue: its rows were all checked before it was sent. */
export const catalogueBatchJobSchema = z.strictObject({
  kind: z.literal('catalogue-batch'),
  tenantId: idSchema,
  shopId: idSchema,
  importId: idSchema,
  version: z.number().int().min(1),
  batch: z.number().int().min(0),
  batches: z.number().int().min(1),
  actorId: idSchema,
  actorRole: z.string(),
  rows: z.array(productRowSchema).min(1),
});
export type CatalogueBatchJob = z.infer<typeof catalogueBatchJobSchema>;

/** SQS takes 256 KB a message; a batch of 64 KB (escaped as sent: ~500-1,000 rows, ~5,000 item writes) stays far below it and well inside its consumer's timeout. */
export const maxBatchBodyChars = 64 * 1024;
