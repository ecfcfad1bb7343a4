import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { envelopeSchema } from './envelope';

/**
 * The body of one message on the `orders` queue: an accepted envelope and the tenant it belongs to.
 * Every adapter (webhook, pull connector, reconciliation) produces it; the orders consumer is its only
 * reader. The tenant and the envelope's shop come from the verified endpoint or connector, never from
 * the platform's body.
 */
export const orderEventMessageSchema = z.strictObject({
  tenantId: idSchema,
  envelope: envelopeSchema,
  /** How it came in: for the ignored/dead-letter records and the benchmark's lag. */
  via: z.enum(['webhook', 'pull', 'reconciliation', 'simulator']),
  /** When kefu accepted it (UTC ISO): apply lag = applied − receivedAt. */
  receivedAt: z.string().datetime({ offset: true }),
});
export type OrderEventMessage = z.infer<typeof orderEventMessageSchema>;
