import { createHash } from 'node:crypto';
import type { Identity } from '../auth/identity';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError, type ErrorDetail } from '../http/errors';
import { readCsv } from '../imports/csv';
import { rowsRefused } from '../imports/rows';
import { dynamo } from '../runtime/clients';
import { canSeeAgent } from '../routing/access';
import { defaultAgentCap, groupsOfShop, type Shop } from '../routing/shop';
import { agentProfileWrites, getAgent, getAgents, newAgentItems } from '../store/agents';
import { auditPut } from '../store/audit-log';
import { batchWriteAll, putRequest } from '../store/batch-write';
import { getShops } from '../store/shops';
import { getTenantRecord } from '../store/tenants';
import { getSeatsUsed, getUser, getUserImport, getUsers, listUsers, putImportedUser, seatsChange, userImportBatchCounted, userImportMarker, userImportStarted, userItem, userPut, writeUserChange } from '../store/users';
import { splitIntoBatches } from '../catalogue/import-catalogue';
import { sendUserImportBatches } from '../notify/job-queues';
import { notifyUserOfFrame } from '../notify/notify-user';
import { takeOfflineDependencies, takeUserOffline, type TakeOfflineDependencies } from './take-offline';
import {
  asyncUserImportRows,
  checkUserCsv,
  maxUserImportRows,
  userImportColumns,
  type ImportedUser,
  type InviteUserBody,
  type PatchUserBody,
  type User,
  type UserBatchJob,
  type UserImportProgress,
  type UserImportProgressFrame,
  type UserImportResult,
} from './user';

export const userDependencies = {
  getUser: (tenantId: string, userId: string) => getUser(tenantId, userId, { consistent: true }),
  getUsers,
  listUsers,
  getAgent: (tenantId: string, agentId: string) => getAgent(tenantId, agentId, { consistent: true }),
  getAgents: (tenantId: string, agentIds: readonly string[]) => getAgents(tenantId, agentIds, { consistent: true }),
  getShops,
  getSeatsUsed,
  /** The plan's seat limit; undefined for a tenant without a plan (one made before tenants had one). */
  seatLimit: async (tenantId: string) => (await getTenantRecord(tenantId))?.tenant.limits.seats,
  writeUserChange,
  userImportStarted: (tenantId: string, importId: string) => userImportStarted(tenantId, importId),
  batchWriteAll: (items: Record<string, unknown>[]) => batchWriteAll(dynamo(), items.map(putRequest)),
  getUserImport: (tenantId: string, importId: string) => getUserImport(tenantId, importId),
  putImportedUser: (tenantId: string, user: User & { importId: string }) => putImportedUser(tenantId, user),
  sendUserImportBatches,
  notifyUser: notifyUserOfFrame,
  takeOffline: takeOfflineDependencies as TakeOfflineDependencies,
  now: () => new Date(),
};
export type UserDependencies = typeof userDependencies;

const seatLimitError = (field: string, used: number, limit: number, asked: number) =>
  new AppError(409, 'SEAT_LIMIT', `the plan has ${limit} seats and ${used} are in use; ${asked} more do not fit`, [{ field, message: `over the seat limit (${limit})`, code: 'SEAT_LIMIT' }]);

/** Shops and groups an agent account gets: the groups named (each a group of the shops), else all of them. */
function agentGroups(shops: readonly Pick<Shop, 'routing'>[], named: readonly string[] | undefined): string[] {
  const all = [...new Set(shops.flatMap((shop) => groupsOfShop(shop.routing)))];
  if (!named) return all;
  const unknown = named.filter((groupId) => !all.includes(groupId));
  if (unknown.length > 0) throw new ValidationError('a group is not one of the shops\'', unknown.map((groupId) => ({ field: 'body.groupIds', message: `${groupId} is not a group of the user's shops`, code: 'UNKNOWN_GROUP' })));
  return [...named];
}

/** The shops named, all of the tenant; a supervisor may only name shops they supervise (else 404, like a missing one). */
async function shopsOf(identity: Identity, shopIds: readonly string[], deps: UserDependencies): Promise<Shop[]> {
  if (identity.role !== 'admin' && shopIds.some((shopId) => !identity.shopIds.includes(shopId))) throw new NotFoundError('shop');
  const shops = await deps.getShops(identity.tenantId, shopIds);
  const unknown = shopIds.filter((shopId) => !shops.has(shopId));
  if (unknown.length > 0) throw new ValidationError('unknown shop', unknown.map((shopId) => ({ field: 'body.shopIds', message: `no shop ${shopId}`, code: 'UNKNOWN_SHOP' })));
  return shopIds.map((shopId) => shops.get(shopId)!);
}

