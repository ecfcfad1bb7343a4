import { createHash } from 'node:crypto';
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { isoTimeSchema, platformIdSchema, platformSchema, refundKinds, refundStatusSchema, type Platform } from '../orders/envelope';

/**
 * The after-sales case (issue 7 §3): one problem of one buyer's order, worked to an outcome on the
 * platform's clock. Opened by refund events (one case per platform refund), by logistics FAILED / LOST,
 * or by an agent from a conversation. Every change is a timeline entry naming who made it.
 */

export const caseTypes = ['refund-only', 'return-and-refund', 'exchange', 'quality-complaint', 'missing-or-damaged', 'urge-shipping', 'other'] as const;
export type CaseType = (typeof caseTypes)[number];

export const caseStates = ['open', 'waiting-buyer', 'waiting-seller', 'waiting-platform', 'resolved', 'closed'] as const;
export type CaseState = (typeof caseStates)[number];

export const caseOutcomes = [
  'refunded',
  'returned-and-refunded',
  'exchanged',
  'reshipped',
  'compensated',
  /** The buyer withdrew the refund after an agent's retention attempt (退款挽留). */
  'refund-retained',
  'refund-refused',
  'withdrawn',
  'no-action-needed',
  'other',
] as const;
export type CaseOutcome = (typeof caseOutcomes)[number];

export const terminalStates: ReadonlySet<CaseState> = new Set(['resolved', 'closed']);
/** States in which the seller's side must act: the only ones whose deadline warns kefu's people. */
export const sellerActsStates: ReadonlySet<CaseState> = new Set(['open', 'waiting-seller']);

export const actorSchema = z.object({
  kind: z.enum(['platform', 'system', 'agent', 'supervisor']),
  /** The user id for agents and supervisors; absent for the platform and kefu itself. */
  userId: idSchema.optional(),
});
export type Actor = z.infer<typeof actorSchema>;

export const timelineEntrySchema = z.object({
  at: isoTimeSchema,
  actor: actorSchema,
  kind: z.enum(['opened', 'state', 'owner', 'deadline', 'note', 'evidence', 'retention']),
  from: z.enum(caseStates).optional(),
  to: z.enum(caseStates).optional(),
  outcome: z.enum(caseOutcomes).optional(),
  ownerId: idSchema.optional(),
  text: z.string().max(2000).optional(),
  /** Evidence is a link (photos, carrier proof) kept by the platform or the firm, never uploaded here. */
  url: z.string().url().max(2048).optional(),
  dueAt: isoTimeSchema.optional(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const caseDeadlineSchema = z.object({
  /** When the current step must be done by, on the platform's clock. */
  dueAt: isoTimeSchema,
  /** When kefu wants it done: dueAt − the shop's safety margin. Warnings count towards this. */
  slaDueAt: isoTimeSchema,
  /** When the step's clock started. */
  startsAt: isoTimeSchema,
  source: z.enum(['platform', 'rule', 'shop-rule']),
  ruleId: z.string().optional(),
  tableVersion: z.string().optional(),
});
export type CaseDeadline = z.infer<typeof caseDeadlineSchema>;

export const afterSalesCaseSchema = z.object({
  tenantId: idSchema,
  shopId: idSchema,
  platform: platformSchema,
  caseId: idSchema,
  type: z.enum(caseTypes),
  state: z.enum(caseStates),
  /** When the current state began: the start of the step's clock. */
  stateSince: isoTimeSchema,
  outcome: z.enum(caseOutcomes).optional(),
  origin: z.enum(['refund', 'logistics', 'agent', 'review']),
  orderId: platformIdSchema.optional(),
  buyerId: platformIdSchema.optional(),
  conversationId: idSchema.optional(),
  refund: z
    .object({
      refundId: platformIdSchema,
      kind: z.enum(refundKinds),
      status: refundStatusSchema,
      /**
       * The refund register last applied to the case (version, lifecycle rank, message id: the order's
       * total order), so older refund news, or a loser of a version tie, never moves it back.
       */
      version: z.number().int().nonnegative(),
      rank: z.number().int().nonnegative(),
      messageId: z.string(),
    })
    .optional(),
  parcelId: platformIdSchema.optional(),
  ownerId: idSchema.optional(),
  /** Who tried to keep the refund, if anyone: a later close by the buyer counts as retained. */
  retentionBy: idSchema.optional(),
  deadline: caseDeadlineSchema.optional(),
  /** Warning keys already pushed (`<dueAt>@<point>`): a sweep that runs twice warns once (row 25). */
  warningsSent: z.array(z.string()),
  openedAt: isoTimeSchema,
  updatedAt: isoTimeSchema,
  timeline: z.array(timelineEntrySchema),
});
export type AfterSalesCase = z.infer<typeof afterSalesCaseSchema>;

/**
 * One case per platform refund: the id is derived from the refund, so a redelivered or concurrent
 * "refund created" can only ever create the same item (the store puts it with attribute_not_exists).
 */
export const caseIdForRefund = (platform: Platform, shopId: string, refundId: string) => derivedId('rf', [platform, shopId, refundId]);

/** One case per parcel incident (FAILED = refused by the buyer, LOST). */
export const caseIdForParcelIncident = (platform: Platform, shopId: string, orderId: string, parcelId: string, action: 'failed' | 'lost') =>
  derivedId('lg', [platform, shopId, orderId, parcelId, action]);

/** Review repair (改评价, issue 8): one case per order and rater, whatever the number of rating events. */
export const caseIdForReviewRepair = (platform: Platform, shopId: string, orderId: string) => derivedId('rv', [platform, shopId, orderId, 'review-repair']);

/** An agent's case: idempotent on the client's request id, as a retried HTTP call must not open two. */
export const caseIdForAgentRequest = (shopId: string, userId: string, clientRequestId: string) => derivedId('ag', [shopId, userId, clientRequestId]);

/** 22 base64url characters of SHA-256 (132 bits): fits idSchema, and collisions are not a practical concern. */
function derivedId(prefix: string, parts: string[]): string {
  const digest = createHash('sha256').update(parts.map((part) => `${part.length}:${part}`).join('|')).digest('base64url');
  return `${prefix}_${digest.slice(0, 22)}`;
}
