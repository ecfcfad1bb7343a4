import type { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../http/errors';
import { toValidationError } from '../http/zod-errors';
import { maxListedErrors } from './csv';

/**
 * Checks every row of an import on its own, so one upload reports all its bad rows at once (the first
 * `maxListedErrors`), each error naming `rows.<n>.<field>` with n counting data rows from 1. Nothing is
 * written unless every row is good.
 */
export function validateRows<S extends z.ZodType>(
  rows: readonly unknown[],
  schema: S,
  key: (row: z.infer<S>) => string,
  keyField: string,
): { valid: z.infer<S>[]; errors: ErrorDetail[] } {
  const valid: z.infer<S>[] = [];
  const errors: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  rows.forEach((row, index) => {
    const n = index + 1;
    const result = schema.safeParse(row);
    if (!result.success) {
      errors.push(...toValidationError(result.error, `rows.${n}`).details);
      return;
    }
    const id = key(result.data);
    const first = seen.get(id);
    if (first !== undefined) {
      errors.push({ field: `rows.${n}.${keyField}`, message: `duplicate of row ${first}` });
      return;
    }
    seen.set(id, n);
    valid.push(result.data);
  });
  return { valid, errors };
}

/** The 400 for a file with bad rows: the first errors listed, and how many there were. */
export function rowsRefused(errors: readonly ErrorDetail[]): ValidationError {
  const listed = errors.slice(0, maxListedErrors);
  return new ValidationError(
    `${errors.length} error${errors.length === 1 ? '' : 's'} in the file; nothing was imported${errors.length > listed.length ? ` (first ${listed.length} listed)` : ''}`,
    listed,
  );
}
