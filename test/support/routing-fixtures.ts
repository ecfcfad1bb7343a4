import { emptyResponseFacts } from '../../shared/conversations/conversation';
import type { RoutableConversation } from '../../shared/store/conversation-ownership';

/** A buyer's first question, waiting for an agent: the conversation the routing unit tests start from. */
export const waitingConversation: RoutableConversation = {
  conversationId: 'c1',
  tenantId: 't1',
  shopId: 's1',
  buyerId: 'b1',
  stage: 'pre-sale',
  status: 'waiting',
  openedAt: '2026-11-11T00:00:00.000Z',
  lastSeq: 1,
  lastMessageAt: '2026-11-11T00:00:00.000Z',
  buyerReadSeq: 0,
  agentReadSeq: 0,
  responseFacts: emptyResponseFacts(),
};
