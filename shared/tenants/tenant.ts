import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { humanText } from '../routing/text';

/**
 * A tenant (an outsourcing firm or a brand's own service center) as the platform operator creates it and
 * its admins read and edit it. Schemas of the tenant routes; docs/openapi.json is generated from them.
 */

/** A time zone the runtime knows (IANA name), e.g. Asia/Shanghai. */
export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Asia/Shanghai')
  .meta({ examples: ['Asia/Shanghai'] });

/** An AWS region name; a tenant's data lives in its region's stack. */
export const regionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as cn-north-1').meta({ examples: ['cn-north-1'] });

/** A firm serves up to ~3,000 shops with 600-1,000+ agents; the bounds leave room. */
export const tenantLimitsSchema = z.strictObject({
  shops: z.number().int().min(1).max(20_000),
  seats: z.number().int().min(1).max(50_000),
});

/** `purging`: the restore window ended and the purge has begun; no restore any more. */
export const tenantStatuses = ['active', 'deletion-requested', 'deleted', 'purging'] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

/** Days a deleted tenant can be restored before the purge job removes its data. */
export const defaultRestoreDays = 30;
/** Minutes a deletion request waits for its confirmation. */
export const deletionConfirmMinutes = 15;

const firstAdminSchema = z.strictObject({
  userId: idSchema,
  name: humanText(100).optional(),
  email: z.email().max(254).optional(),
});

export const createTenantBody = z.strictObject({
  tenantId: idSchema,
  name: humanText(100),
  region: regionSchema,
  timeZone: timeZoneSchema,
  limits: tenantLimitsSchema,
  /** The tenant's first admin: the identity provider issues them a token with role admin for this tenant. */
  firstAdmin: firstAdminSchema,
  auditRetentionDays: z.number().int().min(30).max(3650).optional(),
  restoreDays: z.number().int().min(1).max(90).optional(),
});
export type CreateTenantBody = z.infer<typeof createTenantBody>;

/** What a tenant admin may change; `limits`, `auditRetentionDays` and `restoreDays` are the platform operator's. */
export const patchTenantBody = z
  .strictObject({
    name: humanText(100).optional(),
    timeZone: timeZoneSchema.optional(),
    limits: tenantLimitsSchema.optional(),
    auditRetentionDays: z.number().int().min(30).max(3650).optional(),
    restoreDays: z.number().int().min(1).max(90).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change');
export type PatchTenantBody = z.infer<typeof patchTenantBody>;
export const platformOnlyTenantFields = ['limits', 'auditRetentionDays', 'restoreDays'] as const;

export const tenantPathParams = z.strictObject({ tenantId: idSchema });

export const confirmDeletionBody = z.strictObject({
  confirmationCode: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'the code the deletion request returned'),
});

export const tenantSchema = z.object({
  tenantId: idSchema,
  name: z.string(),
  region: z.string(),
  timeZone: z.string(),
  limits: z.object({ shops: z.number().int(), seats: z.number().int() }),
  firstAdmin: z.object({ userId: z.string(), name: z.string().optional(), email: z.string().optional() }),
  auditRetentionDays: z.number().int(),
  restoreDays: z.number().int(),
  status: z.enum(tenantStatuses),
  /** Set while a deletion is requested or confirmed. */
  deletion: z
    .object({
      requestedBy: z.string(),
      requestedAt: z.string(),
      confirmBy: z.string(),
      confirmedBy: z.string().optional(),
      confirmedAt: z.string().optional(),
      /** After this the purge job removes the tenant's data and it can no longer be restored. */
      purgeAfter: z.string().optional(),
    })
    .optional(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Tenant = z.infer<typeof tenantSchema>;

export const deletionRequestSchema = z.object({
  tenant: tenantSchema,
  /** Send this back to POST …/deletion/confirm before `tenant.deletion.confirmBy`. */
  confirmationCode: z.string(),
});
