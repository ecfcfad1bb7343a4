import { z } from 'zod';
import { idSchema, roles } from '../auth/identity';
import { readCsv } from '../imports/csv';
import type { ErrorDetail } from '../http/errors';
import { maxAgentCap, type Shop, groupsOfShop } from '../routing/shop';
import { humanText } from '../routing/text';

/**
 * Staff accounts (issue 12 §2): who may sign in to a tenant, with which role and shops, and whether they
 * are disabled. Buyers are the platforms' users and the platform operator is kefu's own: neither is an
 * account a tenant manages. Schemas of the user routes and the pure rules of the CSV import.
 */
export const staffRoles = roles.filter((role) => role !== 'buyer' && role !== 'platform') as Exclude<(typeof roles)[number], 'buyer' | 'platform'>[];
export type StaffRole = (typeof staffRoles)[number];
const staffRoleSchema = z.enum(staffRoles as [StaffRole, ...StaffRole[]]);

export const userStatuses = ['active', 'disabled'] as const;

export const userSchema = z.object({
  userId: idSchema,
  name: z.string(),
  email: z.string().optional(),
  role: staffRoleSchema,
  shopIds: z.array(idSchema),
  status: z.enum(userStatuses),
  version: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  disabledAt: z.string().optional(),
  disabledBy: z.string().optional(),
  /** The user import that created the account (a hash of its file), if any. */
  importId: z.string().optional(),
});
export type User = z.infer<typeof userSchema>;

const shopIdsSchema = z.array(idSchema).max(500);

export const inviteUserBody = z.strictObject({
  userId: idSchema,
  name: humanText(100),
  email: z.email().max(254).optional(),
  role: staffRoleSchema,
  shopIds: shopIdsSchema.default([]),
  /** Agents only: routing groups; without them, every group the agent's shops route to. */
  groupIds: z.array(idSchema).max(100).optional(),
  /** Agents only: conversations at once; without it, the smallest default of their shops. */
  cap: z.number().int().min(1).max(maxAgentCap).optional(),
});
export type InviteUserBody = z.infer<typeof inviteUserBody>;

export const patchUserBody = z
  .strictObject({ name: humanText(100).optional(), role: staffRoleSchema.optional(), shopIds: shopIdsSchema.optional() })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change');
export type PatchUserBody = z.infer<typeof patchUserBody>;

