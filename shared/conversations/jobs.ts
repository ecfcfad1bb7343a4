import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { maxWatchers, messageSchema } from './conversation';

/**
 * Queue job bodies, shared by the producers (the sendMessage handler) and the consumers. Jobs carry only
 * ids and the stored message; consumers re-read anything that could have changed since.
 */

/**
 * ROUTING_QUEUE: a conversation needs an agent (a buyer opened it, or it is waiting again). Routing is
 * idempotent (assignment is conditional on `status = waiting`), so a job may arrive twice or late.
 */
export const routeJobSchema = z
  .object({
    type: z.literal('route'),
    tenantId: idSchema,
    conversationId: idSchema,
    /**
     * Capacity appeared at this agent (they came online, closed or handed over a conversation) and the
     * job was sent to drain the waiting line their way: the router reads them besides its sample of the
     * group, so the freed room is found whatever the size of the group. A hint, not an order: they are
     * chosen only if the policy would (in the group, online, under cap) and the transaction agrees.
     */
    agentWithRoom: idSchema.optional(),
  })
  .strict();
export type RouteJob = z.infer<typeof routeJobSchema>;

/**
 * DELIVERY_QUEUE: post a stored message to the recipients' live connections. At least once: the frame
 * carries conversationId + seq, by which clients drop duplicates. Recipients are final (the buyer or the
 * assignee, and the supervisors watching when it was sent): the consumer reads only their connections.
 */
export const messageDeliveryJobSchema = z
  .object({
    type: z.literal('message'),
    tenantId: idSchema,
    conversationId: idSchema,
    shopId: idSchema,
    /** The other side (buyer, assignee) plus every watcher: at most 2 + maxWatchers. */
    recipients: z.array(idSchema).max(2 + maxWatchers),
    message: messageSchema,
  })
  .strict();
export type MessageDeliveryJob = z.infer<typeof messageDeliveryJobSchema>;

/** Every delivery job type; one today, a union so more (read receipts, typing) can join. */
export const deliveryJobSchema = z.discriminatedUnion('type', [messageDeliveryJobSchema]);
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;
