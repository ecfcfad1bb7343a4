import { z } from 'zod';

/** POST /v1/militia/imports: the roster as CSV text (UTF-8; header userId,name,stage,shopIds,cap,startsAt,expiresAt). */
export const militiaImportBody = z.strictObject({ csv: z.string().min(1).max(512 * 1024) });
export const militiaImportQuery = z.strictObject({ dryRun: z.enum(['true', 'false']).default('false') });
export const militiaImportResponse = z.object({
  dryRun: z.boolean(),
  valid: z.boolean(),
  imported: z.number().int(),
  rows: z.array(
    z.object({
      line: z.number().int(),
      userId: z.string().nullable(),
      status: z.enum(['ok', 'error']),
      errors: z.array(z.object({ field: z.string(), message: z.string() })),
    }),
  ),
});