export const userPathParams = z.strictObject({ userId: idSchema });
export const listUsersQuery = z.strictObject({
  status: z.enum(userStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
  /** The cursor the previous page returned. */
  cursor: z.string().regex(/^USER#[A-Za-z0-9_-]{1,64}$/).optional(),
});
export const userPageSchema = z.object({ users: z.array(userSchema), cursor: z.string().optional() });

/** At most this many users per import: the benchmark's 10,000, in one request of at most 2 MB. */
export const maxUserImportRows = 10_000;
export const userImportColumns = { required: ['userId', 'name', 'role'], optional: ['email', 'shopIds', 'groupIds', 'cap'] } as const;

export const userImportBody = z.strictObject({ csv: z.string().min(1).max(2 * 1024 * 1024) });
export const userImportQuery = z.strictObject({ dryRun: z.enum(['true', 'false']).default('false') });
const rowErrorSchema = z.object({
  /** Data row, counting from 1 (the header is row 0). */
  row: z.number().int(),
  field: z.string(),
  code: z.string(),
  message: z.string(),
});
export const userImportResultSchema = z.object({
  dryRun: z.boolean(),
  valid: z.boolean(),
  rows: z.number().int(),
  imported: z.number().int(),
  /** Seats in use after the import (on a dry run, what they would be). */
  seatsUsed: z.number().int(),
  seatLimit: z.number().int().nullable(),
  errors: z.array(rowErrorSchema),
});
export type UserImportResult = z.infer<typeof userImportResultSchema>;

/**
 * Files with more rows than this are written asynchronously (202 and a progress to poll or watch): every
 * row is still checked and the seats taken in the request, so a bad row never half-imports the file.
 */
export const asyncUserImportRows = 500;
export const userImportPathParams = z.strictObject({ importId: z.string().regex(/^[0-9a-f]{32}$/, 'the importId a POST /v1/user-imports answered') });
export const userImportProgressSchema = z.object({
  /** The file's SHA-256 (32 hex digits): sending the same file again answers with the same import. */
  importId: z.string(),
  status: z.enum(['importing', 'done']),
  rows: z.number().int(),
  batches: z.number().int(),
  batchesDone: z.number().int(),
  /** Accounts written so far. */
  imported: z.number().int(),
  /** Rows whose user id another invite took meanwhile: not written, their seat given back. */
  skipped: z.number().int(),
  seatLimit: z.number().int().nullable(),
  startedAt: z.string(),
  startedBy: z.string(),
});
export type UserImportProgress = z.infer<typeof userImportProgressSchema>;
/** Pushed to the admin who started an asynchronous user import after each of its batches. */
export const userImportProgressFrame = userImportProgressSchema.omit({ startedBy: true }).extend({ type: z.literal('userImport.progress') });
export type UserImportProgressFrame = z.infer<typeof userImportProgressFrame>;

const importedUserSchema = z.strictObject({
  userId: idSchema,
  name: z.string(),
  email: z.string().optional(),
  role: staffRoleSchema,
  shopIds: z.array(idSchema),
  groupIds: z.array(idSchema),
  cap: z.number().int(),
});
/** One batch of an asynchronous user import on the `imports` queue: its rows were all checked before it was sent. */
export const userBatchJobSchema = z.strictObject({
  kind: z.literal('user-batch'),
  tenantId: idSchema,
  importId: z.string(),
  batch: z.number().int().min(0),
  batches: z.number().int().min(1),
  actorId: idSchema,
  at: z.string(),
  users: z.array(importedUserSchema).min(1),
});
export type UserBatchJob = z.infer<typeof userBatchJobSchema>;
export type RowError = z.infer<typeof rowErrorSchema>;

/** Row error codes: stable, for a client that highlights cells. */
export const rowErrorCodes = ['INVALID_VALUE', 'UNKNOWN_ROLE', 'UNKNOWN_SHOP', 'UNKNOWN_GROUP', 'DUPLICATE_USER', 'USER_EXISTS', 'NOT_AN_AGENT_FIELD'] as const;

/** A user a checked import row asks for. */
export interface ImportedUser {
  userId: string;
  name: string;
  email?: string;
  role: StaffRole;
  shopIds: string[];
  groupIds: string[];
  cap: number;
}

const list = (value: string) => value.split(';').map((item) => item.trim()).filter(Boolean);
const importRowSchema = z.object({
  userId: idSchema,
  name: humanText(100),
  email: z.union([z.literal(''), z.email().max(254)]).optional(),
  role: z.string(),
  shopIds: z.string().optional().transform((value) => list(value ?? '')).pipe(shopIdsSchema),
  groupIds: z.string().optional().transform((value) => list(value ?? '')).pipe(z.array(idSchema).max(100)),
  cap: z.union([z.literal(''), z.coerce.number().int().min(1).max(maxAgentCap)]).optional(),
});

/**
 * Checks a user CSV (header `userId,name,role` and optional `email,shopIds,groupIds,cap`; lists
 * separated by `;`). Every row is checked on its own so one upload reports all its bad rows: a code, the
 * row (from 1) and the field. Agents without `groupIds` join every group their shops route to, and
 * without `cap` get the smallest default of their shops. File-level problems (header, size) come back
 * as `fileErrors` with the same `header` / `body.csv` fields the other imports use.
 */
export function checkUserCsv(
  csv: string,
  context: {
    shops: ReadonlyMap<string, Pick<Shop, 'routing'>>;
    /** Users (or agent profiles) the tenant already has, with the import that made them if one did. */
    existing: ReadonlyMap<string, { importId?: string | undefined }>;
    importId: string;
    defaultCap: number;
  },
): { fileErrors: ErrorDetail[]; errors: RowError[]; users: ImportedUser[]; rows: number } {
  const file = readCsv(csv, userImportColumns, maxUserImportRows);
  if (!file.ok) return { fileErrors: file.errors, errors: [], users: [], rows: 0 };
  if (file.rows.length === 0) return { fileErrors: [{ field: 'body.csv', message: 'no rows' }], errors: [], users: [], rows: 0 };
  const errors: RowError[] = [];
  const users: ImportedUser[] = [];
  const seen = new Map<string, number>();
  file.rows.forEach((record, index) => {
    const row = index + 1;
    const fail = (field: string, code: (typeof rowErrorCodes)[number], message: string) => errors.push({ row, field: `rows.${row}.${field}`, code, message });
    const parsed = importRowSchema.safeParse(record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) fail(String(issue.path[0] ?? 'row'), 'INVALID_VALUE', issue.message);
      return;
    }
    const value = parsed.data;
    const before = errors.length;
    if (!(staffRoles as string[]).includes(value.role)) fail('role', 'UNKNOWN_ROLE', `unknown role "${value.role}"; one of ${staffRoles.join(', ')}`);
    const first = seen.get(value.userId);
    if (first !== undefined) fail('userId', 'DUPLICATE_USER', `duplicate of row ${first}`);
    else seen.set(value.userId, row);
    const existing = context.existing.get(value.userId);
    if (existing && existing.importId !== context.importId) fail('userId', 'USER_EXISTS', 'the tenant has this user already');
    const shops = value.shopIds.map((shopId) => context.shops.get(shopId));
    value.shopIds.forEach((shopId, i) => {
      if (!shops[i]) fail('shopIds', 'UNKNOWN_SHOP', `no shop ${shopId}`);
    });
    const isAgent = value.role === 'agent';
    if (!isAgent && (value.groupIds.length > 0 || (value.cap !== undefined && value.cap !== ''))) {
      fail(value.groupIds.length > 0 ? 'groupIds' : 'cap', 'NOT_AN_AGENT_FIELD', 'only agents have routing groups and a cap');
    }
    const shopGroups = new Set(shops.flatMap((shop) => (shop ? groupsOfShop(shop.routing) : [])));
    for (const groupId of value.groupIds) if (!shopGroups.has(groupId)) fail('groupIds', 'UNKNOWN_GROUP', `${groupId} is not a group of the row's shops`);
    if (errors.length > before) return;
    const caps = shops.flatMap((shop) => (shop ? [shop.routing.defaultAgentCap] : []));
    users.push({
      userId: value.userId,
      name: value.name,
      ...(value.email ? { email: value.email } : {}),
      role: value.role as StaffRole,
      shopIds: value.shopIds,
      groupIds: isAgent ? (value.groupIds.length > 0 ? value.groupIds : [...shopGroups]) : [],
      cap: typeof value.cap === 'number' ? value.cap : caps.length > 0 ? Math.min(...caps) : context.defaultCap,
    });
  });
  return { fileErrors: [], errors, users: errors.length === 0 ? users : [], rows: file.rows.length };
}
