import { parse } from 'csv-parse/sync';
import type { ErrorDetail } from '../http/errors';

/**
 * Reads an uploaded CSV file (UTF-8, a byte-order mark tolerated) into rows keyed by header, checking
 * the header against what the import knows. Parsing is csv-parse's (quotes, embedded commas and line
 * breaks, CRLF); this only adds the import rules: a known header, a row limit, and errors that name the
 * field (`header`, `header.<column>`, `rows.<n>`, n counting data rows from 1).
 */
export interface CsvColumns {
  required: readonly string[];
  optional: readonly string[];
  /** Columns matching this are accepted too (e.g. `attr.<name>`). */
  pattern?: RegExp;
}

export type CsvResult = { ok: true; rows: Record<string, string>[] } | { ok: false; errors: ErrorDetail[] };

export function readCsv(text: string, columns: CsvColumns, maxRows: number): CsvResult {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: false }) as string[][];
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    return { ok: false, errors: [{ field: line ? `rows.${Math.max(1, line - 1)}` : 'body.csv', message: `not valid CSV: ${(error as Error).message}` }] };
  }
  const [header, ...data] = records;
  if (!header) return { ok: false, errors: [{ field: 'header', message: 'the file is empty; the first line must name the columns' }] };
  const names = header.map((name) => name.trim());
  const errors: ErrorDetail[] = [];
  for (const required of columns.required) {
    if (!names.includes(required)) errors.push({ field: 'header', message: `missing column "${required}" (required: ${columns.required.join(', ')})` });
  }
  names.forEach((name, index) => {
    if (!columns.required.includes(name) && !columns.optional.includes(name) && !columns.pattern?.test(name)) {
      errors.push({ field: `header.${name || index + 1}`, message: 'unknown column' });
    } else if (names.indexOf(name) !== index) errors.push({ field: `header.${name}`, message: 'column named twice' });
  });
  if (data.length > maxRows) errors.push({ field: 'body.csv', message: `${data.length} rows; at most ${maxRows} per import` });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, rows: data.map((record) => Object.fromEntries(names.map((name, i) => [name, record[i] ?? '']))) };
}

/** At most this many per-row errors are listed; the message says how many there were. */
export const maxListedErrors = 100;
