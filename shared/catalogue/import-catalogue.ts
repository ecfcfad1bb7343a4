import { createHash } from 'node:crypto';
import type { Identity } from '../auth/identity';
import { ConflictError, NotFoundError } from '../http/errors';
import { rowsRefused } from '../imports/rows';
import { toQueueBody } from '../notify/job-queues';
import { sendCatalogueBatches } from '../notify/job-queues';
import { assertSupervisesShop } from '../routing/access';
import { auditPut } from '../store/audit-log';
import * as store from '../store/catalogue';
import { getShop } from '../store/shops';
import { maxBatchBodyChars, type CatalogueBatchJob } from './import-job';
import type { CatalogueImport, CatalogueImportBody, ProductRow } from './product';
import { readCatalogueFile } from './read-catalogue-file';

/**
 * Catalogue imports. Every row is checked before anything is written (a bad row fails the whole file,
 * with every bad field listed); a good file becomes a new catalogue version written by the `imports`
 * queue's consumer in batches, and becomes the version agents search when its last batch is in. The
 * client picks the import id: sending the same file again under it answers with the same import.
 */

export const catalogueDependencies = {
  ...store,
  shopExists: async (tenantId: string, shopId: string) => (await getShop(tenantId, shopId, { consistent: true })) !== undefined,
  sendCatalogueBatches,
  now: () => new Date(),
};

/** Admins and the shop's supervisors import; an import of a shop they do not supervise is a 404. */
export async function startCatalogueImport(identity: Identity, shopId: string, body: CatalogueImportBody, deps = catalogueDependencies) {
  assertSupervisesShop(identity, shopId);
  if (!(await deps.shopExists(identity.tenantId, shopId))) throw new NotFoundError('shop');
  const file = readCatalogueFile(body);
  if (body.dryRun) return { status: 200, body: { dryRun: true as const, rows: file.total, errors: file.errors.slice(0, 100) } };
  if (file.errors.length > 0) throw rowsRefused(file.errors);
  if (file.rows.length === 0) throw rowsRefused([{ field: 'rows', message: 'the file has no rows' }]);

  const contentHash = createHash('sha256').update(JSON.stringify(file.rows)).digest('hex');
  const existing = await deps.getImport(identity.tenantId, shopId, body.importId);
  if (existing) return resume(identity, existing, contentHash, file.rows, deps);

  const now = deps.now();
  const version = await deps.allocateVersion(identity.tenantId, shopId);
  const batches = splitIntoBatches(file.rows);
  const record: CatalogueImport = {
    importId: body.importId,
    shopId,
    version,
    status: 'importing',
    rows: file.rows.length,
    rowsWritten: 0,
    batches: batches.length,
    batchesDone: 0,
    createdBy: identity.userId,
    createdAt: now.toISOString(),
  };
  const audit = await auditPut(identity.tenantId, identity, { action: 'catalogue.import', target: { type: 'catalogue-import', id: body.importId, shopId }, after: { version, rows: record.rows, format: body.format } }, now);
  if (!(await deps.createImport(identity.tenantId, record, contentHash, audit))) {
    const raced = await deps.getImport(identity.tenantId, shopId, body.importId);
    if (!raced) throw new ConflictError('IMPORT_ID_REUSED', 'retry the import');
    return resume(identity, raced, contentHash, file.rows, deps);
  }
  await enqueue(identity, record, batches, deps);
  return { status: 202, body: record };
}

async function resume(
  identity: Identity,
  existing: NonNullable<Awaited<ReturnType<typeof store.getImport>>>,
  contentHash: string,
  rows: ProductRow[],
  deps: typeof catalogueDependencies,
) {
  if (existing.contentHash !== contentHash) {
    throw new ConflictError('IMPORT_ID_REUSED', 'this import id was used for another file; choose a new one', [{ field: 'body.importId', message: 'used for another file' }]);
  }
  // The first attempt may have stopped before every batch was queued: queue them again (idempotent).
  if (!existing.enqueued) await enqueue(identity, existing.record, splitIntoBatches(rows), deps);
  return { status: 202, body: existing.record };
}

async function enqueue(identity: Identity, record: CatalogueImport, batches: ProductRow[][], deps: typeof catalogueDependencies) {
  const jobs: CatalogueBatchJob[] = batches.map((rows, batch) => ({
    kind: 'catalogue-batch',
    tenantId: identity.tenantId,
    shopId: record.shopId,
    importId: record.importId,
    version: record.version,
    batch,
    batches: batches.length,
    actorId: identity.userId,
    actorRole: identity.role,
    rows,
  }));
  await deps.sendCatalogueBatches(jobs);
  await deps.markEnqueued(identity.tenantId, record.shopId, record.importId);
}

/** Rows in order, cut where a batch's queue body would pass maxBatchBodyChars (catalogue and user imports). */
export function splitIntoBatches<Row>(rows: readonly Row[], maxChars = maxBatchBodyChars): Row[][] {
  const batches: Row[][] = [];
  let current: Row[] = [];
  let size = 0;
  for (const row of rows) {
    const rowSize = toQueueBody(row).length + 1;
    if (current.length > 0 && size + rowSize > maxChars) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(row);
    size += rowSize;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * The consumer's part: writes a batch's products into its version, counts the batch once, and when the
 * last batch is counted makes the version active. Redelivery rewrites the same items and counts nothing.
 */
export async function importCatalogueBatch(job: CatalogueBatchJob, deps = catalogueDependencies): Promise<void> {
  await deps.writeProducts(job.tenantId, job.shopId, job.version, job.rows);
  await deps.countBatch(job.tenantId, job.shopId, job.importId, job.batch, job.rows.length);
  const current = await deps.getImport(job.tenantId, job.shopId, job.importId);
  if (!current || current.record.status !== 'importing' || current.record.batchesDone < current.record.batches) return;
  const now = deps.now();
  const actor = { userId: job.actorId, role: job.actorRole };
  const audit = await auditPut(job.tenantId, actor as Identity, {
    action: 'catalogue.activate',
    target: { type: 'catalogue', id: job.shopId, shopId: job.shopId },
    after: { version: job.version, products: current.record.rows, importId: job.importId },
  }, now);
  await deps.activateVersion(job.tenantId, current.record, now, audit);
}

/** An import's progress, for the shop's admins and supervisors. */
export async function readCatalogueImport(identity: Identity, shopId: string, importId: string, deps = catalogueDependencies): Promise<CatalogueImport> {
  assertSupervisesShop(identity, shopId);
  const found = await deps.getImport(identity.tenantId, shopId, importId);
  if (!found) throw new NotFoundError('import');
  return found.record;
}
