import { servesShop, type Identity } from '../auth/identity';
import { NotFoundError } from '../http/errors';
import * as store from '../store/catalogue';
import { titleTokens, type Product, type SearchProductsQuery } from './product';

/**
 * Product search for agents in a conversation, without a Scan: a SKU prefix is one Query of the active
 * version's product partition; title words are one Query per word of its token shard (at most
 * `maxCandidates` SKUs each), intersected, then the few products read by key. Limits (docs/onboarding.md):
 * whole words only, as ICU segments them; at most 5 words; a word on more than `maxCandidates` products
 * may miss matches (`truncated` says so).
 */
export const maxQueryWords = 5;
export const maxCandidates = 1000;
export const defaultSearchLimit = 20;

export const searchDependencies = { ...store };

export async function searchProducts(identity: Identity, shopId: string, query: SearchProductsQuery, deps = searchDependencies) {
  if (!servesShop(identity, shopId)) throw new NotFoundError('shop');
  const limit = query.limit ?? defaultSearchLimit;
  const { activeVersion } = await deps.getCatalogueHead(identity.tenantId, shopId);
  if (activeVersion === undefined) return { items: [] as Product[], truncated: false };
  const version = activeVersion;
  if (query.q === undefined) {
    return { items: await deps.productsBySkuPrefix(identity.tenantId, shopId, version, query.sku ?? '', limit), version, truncated: false };
  }
  const words = titleTokens(query.q, maxQueryWords);
  if (words.length === 0) return { items: [] as Product[], version, truncated: false };
  const lists = await Promise.all(words.map((word) => deps.skusWithToken(identity.tenantId, shopId, version, word, maxCandidates)));
  const [smallest, ...others] = [...lists].sort((a, b) => a.skus.length - b.skus.length);
  const sets = others.map((list) => new Set(list.skus));
  const matching = (smallest?.skus ?? []).filter((sku) => sets.every((set) => set.has(sku)) && (query.sku === undefined || sku.startsWith(query.sku)));
  const items = await deps.getProducts(identity.tenantId, shopId, version, matching.slice(0, limit));
  return { items, version, truncated: lists.some((list) => list.more) };
}
