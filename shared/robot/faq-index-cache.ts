import { listFaqEntries } from '../store/faq-entries';
import { FaqIndex } from './match-question';

/**
 * Each container keeps every shop's FAQ index it has built, with the FAQ version it was built from. The
 * robot reads the shop's settings item (which holds the version) on every answer anyway, so an index is
 * rebuilt exactly when an entry changed: one Query of the shop's FAQ partition, then in memory.
 */
const cache = new Map<string, { version: number; index: Promise<FaqIndex> }>();
const maxShops = 2_000;

export function faqIndexOf(tenantId: string, shopId: string, version: number, list = listFaqEntries, contentSet?: string): Promise<FaqIndex> {
  // One index per promo content set in force (and one for none): a phase's start switches index, not entries.
  const key = `${tenantId}/${shopId}/${contentSet ?? ''}`;
  const hit = cache.get(key);
  if (hit && hit.version === version) return hit.index;
  const index = list(tenantId, shopId).then((entries) => new FaqIndex(entries, contentSet));
  // A failed read is not kept: the next question tries again.
  index.catch(() => cache.delete(key));
  if (cache.size >= maxShops) cache.clear();
  cache.set(key, { version, index });
  return index;
}

/** Tests change entries behind the cache's back. */
export function forgetFaqIndexes(): void {
  cache.clear();
}
