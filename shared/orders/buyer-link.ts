import { idSchema } from '../auth/identity';

/**
 * Which kefu buyer a platform buyer is, per tenant + shop (issue 7 §2). A platform knows its buyer by
 * its own id (Taobao's app-scoped open uid, a Shopify customer id); kefu knows the buyer by the user id
 * of their token. An explicit link (store/buyer-links.ts) says which is which. **Default rule**: with
 * no link, the platform buyer id IS the kefu buyer id, when it is a valid kefu id. That is how the local
 * simulator works (it uses the demo buyers' ids, e.g. `buyer-zhou`) and how a firm whose buyers sign in
 * to the widget with their platform identity works. A real integration sets links where it learns both
 * ids together: the widget's sign-in through the platform (OAuth returning the open uid), or the firm's
 * ERP / relay; `linkPlatformBuyer` is that write.
 */
export function defaultKefuBuyerOf(platformBuyerId: string): string | undefined {
  return idSchema.safeParse(platformBuyerId).success ? platformBuyerId : undefined;
}

/**
 * The platform buyer ids whose orders are a kefu buyer's at one shop: the ones explicitly linked to
 * them, plus their own id by the default rule unless that id is explicitly linked to someone else.
 */
export function platformBuyerIdsOf(kefuBuyerId: string, linked: readonly string[], ownIdLinkedTo: string | undefined): string[] {
  const ids = new Set(linked);
  if (ownIdLinkedTo === undefined || ownIdLinkedTo === kefuBuyerId) ids.add(kefuBuyerId);
  return [...ids].sort();
}
