import type { Message } from '../conversations/conversation';
import { logger } from '../runtime/observability';
import type { RoutableConversation } from '../store/conversation-ownership';
import { listMessagesAfter, type MessagePage } from '../store/messages';
import type { Agent } from './agent';
import { maxMessageBytesOnAssignment, maxMessagesOnAssignment, type AssignedFrame, type JoinKind } from './frames';
import type { NotifyUser } from './notify';
import { ordersOfBuyerAtShop } from '../orders/buyer-orders';
import { cardsForAssignment, maxOrderCards } from '../orders/frames';
import { recentOrderCards, type OrderCard } from '../orders/order-card';

/** The newest messages of a conversation after `afterSeq`, at most `limit`, oldest first. */
export type ReadRecentMessages = (tenantId: string, conversationId: string, afterSeq: number, limit: number) => Promise<MessagePage>;

/**
 * One bounded Query (Limit n+1, ≤ 96 KB kept), strongly consistent: the opening message was stored just
 * before the routing job was sent, and an eventually consistent read could miss it.
 */
export const readRecentMessages: ReadRecentMessages = (tenantId, conversationId, afterSeq, limit) =>
  listMessagesAfter(tenantId, conversationId, afterSeq, { limit, maxBytes: maxMessageBytesOnAssignment, consistent: true });

export interface AnnounceDependencies {
  readRecentMessages: ReadRecentMessages;
  notify: NotifyUser;
  /** The buyer's newest order cards at the shop (issue 7 §2); without it the frame carries none. */
  readOrderCards?: ReadOrderCards;
}

export type ReadOrderCards = (tenantId: string, shopId: string, buyerId: string) => Promise<OrderCard[]>;

/** The buyer's newest orders at the shop as cards (at most maxOrderCards), for the `assigned` frame. */
export const readOrderCards: ReadOrderCards = async (tenantId, shopId, buyerId) =>
  recentOrderCards(await ordersOfBuyerAtShop(tenantId, shopId, buyerId, maxOrderCards), maxOrderCards);

/** Cards for the frame, bounded (cardsForAssignment); a failed read is not fatal: `orders` fetches them. */
async function assignmentCards(conversation: Pick<RoutableConversation, 'tenantId' | 'shopId' | 'buyerId'>, read: ReadOrderCards | undefined) {
  if (!read) return undefined;
  try {
    return cardsForAssignment(await read(conversation.tenantId, conversation.shopId, conversation.buyerId));
  } catch (error) {
    logger.warn('order cards not read; the assigned frame goes without them', { error: error as Error });
    return undefined;
  }
}

export interface Joining {
  kind: JoinKind;
  /** Who handed it over (transfer, reassign): the receiving agent sees it, the buyer never does. */
  transferredBy?: string;
  note?: string;
}

/**
 * What an agent needs to answer a conversation just assigned to them: its newest messages (at most 20,
 * ≤ 96 KB) and the newest seq known. The messages start after `lastSeq - 20` of the head read before the
 * assignment; messages stored since then are in the page too, as far as the limit goes, and one found
 * beyond the page (the Query reads one extra) raises `lastSeq`, so `lastSeq` > the last message included
 * always means "resume from there". A failed read is not fatal (the assignment is committed and the
 * agent must hear of it): the frame goes out with no messages and the head's lastSeq, and the rule
 * sends the agent to `resume`.
 */
export async function assignmentBrief(
  conversation: Pick<RoutableConversation, 'tenantId' | 'conversationId' | 'lastSeq'>,
  read: ReadRecentMessages,
): Promise<{ lastSeq: number; messages: Message[] }> {
  const { tenantId, conversationId } = conversation;
  try {
    const page = await read(tenantId, conversationId, Math.max(0, conversation.lastSeq - maxMessagesOnAssignment), maxMessagesOnAssignment);
    const last = page.messages.at(-1)?.seq ?? 0;
    const lastSeq = Math.max(conversation.lastSeq, last, page.hasMore ? last + 1 : 0);
    return { lastSeq, messages: page.messages };
  } catch (error) {
    logger.warn('opening messages not read; the assigned frame sends the agent to resume', { error: error as Error });
    return { lastSeq: conversation.lastSeq, messages: [] };
  }
}

/**
 * A conversation was just given to `agent` (routing, a drain of the waiting line, a transfer or a
 * reassign): the agent gets `assigned` with its newest messages, the buyer gets `agentJoined` with the
 * agent's display name. Both through `notify`, which is best effort and never throws: the ownership change
 * is committed, and a retry of the job would find nothing left to do.
 */
export async function announceAssignment(
  conversation: Pick<RoutableConversation, 'tenantId' | 'conversationId' | 'shopId' | 'buyerId' | 'stage' | 'lastSeq'>,
  agent: Pick<Agent, 'agentId' | 'name'>,
  joining: Joining,
  deps: AnnounceDependencies,
): Promise<void> {
  const { tenantId, conversationId } = conversation;
  const [brief, orders] = await Promise.all([assignmentBrief(conversation, deps.readRecentMessages), assignmentCards(conversation, deps.readOrderCards)]);
  const assigned: AssignedFrame = {
    type: 'assigned',
    conversationId,
    shopId: conversation.shopId,
    buyerId: conversation.buyerId,
    stage: conversation.stage,
    lastSeq: brief.lastSeq,
    messages: brief.messages,
    ...(orders ? { orders } : {}),
    ...(joining.transferredBy !== undefined ? { transferredBy: joining.transferredBy } : {}),
    ...(joining.note !== undefined ? { note: joining.note } : {}),
  };
  await Promise.all([
    deps.notify(tenantId, agent.agentId, assigned),
    deps.notify(tenantId, conversation.buyerId, {
      type: 'agentJoined',
      conversationId,
      role: 'agent',
      agentId: agent.agentId,
      name: agent.name,
      kind: joining.kind,
    }),
  ]);
}
