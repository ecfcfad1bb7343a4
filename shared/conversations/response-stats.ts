import type { Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import { canSeeAgent } from '../routing/access';
import { getAgent } from '../store/agents';
import { getConversations, listConversationIdsOfAgentDay } from '../store/conversations';
import type { Conversation } from './conversation';
import type { ResponseStats } from './frames';

/**
 * Sums the response-time facts of the conversations an agent served on a day. The facts were counted on
 * each head as messages were written, so this is a read and a sum, never a scan of message logs.
 */
export function sumResponseFacts(agentId: string, day: string, conversations: readonly Conversation[]): ResponseStats {
  let questions = 0;
  let replies = 0;
  let responseCount = 0;
  let responseMsTotal = 0;
  let firstResponseTotal = 0;
  let firstResponses = 0;
  for (const { responseFacts: facts } of conversations) {
    questions += facts.questions;
    replies += facts.replies;
    responseCount += facts.responseCount;
    responseMsTotal += facts.responseMsTotal;
    if (facts.firstResponseMs !== undefined) {
      firstResponseTotal += facts.firstResponseMs;
      firstResponses++;
    }
  }
  return {
    agentId,
    day,
    conversations: conversations.length,
    questions,
    replies,
    responseCount,
    responseMsTotal,
    ...(responseCount > 0 ? { averageResponseMs: Math.round(responseMsTotal / responseCount) } : {}),
    ...(firstResponses > 0 ? { averageFirstResponseMs: Math.round(firstResponseTotal / firstResponses) } : {}),
    ...(questions > 0 ? { replyQuestionRatio: Math.round((replies / questions) * 1000) / 1000 } : {}),
  };
}

/**
 * An agent reads their own stats; a supervisor those of agents serving one of their shops; an admin any
 * agent of the tenant. Anyone else, and an unknown agent, get the same not-found.
 */
export async function responseStatsOf(identity: Identity, agentId: string, day: string): Promise<ResponseStats> {
  if (agentId !== identity.userId) {
    const agent = identity.role === 'supervisor' || identity.role === 'admin' ? await getAgent(identity.tenantId, agentId) : undefined;
    if (!agent || !canSeeAgent(identity, agent)) throw new NotFoundError('agent');
  }
  const ids = await listConversationIdsOfAgentDay(identity.tenantId, agentId, day);
  return sumResponseFacts(agentId, day, await getConversations(identity.tenantId, ids));
}