/** A supervisor manages agents of their shops only; any other account is a 404 to them, like a missing one. */
function assertManages(identity: Identity, user: User | undefined): asserts user is User {
  if (!user) throw new NotFoundError('user');
  if (identity.role === 'admin') return;
  if (user.role !== 'agent' || !canSeeAgent(identity, user)) throw new NotFoundError('user');
}

/**
 * Invites a user: their account (active, taking a seat of the plan), and for an agent the routing profile
 * (their shops' groups unless named, the shops' smallest default cap unless given), with the audit entry,
 * in ONE transaction: a seat is never taken without the account, nor an account made past the limit.
 * Admins invite any staff role; supervisors only agents of shops they supervise. In the cloud the
 * identity provider's user is created from the account (docs/onboarding.md, "The cloud user pool").
 */
export async function inviteUser(identity: Identity, body: InviteUserBody, deps: UserDependencies = userDependencies): Promise<User> {
  const { tenantId } = identity;
  if (identity.role !== 'admin' && body.role !== 'agent') throw new ForbiddenError('supervisors invite agents only', [{ field: 'body.role', message: 'must be agent' }]);
  if (identity.role !== 'admin' && body.shopIds.length === 0) throw new ValidationError('name the shops', [{ field: 'body.shopIds', message: 'at least one shop you supervise' }]);
  if (body.role !== 'agent' && (body.groupIds !== undefined || body.cap !== undefined)) {
    throw new ValidationError('only agents have routing groups and a cap', [{ field: body.groupIds !== undefined ? 'body.groupIds' : 'body.cap', message: 'only for role agent', code: 'NOT_AN_AGENT_FIELD' }]);
  }
  const shops = await shopsOf(identity, body.shopIds, deps);
  const [existing, agent, limit] = await Promise.all([deps.getUser(tenantId, body.userId), body.role === 'agent' ? deps.getAgent(tenantId, body.userId) : undefined, deps.seatLimit(tenantId)]);
  if (existing) throw new ConflictError('USER_EXISTS', 'the tenant has this user already', [{ field: 'body.userId', message: 'taken', code: 'USER_EXISTS' }]);
  const at = deps.now().toISOString();
  const user: User = {
    userId: body.userId,
    name: body.name,
    ...(body.email ? { email: body.email } : {}),
    role: body.role,
    shopIds: body.shopIds,
    status: 'active',
    version: 1,
    createdAt: at,
    createdBy: identity.userId,
    updatedAt: at,
  };
  const profile =
    body.role === 'agent'
      ? { name: body.name, shopIds: body.shopIds, groupIds: agentGroups(shops, body.groupIds), cap: body.cap ?? agent?.cap ?? Math.min(defaultAgentCap, ...shops.map((shop) => shop.routing.defaultAgentCap)) }
      : undefined;
  const audit = await auditPut(tenantId, identity, { action: 'user.invite', target: { type: 'user', id: user.userId }, after: { ...user, ...(profile ? { agent: profile } : {}) } });
  const agentWrites = profile ? agentProfileWrites(tenantId, user.userId, profile, agent, deps.now()) : [];
  const result = await deps.writeUserChange({
    user: userPut(tenantId, user, undefined),
    seats: seatsChange(tenantId, 1, limit),
    audit,
    ...Object.fromEntries(agentWrites.map((item, index) => [`agent${index}`, item])),
  });
  if (!result.written) {
    if (result.failed.includes('user')) throw new ConflictError('USER_EXISTS', 'the tenant has this user already', [{ field: 'body.userId', message: 'taken', code: 'USER_EXISTS' }]);
    if (result.failed.includes('seats')) throw seatLimitError('body.userId', await deps.getSeatsUsed(tenantId), limit ?? 0, 1);
    throw new ConflictError('AGENT_CHANGED', 'the agent profile changed meanwhile; retry');
  }
  return user;
}

/** The tenant's users, by id: all of them for an admin, agents sharing a shop with a supervisor. */
export async function listTenantUsers(identity: Identity, query: { limit: number; cursor?: string | undefined; status?: User['status'] | undefined }, deps: UserDependencies = userDependencies) {
  const page = await deps.listUsers(identity.tenantId, query);
  if (identity.role === 'admin') return page;
  return { ...page, users: page.users.filter((user) => user.role === 'agent' && canSeeAgent(identity, user)) };
}

