import { queueConsumer } from '../../shared/middleware/queue-consumer';
import { deliveryJobSchema } from '../../shared/conversations/jobs';
import { deliverMessage } from '../../shared/conversations/deliver-message';

/**
 * Delivery queue consumer: posts each stored message to its recipients' live connections. A failed record
 * is reported alone (partial batch response) and retried; frames carry conversationId + seq so a repeat
 * is dropped by the client.
 */
export const handler = queueConsumer(deliveryJobSchema, async (job) => {
  await deliverMessage(job);
});
