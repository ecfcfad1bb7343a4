import { z } from 'zod';

/**
 * `ops`: runs promo mode for the tenant (calendar, phase triggers, staffing plans); serves no shop and
 * holds no conversation, so every shop- and chat-scoped check refuses it like a buyer's.
 * `platform`: the operator of the kefu deployment itself (creates and deletes tenants); it acts on no
 * shop or conversation of any tenant.
 * `qc`: quality inspection (质检); reads the shops its token lists (the shops it inspects) and writes only
 * reviews (shared/qc/access.ts). It serves no shop: shop- and chat-scoped checks refuse it like a buyer's.
 */
export const roles = ['buyer', 'agent', 'supervisor', 'admin', 'ops', 'platform', 'qc'] as const;
export type Role = (typeof roles)[number];

/**
 * Who is calling, taken only from a verified token (HTTP) or the $connect authorizer's context
 * (WebSocket); never from a request body.
 */
export interface Identity {
  tenantId: string;
  userId: string;
  role: Role;
  /** Shops an agent or supervisor serves; for a buyer, empty (a buyer may write to any shop of the tenant). */
  shopIds: string[];
}

/**
 * Whether a staff member acts for a shop: a tenant admin acts for every shop of the tenant, agents and
 * supervisors for the shops their token lists, buyers for none. The tenant is never compared here:
 * every key is built from the caller's own tenant.
 */
export function servesShop(identity: { role: string; shopIds: readonly string[] }, shopId: string): boolean {
  if (identity.role === 'admin') return true;
  return (identity.role === 'agent' || identity.role === 'supervisor') && identity.shopIds.includes(shopId);
}

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const idSchema = z.string().regex(idPattern, 'must be 1-64 letters, digits, _ or -');

/**
 * Claims kefu reads from an access token, as API Gateway's JWT authorizer passes them: every claim a
 * string, an array claim written `[a b]`. Cognito custom attributes are strings too, so shops also arrive
 * as a space- or comma-separated string; an array (a decoded token) is accepted as well.
 */
const tokenClaimsSchema = z.object({
  sub: idSchema,
  /** kefu's user id from the Cognito pool (its `sub` is Cognito's own UUID); the local issuer's `sub` is the id. */
  user_id: idSchema.optional(),
  tenant_id: idSchema,
  role: z.enum(roles),
  shop_ids: z
    .union([z.array(idSchema), z.string()])
    .optional()
    .transform((value) => (typeof value === 'string' ? value.replace(/^\[(.*)\]$/s, '$1').split(/[\s,]+/).filter(Boolean) : (value ?? [])))
    .pipe(z.array(idSchema).max(500)),
});

export function identityFromClaims(claims: unknown): Identity | undefined {
  const result = tokenClaimsSchema.safeParse(claims);
  if (!result.success) return undefined;
  const { sub, user_id, tenant_id, role, shop_ids } = result.data;
  return { tenantId: tenant_id, userId: user_id ?? sub, role, shopIds: shop_ids };
}

/** The flat string map API Gateway keeps as a WebSocket authorizer context. */
export function identityToAuthorizerContext(identity: Identity): Record<string, string> {
  return {
    tenantId: identity.tenantId,
    userId: identity.userId,
    role: identity.role,
    shopIds: identity.shopIds.join(','),
  };
}

export function identityFromAuthorizerContext(context: unknown): Identity | undefined {
  const parsed = z
    .object({ tenantId: idSchema, userId: idSchema, role: z.enum(roles), shopIds: z.string() })
    .safeParse(context);
  if (!parsed.success) return undefined;
  const { tenantId, userId, role, shopIds } = parsed.data;
  return { tenantId, userId, role, shopIds: shopIds.split(',').filter(Boolean) };
}
