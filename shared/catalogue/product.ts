import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { humanText } from '../routing/text';

/**
 * A shop's product as agents (and later the order card and FAQ robot) read it: SKU, title, price in
 * minor units (分 for CNY) and free attributes such as sizes, ingredients or warranty.
 */

export const skuSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, . _ or -');
const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'must be 1-32 letters, digits, _ or -, starting with a letter');

export const maxAttributes = 20;
export const productRowSchema = z.strictObject({
  sku: skuSchema,
  title: humanText(200),
  priceMinor: z.number().int().min(0).max(10_000_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY').default('CNY'),
  attributes: z
    .record(attributeName, humanText(1000))
    .refine((attributes) => Object.keys(attributes).length <= maxAttributes, `at most ${maxAttributes} attributes`)
    .default({}),
});
export type ProductRow = z.infer<typeof productRowSchema>;

export const productSchema = z.object({
  sku: z.string(),
  title: z.string(),
  priceMinor: z.number().int(),
  currency: z.string(),
  attributes: z.record(z.string(), z.string()),
  version: z.number().int(),
});
export type Product = z.infer<typeof productSchema>;

/** 50,000 rows (a big appliance or apparel shop's full range) in one import, up to 5 MB of CSV. */
export const maxCatalogueRows = 50_000;
export const maxCatalogueCsvChars = 5 * 1024 * 1024;
/** The HTTP body may carry the CSV (or JSON rows) plus JSON escaping. */
export const maxCatalogueBodyBytes = 6 * 1024 * 1024;

export const catalogueImportBody = z.strictObject({
  /** Chosen by the client: sending the same import again (a retry) is answered with the same import. */
  importId: idSchema,
  format: z.enum(['csv', 'json']),
  /** format csv: header `sku,title,price_minor[,currency][,attr.<name>…]`. */
  csv: z.string().max(maxCatalogueCsvChars * 2).optional(),
  /** format json: the rows. Each is checked on its own, so every bad row is reported. */
  products: z.array(z.unknown()).max(maxCatalogueRows).optional(),
  /** Check every row and report the errors; import nothing. */
  dryRun: z.boolean().optional(),
});
export type CatalogueImportBody = z.infer<typeof catalogueImportBody>;

export const importStatuses = ['importing', 'done', 'superseded'] as const;
export const catalogueImportSchema = z.object({
  importId: z.string(),
  shopId: z.string(),
  version: z.number().int(),
  status: z.enum(importStatuses),
  rows: z.number().int(),
  rowsWritten: z.number().int(),
  batches: z.number().int(),
  batchesDone: z.number().int(),
  createdBy: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
});
export type CatalogueImport = z.infer<typeof catalogueImportSchema>;

export const dryRunResultSchema = z.object({
  dryRun: z.literal(true),
  rows: z.number().int(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })),
});

export const catalogueImportPath = z.strictObject({ shopId: idSchema, importId: idSchema });

export const searchProductsQuery = z
  .strictObject({
    /** Products whose SKU starts with this. */
    sku: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
    /** Words of the title; every word must be in it (whole words, as ICU segments the title). */
    q: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(50).optional(),
  })
  .refine((query) => query.sku !== undefined || query.q !== undefined, { message: 'give sku or q', path: ['q'] });
export type SearchProductsQuery = z.infer<typeof searchProductsQuery>;

export const productSearchResultSchema = z.object({
  items: z.array(productSchema),
  /** The catalogue version searched; absent if the shop has no catalogue yet. */
  version: z.number().int().optional(),
  /** A word matched more products than one search reads: refine the words. */
  truncated: z.boolean(),
});

/** Word tokens per product, and their length: a long title's tail words are not searchable. */
export const maxTokensPerProduct = 32;
const maxTokenLength = 40;
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * The words of a title or a query, as search keys: NFKC-normalised, lower case, each word as ICU's word
 * segmentation finds it (Chinese has no spaces: 雪润保湿面霜 → 雪润, 保湿, 面霜), de-duplicated.
 */
export function titleTokens(text: string, max = maxTokensPerProduct): string[] {
  const tokens = new Set<string>();
  for (const segment of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    if (!segment.isWordLike) continue;
    const word = segment.segment.replace(/#/g, '').slice(0, maxTokenLength);
    if (word) tokens.add(word);
    if (tokens.size >= max) break;
  }
  return [...tokens];
}
