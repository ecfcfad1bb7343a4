import { importCatalogueBatch } from '../../shared/catalogue/import-catalogue';
import { catalogueBatchJobSchema } from '../../shared/catalogue/import-job';
import { queueConsumer } from '../../shared/middleware/queue-consumer';

/** Imports queue consumer: writes one batch of a catalogue import; redelivery is harmless (see importCatalogueBatch). */
export const handler = queueConsumer(catalogueBatchJobSchema, async (job) => {
  await importCatalogueBatch(job);
});
