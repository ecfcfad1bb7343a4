import { z } from 'zod';
import { idSchema } from '../auth/identity';

/**
 * One page of an attribution recompute on the `recompute` queue (docs/kpi-design.md §3): the shop, the
 * rule version it recomputes, the UTC month of stored orders and where in it the page starts ('' = the
 * first page; else the sort key of the previous page's last order, the Query's ExclusiveStartKey).
 */
export const recomputeJobSchema = z.strictObject({
  kind: z.literal('attribution-recompute'),
  tenantId: idSchema,
  shopId: idSchema,
  version: z.number().int().min(1),
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be yyyy-MM'),
  cursor: z.string().max(1024),
});
export type RecomputeJob = z.infer<typeof recomputeJobSchema>;
