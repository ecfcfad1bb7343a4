/**
 * Request bodies, responses and pushed frames of after-sales cases (issue 7 §3). Exported by name so the
 * OpenAPI / AsyncAPI generator reads the schemas the handlers validate with. Bodies are strict: a body
 * carrying `tenantId`, `ownerId`, `state` or any other key the route does not take is refused, naming it.
 */
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { isoTimeSchema, platformIdSchema, platformSchema } from '../orders/envelope';
import { caseHeadSchema } from '../store/cases';
import { caseOutcomes, caseStates, caseTypes, timelineEntrySchema } from './case';

const text = (max: number) => z.string().trim().min(1).max(max);

export const casePathParams = z.strictObject({ caseId: idSchema });
export const shopCasesPathParams = z.strictObject({ shopId: idSchema });

/** POST /v1/shops/{shopId}/cases: an agent opens a case from a conversation of that shop. */
export const openCaseBody = z.strictObject({
  /** The client's idempotency key: a retried request returns the case it opened the first time. */
  clientRequestId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, _ or -'),
  type: z.enum(caseTypes),
  conversationId: idSchema,
  platform: platformSchema,
  orderId: platformIdSchema.optional(),
  note: text(2000).optional(),
});
export type OpenCaseBody = z.infer<typeof openCaseBody>;

export const transitionBody = z.strictObject({
  to: z.enum(caseStates),
  outcome: z.enum(caseOutcomes).optional(),
  note: text(2000).optional(),
});
export const noteBody = z.strictObject({ text: text(2000) });
export const evidenceBody = z.strictObject({
  url: z
    .string()
    .max(2048)
    .refine(isHttpsUrl, 'must be an https URL'),
  note: text(2000).optional(),
});
function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

export const ownerBody = z.strictObject({ ownerId: idSchema });
export const retentionBody = z.strictObject({ note: text(2000).optional() });

const limitParam = z
  .string()
  .regex(/^\d{1,3}$/, 'must be 1-100')
  .transform(Number)
  .pipe(z.number().int().min(1).max(100))
  .optional();
const cursorParam = z.string().regex(/^[A-Za-z0-9_-]{1,400}$/, 'must be a cursor from a previous page').optional();

export const listShopCasesQuery = z.strictObject({
  /** One state; without it, every unfinished state (open, then waiting on the seller, buyer, platform). */
  state: z.enum(caseStates).optional(),
  /** Only cases past their SLA in a state where the seller must act (open, waiting-seller). */
  overdue: z.enum(['true', 'false']).optional(),
  limit: limitParam,
  cursor: cursorParam,
});
export type ListShopCasesQuery = z.infer<typeof listShopCasesQuery>;
export const listMyCasesQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });

export { caseHeadSchema };

export const caseViewSchema = caseHeadSchema.extend({
  /** The newest timeline entries (at most 200), oldest first; `timelineCount` says how many there are in all. */
  timeline: z.array(timelineEntrySchema),
  timelineCount: z.number().int(),
});
export type CaseView = z.infer<typeof caseViewSchema>;

export const casePageSchema = z.object({
  cases: z.array(caseHeadSchema),
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor: z.string().optional(),
});
export type CasePageView = z.infer<typeof casePageSchema>;

// ---- pushed frames ----

export const caseOpenedFrame = z.object({ type: z.literal('case.opened'), case: caseHeadSchema });
export const caseUpdatedFrame = z.object({ type: z.literal('case.updated'), case: caseHeadSchema });
export const caseWarningFrame = z.object({
  type: z.literal('case.warning'),
  caseId: idSchema,
  shopId: idSchema,
  /** `warning` at a point before the SLA, `overdue` once the SLA is due. */
  kind: z.enum(['warning', 'overdue']),
  /** The fraction of the SLA window used: 0.5, 0.8, 1. */
  point: z.number(),
  /** When the point was reached. */
  at: isoTimeSchema,
  slaDueAt: isoTimeSchema,
  dueAt: isoTimeSchema,
  ownerId: idSchema.optional(),
  case: caseHeadSchema,
});
export type CaseOpenedFrame = z.infer<typeof caseOpenedFrame>;
export type CaseUpdatedFrame = z.infer<typeof caseUpdatedFrame>;
export type CaseWarningFrame = z.infer<typeof caseWarningFrame>;
export type CaseFrame = CaseOpenedFrame | CaseUpdatedFrame | CaseWarningFrame;
