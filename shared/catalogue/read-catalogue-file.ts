import type { ErrorDetail } from '../http/errors';
import { ValidationError } from '../http/errors';
import { readCsv } from '../imports/csv';
import { validateRows } from '../imports/rows';
import { maxCatalogueCsvChars, maxCatalogueRows, productRowSchema, type CatalogueImportBody, type ProductRow } from './product';

const attributeColumn = /^attr\.[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/**
 * The rows of a catalogue import, from its CSV or JSON, each checked: good rows, and an error per bad
 * field. CSV columns: `sku`, `title`, `price_minor` (integer, minor units), optional `currency`, and any
 * `attr.<name>` (an empty cell leaves the attribute out).
 */
export function readCatalogueFile(body: CatalogueImportBody): { rows: ProductRow[]; errors: ErrorDetail[]; total: number } {
  const raw = rawRows(body);
  const { valid, errors } = validateRows(raw, productRowSchema, (row) => row.sku, 'sku');
  return { rows: valid, errors, total: raw.length };
}

function rawRows(body: CatalogueImportBody): unknown[] {
  if (body.format === 'json') {
    if (!body.products) throw new ValidationError('format json needs products', [{ field: 'body.products', message: 'required for format json' }]);
    return body.products;
  }
  if (body.csv === undefined) throw new ValidationError('format csv needs csv', [{ field: 'body.csv', message: 'required for format csv' }]);
  if (body.csv.length > maxCatalogueCsvChars) {
    throw new ValidationError('file too large', [{ field: 'body.csv', message: `at most ${maxCatalogueCsvChars} characters per import` }]);
  }
  const csv = readCsv(body.csv, { required: ['sku', 'title', 'price_minor'], optional: ['currency'], pattern: attributeColumn }, maxCatalogueRows);
  if (!csv.ok) throw new ValidationError(csv.errors[0]?.message ?? 'bad file', csv.errors);
  return csv.rows.map((row) => {
    const attributes = Object.fromEntries(
      Object.entries(row)
        .filter(([column, value]) => attributeColumn.test(column) && value.trim() !== '')
        .map(([column, value]) => [column.slice('attr.'.length), value]),
    );
    const price = row.price_minor?.trim() ?? '';
    return {
      sku: row.sku?.trim(),
      title: row.title,
      // Not a number stays a string, so the row's error names price_minor's field instead of vanishing.
      priceMinor: /^-?\d+$/.test(price) ? Number(price) : price,
      ...(row.currency?.trim() ? { currency: row.currency.trim() } : {}),
      attributes,
    };
  });
}
