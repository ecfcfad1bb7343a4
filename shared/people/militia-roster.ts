/**
 * Militia (民兵计划) rosters: staff lent from other departments for a promo, imported in bulk from a CSV
 * that HR fills in. Pure: parsing and the per-row rules; the import (manage-militia.ts) writes only when
 * every row passes, so a bad row never half-imports a roster.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { stageSchema, type Stage } from '../conversations/conversation';
import type { ErrorDetail } from '../http/errors';
import { maxAgentCap, type Shop } from '../routing/shop';
import { humanText } from '../routing/text';

/** The header a roster must have, in any order; other columns are refused so a typo is not silently ignored. */
export const rosterColumns = ['userId', 'name', 'stage', 'shopIds', 'cap', 'startsAt', 'expiresAt'] as const;
export const maxRosterRows = 500;

const instant = z.iso.datetime({ offset: true });
const rowSchema = z.strictObject({
  userId: idSchema,
  name: humanText(100),
  stage: stageSchema,
  /** Shop ids separated by `;` (a comma would split the CSV field). */
  shopIds: z
    .string()
    .transform((value) => value.split(';').map((id) => id.trim()).filter(Boolean))
    .pipe(z.array(idSchema).min(1).max(50)),
  cap: z.coerce.number().int().min(1).max(maxAgentCap),
  /** ISO instants with their offset, e.g. 2027-11-01T08:00:00+08:00. */
  startsAt: instant,
  expiresAt: instant,
});

export interface MilitiaMember {
  userId: string;
  name: string;
  stage: Stage;
  shopIds: string[];
  groupIds: string[];
  cap: number;
  startsAt: string;
  expiresAt: string;
}

export interface RosterRow {
  /** 1-based line in the file, the header being line 1. */
  line: number;
  userId?: string;
  errors: ErrorDetail[];
}

/**
 * Parses and checks a roster: the CSV itself (UTF-8, RFC 4180, a header row), then each row's fields, an
 * expiry after the start and in the future, each user once, shops of the tenant that route the row's
 * stage to a group (the member joins those groups), and no regular agent overwritten. Errors name the
 * line and column (`csv.line.3.expiresAt`). Returns the members only when no row has an error.
 */
export function checkRoster(
  csv: string,
  context: { now: Date; shops: ReadonlyMap<string, Pick<Shop, 'routing'>>; regularAgents: ReadonlySet<string> },
): { rows: RosterRow[]; members: MilitiaMember[] | undefined; fileErrors: ErrorDetail[] } {
  let records: Record<string, string>[];
  try {
    records = parse(csv.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: false });
  } catch (error) {
    return { rows: [], members: undefined, fileErrors: [{ field: 'body.csv', message: `not a readable CSV: ${(error as Error).message}` }] };
  }
  const header = Object.keys(records[0] ?? {});
  const missing = rosterColumns.filter((column) => !header.includes(column));
  const extra = header.filter((column) => !(rosterColumns as readonly string[]).includes(column));
  const fileErrors: ErrorDetail[] = [
    ...missing.map((column) => ({ field: `body.csv.header.${column}`, message: 'missing column' })),
    ...extra.map((column) => ({ field: `body.csv.header.${column}`, message: 'unknown column' })),
    ...(records.length === 0 ? [{ field: 'body.csv', message: 'no rows' }] : []),
    ...(records.length > maxRosterRows ? [{ field: 'body.csv', message: `at most ${maxRosterRows} rows per import` }] : []),
  ];
  if (fileErrors.length > 0) return { rows: [], members: undefined, fileErrors };

  const seen = new Set<string>();
  const members: MilitiaMember[] = [];
  const rows = records.map((record, index): RosterRow => {
    const line = index + 2;
    const field = (name: string) => `body.csv.line.${line}.${name}`;
    const parsed = rowSchema.safeParse(record);
    if (!parsed.success) {
      return { line, userId: record.userId, errors: parsed.error.issues.map((issue) => ({ field: field(String(issue.path[0] ?? 'row')), message: issue.message })) };
    }
    const row = parsed.data;
    const errors: ErrorDetail[] = [];
    if (Date.parse(row.expiresAt) <= Date.parse(row.startsAt)) errors.push({ field: field('expiresAt'), message: 'must be after startsAt' });
    else if (Date.parse(row.expiresAt) <= context.now.getTime()) errors.push({ field: field('expiresAt'), message: 'is in the past' });
    if (seen.has(row.userId)) errors.push({ field: field('userId'), message: 'appears twice in the roster' });
    seen.add(row.userId);
    if (context.regularAgents.has(row.userId)) errors.push({ field: field('userId'), message: 'is a regular agent; a roster may not change them' });
    const groupIds = new Set<string>();
    for (const shopId of row.shopIds) {
      const shop = context.shops.get(shopId);
      if (!shop) errors.push({ field: field('shopIds'), message: `no shop ${shopId}` });
      else groupIds.add(shop.routing.groups[row.stage]);
    }
    if (errors.length === 0) {
      members.push({ ...row, groupIds: [...groupIds], startsAt: new Date(row.startsAt).toISOString(), expiresAt: new Date(row.expiresAt).toISOString() });
    }
    return { line, userId: row.userId, errors };
  });
  return { rows, members: rows.every((row) => row.errors.length === 0) ? members : undefined, fileErrors: [] };
}
