import { aggregateChange } from '../../shared/kpi/aggregate-changes';
import { notifyKpiWatchers } from '../../shared/kpi/watch-kpis';
import { streamConsumer } from '../../shared/middleware/stream-consumer';

/**
 * KPI aggregation from the table's change stream (docs/kpi-design.md §4): each changed item of a KPI
 * entity becomes claimed facts and hour buckets; then the touched shops' dashboard watchers get
 * `kpi.updated`. Idempotent: a redelivered or replayed record counts once.
 */
export const handler = streamConsumer(aggregateChange, async (touched) => {
  await notifyKpiWatchers(touched);
});
