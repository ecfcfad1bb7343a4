import { logger } from '../runtime/observability';
import { listOnlineAgentIdsOfGroup } from '../store/agents';
import {
  caseBusy,
  countedOwner,
  getCaseOwnerCandidates,
  getCaseSettings,
  getStoredCase,
  listUnownedCaseIds,
  writeCase,
  type CaseWrite,
  type CaseWriteOutcome,
  type StoredCase,
} from '../store/cases';
import { getShop } from '../store/shops';
import { sampledMembersPerGroup } from '../routing/choose-agent';
import { terminalStates, type AfterSalesCase } from './case';
import { assignCaseOwner } from './case-actions';
import { casePolicyOf, type CasePolicy, type CaseSettings } from './case-settings';
import { chooseCaseOwner, type CaseOwnerCandidate } from './choose-case-owner';
import { applyDeadline, type DeadlineFacts } from './deadlines';
import { notifyCaseUsers, type NotifyCaseUsers } from './notify-case';
import { nextWarningAt, type WarningPolicy } from './warnings-due';
import { caseHeadOf } from './case-view';

export const caseDependencies = {
  getStoredCase: (tenantId: string, caseId: string) => getStoredCase(tenantId, caseId, { consistent: true }),
  writeCase: (write: CaseWrite): Promise<CaseWriteOutcome> => writeCase(write),
  getSettings: (tenantId: string, shopId: string): Promise<CaseSettings> => getCaseSettings(tenantId, shopId),
  afterSaleGroupOf: async (tenantId: string, shopId: string): Promise<string | undefined> => (await getShop(tenantId, shopId))?.routing.groups['after-sale'],
  /** A random sample of the group's online members (routing's ring window), with their case loads. */
  sampleCandidates: async (tenantId: string, groupId: string): Promise<CaseOwnerCandidate[]> =>
    getCaseOwnerCandidates(tenantId, await listOnlineAgentIdsOfGroup(tenantId, groupId, Math.random(), sampledMembersPerGroup)),
  getCandidates: (tenantId: string, agentIds: readonly string[]) => getCaseOwnerCandidates(tenantId, agentIds, { consistent: true }),
  listUnowned: (tenantId: string, shopId: string, limit: number) => listUnownedCaseIds(tenantId, shopId, limit),
  notify: notifyCaseUsers as NotifyCaseUsers,
};
export type CaseDependencies = typeof caseDependencies;

/** Tries of a read-modify-write that lost a race (a concurrent event, sweep or agent on the same case). */
const maxTries = 6;

export interface CaseChangeRequest {
  tenantId: string;
  caseId: string;
  now: Date;
  /**
   * The change, as a pure function of the case as read (undefined: no case yet). Return undefined for
   * "no case is due", the same object for "nothing changes". Called again after a lost race. May throw an
   * AppError (a refused transition): nothing is stored.
   */
  change: (existing: AfterSalesCase | undefined, stored: StoredCase | undefined) => AfterSalesCase | undefined;
  /** New facts for the deadline (an order event: the platform's deadline, whether it shipped); else the stored ones. */
  facts?: DeadlineFacts;
  /** A first read the caller already made (the sweep); re-read after a lost race. */
  initial?: StoredCase;
  /** Ask this agent first when the case needs an owner (they just freed up or came online). */
  preferredOwner?: string;
  /** The sweep sends its own frame (`case.warning`) instead of `case.updated`. */
  silent?: boolean;
}

export interface CaseChangeResult {
  outcome: 'created' | 'updated' | 'unchanged' | 'absent';
  /** The case as written (timeline: the entries this change added), or as read when unchanged. */
  case?: AfterSalesCase;
  stored?: StoredCase;
  settings?: CaseSettings;
}

/**
 * The one way a case changes: read it, apply the change, recompute its deadline when its state or the
 * facts moved, give an unfinished unowned case an owner from the shop's after-sale group (capacity-aware),
 * file it in the due-time index at its next warning, and write all of it in one transaction conditioned
 * on what was read; on a lost race, read again and re-apply (every change is a pure function, so a retry
 * is safe). Then tell the owners (`case.opened`, `case.updated`), and if the change freed an owner's
 * capacity, give that owner the shop's oldest unowned cases.
 */
