import { routeJobSchema } from '../../shared/conversations/jobs';
import { queueConsumer } from '../../shared/middleware/queue-consumer';
import { routeConversation } from '../../shared/routing/route-conversation';

/**
 * Routing queue consumer: assigns each waiting conversation to an agent or leaves it in line. Routing is
 * idempotent (a conversation no longer waiting is skipped), so redelivered and duplicate jobs are safe;
 * a record that could not settle is reported failed alone and retried.
 */
export const handler = queueConsumer(routeJobSchema, async (job) => {
  await routeConversation(job);
});