/**
 * Re-roles or re-shops a user (admins only; the route refuses others). Their tokens carry the old claims,
 * so from now on those are refused (401 TOKEN_STALE, assertAccountCurrent) and they are taken offline
 * like a disabled user: sockets closed, an agent's conversations re-queued; they sign in again with the
 * new role. An agent's profile follows the shops (the groups of the new shops).
 */
export async function patchUser(identity: Identity, userId: string, body: PatchUserBody, deps: UserDependencies = userDependencies): Promise<User> {
  const { tenantId } = identity;
  const before = await deps.getUser(tenantId, userId);
  assertManages(identity, before);
  const role = body.role ?? before.role;
  const shopIds = body.shopIds ?? before.shopIds;
  const shops = await shopsOf(identity, shopIds, deps);
  const claimsChanged = role !== before.role || shopIds.length !== before.shopIds.length || shopIds.some((shopId) => !before.shopIds.includes(shopId));
  const after: User = { ...before, ...(body.name ? { name: body.name } : {}), role, shopIds, version: before.version + 1, updatedAt: deps.now().toISOString() };
  const agent = role === 'agent' ? await deps.getAgent(tenantId, userId) : undefined;
  const profile =
    role === 'agent'
      ? { name: after.name, shopIds, groupIds: claimsChanged || !agent ? agentGroups(shops, undefined) : agent.groupIds, cap: agent?.cap ?? Math.min(defaultAgentCap, ...shops.map((shop) => shop.routing.defaultAgentCap)) }
      : undefined;
  const audit = await auditPut(tenantId, identity, { action: 'user.update', target: { type: 'user', id: userId }, before, after });
  const agentWrites = profile ? agentProfileWrites(tenantId, userId, profile, agent, deps.now()) : [];
  const result = await deps.writeUserChange({ user: userPut(tenantId, after, before), audit, ...Object.fromEntries(agentWrites.map((item, index) => [`agent${index}`, item])) });
  if (!result.written) throw new ConflictError('USER_CHANGED', 'the user changed meanwhile; read it again and retry');
  if (claimsChanged && after.status === 'active') await takeUserOffline(tenantId, userId, identity.userId, deps.takeOffline);
  return after;
}

/**
 * Disables a user at once: the account is marked disabled with its audit entry and gives its seat back
 * (one transaction); from then on their tokens and connect tickets are refused (USER_DISABLED); then they
 * are taken offline (take-offline.ts): sockets closed, their conversations re-queued to other agents with
 * nothing lost. Disabling a disabled user repeats only the taking offline (a retry after a failure there).
 */
export async function disableUser(identity: Identity, userId: string, deps: UserDependencies = userDependencies): Promise<User> {
  const { tenantId } = identity;
  if (userId === identity.userId) throw new ValidationError('you cannot disable yourself', [{ field: 'path.userId', message: 'is you' }]);
  const before = await deps.getUser(tenantId, userId);
  assertManages(identity, before);
  let user = before;
  if (before.status !== 'disabled') {
    const at = deps.now().toISOString();
    user = { ...before, status: 'disabled', disabledAt: at, disabledBy: identity.userId, version: before.version + 1, updatedAt: at };
    const audit = await auditPut(tenantId, identity, { action: 'user.disable', target: { type: 'user', id: userId }, before, after: user });
    const result = await deps.writeUserChange({ user: userPut(tenantId, user, before), seats: seatsChange(tenantId, -1, undefined), audit });
    if (!result.written) throw new ConflictError('USER_CHANGED', 'the user changed meanwhile; read it again and retry');
  }
  await takeUserOffline(tenantId, userId, identity.userId, deps.takeOffline);
  return user;
}

/** Re-enables a disabled user: they take a seat again (refused past the plan's limit) and may sign in. */
export async function enableUser(identity: Identity, userId: string, deps: UserDependencies = userDependencies): Promise<User> {
  const { tenantId } = identity;
  const before = await deps.getUser(tenantId, userId);
  assertManages(identity, before);
  if (before.status === 'active') return before;
  const { disabledAt: _at, disabledBy: _by, ...rest } = before;
  const user: User = { ...rest, status: 'active', version: before.version + 1, updatedAt: deps.now().toISOString() };
  const limit = await deps.seatLimit(tenantId);
  const audit = await auditPut(tenantId, identity, { action: 'user.enable', target: { type: 'user', id: userId }, before, after: user });
  const result = await deps.writeUserChange({ user: userPut(tenantId, user, before), seats: seatsChange(tenantId, 1, limit), audit });
  if (!result.written) {
    if (result.failed.includes('seats')) throw seatLimitError('path.userId', await deps.getSeatsUsed(tenantId), limit ?? 0, 1);
    throw new ConflictError('USER_CHANGED', 'the user changed meanwhile; read it again and retry');
  }
  return user;
}

