import { servesShop, type Identity } from '../auth/identity';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../http/errors';
import { supervisesShop } from '../routing/access';
import { getConversation } from '../store/conversations';
import {
  getCaseOwnerCandidates,
  getCaseTimeline,
  getStoredCase,
  listCasesOfOwner,
  listCasesOfShopInState,
  putCaseSettings,
  getCaseSettings,
  type CasePage,
} from '../store/cases';
import { getShop } from '../store/shops';
import { caseIdForAgentRequest, caseStates, sellerActsStates, terminalStates, type Actor, type AfterSalesCase, type CaseState } from './case';
import { addCaseEvidence, addCaseNote, assignCaseOwner, openCaseByAgent, recordRetentionAttempt } from './case-actions';
import type { CaseHead } from '../store/cases';
import type { CasePageView, CaseView, ListShopCasesQuery, OpenCaseBody } from './case-frames';
import type { CaseSettings, CaseSettingsBody } from './case-settings';
import { caseDependencies, changeCase, type CaseDependencies } from './change-case';
import { caseHeadOf } from './case-view';
import { CaseTransitionError, transitionCase } from './transition-case';

/**
 * What the case routes do (thin handlers call one of these). Who may do what: staff serving the shop
 * read its cases; the owner (an agent) and the shop's supervisors change them; only supervisors change
 * the owner. A case of a shop the caller does not serve is a 404, exactly like a missing one, so ids
 * cannot be probed across shops or tenants (every key starts with the caller's own tenant).
 */

/** The newest timeline entries a case view carries. */
export const timelineInView = 200;
/** Notes and evidence an agent may add to one case (timeline items; OWASP API4: nothing grows unbounded). */
export const maxTimelineEntries = 5000;

function assertMayRead(identity: Identity, current: Pick<AfterSalesCase, 'shopId'>): void {
  if (!servesShop(identity, current.shopId)) throw new NotFoundError('case');
}

function actorFor(identity: Identity, current: AfterSalesCase, options: { supervisorOnly?: boolean } = {}): Actor & { userId: string } {
  assertMayRead(identity, current);
  if (supervisesShop(identity, current.shopId)) return { kind: 'supervisor', userId: identity.userId };
  if (options.supervisorOnly) throw new ForbiddenError('only a supervisor of the shop may do this');
  if (current.ownerId !== identity.userId) throw new ForbiddenError('the case is not yours', [{ field: 'caseId', message: 'owned by someone else' }]);
  return { kind: 'agent', userId: identity.userId };
}

/** State-machine refusals name the body field they are about. */
function withBodyFields<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CaseTransitionError) {
      const field = error.code === 'CASE_OUTCOME_REQUIRED' || error.code === 'CASE_OUTCOME_NOT_ALLOWED' ? 'body.outcome' : 'body.to';
      throw new ConflictError(error.code, error.message, [{ field, message: error.message }]);
    }
    throw error;
  }
}

const mustExist = (existing: AfterSalesCase | undefined): AfterSalesCase => {
  if (!existing) throw new NotFoundError('case');
  return existing;
};

export async function openCase(
  identity: Identity,
  shopId: string,
  body: OpenCaseBody,
  now: Date,
  deps: CaseDependencies = caseDependencies,
): Promise<{ created: boolean; case: CaseHead }> {
  if (!servesShop(identity, shopId)) throw new NotFoundError('shop');
  const conversation = await getConversation(identity.tenantId, body.conversationId, { consistent: true });
  if (!conversation || conversation.shopId !== shopId) throw new NotFoundError('conversation');
  const caseId = caseIdForAgentRequest(shopId, identity.userId, body.clientRequestId);
  const at = now.toISOString();
  const result = await changeCase(
    {
      tenantId: identity.tenantId,
      caseId,
      now,
      change: (existing) => {
        if (existing) {
          if (existing.type !== body.type || existing.conversationId !== body.conversationId || existing.platform !== body.platform) {
            throw new ConflictError('CLIENT_REQUEST_ID_REUSED', 'this clientRequestId opened another case', [
              { field: 'body.clientRequestId', message: 'already used for another case' },
            ]);
          }
          return existing;
        }
        const opened = openCaseByAgent({
          tenantId: identity.tenantId,
          shopId,
          platform: body.platform,
          type: body.type,
          conversationId: body.conversationId,
          buyerId: conversation.buyerId,
          ...(body.orderId ? { orderId: body.orderId } : {}),
          clientRequestId: body.clientRequestId,
          actor: { kind: identity.role === 'agent' ? 'agent' : 'supervisor', userId: identity.userId },
          at,
          ...(body.note ? { text: body.note } : {}),
        });
        // A supervisor or admin opening a case does not own it: routing gives it to the after-sale group.
        if (identity.role === 'agent') return opened;
        const { ownerId: _owner, ...unowned } = opened;
        return unowned;
      },
    },
    deps,
  );
  return { created: result.outcome === 'created', case: caseHeadOf(result.case!) };
}

