import { queueConsumers, type QueueSpec } from './manifest';

/** Lambda's default when a consumer does not say. */
export const defaultConsumerTimeoutSeconds = 30;
/** A DLQ keeps messages longer than its source: messages keep their original enqueue time when moved. */
export const deadLetterRetentionDays = 14;

/**
 * Visibility timeout of a queue: six times its consumer's timeout, as AWS advises for Lambda event
 * source mappings, so a batch still in flight is not handed to a second consumer.
 */
export function visibilityTimeoutSeconds(queue: QueueSpec, consumers = queueConsumers): number {
  const consumer = consumers.find((c) => c.queue === queue.name);
  return 6 * (consumer?.timeoutSeconds ?? defaultConsumerTimeoutSeconds);
}

/** The environment variable a handler reads a queue's URL from: `delivery` → DELIVERY_QUEUE_URL. */
export function queueUrlVariable(queue: Pick<QueueSpec, 'name'>): string {
  return `${queue.name.toUpperCase()}_QUEUE_URL`;
}