/**
 * Imports users from a CSV (shared/people/user.ts, checkUserCsv), admins only. Every row is checked
 * first (its role, shops, groups, a user id once in the file and new to the tenant) and the seats
 * counted against the plan: a dry run answers that and writes nothing; a real import with any error is
 * a 400 (a 409 SEAT_LIMIT over the plan) listing the rows, and writes nothing. A good file then takes its
 * seats with one conditional update, together with a marker named after the file's hash and the audit
 * entry, and writes the accounts and agent profiles in bulk (25 a call). A crash part-way is mended by
 * sending the same file again: its marker says the seats are taken, rows it already wrote are recognised
 * as its own, and the same items are put again.
 */
export async function importUsers(identity: Identity, csv: string, options: { dryRun: boolean }, deps: UserDependencies = userDependencies): Promise<UserImportOutcome> {
  const { tenantId } = identity;
  const importId = createHash('sha256').update(csv).digest('hex').slice(0, 32);
  const named = namedIds(csv);
  const [started, shops, users, agents, used, limit] = await Promise.all([
    deps.userImportStarted(tenantId, importId),
    deps.getShops(tenantId, named.shopIds),
    deps.getUsers(tenantId, named.userIds),
    deps.getAgents(tenantId, named.userIds),
    deps.getSeatsUsed(tenantId),
    deps.seatLimit(tenantId),
  ]);
  const existing = new Map<string, { importId?: string | undefined }>(agents.map((agent) => [agent.agentId, {}]));
  for (const user of users) existing.set(user.userId, { importId: user.importId });
  const checked = checkUserCsv(csv, { shops, existing, importId, defaultCap: defaultAgentCap });
  if (checked.fileErrors.length > 0) throw rowsRefused(checked.fileErrors);
  const ours = new Set(users.filter((user) => user.importId === importId).map((user) => user.userId));
  const fresh = checked.users.filter((user) => !ours.has(user.userId));
  const seatsAfter = used + (started ? 0 : checked.users.length);
  const overLimit = limit !== undefined && seatsAfter > limit;
  const errors = [...checked.errors];
  const result = (imported: number): UserImportResult => ({
    dryRun: options.dryRun,
    valid: errors.length === 0 && !overLimit,
    rows: checked.rows,
    imported,
    seatsUsed: seatsAfter,
    seatLimit: limit ?? null,
    errors: overLimit ? [...errors, { row: 0, field: 'body.csv', code: 'SEAT_LIMIT', message: `${checked.users.length} new users and ${used} in use exceed the plan's ${limit} seats` }] : errors,
  });
  if (options.dryRun) return { accepted: false, result: result(0) };
  if (errors.length > 0) throw rowsRefused(errors.map(({ field, message, code }): ErrorDetail => ({ field, message, code })));
  if (overLimit) throw seatLimitError('body.csv', used, limit, checked.users.length);

  const now = deps.now();
  const at = now.toISOString();
  const batches = checked.users.length > asyncUserImportRows ? splitIntoBatches(checked.users) : undefined;
  const audit = await auditPut(tenantId, identity, { action: 'user.import', target: { type: 'user-import', id: importId }, after: { rows: checked.rows, userIds: checked.users.slice(0, 50).map((u) => u.userId) } }, now);
  const progress = batches ? { batches: batches.length, startedBy: identity.userId, seatLimit: limit ?? null } : undefined;
  const reserved = await deps.writeUserChange({ marker: userImportMarker(tenantId, importId, checked.rows, at, progress), seats: seatsChange(tenantId, checked.users.length, limit), audit });
  if (!reserved.written && !reserved.failed.includes('marker')) throw seatLimitError('body.csv', await deps.getSeatsUsed(tenantId), limit ?? 0, checked.users.length);
  if (batches) {
    // Large files: the seats are taken and every row checked; the consumer writes the accounts. Sending the
    // same file again (a retry) queues its batches again: each is written and counted once.
    const startedAt = reserved.written ? at : ((await deps.getUserImport(tenantId, importId))?.startedAt ?? at);
    await deps.sendUserImportBatches(
      batches.map((users, batch): UserBatchJob => ({ kind: 'user-batch', tenantId, importId, batch, batches: batches.length, actorId: identity.userId, at: startedAt, users })),
    );
    const tracked = await deps.getUserImport(tenantId, importId);
    if (!tracked) throw new ConflictError('IMPORT_CHANGED', 'this file was imported in its request before; nothing to do');
    return { accepted: true, progress: tracked };
  }
  // Accounts first, then profiles: a re-run after a crash between the two recognises the accounts as its own.
  await deps.batchWriteAll(checked.users.map((user) => userItem(tenantId, importedAccount(user, importId, identity.userId, at))));
  await deps.batchWriteAll(
    checked.users.filter((user) => user.role === 'agent').flatMap((user) => newAgentItems(tenantId, user.userId, { name: user.name, shopIds: user.shopIds, groupIds: user.groupIds, cap: user.cap }, now)),
  );
  return { accepted: false, result: result(fresh.length) };
}

