import { queueConsumer } from '../../shared/middleware/queue-consumer';
import { carryOutCoupon } from '../../shared/outreach/coupons';
import { fireTask } from '../../shared/outreach/fire-task';
import { outreachJobSchema } from '../../shared/outreach/jobs';

/**
 * Outreach queue consumer: fires a due task (claim once, then send on its channel behind the shop's and
 * the platform's token buckets) or carries out a coupon command. A record that throws is retried alone
 * (partial batch response) and lands in the DLQ after maxReceiveCount, never dropped silently.
 */
export const handler = queueConsumer(outreachJobSchema, async (job) => {
  if (job.type === 'coupon') await carryOutCoupon(job, new Date());
  else await fireTask(job, new Date());
});
