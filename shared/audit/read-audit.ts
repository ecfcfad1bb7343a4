import { z } from 'zod';
import type { Identity } from '../auth/identity';
import { ValidationError } from '../http/errors';
import { listAuditEntries } from '../store/audit-log';
import { auditEntrySchema } from './audit-entry';

export const listAuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,400}$/).optional(),
});
export type ListAuditQuery = z.infer<typeof listAuditQuery>;

export const auditPageSchema = z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().optional() });

/** The cursor is the last sort key, wrapped; the partition comes from the caller's token, so a forged one reaches no other tenant. */
const encode = (sk: string) => Buffer.from(sk, 'utf8').toString('base64url');
function decode(cursor: string): string {
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!sk.startsWith('AUDIT#')) throw new ValidationError('bad cursor', [{ field: 'query.cursor', message: 'not a cursor this route returned' }]);
  return sk;
}

/** A page of the caller's tenant's audit log, newest first. */
export async function readAuditLog(identity: Identity, query: ListAuditQuery, deps = { listAuditEntries }) {
  const page = await deps.listAuditEntries(identity.tenantId, { limit: query.limit ?? 50, ...(query.cursor ? { after: decode(query.cursor) } : {}) });
  return { items: page.entries, ...(page.lastKey ? { nextCursor: encode(page.lastKey) } : {}) };
}
