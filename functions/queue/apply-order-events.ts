import { queueConsumer } from '../../shared/middleware/queue-consumer';
import { handleOrderEvent } from '../../shared/orders/apply-order-events';
import { orderEventMessageSchema } from '../../shared/orders/order-event-message';

/**
 * Orders queue consumer: applies each platform event to its order once (dedupe claim + conditional
 * write), then runs the "after the order changed" steps (shared/orders/apply-order-events.ts). A
 * malformed or unappliable record fails alone (partial batch response), is logged with its reason, and
 * reaches the DLQ after maxReceiveCount; it is never dropped silently.
 */
export const handler = queueConsumer(orderEventMessageSchema, async (message) => {
  await handleOrderEvent(message);
});
