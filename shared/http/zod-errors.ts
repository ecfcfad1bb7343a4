import type { z } from 'zod';
import { ValidationError, type ErrorDetail } from './errors';

/** Turns zod issues into field-level details a client can show next to the offending input. */
export function toValidationError(error: z.ZodError, prefix?: string): ValidationError {
  const fieldOf = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.') || (prefix ?? '(root)');
  // zod reports undeclared keys as one issue on the object; the contract names each offending field.
  const details: ErrorDetail[] = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), message: 'not allowed' }))
      : [{ field: fieldOf(issue.path), message: issue.message }],
  );
  const first = details[0];
  return new ValidationError(first ? `${first.field}: ${first.message}` : 'invalid input', details);
}

/** Parses with a schema, throwing a ValidationError that names the field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix?: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw toValidationError(result.error, prefix);
  return result.data;
}
