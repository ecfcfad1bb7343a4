import { parse } from 'csv-parse/sync';
import type { Identity } from '../auth/identity';
import { AppError, ValidationError } from '../http/errors';
import { getAccount, getAccounts, saveAccount } from '../store/accounts';
import { getAgents, saveAgentProfile } from '../store/agents';
import { scheduleMilitiaExpiry } from '../store/users';
import { getShops } from '../store/shops';
import { checkRoster, type RosterRow } from './militia-roster';

export const militiaDependencies = { getShops, getAgents, getAccounts, getAccount, saveAgentProfile, saveAccount, scheduleMilitiaExpiry, now: () => new Date() };
export type MilitiaDependencies = typeof militiaDependencies;

/** Every shop id and user id a roster names, read loosely so the checks can load them in two batches. */
function namedIds(csv: string): { shopIds: string[]; userIds: string[] } {
  try {
    const records: Record<string, string>[] = parse(csv.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true, relax_column_count: true });
    return {
      shopIds: [...new Set(records.flatMap((r) => String(r.shopIds ?? '').split(';').map((id) => id.trim()).filter((id) => /^[A-Za-z0-9_-]{1,64}$/.test(id))))].slice(0, 500),
      userIds: [...new Set(records.map((r) => String(r.userId ?? '')).filter((id) => /^[A-Za-z0-9_-]{1,64}$/.test(id)))].slice(0, 500),
    };
  } catch {
    return { shopIds: [], userIds: [] };
  }
}

/**
 * Imports a militia roster (CSV) into the caller's tenant: each member becomes an agent of the row's
 * shops in those shops' group for the row's stage, with the row's cap, and gets an account with its
 * start and expiry. A dry run answers every row's errors and writes nothing. A real import with any bad
 * row is a 400 naming each (`body.csv.line.N.column`) and writes nothing; otherwise every row is
 * written (agent profile, then account; an import run again with the same file writes the same values).
 */
export async function importRoster(identity: Identity, csv: string, options: { dryRun: boolean }, deps: MilitiaDependencies = militiaDependencies) {
  const { shopIds, userIds } = namedIds(csv);
  const [shops, agents, accounts] = await Promise.all([
    deps.getShops(identity.tenantId, shopIds),
    deps.getAgents(identity.tenantId, userIds, { consistent: true }),
    deps.getAccounts(identity.tenantId, userIds),
  ]);
  const militia = new Set(accounts.map((account) => account.userId));
  const regularAgents = new Set(agents.filter((agent) => !militia.has(agent.agentId)).map((agent) => agent.agentId));
  const now = deps.now();
  const { rows, members, fileErrors } = checkRoster(csv, { now, shops, regularAgents });
  if (fileErrors.length > 0) throw new ValidationError(`${fileErrors[0]!.field}: ${fileErrors[0]!.message}`, fileErrors);
  const summary = (imported: number) => ({ dryRun: options.dryRun, valid: members !== undefined, imported, rows: rows.map(rowSummary) });
  if (options.dryRun) return summary(0);
  if (!members) {
    const details = rows.flatMap((row) => row.errors);
    throw new ValidationError(`${details[0]!.field}: ${details[0]!.message}`, details);
  }
  const existing = new Map(agents.map((agent) => [agent.agentId, agent]));
  for (const member of members) {
    await deps.saveAgentProfile(identity.tenantId, member.userId, { name: member.name, shopIds: member.shopIds, groupIds: member.groupIds, cap: member.cap }, existing.get(member.userId), now);
    await deps.saveAccount(identity.tenantId, {
      userId: member.userId,
      kind: 'militia',
      stage: member.stage,
      shopIds: member.shopIds,
      cap: member.cap,
      startsAt: member.startsAt,
      expiresAt: member.expiresAt,
      importedBy: identity.userId,
      importedAt: now.toISOString(),
    });
    // The expiry sweep (expire-militia.ts) finds the member by this entry when the account ends.
    await deps.scheduleMilitiaExpiry(identity.tenantId, member.userId, member.expiresAt);
  }
  return summary(members.length);
}

function rowSummary(row: RosterRow) {
  return { line: row.line, userId: row.userId ?? null, status: row.errors.length === 0 ? ('ok' as const) : ('error' as const), errors: row.errors };
}

/**
 * A militia member outside their window gets no connect ticket, so no new socket: 403 ACCOUNT_EXPIRED
 * (or ACCOUNT_NOT_STARTED). Only agents can be militia, so other roles cost no read.
 */
export async function assertAccountActive(identity: Identity, deps: Pick<MilitiaDependencies, 'getAccount' | 'now'> = militiaDependencies): Promise<void> {
  if (identity.role !== 'agent') return;
  const account = await deps.getAccount(identity.tenantId, identity.userId);
  if (!account) return;
  const now = deps.now().toISOString();
  if (now >= account.expiresAt) throw new AppError(403, 'ACCOUNT_EXPIRED', `this militia account expired at ${account.expiresAt}`);
  if (now < account.startsAt) throw new AppError(403, 'ACCOUNT_NOT_STARTED', `this militia account starts at ${account.startsAt}`);
}
