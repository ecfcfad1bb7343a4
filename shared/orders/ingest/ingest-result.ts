import type { z } from 'zod';
import { envelopeSchema, type Envelope, type Platform } from '../envelope';

/**
 * What an adapter makes of one platform message. Nothing is dropped silently: an accepted envelope goes
 * to the ingest queue, an ignored one is recorded as ignored (a topic kefu does not model), and a
 * rejected one goes to the DLQ with its reason and the offending field.
 */
export type IngestResult =
  | { kind: 'accepted'; envelope: Envelope }
  | { kind: 'ignored'; platform: Platform; shopId: string; messageId: string; sourceTopic: string; reason: 'UNKNOWN_TOPIC' | 'NOT_MODELLED' }
  | Rejection;

export const rejectionReasons = [
  /** The signature header is absent. */
  'MISSING_SIGNATURE',
  /** The signature header is present but not in the expected encoding or layout. */
  'MALFORMED_SIGNATURE',
  /** No configured secret produces the signature: wrong secret or a tampered body. */
  'SIGNATURE_MISMATCH',
  'MISSING_TIMESTAMP',
  'STALE_TIMESTAMP',
  'FUTURE_TIMESTAMP',
  /** The (verified) body is not JSON, or a JSON-string field inside it is not. */
  'MALFORMED_JSON',
  /** A field is missing or has the wrong shape; `field` names it. */
  'INVALID_FIELD',
  /** The message names a seller kefu has no shop for. */
  'UNKNOWN_SHOP',
] as const;
export type RejectionReason = (typeof rejectionReasons)[number];

export interface Rejection {
  kind: 'rejected';
  reason: RejectionReason;
  /** Dotted path of the offending field, when one is to blame. */
  field?: string;
  message: string;
  /** Set when the message id could be read, so a DLQ entry can be matched to the platform's log. */
  messageId?: string;
}

export const reject = (reason: RejectionReason, message: string, extra: { field?: string; messageId?: string } = {}): Rejection => ({
  kind: 'rejected',
  reason,
  message,
  ...extra,
});

/**
 * JSON.parse that reports a rejection instead of throwing. Taobao's tid / oid / refund_id are 19-digit
 * numbers in its JSON, past 2^53: a plain parse silently rounds them to another order's id. Integers
 * that are not safe are kept as their source text (the reviver's `context.source`, Node 21+).
 */
export function parseJson(text: string, field: string): { ok: true; value: unknown } | { ok: false; rejection: Rejection } {
  try {
    return { ok: true, value: JSON.parse(text, keepUnsafeIntegersAsText as (key: string, value: unknown) => unknown) as unknown };
  } catch {
    return { ok: false, rejection: reject('MALFORMED_JSON', `${field} is not valid JSON`, { field }) };
  }
}

function keepUnsafeIntegersAsText(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) && context?.source) return context.source;
  return value;
}

/**
 * Validates a candidate envelope against the one schema, so every adapter's output has the same
 * guarantees; the first zod issue becomes the rejection's field.
 */
export function toEnvelope(candidate: unknown, fieldPrefix = ''): IngestResult {
  const parsed = envelopeSchema.safeParse(candidate);
  if (parsed.success) return { kind: 'accepted', envelope: parsed.data };
  return fieldRejection(parsed.error, fieldPrefix, messageIdOf(candidate));
}

/** A zod failure as a rejection naming its first offending field, in the platform's own terms. */
export function fieldRejection(error: z.ZodError, prefix: string, messageId?: string): Rejection {
  const issue = error.issues[0];
  const field = [prefix, ...(issue?.path.map(String) ?? [])].filter(Boolean).join('.') || '(root)';
  return reject('INVALID_FIELD', `${field}: ${issue?.message ?? 'invalid'}`, { field, ...(messageId ? { messageId } : {}) });
}

function messageIdOf(candidate: unknown): string | undefined {
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const id = (candidate as { messageId?: unknown }).messageId;
  return typeof id === 'string' && id.length > 0 && id.length <= 256 ? id : undefined;
}