export type UserImportOutcome = { accepted: false; result: UserImportResult } | { accepted: true; progress: UserImportProgress };

function importedAccount(user: ImportedUser, importId: string, createdBy: string, at: string): User & { importId: string } {
  return {
    userId: user.userId,
    name: user.name,
    ...(user.email ? { email: user.email } : {}),
    role: user.role,
    shopIds: user.shopIds,
    status: 'active',
    version: 1,
    createdAt: at,
    createdBy,
    updatedAt: at,
    importId,
  };
}

/**
 * The imports queue consumer's part of a large user import: writes a batch's accounts (each unless an
 * invite took its id after the file was checked: that row is skipped and its seat given back) and the
 * agents' profiles, then counts the batch once with its progress, and pushes the progress to the admin
 * who started it. A redelivered batch puts the same items again and counts nothing.
 */
export async function importUserBatch(job: UserBatchJob, deps: UserDependencies = userDependencies): Promise<UserImportProgress | undefined> {
  const { tenantId, importId } = job;
  const written: ImportedUser[] = [];
  for (let start = 0; start < job.users.length; start += 25) {
    const chunk = job.users.slice(start, start + 25);
    const puts = await Promise.all(chunk.map((user) => deps.putImportedUser(tenantId, importedAccount(user, importId, job.actorId, job.at))));
    written.push(...chunk.filter((_, index) => puts[index]));
  }
  const now = deps.now();
  await deps.batchWriteAll(
    written.filter((user) => user.role === 'agent').flatMap((user) => newAgentItems(tenantId, user.userId, { name: user.name, shopIds: user.shopIds, groupIds: user.groupIds, cap: user.cap }, now)),
  );
  const skipped = job.users.length - written.length;
  const counted = userImportBatchCounted(tenantId, importId, job.batch, written.length, skipped);
  await deps.writeUserChange({ ...counted, seats: skipped > 0 ? seatsChange(tenantId, -skipped, undefined) : undefined });
  const progress = await deps.getUserImport(tenantId, importId);
  if (progress) {
    const { startedBy, ...frame } = progress;
    await deps.notifyUser(tenantId, startedBy, { type: 'userImport.progress', ...frame } satisfies UserImportProgressFrame);
  }
  return progress;
}

/** An asynchronous import's progress (admins of the tenant); another tenant's id is a 404 like a missing one. */
export async function readUserImport(identity: Identity, importId: string, deps: UserDependencies = userDependencies): Promise<UserImportProgress> {
  const progress = await deps.getUserImport(identity.tenantId, importId);
  if (!progress) throw new NotFoundError('user import');
  return progress;
}

/** Shop and user ids the file names, so they are loaded in bulk before the rows are checked. */
function namedIds(csv: string): { shopIds: string[]; userIds: string[] } {
  const file = readCsv(csv, userImportColumns, maxUserImportRows);
  if (!file.ok) return { shopIds: [], userIds: [] };
  const valid = (id: string) => /^[A-Za-z0-9_-]{1,64}$/.test(id);
  const userIds = new Set(file.rows.map((row) => (row.userId ?? '').trim()).filter(valid));
  const shopIds = new Set(file.rows.flatMap((row) => (row.shopIds ?? '').split(';').map((id) => id.trim())).filter(valid));
  // Past 1,000 distinct shops the rows' shops are reported unknown: a firm's whole roster names fewer.
  return { shopIds: [...shopIds].slice(0, 1000), userIds: [...userIds] };
}
