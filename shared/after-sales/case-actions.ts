import type { Platform } from '../orders/envelope';
import { caseIdForAgentRequest, terminalStates, type Actor, type AfterSalesCase, type CaseType } from './case';
import { CaseTransitionError } from './transition-case';

/** The agent-side changes that are not state moves; each appends one timeline entry with its actor. */

export interface AgentCaseRequest {
  tenantId: string;
  shopId: string;
  platform: Platform;
  type: CaseType;
  conversationId: string;
  buyerId: string;
  orderId?: string;
  /** The client's idempotency key: a retried request opens the same case. */
  clientRequestId: string;
  actor: Actor & { userId: string };
  at: string;
  text?: string;
}

export function openCaseByAgent(request: AgentCaseRequest): AfterSalesCase {
  const { tenantId, shopId, platform, type, conversationId, buyerId, orderId, clientRequestId, actor, at, text } = request;
  return {
    tenantId,
    shopId,
    platform,
    caseId: caseIdForAgentRequest(shopId, actor.userId, clientRequestId),
    type,
    state: 'open',
    stateSince: at,
    origin: 'agent',
    conversationId,
    buyerId,
    ...(orderId ? { orderId } : {}),
    // The agent who opens a case owns it until routing or a supervisor says otherwise.
    ownerId: actor.userId,
    warningsSent: [],
    openedAt: at,
    updatedAt: at,
    timeline: [{ at, actor, kind: 'opened', to: 'open', ownerId: actor.userId, ...(text ? { text } : {}) }],
  };
}

export function assignCaseOwner(current: AfterSalesCase, ownerId: string, actor: Actor, at: string): AfterSalesCase {
  if (current.ownerId === ownerId) return current;
  return { ...current, ownerId, updatedAt: at, timeline: [...current.timeline, { at, actor, kind: 'owner', ownerId }] };
}

export function addCaseNote(current: AfterSalesCase, text: string, actor: Actor, at: string): AfterSalesCase {
  return { ...current, updatedAt: at, timeline: [...current.timeline, { at, actor, kind: 'note', text }] };
}

export function addCaseEvidence(current: AfterSalesCase, url: string, actor: Actor, at: string, text?: string): AfterSalesCase {
  return { ...current, updatedAt: at, timeline: [...current.timeline, { at, actor, kind: 'evidence', url, ...(text ? { text } : {}) }] };
}

/**
 * An agent tried to keep the refund (退款挽留). If the buyer then withdraws it, the case closes as
 * `refund-retained` and the KPI issue credits this agent.
 */
export function recordRetentionAttempt(current: AfterSalesCase, actor: Actor & { userId: string }, at: string, text?: string): AfterSalesCase {
  if (!current.refund) throw new CaseTransitionError('CASE_OUTCOME_NOT_ALLOWED', 'only a case about a refund can be retained');
  if (terminalStates.has(current.state)) throw new CaseTransitionError('CASE_TRANSITION_NOT_ALLOWED', 'the case is already finished');
  return {
    ...current,
    retentionBy: actor.userId,
    updatedAt: at,
    timeline: [...current.timeline, { at, actor, kind: 'retention', ...(text ? { text } : {}) }],
  };
}