export async function getCaseView(identity: Identity, caseId: string): Promise<CaseView> {
  const stored = await getStoredCase(identity.tenantId, caseId, { consistent: false });
  if (!stored) throw new NotFoundError('case');
  assertMayRead(identity, stored.case);
  const timeline = await getCaseTimeline(identity.tenantId, caseId, timelineInView);
  return { ...caseHeadOf(stored.case), timeline, timelineCount: stored.timelineCount };
}

type CaseEdit = (current: AfterSalesCase, actor: Actor & { userId: string }, at: string, timelineCount: number) => AfterSalesCase;

async function editCase(identity: Identity, caseId: string, now: Date, edit: CaseEdit, options: { supervisorOnly?: boolean } = {}, deps: CaseDependencies = caseDependencies): Promise<CaseHead> {
  const at = now.toISOString();
  const result = await changeCase(
    {
      tenantId: identity.tenantId,
      caseId,
      now,
      change: (existing, stored) => {
        const current = mustExist(existing);
        return withBodyFields(() => edit(current, actorFor(identity, current, options), at, stored?.timelineCount ?? 0));
      },
    },
    deps,
  );
  return caseHeadOf(result.case!);
}

export const transitionCaseByUser = (identity: Identity, caseId: string, body: { to: CaseState; outcome?: AfterSalesCase['outcome']; note?: string }, now: Date) =>
  editCase(identity, caseId, now, (current, actor, at) =>
    transitionCase(current, { to: body.to, actor, at, ...(body.outcome ? { outcome: body.outcome } : {}), ...(body.note ? { text: body.note } : {}) }),
  );

const roomInTimeline = (timelineCount: number) => {
  if (timelineCount >= maxTimelineEntries) throw new ConflictError('CASE_TIMELINE_FULL', `a case keeps at most ${maxTimelineEntries} timeline entries`);
};

export const addNoteByUser = (identity: Identity, caseId: string, text: string, now: Date) =>
  editCase(identity, caseId, now, (current, actor, at, count) => {
    roomInTimeline(count);
    return addCaseNote(current, text, actor, at);
  });

export const addEvidenceByUser = (identity: Identity, caseId: string, body: { url: string; note?: string }, now: Date) =>
  editCase(identity, caseId, now, (current, actor, at, count) => {
    roomInTimeline(count);
    return addCaseEvidence(current, body.url, actor, at, body.note);
  });

export const recordRetentionByUser = (identity: Identity, caseId: string, note: string | undefined, now: Date) =>
  editCase(identity, caseId, now, (current, actor, at) => recordRetentionAttempt(current, actor, at, note));

/** A supervisor gives the case to an agent serving its shop (over the agent's case cap if need be: the supervisor decides). */
export async function changeOwnerBySupervisor(identity: Identity, caseId: string, ownerId: string, now: Date): Promise<CaseHead> {
  const [candidate] = await getCaseOwnerCandidates(identity.tenantId, [ownerId], { consistent: true });
  return editCase(
    identity,
    caseId,
    now,
    (current, actor, at) => {
      if (!candidate || !candidate.shopIds.includes(current.shopId)) {
        throw new ValidationError('the new owner does not serve this shop', [{ field: 'body.ownerId', message: 'no agent of this shop' }]);
      }
      return assignCaseOwner(current, ownerId, actor, at);
    },
    { supervisorOnly: true },
  );
}

