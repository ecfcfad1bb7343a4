import { z } from 'zod';
import { importCatalogueBatch } from '../../shared/catalogue/import-catalogue';
import { catalogueBatchJobSchema } from '../../shared/catalogue/import-job';
import { queueConsumer } from '../../shared/middleware/queue-consumer';
import { importUserBatch } from '../../shared/people/manage-users';
import { userBatchJobSchema } from '../../shared/people/user';

/**
 * Imports queue consumer: writes one batch of a catalogue import, or of a large user import (the name
 * predates user imports; it is the deployed construct id). Redelivery is harmless (see importCatalogueBatch
 * and importUserBatch).
 */
export const handler = queueConsumer(z.discriminatedUnion('kind', [catalogueBatchJobSchema, userBatchJobSchema]), async (job) => {
  if (job.kind === 'user-batch') await importUserBatch(job);
  else await importCatalogueBatch(job);
});
