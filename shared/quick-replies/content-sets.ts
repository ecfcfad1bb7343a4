import { ValidationError } from '../http/errors';
import { cachedPromos } from '../promo/calendar-cache';
import type { Promo } from '../promo/calendar';
import { promoContentSet } from '../promo/promo-routing';
import { logger } from '../runtime/observability';
import { listPromos } from '../store/promos';

/**
 * Promo content sets on the quick-reply side (issue 10 §2). A set exists by being named in the tenant's
 * promo calendar (a phase's `routing.contentSet`); the calendar is the only place that switches it on,
 * so a reply tagged with a name no phase uses could never be sent, and is refused as a typo.
 */

/** Every set a phase of these promos names, past, current or future. */
export function contentSetsNamed(promos: readonly Pick<Promo, 'phases'>[]): Set<string> {
  const sets = new Set<string>();
  for (const promo of promos) for (const phase of promo.phases) if (phase.routing?.contentSet) sets.add(phase.routing.contentSet);
  return sets;
}

/** The sets the tenant's calendar names (one Query of the tenant's promos; never another tenant's). */
export async function knownContentSets(tenantId: string): Promise<Set<string>> {
  return contentSetsNamed(await listPromos(tenantId));
}

/** A 400 naming `field` when `contentSet` is given and no phase of the tenant's promos names it. */
export function assertKnownContentSet(contentSet: string | undefined, known: ReadonlySet<string>, field: string): void {
  if (contentSet === undefined || known.has(contentSet)) return;
  const message = `no promo phase of this tenant names the content set "${contentSet}" (set routing.contentSet on a phase first)`;
  throw new ValidationError(`${field}: ${message}`, [{ field, message }]);
}

/**
 * The set in force for a shop now, from the routing instance's calendar cache (≤ 30 s old, like stage
 * borrowing). If the calendar cannot be read the everyday replies are sent: a promo wording missed for a
 * moment is better than a shortcut that fails, and a tagged version is never sent outside its phase.
 */
export async function contentSetInForce(tenantId: string, shopId: string, now: Date): Promise<string | undefined> {
  try {
    return promoContentSet(await cachedPromos(tenantId), shopId, now);
  } catch (error) {
    logger.warn('promo calendar not read; the everyday quick replies are used', { error: error as Error });
    return undefined;
  }
}
