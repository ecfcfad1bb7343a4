import { z } from 'zod';
import type { Identity } from '../auth/identity';
import { ConflictError, NotFoundError, ValidationError } from '../http/errors';
import { readCsv } from '../imports/csv';
import { rowsRefused, validateRows } from '../imports/rows';
import { auditPut, writeAuditEntry } from '../store/audit-log';
import * as store from '../store/quick-replies';
import { getShop } from '../store/shops';
import { authorizeLibrary } from './library-access';
import { auditTarget } from './library';
import { contentSetsNamed } from './content-sets';
import { contentSetSchema, maxVariants, quickReplyBodySchema, shortcutSchema } from './schemas';
import { listPromos } from '../store/promos';

/**
 * Quick-reply library import from CSV or JSON (issue 12). Every row is checked first; one bad row
 * refuses the file with every bad field listed, nothing written. A good file is written reply by reply
 * (each a create or replace, as PUT /v1/quick-replies does): re-sending the same file after a failure
 * finishes it, since writing a reply twice leaves it as once. One audit entry records the import.
 *
 * CSV columns: `shortcut`, `title`, `variant_1` … `variant_10` (empty cells skipped), optional `tags`
 * (separated by `|`), `stage` (pre-sale, in-sale, after-sale) and `content_set` (the promo set the row is
 * a version for, issue 10 §2; JSON: `contentSet`). `?contentSet=` puts every row without its own into
 * that set. A set no phase of the tenant's calendar names refuses the row (`rows.<n>.contentSet`).
 */
export const quickReplyImportBody = z.strictObject({
  format: z.enum(['csv', 'json']),
  csv: z.string().max(1024 * 1024).optional(),
  replies: z.array(z.unknown()).max(store.maxRepliesPerLibrary).optional(),
  dryRun: z.boolean().optional(),
});
export type QuickReplyImportBody = z.infer<typeof quickReplyImportBody>;

const importedReplySchema = quickReplyBodySchema.extend({ shortcut: shortcutSchema, contentSet: contentSetSchema.optional() });
type ImportedReply = z.infer<typeof importedReplySchema>;

export const quickReplyImportResultSchema = z.object({
  dryRun: z.boolean(),
  rows: z.number().int(),
  created: z.number().int(),
  replaced: z.number().int(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })),
});

const variantColumns = Array.from({ length: maxVariants }, (_, i) => `variant_${i + 1}`);

function rawRows(body: QuickReplyImportBody): unknown[] {
  if (body.format === 'json') {
    if (!body.replies) throw new ValidationError('format json needs replies', [{ field: 'body.replies', message: 'required for format json' }]);
    return body.replies;
  }
  if (body.csv === undefined) throw new ValidationError('format csv needs csv', [{ field: 'body.csv', message: 'required for format csv' }]);
  const csv = readCsv(body.csv, { required: ['shortcut', 'title', 'variant_1'], optional: [...variantColumns.slice(1), 'tags', 'stage', 'content_set'] }, store.maxRepliesPerLibrary);
  if (!csv.ok) throw new ValidationError(csv.errors[0]?.message ?? 'bad file', csv.errors);
  return csv.rows.map((row) => ({
    shortcut: row.shortcut?.trim(),
    title: row.title,
    variants: variantColumns.map((column) => row[column] ?? '').filter((variant) => variant.trim() !== ''),
    ...(row.tags?.trim() ? { tags: row.tags.split('|').map((tag) => tag.trim()).filter(Boolean) } : {}),
    ...(row.stage?.trim() ? { stage: row.stage.trim() } : {}),
    ...(row.content_set?.trim() ? { contentSet: row.content_set.trim() } : {}),
  }));
}

export const importDependencies = {
  listQuickReplies: store.listQuickReplies,
  putQuickReply: store.putQuickReply,
  shopExists: async (tenantId: string, shopId: string) => (await getShop(tenantId, shopId, { consistent: true })) !== undefined,
  knownContentSets: async (tenantId: string) => contentSetsNamed(await listPromos(tenantId)),
  now: () => new Date(),
};

