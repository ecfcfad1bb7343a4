import { listFaqEntries } from '../store/faq-entries';
import { FaqIndex } from './match-question';

/**
 * Each container keeps every shop's FAQ index it has built, with the FAQ version it was built from. The
 * robot reads the shop's settings item (which holds the version) on every answer anyway, so an index is
 * rebuilt exactly when an entry changed: one Query of the shop's FAQ partition, then in memory.
 */
const cache = new Map<string, { version: number; index: Promise<FaqIndex> }>();
/**
 * At most this many indexes, the least recently used dropped first. The robot runs in WsSendMessage,
 * WsSendQuickReply and CheckResponseRounds at the default 512 MB (infra/constructs/kefu-function.ts); a demo
 * shop's index holds ~0.66 MB (measured: 40 built, heap after gc), a large shop's FAQ a few times that, so
 * 150 indexes ≈ 100 MB at 0.66 MB (≈ 300 MB at 2 MB): the rest of the handler keeps its room.
 */
export const maxFaqIndexes = 150;

export function faqIndexOf(tenantId: string, shopId: string, version: number, list = listFaqEntries, contentSet?: string): Promise<FaqIndex> {
  // One index per promo content set in force (and one for none): a phase's start switches index, not entries.
  const key = `${tenantId}/${shopId}/${contentSet ?? ''}`;
  const hit = cache.get(key);
  // A Map iterates in insertion order: moved to the end on each use, the first key is the least recently used.
  cache.delete(key);
  if (hit && hit.version === version) {
    cache.set(key, hit);
    return hit.index;
  }
  const index = list(tenantId, shopId).then((entries) => new FaqIndex(entries, contentSet));
  const held = { version, index };
  // A failed read is not kept: the next question tries again.
  index.catch(() => {
    if (cache.get(key) === held) cache.delete(key);
  });
  while (cache.size >= maxFaqIndexes) cache.delete(cache.keys().next().value!);
  cache.set(key, held);
  return index;
}

/** Tests change entries behind the cache's back. */
export function forgetFaqIndexes(): void {
  cache.clear();
}