export async function changeCase(request: CaseChangeRequest, deps: CaseDependencies = caseDependencies): Promise<CaseChangeResult> {
  const { tenantId, caseId, now } = request;
  const settingsByShop = new Map<string, Promise<CaseSettings>>();
  const settingsOf = (shopId: string) => {
    let settings = settingsByShop.get(shopId);
    if (!settings) settingsByShop.set(shopId, (settings = deps.getSettings(tenantId, shopId)));
    return settings;
  };
  const excluded: string[] = [];
  let initial = request.initial;
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const stored = initial ?? (await deps.getStoredCase(tenantId, caseId));
    initial = undefined;
    const existing = stored?.case;
    let next = request.change(existing, stored);
    if (!next) return { outcome: existing ? 'unchanged' : 'absent', ...(existing ? { case: existing, stored } : {}) };
    if (next.tenantId !== tenantId || next.caseId !== caseId) throw new Error('a case change may not move the case');
    if (next.ownerId && excluded.includes(next.ownerId) && next !== existing) {
      // The owner the change named cannot take it (no such agent item): the case goes to routing instead.
      const { ownerId: _unavailable, ...unowned } = next;
      next = unowned;
    }
    const settings = await settingsOf(next.shopId);
    const policy = casePolicyOf(settings);
    const facts = request.facts ?? stored?.facts ?? {};
    const factsMoved = !stored || JSON.stringify(facts) !== JSON.stringify(stored.facts);
    if (!existing || next.state !== existing.state || next.stateSince !== existing.stateSince || factsMoved) {
      next = applyDeadline(next, facts, policy.deadline, next.updatedAt);
    }
    let routedOwnerCap: number | undefined;
    if (!terminalStates.has(next.state) && !next.ownerId) {
      const ownerId = await chooseOwnerFor(next, settings, excluded, request.preferredOwner, deps);
      if (ownerId) {
        next = assignCaseOwner(next, ownerId, { kind: 'system' }, next.updatedAt);
        routedOwnerCap = settings.agentCaseCap;
      }
    }
    const dueMinute = dueMinuteFor(next, policy.warning, now, stored?.dueMinute);
    if (next === existing && dueMinute === stored?.dueMinute) return { outcome: 'unchanged', case: existing, stored, settings };

    const outcome = await deps.writeCase({
      tenantId,
      ...(stored ? { before: stored } : {}),
      after: next,
      ...(dueMinute ? { dueMinute } : {}),
      facts,
      ...(routedOwnerCap === undefined ? {} : { routedOwnerCap }),
    });
    if (outcome === 'conflict') continue;
    if (outcome === 'owner-unavailable') {
      if (next.ownerId) excluded.push(next.ownerId);
      continue;
    }
    await afterWrite(tenantId, existing, next, now, deps, request.silent ?? false);
    return { outcome: existing ? 'updated' : 'created', case: next, stored: { ...writtenStored(stored, next, dueMinute, facts) }, settings };
  }
  throw caseBusy();
}

function writtenStored(before: StoredCase | undefined, after: AfterSalesCase, dueMinute: string | undefined, facts: DeadlineFacts): StoredCase {
  return {
    case: { ...after, timeline: [] },
    rev: (before?.rev ?? 0) + 1,
    timelineCount: (before?.timelineCount ?? 0) + after.timeline.length,
    ...(dueMinute ? { dueMinute } : {}),
    facts,
  };
}