/** A row's place in its library: shortcut and promo set (a set's version is its own reply). */
const rowKey = (reply: { shortcut: string; contentSet?: string }) => (reply.contentSet === undefined ? reply.shortcut : `${reply.shortcut}@${reply.contentSet}`);

export async function importQuickReplies(
  identity: Identity,
  query: { scope: 'agent' | 'shop' | 'tenant'; shopId?: string; contentSet?: string },
  body: QuickReplyImportBody,
  deps = importDependencies,
) {
  const scope = authorizeLibrary(identity, query, 'write');
  if (scope.kind === 'shop' && !(await deps.shopExists(identity.tenantId, scope.shopId))) throw new NotFoundError('shop');
  const raw = rawRows(body).map((row) =>
    query.contentSet !== undefined && typeof row === 'object' && row !== null && !('contentSet' in row) ? { ...row, contentSet: query.contentSet } : row,
  );
  // A set is known when a phase of the tenant's calendar names it (read only when a row names one).
  const known = raw.some((row) => typeof (row as { contentSet?: unknown } | null)?.contentSet === 'string') ? await deps.knownContentSets(identity.tenantId) : new Set<string>();
  const rowSchema = importedReplySchema.superRefine((row, ctx) => {
    if (row.contentSet !== undefined && !known.has(row.contentSet)) {
      ctx.addIssue({ code: 'custom', path: ['contentSet'], message: `no promo phase of this tenant names the content set "${row.contentSet}"` });
    }
  });
  const { valid, errors } = validateRows(raw, rowSchema, rowKey, 'shortcut');
  const existing = await existingShortcuts(identity.tenantId, scope, deps);
  const created = valid.filter((reply) => !existing.has(rowKey(reply))).length;
  const room = store.maxRepliesPerLibrary - existing.size;
  if (body.dryRun) return { dryRun: true, rows: raw.length, created, replaced: valid.length - created, errors: errors.slice(0, 100) };
  if (errors.length > 0) throw rowsRefused(errors);
  if (valid.length === 0) throw rowsRefused([{ field: 'rows', message: 'the file has no rows' }]);
  if (created > room) {
    throw new ConflictError('QUICK_REPLY_LIMIT', `the import adds ${created} replies and the library has room for ${room} (at most ${store.maxRepliesPerLibrary}); nothing was imported`);
  }
  const now = deps.now();
  await writeAll(valid, (reply) => {
    const { shortcut, ...content } = reply;
    return deps.putQuickReply(
      identity.tenantId,
      scope,
      shortcut,
      { title: content.title, variants: content.variants, tags: content.tags ?? [], ...(content.stage ? { stage: content.stage } : {}), ...(content.contentSet !== undefined ? { contentSet: content.contentSet } : {}) },
      identity.userId,
      now,
    );
  });
  if (scope.kind !== 'agent') {
    const audit = await auditPut(identity.tenantId, identity, {
      action: 'quick-reply.import',
      target: { ...auditTarget(scope, '*'), type: 'quick-reply-library' },
      after: { rows: valid.length, created, shortcuts: valid.map(rowKey) },
    }, now);
    await writeAuditEntry(audit);
  }
  return { dryRun: false, rows: raw.length, created, replaced: valid.length - created, errors: [] };
}

async function existingShortcuts(tenantId: string, scope: ReturnType<typeof authorizeLibrary>, deps: typeof importDependencies): Promise<Set<string>> {
  const shortcuts = new Set<string>();
  let after: store.QuickReplyKey | undefined;
  do {
    const page = await deps.listQuickReplies(tenantId, scope, { limit: 100, ...(after ? { after } : {}) });
    for (const reply of page.replies) shortcuts.add(rowKey(reply));
    after = page.last;
  } while (after);
  return shortcuts;
}

/** Eight writes in flight: a 500-reply library in a few seconds without throttling its head item's transactions much. */
async function writeAll(replies: readonly ImportedReply[], write: (reply: ImportedReply) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < replies.length) await write(replies[next++]!);
  }));
}

