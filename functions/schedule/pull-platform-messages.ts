import { scheduledJob } from '../../shared/middleware/scheduled-job';
import { pullAllShops } from '../../shared/orders/run-connectors';

/** Of the 60 s timeout the manifest gives it, a run pulls for 45 s and keeps 15 s for the batch in hand. */
const pullForMs = 45_000;

/**
 * Every minute: pulls each Taobao shop's TMC messages onto the orders queue, confirming only what is kept
 * (shared/orders/pull-connector.ts). Overlapping runs are harmless: TMC leases what it hands out, and a
 * message handed out twice is deduplicated by the consumer.
 */
export const handler = scheduledJob(async () => pullAllShops({ deadline: Date.now() + pullForMs }));
