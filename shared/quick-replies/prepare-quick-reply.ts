import { AppError } from '../http/errors';
import * as store from '../store/quick-replies';
import { chooseVariant } from './choose-variant';
import { resolutionWithContentSet, type LibraryScope } from './library-access';
import type { PlaceholderValues } from './placeholders';
import { renderQuickReply } from './render-quick-reply';

export interface PrepareQuickReplyInput {
  tenantId: string;
  /** The sending agent: their own library is searched first. */
  agentId: string;
  /** The conversation's shop, from its stored head (never from the frame), after the caller authorized the agent for it. */
  shopId: string;
  conversationId: string;
  /** The client's id for the message: a resend gets the same variant. */
  clientMessageId: string;
  shortcut: string;
  values: PlaceholderValues;
  /** The promo content set in force for the shop (issue 10 §2): its version of the shortcut wins. */
  contentSet?: string;
}

export interface PreparedQuickReply {
  text: string;
  /** Which library the shortcut resolved in. */
  scope: LibraryScope['kind'];
  /** Set when the shortcut resolved to a promo content set's version. */
  contentSet?: string;
  variantIndex: number;
}

export interface PrepareQuickReplyDeps {
  findQuickReply: typeof store.findQuickReply;
  claimNextVariant: typeof store.claimNextVariant;
  random: () => number;
  now: () => Date;
}

const productionDeps: PrepareQuickReplyDeps = {
  findQuickReply: store.findQuickReply,
  claimNextVariant: store.claimNextVariant,
  random: Math.random,
  now: () => new Date(),
};

/**
 * The text an agent's shortcut sends in a conversation: resolved in the agent's, then the shop's, then
 * the tenant's library (while a promo content set is in force, its version in those libraries first); the variant rotated so the buyer does not get the same wording twice in a row;
 * placeholders filled, unknown values falling back to neutral words.
 *
 * @example
 * const { text } = await prepareQuickReply({ tenantId, agentId, shopId, conversationId, shortcut: '/hi', values: { buyerName: '小王' } });
 */
export async function prepareQuickReply(
  input: PrepareQuickReplyInput,
  deps: PrepareQuickReplyDeps = productionDeps,
): Promise<PreparedQuickReply> {
  const found = await deps.findQuickReply(input.tenantId, resolutionWithContentSet(input.agentId, input.shopId, input.contentSet), input.shortcut);
  if (!found) {
    throw new AppError(404, 'NOT_FOUND', 'quick reply not found', [
      { field: 'shortcut', message: 'not in your, your shop\'s or your tenant\'s library' },
    ]);
  }
  const { variants } = found.reply;
  const variantIndex = await deps.claimNextVariant(
    input.tenantId,
    input.conversationId,
    input.shortcut,
    input.clientMessageId,
    (lastIndex) => chooseVariant(variants, lastIndex, deps.random),
    deps.now(),
  );
  const template = variants[variantIndex] ?? variants[0] ?? '';
  return {
    text: renderQuickReply(template, input.values),
    scope: found.scope.kind,
    ...(found.contentSet !== undefined ? { contentSet: found.contentSet } : {}),
    variantIndex,
  };
}