async function chooseOwnerFor(
  current: AfterSalesCase,
  settings: CaseSettings,
  exclude: readonly string[],
  preferred: string | undefined,
  deps: CaseDependencies,
): Promise<string | undefined> {
  const groupId = await deps.afterSaleGroupOf(current.tenantId, current.shopId);
  if (!groupId) return undefined;
  const rule = { shopId: current.shopId, groupId, cap: settings.agentCaseCap, exclude };
  if (preferred && !exclude.includes(preferred)) {
    const chosen = chooseCaseOwner(await deps.getCandidates(current.tenantId, [preferred]), rule);
    if (chosen) return chosen;
  }
  return chooseCaseOwner(await deps.sampleCandidates(current.tenantId, groupId), rule);
}

/**
 * The minute the case is filed under: the first minute boundary at or after its next warning, and never
 * before the next minute, so the sweep (which takes every minute up to its own `now`) always meets it,
 * even when the warning is already past. A minute already filed that still meets it is kept, so a
 * redelivered event moves nothing. Undefined: nothing more to warn about.
 */
export function dueMinuteFor(current: AfterSalesCase, policy: WarningPolicy, now: Date, filed?: string): string | undefined {
  const next = nextWarningAt(current, policy);
  if (!next) return undefined;
  const minute = 60_000;
  const earliest = Math.ceil(Date.parse(next) / minute) * minute;
  const latest = Math.max(earliest, (Math.floor(now.getTime() / minute) + 1) * minute);
  if (filed !== undefined) {
    const filedMs = Date.parse(`${filed}:00.000Z`);
    if (filedMs >= earliest && filedMs <= latest) return filed;
  }
  return new Date(latest).toISOString().slice(0, 16);
}

async function afterWrite(tenantId: string, before: AfterSalesCase | undefined, after: AfterSalesCase, now: Date, deps: CaseDependencies, silent: boolean): Promise<void> {
  const head = caseHeadOf(after);
  // Only the due-time filing moved: nothing to tell anyone.
  if (before === after) return;
  const owners = [after.ownerId, before?.ownerId].filter((id): id is string => id !== undefined);
  if (owners.length > 0 && !silent) await deps.notify(tenantId, owners, before ? { type: 'case.updated', case: head } : { type: 'case.opened', case: head });
  const freed = countedOwner(before);
  if (freed && freed !== countedOwner(after)) {
    try {
      await assignWaitingCases(tenantId, freed, now, deps, { shopIds: [after.shopId] });
    } catch (error) {
      logger.warn('waiting cases not assigned after capacity freed', { error: error as Error });
    }
  }
}

/** Cases given to one agent per shop in one go when they free up or come online. */
const maxAssignPerShop = 10;

/**
 * An agent freed up (a case of theirs ended or moved away) or came online: give them the oldest unowned
 * cases of their shops (those whose after-sale group they are in), up to their room under each shop's
 * case cap. Each assignment is the usual conditioned write, so a case someone else took meanwhile, or an
 * agent who filled up or went offline, is simply skipped. Returns how many were assigned.
 */
export async function assignWaitingCases(
  tenantId: string,
  agentId: string,
  now: Date,
  deps: CaseDependencies = caseDependencies,
  options: { shopIds?: readonly string[] } = {},
): Promise<number> {
  const [agent] = await deps.getCandidates(tenantId, [agentId]);
  if (!agent || agent.presence !== 'online') return 0;
  let assigned = 0;
  for (const shopId of options.shopIds ?? agent.shopIds) {
    if (!agent.shopIds.includes(shopId)) continue;
    const [settings, groupId] = await Promise.all([deps.getSettings(tenantId, shopId), deps.afterSaleGroupOf(tenantId, shopId)]);
    if (!groupId || !agent.groupIds.includes(groupId)) continue;
    const room = Math.min(maxAssignPerShop, settings.agentCaseCap - agent.caseLoad - assigned);
    if (room <= 0) continue;
    for (const caseId of await deps.listUnowned(tenantId, shopId, room)) {
      const result = await changeCase({ tenantId, caseId, now, change: (existing) => existing, preferredOwner: agentId }, deps);
      if (result.outcome === 'updated' && result.case?.ownerId === agentId) assigned++;
    }
  }
  return assigned;
}

export { casePolicyOf, type CasePolicy };
