import { auditPageSchema, listAuditQuery } from '../audit/read-audit';
import { confirmDeletionBody, createTenantBody, deletionRequestSchema, patchTenantBody, tenantPathParams, tenantSchema } from '../tenants/tenant';
import type { HttpContract } from './http-contracts';

/** The onboarding routes (issue 12): tenants, their deletion, the audit log, shop onboarding and catalogues. */
const tenantNotFound = {
  status: 404,
  codes: ['NOT_FOUND'],
  description: "No such tenant for this caller: an admin asking for another tenant gets exactly this answer too.",
};
const tenantChanged = { status: 409, codes: ['TENANT_CHANGED'], description: 'Someone else changed the tenant meanwhile; read it again and retry.' };

const firm = {
  tenantId: 'yunke-bpo',
  name: '云客外包',
  region: 'cn-north-1',
  timeZone: 'Asia/Shanghai',
  limits: { shops: 3000, seats: 1000 },
  firstAdmin: { userId: 'boss-li', name: '李总', email: 'li@yunke.example' },
};

export const onboardingContracts: Record<string, HttpContract> = {
  'POST /v1/tenants': {
    summary: 'Create a tenant and name its first admin',
    description:
      'Platform operator only. The first admin signs in with a token whose `tenant_id` is this tenant and `role` is `admin` (Cognito in the cloud; locally `npm run token -- --tenant <id> --user <firstAdmin.userId> --role admin`).',
    tag: 'tenants',
    auth: ['platform'],
    body: createTenantBody,
    responses: { 201: { description: 'The tenant as stored.', schema: tenantSchema } },
    errors: [{ status: 409, codes: ['TENANT_EXISTS'], description: 'The tenant id is taken (details name `body.tenantId`).' }],
    examples: [{ body: firm }],
  },
  'GET /v1/tenants/{tenantId}': {
    summary: 'Read a tenant',
    tag: 'tenants',
    auth: ['platform', 'admin'],
    path: tenantPathParams,
    responses: { 200: { description: 'The tenant.', schema: tenantSchema } },
    errors: [tenantNotFound],
  },
  'PATCH /v1/tenants/{tenantId}': {
    summary: 'Change a tenant',
    description: "An admin changes their own tenant's name and time zone; plan limits and retention periods are the platform operator's (403 naming the field).",
    tag: 'tenants',
    auth: ['platform', 'admin'],
    path: tenantPathParams,
    body: patchTenantBody,
    responses: { 200: { description: 'The tenant as stored.', schema: tenantSchema } },
    errors: [tenantNotFound, tenantChanged],
    examples: [{ path: { tenantId: 'yunke-bpo' }, body: { timeZone: 'Asia/Hong_Kong' } }],
  },
  'POST /v1/tenants/{tenantId}/deletion': {
    summary: 'Request the deletion of a tenant (step 1 of 2)',
    description: 'Nothing changes for the tenant yet. Returns a confirmation code valid 15 minutes for step 2. Audited.',
    tag: 'tenants',
    auth: ['platform'],
    path: tenantPathParams,
    responses: { 202: { description: 'Deletion requested; confirm it with the code.', schema: deletionRequestSchema } },
    errors: [tenantNotFound, { status: 409, codes: ['TENANT_DELETED', 'TENANT_CHANGED'], description: 'Already deleted, or changed meanwhile.' }],
  },
  'POST /v1/tenants/{tenantId}/deletion/confirm': {
    summary: 'Confirm the deletion of a tenant (step 2 of 2)',
    description:
      "The tenant becomes a tombstone: every request of its users is refused with 403 TENANT_DELETED. Its data is untouched until `deletion.purgeAfter` (the tenant's restore window, 30 days by default), when the hourly purge removes it. Audited.",
    tag: 'tenants',
    auth: ['platform'],
    path: tenantPathParams,
    body: confirmDeletionBody,
    responses: { 200: { description: 'The tenant, now `deleted`.', schema: tenantSchema } },
    errors: [
      tenantNotFound,
      { status: 409, codes: ['NO_DELETION_REQUESTED', 'DELETION_CODE_INVALID', 'TENANT_CHANGED'], description: 'No pending request, or a wrong or expired code (details name `body.confirmationCode`).' },
    ],
    examples: [{ path: { tenantId: 'yunke-bpo' }, body: { confirmationCode: 'kq3R0x1b2c3d4e5f6g7h8i9j' } }],
  },
  'DELETE /v1/tenants/{tenantId}/deletion': {
    summary: 'Cancel a deletion request, or restore a deleted tenant',
    description: 'Before `deletion.purgeAfter` only; nothing of the tenant was touched, so it is back as it was. Audited.',
    tag: 'tenants',
    auth: ['platform'],
    path: tenantPathParams,
    responses: { 200: { description: 'The tenant, `active` again.', schema: tenantSchema } },
    errors: [tenantNotFound, { status: 409, codes: ['TENANT_ACTIVE', 'RESTORE_WINDOW_CLOSED', 'TENANT_CHANGED'], description: 'Nothing to restore, or too late.' }],
  },
  'GET /v1/audit-entries': {
    summary: "The tenant's audit log, newest first",
    description:
      "Every administrative change of the caller's tenant (tenant, shops, agents, quick replies, imports): who, what, before and after, when. Kept for the tenant's `auditRetentionDays`. Paged with an opaque cursor.",
    tag: 'audit',
    auth: ['admin'],
    query: listAuditQuery,
    responses: { 200: { description: 'One page.', schema: auditPageSchema } },
    examples: [{ query: { limit: '20' } }],
  },
};
