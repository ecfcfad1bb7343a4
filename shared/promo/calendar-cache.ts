import { listPromos } from '../store/promos';
import type { Promo } from './calendar';

/**
 * How long a routing instance trusts the calendar it read. Routing reads a tenant's promos once per this
 * window (one Query of a few KB) instead of on every job, so a phase's routing switches take effect at
 * most this long after its start (or its trigger) on each instance.
 */
export const calendarCacheMs = 30_000;

const cache = new Map<string, { readAt: number; promos: Promise<Promo[]> }>();

/** A tenant's promos, from this instance's cache when read within calendarCacheMs. */
export function cachedPromos(tenantId: string, now = Date.now()): Promise<Promo[]> {
  const hit = cache.get(tenantId);
  if (hit && now - hit.readAt < calendarCacheMs) return hit.promos;
  const promos = listPromos(tenantId);
  // A failed read is not cached: the next job tries again.
  promos.catch(() => cache.delete(tenantId));
  cache.set(tenantId, { readAt: now, promos });
  return promos;
}
