import { queueConsumer } from '../../shared/middleware/queue-consumer';
import { recomputeAttributionPage } from '../../shared/kpi/recompute-attribution';
import { recomputeJobSchema } from '../../shared/kpi/recompute-job';
import { logger } from '../../shared/runtime/observability';

/**
 * Recompute queue consumer (docs/kpi-design.md §3): one page of a shop's attribution recompute after a
 * rule change, then the next page enqueued or the version activated. A page that throws is retried alone
 * (partial batch response) and lands in the DLQ after maxReceiveCount; a redelivered page counts once.
 */
export const handler = queueConsumer(recomputeJobSchema, async (job, record) => {
  const outcome = await recomputeAttributionPage(job, record.messageId);
  logger.info('attribution recompute page', { tenantId: job.tenantId, shopId: job.shopId, version: job.version, month: job.month, outcome });
});