// ---- lists ----

const unfinishedStates: CaseState[] = ['open', 'waiting-seller', 'waiting-buyer', 'waiting-platform'];
const defaultPageSize = 50;
const sortKeyPattern = /^(~|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d))#[A-Za-z0-9_-]{1,64}$/;

function encodeCursor(cursor: { s: number; a?: string }): string {
  return Buffer.from(JSON.stringify({ v: 1, ...cursor }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined, states: number): { s: number; a?: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; s?: unknown; a?: unknown };
    if (parsed.v === 1 && Number.isInteger(parsed.s) && (parsed.s as number) >= 0 && (parsed.s as number) < states && (parsed.a === undefined || (typeof parsed.a === 'string' && sortKeyPattern.test(parsed.a)))) {
      return { s: parsed.s as number, ...(typeof parsed.a === 'string' ? { a: parsed.a } : {}) };
    }
  } catch {
    // fall through: not a cursor this API made
  }
  throw new ValidationError('cursor: not a cursor from a previous page', [{ field: 'query.cursor', message: 'not a cursor from a previous page' }]);
}

/**
 * A shop's cases: one state, or every unfinished state in turn (open, waiting on the seller, the buyer,
 * the platform), soonest SLA first within each; `overdue=true`: only cases past their SLA in a state
 * where the seller must act. Paged by an opaque cursor (state and the last index key).
 */
export async function listShopCases(identity: Identity, shopId: string, query: ListShopCasesQuery, now: Date): Promise<CasePageView> {
  if (!servesShop(identity, shopId)) throw new NotFoundError('shop');
  let states = query.state ? [query.state] : unfinishedStates;
  const overdue = query.overdue === 'true';
  if (overdue) states = states.filter((state) => sellerActsStates.has(state));
  const limit = query.limit ?? defaultPageSize;
  const start = decodeCursor(query.cursor, Math.max(states.length, 1));
  const cases: CaseHead[] = [];
  for (let index = start?.s ?? 0; index < states.length; index++) {
    const page: CasePage = await listCasesOfShopInState(identity.tenantId, shopId, states[index]!, {
      limit: limit - cases.length,
      ...(index === start?.s && start.a ? { after: start.a } : {}),
      ...(overdue ? { overdueAt: now.toISOString() } : {}),
    });
    cases.push(...page.cases);
    if (page.lastSortKey) return { cases, nextCursor: encodeCursor({ s: index, a: page.lastSortKey }) };
    if (cases.length >= limit) {
      return index + 1 < states.length ? { cases, nextCursor: encodeCursor({ s: index + 1 }) } : { cases };
    }
  }
  return { cases };
}

/** The caller's own unfinished cases, soonest SLA first. */
export async function listMyCases(identity: Identity, query: { limit?: number | undefined; cursor?: string | undefined }): Promise<CasePageView> {
  const start = decodeCursor(query.cursor, 1);
  const page = await listCasesOfOwner(identity.tenantId, identity.userId, { limit: query.limit ?? defaultPageSize, ...(start?.a ? { after: start.a } : {}) });
  return { cases: page.cases, ...(page.lastSortKey ? { nextCursor: encodeCursor({ s: 0, a: page.lastSortKey }) } : {}) };
}

// ---- settings ----

async function assertSupervisedShop(identity: Identity, shopId: string): Promise<void> {
  if (!supervisesShop(identity, shopId) || !(await getShop(identity.tenantId, shopId))) throw new NotFoundError('shop');
}

export async function getCaseSettingsFor(identity: Identity, shopId: string): Promise<CaseSettings> {
  await assertSupervisedShop(identity, shopId);
  return getCaseSettings(identity.tenantId, shopId);
}

export async function putCaseSettingsFor(identity: Identity, shopId: string, body: CaseSettingsBody, now: Date): Promise<CaseSettings> {
  await assertSupervisedShop(identity, shopId);
  return putCaseSettings(identity.tenantId, shopId, body, now);
}

export { caseStates, terminalStates, AppError };
