import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { isoTimeSchema, platformSchema } from './envelope';
import type { IngestResult } from './ingest/ingest-result';
import type { OrderEventMessage } from './order-event-message';

/**
 * What ingestion set aside instead of enqueueing, so nothing is dropped silently: events `ignored` (a
 * topic kefu does not model) and authentic events `rejected` for their content (malformed JSON, a missing
 * field, a seller that is not this shop), each with its reason and the offending field. Kept per shop and
 * UTC day for 30 days, readable by the shop's staff (GET /v1/shops/{shopId}/order-event-log).
 *
 * Why rejected events are recorded here and not sent to the orders DLQ: the DLQ's contract is "messages
 * the consumer failed; fix the cause and redrive", and its bodies are order-event messages. A platform
 * payload that failed the adapter is not one (it has no envelope), redriving it would fail the same way,
 * and the DLQ is an operator's tool the shop's own staff cannot read. This record is tenant- and
 * shop-scoped, names the field, and the webhook still answers 200, because a 4xx would only make Shopify
 * resend the same bytes eight times.
 */
export const orderEventLogRetentionDays = 30;

export const orderEventLogEntrySchema = z
  .object({
    outcome: z.enum(['ignored', 'rejected']),
    platform: platformSchema,
    via: z.enum(['webhook', 'pull', 'reconciliation', 'simulator']),
    receivedAt: isoTimeSchema,
    messageId: z.string().optional(),
    sourceTopic: z.string().optional(),
    /** UNKNOWN_TOPIC / NOT_MODELLED for ignored; the rejection reason (INVALID_FIELD, MALFORMED_JSON, …) otherwise. */
    reason: z.string(),
    field: z.string().optional(),
    message: z.string().optional(),
  })
  .meta({ id: 'OrderEventLogEntry' });
export type OrderEventLogEntry = z.infer<typeof orderEventLogEntrySchema>;

export const orderEventLogQuery = z.strictObject({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC day, yyyy-mm-dd'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
});
export const orderEventLogPage = z
  .object({ shopId: idSchema, day: z.string(), entries: z.array(orderEventLogEntrySchema), nextCursor: z.string().optional() })
  .meta({ id: 'OrderEventLogPage' });
export type OrderEventLogPage = z.infer<typeof orderEventLogPage>;

/** What an adapter's results become: messages for the queue, entries for the log. */
export function sortResults(
  results: readonly IngestResult[],
  context: { tenantId: string; shopId: string; platform: OrderEventLogEntry['platform']; via: OrderEventLogEntry['via']; receivedAt: string },
): { messages: OrderEventMessage[]; logEntries: OrderEventLogEntry[] } {
  const messages: OrderEventMessage[] = [];
  const logEntries: OrderEventLogEntry[] = [];
  const { via, receivedAt } = context;
  for (const result of results) {
    if (result.kind === 'accepted') {
      messages.push({ tenantId: context.tenantId, envelope: result.envelope, via, receivedAt });
    } else if (result.kind === 'ignored') {
      logEntries.push({ outcome: 'ignored', platform: result.platform, via, receivedAt, messageId: result.messageId, sourceTopic: result.sourceTopic, reason: result.reason });
    } else {
      logEntries.push({
        outcome: 'rejected',
        platform: context.platform,
        via,
        receivedAt,
        reason: result.reason,
        message: result.message.slice(0, 512),
        ...(result.messageId ? { messageId: result.messageId } : {}),
        ...(result.field ? { field: result.field } : {}),
      });
    }
  }
  return { messages, logEntries };
}
