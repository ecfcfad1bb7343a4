import { recordOptOut, getOutreachSettings } from '../store/outreach';
import { isOptOut } from './rules';
import { brandOf } from './settings';

/**
 * The one thing outreach needs from a buyer's chat message (issue 8 §1): an opt-out (退订 and variants)
 * is recorded for the shop's brand at once. Nothing is written for any other message (a pure text check),
 * so the chat hot path pays nothing. Queued and scheduled tasks stop because every send first reads the
 * opt-out, strongly consistent (fire-task.ts): a task already on the queue is cancelled when it comes up;
 * one past that read is stopped by its daily-slot write, which the opt-out's stamp refuses (recordOptOut).
 */
export const buyerMessageDependencies = {
  getSettings: (tenantId: string, shopId: string) => getOutreachSettings(tenantId, shopId),
  recordOptOut: (tenantId: string, brandId: string, buyerId: string, shopId: string, now: Date) => recordOptOut(tenantId, brandId, buyerId, shopId, now),
};

export async function noticeBuyerMessage(
  message: { tenantId: string; shopId: string; buyerId: string; text: string },
  now: Date,
  deps: typeof buyerMessageDependencies = buyerMessageDependencies,
): Promise<boolean> {
  if (!isOptOut(message.text)) return false;
  const settings = await deps.getSettings(message.tenantId, message.shopId);
  await deps.recordOptOut(message.tenantId, brandOf(settings), message.buyerId, message.shopId, now);
  return true;
}
