import { aggregateBatch } from '../../shared/kpi/aggregate-changes';
import { notifyKpiWatchers } from '../../shared/kpi/watch-kpis';
import { streamConsumer } from '../../shared/middleware/stream-consumer';

/**
 * KPI aggregation from the table's change stream (docs/kpi-design.md §4): a batch of changed items of
 * the KPI entities becomes claimed facts and hour buckets, written together in a few transactions; then
 * the touched shops' dashboard watchers get `kpi.updated`. Idempotent: a redelivered, retried or
 * replayed record counts once.
 */
export const handler = streamConsumer((changes) => aggregateBatch(changes), async (touched) => {
  await notifyKpiWatchers(touched);
});
