import type { Identity } from '../auth/identity';
import { messageTextSchema } from '../conversations/frames';
import { assertMayReply, sendMessage, sendMessageDependencies, type SendMessageDeps } from '../conversations/send-message';
import { ValidationError } from '../http/errors';
import { getConversation } from '../store/conversations';
import { getShop } from '../store/shops';
import type { QuickReplyAckFrame, SendQuickReplyFrame } from './frames';
import { contentSetInForce } from './content-sets';
import { prepareQuickReply } from './prepare-quick-reply';

export interface SendQuickReplyDeps {
  getConversation: typeof getConversation;
  shopName: (tenantId: string, shopId: string) => Promise<string | undefined>;
  /** The promo content set in force for the shop at `now` (from the calendar), or undefined. */
  contentSetInForce: (tenantId: string, shopId: string, now: Date) => Promise<string | undefined>;
  prepareQuickReply: typeof prepareQuickReply;
  sendMessage: typeof sendMessage;
  sendMessageDeps: SendMessageDeps;
}

const productionDeps: SendQuickReplyDeps = {
  getConversation,
  shopName: async (tenantId, shopId) => (await getShop(tenantId, shopId))?.name,
  contentSetInForce,
  prepareQuickReply: (input) => prepareQuickReply(input),
  sendMessage,
  sendMessageDeps: sendMessageDependencies,
};

/**
 * An agent sends a quick reply by its shortcut: the conversation is authorized first (so a refused call
 * resolves nothing and moves no rotation), the text is prepared (library lookup with the shop's promo
 * content set in force first, variant rotation, placeholders), then it goes through sendMessage like typed text: same append, ack, fan-out and dedupe
 * by clientMessageId.
 */
export async function sendQuickReply(
  identity: Identity,
  frame: SendQuickReplyFrame,
  now = new Date(),
  deps: SendQuickReplyDeps = productionDeps,
): Promise<QuickReplyAckFrame> {
  const conversation = await deps.getConversation(identity.tenantId, frame.conversationId);
  assertMayReply(conversation, identity);

  const [shopName, contentSet] = await Promise.all([
    deps.shopName(identity.tenantId, conversation.shopId),
    deps.contentSetInForce(identity.tenantId, conversation.shopId, now),
  ]);
  const prepared = await deps.prepareQuickReply({
    tenantId: identity.tenantId,
    agentId: identity.userId,
    shopId: conversation.shopId,
    conversationId: conversation.conversationId,
    clientMessageId: frame.clientMessageId,
    shortcut: frame.shortcut,
    values: { shopName, orderNumber: frame.orderNumber },
    ...(contentSet !== undefined ? { contentSet } : {}),
  });
  const text = messageTextSchema.safeParse(prepared.text);
  if (!text.success) {
    throw new ValidationError('the quick reply renders to no sendable text', [{ field: 'shortcut', message: 'renders empty' }]);
  }

  // sendMessage re-checks with the head read above instead of reading it again.
  const ack = await deps.sendMessage(
    identity,
    { action: 'sendMessage', conversationId: conversation.conversationId, clientMessageId: frame.clientMessageId, text: text.data },
    now,
    { ...deps.sendMessageDeps, getConversation: async () => conversation },
  );
  return { ...ack, shortcut: frame.shortcut, text: text.data, ...(prepared.contentSet !== undefined ? { contentSet: prepared.contentSet } : {}) };
}
