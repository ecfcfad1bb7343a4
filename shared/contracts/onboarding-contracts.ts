import { auditPageSchema, listAuditQuery } from '../audit/read-audit';
import { confirmDeletionBody, createTenantBody, deletionRequestSchema, patchTenantBody, tenantPathParams, tenantSchema } from '../tenants/tenant';
import { catalogueImportBody, catalogueImportPath, catalogueImportSchema, dryRunResultSchema, productSearchResultSchema, searchProductsQuery } from '../catalogue/product';
import { checklistSchema } from '../onboarding/checklist';
import { quickReplyImportBody, quickReplyImportResultSchema } from '../quick-replies/import-quick-replies';
import { libraryQuerySchema } from '../quick-replies/schemas';
import { shopPathParams } from '../routing/frames';
import type { HttpContract } from './http-contracts';
import {
  asyncUserImportRows,
  inviteUserBody,
  listUsersQuery,
  patchUserBody,
  userImportBody,
  userImportPathParams,
  userImportProgressFrame,
  userImportProgressSchema,
  userImportQuery,
  userImportResultSchema,
  userPageSchema,
  userPathParams,
  userSchema,
} from '../people/user';
import type { FrameContract } from './websocket-contracts';

/** The onboarding routes (issue 12): tenants, their deletion, the audit log, shop onboarding and catalogues. */
const tenantNotFound = {
  status: 404,
  codes: ['NOT_FOUND'],
  description: "No such tenant for this caller: an admin asking for another tenant gets exactly this answer too.",
};
const shopNotFound = {
  status: 404,
  codes: ['NOT_FOUND'],
  description: "No such shop for this caller: another tenant's shop, or one the caller does not supervise or serve, gets exactly this answer too.",
};
const rowErrors =
  'Bad rows are refused before anything is written: 400 VALIDATION_FAILED whose `details` name each bad field as `rows.<n>.<field>` (n counts data rows from 1; the first 100 are listed), a bad CSV header as `header` or `header.<column>`, too many rows or characters as `body.csv`.';
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
    description: 'Before `deletion.purgeAfter` only, and never once the purge has begun (status `purging`); nothing of the tenant was touched, so it is back as it was. A restore racing the purge\'s start is a 409 TENANT_CHANGED, and reading the tenant again shows `purging`. Audited.',
    tag: 'tenants',
    auth: ['platform'],
    path: tenantPathParams,
    responses: { 200: { description: 'The tenant, `active` again.', schema: tenantSchema } },
    errors: [tenantNotFound, { status: 409, codes: ['TENANT_ACTIVE', 'RESTORE_WINDOW_CLOSED', 'TENANT_CHANGED'], description: 'Nothing to restore, too late (`purging`), or changed meanwhile (the purge began).' }],
  },
  'POST /v1/shops/{shopId}/catalogue-imports': {
    summary: "Import a shop's product catalogue (CSV or JSON), asynchronously",
    description:
      `Every row is checked first. ${rowErrors} With \`dryRun\` nothing is written and the errors are listed in a 200. A good file becomes a new catalogue version, written in batches by the imports queue (202; poll GET …/catalogue-imports/{importId}); agents keep searching the previous version until the last batch is in. Sending the same file again under the same importId answers with the same import; another file under it is a 409. At most 50,000 rows and 5 MB of CSV. CSV header: \`sku,title,price_minor[,currency][,attr.<name>…]\`, UTF-8 (a BOM is fine).`,
    tag: 'catalogue',
    auth: ['admin', 'supervisor'],
    path: shopPathParams,
    body: catalogueImportBody,
    responses: {
      200: { description: 'Dry run: how many rows, and every error found.', schema: dryRunResultSchema },
      202: { description: 'Accepted: the import, as it progresses.', schema: catalogueImportSchema },
    },
    errors: [shopNotFound, { status: 409, codes: ['IMPORT_ID_REUSED'], description: 'The importId was used for another file (details name `body.importId`).' }],
    examples: [
      {
        path: { shopId: 'peach-glow' },
        body: { importId: 'cat-2026-11-01', format: 'csv', csv: 'sku,title,price_minor,attr.sizes\nPG-CREAM-50,雪润保湿面霜 50ml,12900,50ml\n' },
      },
    ],
  },
  'GET /v1/shops/{shopId}/catalogue-imports/{importId}': {
    summary: 'Progress of a catalogue import',
    tag: 'catalogue',
    auth: ['admin', 'supervisor'],
    path: catalogueImportPath,
    responses: { 200: { description: '`importing` with batches and rows done, then `done` (or `superseded` by a newer version).', schema: catalogueImportSchema } },
    errors: [{ ...shopNotFound, description: 'No such import of a shop the caller supervises.' }],
  },
  'GET /v1/shops/{shopId}/products': {
    summary: "Search a shop's catalogue by SKU prefix or title words",
    description:
      'For the agents of the shop, from a conversation. `sku` matches SKUs starting with it; `q` matches products whose title has every word of it (whole words, as ICU word segmentation splits Chinese and other text; at most 5 words). A word found on more than 1,000 products may miss some matches: `truncated` is then true.',
    tag: 'catalogue',
    auth: ['agent', 'supervisor', 'admin'],
    path: shopPathParams,
    query: searchProductsQuery,
    responses: { 200: { description: 'Matching products of the active version, by SKU.', schema: productSearchResultSchema } },
    errors: [shopNotFound],
    examples: [{ path: { shopId: 'peach-glow' }, query: { q: '面霜' } }, { path: { shopId: 'peach-glow' }, query: { sku: 'PG-' } }],
  },
  'GET /v1/shops/{shopId}/checklist': {
    summary: 'What a shop still lacks before it can go live',
    description: '`ready` when every blocking item is ok: profile, service hours, agents in each stage group, quick replies (shop or tenant library), a catalogue. Nobody online is a warning.',
    tag: 'shops',
    auth: ['admin', 'supervisor'],
    path: shopPathParams,
    responses: { 200: { description: 'The checklist.', schema: checklistSchema } },
    errors: [shopNotFound],
  },
  'POST /v1/quick-reply-imports': {
    summary: 'Import a quick-reply library from CSV or JSON',
    description: `Same library rules as PUT /v1/quick-replies (scope, who may write, 500 replies at most). ${rowErrors} CSV header: \`shortcut,title,variant_1[,variant_2…variant_10][,tags][,stage]\`, tags separated by \`|\`. An existing shortcut is replaced. With \`dryRun\` nothing is written and the errors are listed.`,
    tag: 'quick replies',
    auth: ['agent', 'supervisor', 'admin'],
    query: libraryQuerySchema,
    body: quickReplyImportBody,
    responses: { 200: { description: 'Imported (or, with dryRun, checked).', schema: quickReplyImportResultSchema } },
    errors: [
      { ...shopNotFound, description: 'No such shop library for this caller.' },
      { status: 409, codes: ['QUICK_REPLY_LIMIT'], description: 'The import would take the library past 500 replies; nothing was imported.' },
    ],
    examples: [{ query: { scope: 'shop', shopId: 'peach-glow' }, body: { format: 'csv', csv: 'shortcut,title,variant_1,tags\n/hi,问候,亲，在的哦~,售前|问候\n' } }],
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
  ...userContracts(),
};

/** Staff accounts (issue 12 §2). */
function userContracts(): Record<string, HttpContract> {
  const userNotFound = {
    status: 404,
    codes: ['NOT_FOUND'],
    description: "No such user for this caller: another tenant's user, or (for a supervisor) anyone but an agent of their shops, gets exactly this answer too.",
  };
  const seatLimit = { status: 409, codes: ['SEAT_LIMIT'], description: "The tenant's plan (`limits.seats`) has no seat left; nothing was stored (details name the field)." };
  const takenOffline =
    'From the change on, the user\'s tokens and connect tickets are refused (403 USER_DISABLED; 401 TOKEN_STALE after a re-role), their sockets are closed, and the conversations assigned to them go back to their waiting lines at their original places, to be routed to other agents with every message.';
  return {
    'POST /v1/users': {
      summary: 'Invite a user',
      description:
        'An account in the caller\'s tenant with a role and shops, taking a seat of the plan. Admins invite any staff role; supervisors only agents of shops they supervise. An agent also gets a routing profile: the groups named (each a group of their shops) or every group their shops route to, and `cap` or the shops\' smallest default. Account, seat, profile and audit entry are written together or not at all. Unknown shops and groups are a 400 naming `body.shopIds` / `body.groupIds` with code `UNKNOWN_SHOP` / `UNKNOWN_GROUP`; an unknown role a 400 on `body.role`.',
      tag: 'users',
      auth: ['admin', 'supervisor'],
      body: inviteUserBody,
      responses: { 201: { description: 'The account as stored.', schema: userSchema } },
      errors: [{ ...shopNotFound, description: 'A supervisor named a shop they do not supervise.' }, { status: 409, codes: ['USER_EXISTS', 'AGENT_CHANGED'], description: 'The user id is taken (details name `body.userId`), or the agent profile changed meanwhile.' }, seatLimit],
      examples: [{ body: { userId: 'agent-xiaomei', name: '小美', email: 'xiaomei@yunke.example', role: 'agent', shopIds: ['peach-glow'] } }],
    },
    'GET /v1/users': {
      summary: "The tenant's users",
      description: 'Admins list every account of their tenant, supervisors the agents of their shops; by user id, paged with `cursor`, optionally only `active` or `disabled` ones.',
      tag: 'users',
      auth: ['admin', 'supervisor'],
      query: listUsersQuery,
      responses: { 200: { description: 'One page.', schema: userPageSchema } },
      examples: [{ query: { status: 'active', limit: '50' } }],
    },
    'PATCH /v1/users/{userId}': {
      summary: 'Re-role or re-shop a user',
      description: `Admins only (a supervisor gets 403). Changing the role or shops signs the user out: ${takenOffline} An agent's profile follows the shops (every group of the new shops).`,
      tag: 'users',
      auth: ['admin'],
      path: userPathParams,
      body: patchUserBody,
      responses: { 200: { description: 'The account as stored.', schema: userSchema } },
      errors: [userNotFound, { status: 409, codes: ['USER_CHANGED'], description: 'Someone else changed the user meanwhile; read it again.' }],
      examples: [{ path: { userId: 'agent-xiaomei' }, body: { role: 'supervisor', shopIds: ['peach-glow'] } }],
    },
    'POST /v1/users/{userId}/disable': {
      summary: 'Disable a user, at once',
      description: `The account is marked disabled and gives its seat back. ${takenOffline} Disabling a disabled user repeats the taking offline only. Supervisors disable agents of their shops; nobody disables themselves.`,
      tag: 'users',
      auth: ['admin', 'supervisor'],
      path: userPathParams,
      responses: { 200: { description: 'The account as stored.', schema: userSchema } },
      errors: [userNotFound, { status: 409, codes: ['USER_CHANGED'], description: 'Someone else changed the user meanwhile; retry.' }],
    },
    'POST /v1/users/{userId}/enable': {
      summary: 'Re-enable a user',
      description: 'The account is active again and takes a seat (refused past the plan\'s limit); the user signs in anew.',
      tag: 'users',
      auth: ['admin', 'supervisor'],
      path: userPathParams,
      responses: { 200: { description: 'The account as stored.', schema: userSchema } },
      errors: [userNotFound, seatLimit, { status: 409, codes: ['USER_CHANGED'], description: 'Someone else changed the user meanwhile; retry.' }],
    },
    'POST /v1/user-imports': {
      summary: 'Import users from CSV',
      description:
        `Admins only. Files of more than ${asyncUserImportRows} rows are checked and their seats taken in the request, then written asynchronously (202). ` +
        'CSV header `userId,name,role[,email][,shopIds][,groupIds][,cap]` (UTF-8, lists separated by `;`), at most 10,000 rows and 2 MB. Every row is checked: each error names its `row` (from 1), `field` (`rows.<n>.<column>`) and `code` (`INVALID_VALUE`, `UNKNOWN_ROLE`, `UNKNOWN_SHOP`, `UNKNOWN_GROUP`, `DUPLICATE_USER`, `USER_EXISTS`, `NOT_AN_AGENT_FIELD`), and the seats are counted against the plan. `?dryRun=true` answers that and writes nothing; a real import with any bad row is a 400 listing them (`details[].code`), over the plan a 409 SEAT_LIMIT, and writes nothing. Sending the same file again after a failure part-way finishes it without taking its seats twice.',
      tag: 'users',
      auth: ['admin'],
      query: userImportQuery,
      body: userImportBody,
      responses: {
        200: { description: 'Every error found, and what was (or, on a dry run, would be) imported.', schema: userImportResultSchema },
        202: {
          description: `A file of more than ${asyncUserImportRows} rows, every row checked and its seats taken: its accounts are written in batches by the imports queue's consumer. Poll GET /v1/user-imports/{importId}; the admin's sockets get \`userImport.progress\` after each batch.`,
          schema: userImportProgressSchema,
        },
      },
      errors: [seatLimit],
      examples: [{ query: { dryRun: 'true' }, body: { csv: 'userId,name,role,shopIds,cap\nagent-a01,小安,agent,peach-glow,30\nsup-b01,王主管,supervisor,peach-glow;handu-flagship,\n' } }],
    },
    'GET /v1/user-imports/{importId}': {
      summary: 'Progress of a large user import',
      description: 'Admins of the tenant. `importing` with the batches and accounts written so far, then `done`. `skipped` counts rows whose user id an invite took after the file was checked (not written; their seat given back).',
      tag: 'users',
      auth: ['admin'],
      path: userImportPathParams,
      responses: { 200: { description: 'The import\'s progress.', schema: userImportProgressSchema } },
      errors: [{ status: 404, codes: ['NOT_FOUND'], description: "No such asynchronous import of the caller's tenant (another tenant's id gets exactly this answer too)." }],
    },
  };
}

export const peoplePushedFrames: (FrameContract & { to: string })[] = [
  {
    name: 'userImportProgress',
    title: "A large user import's progress",
    schema: userImportProgressFrame,
    to: 'the admin who started the import (POST /v1/user-imports answered 202)',
    description: 'Sent after each batch of an asynchronous user import is written; the last one has `status: done`. Best effort: GET /v1/user-imports/{importId} has the same.',
    examples: [
      { type: 'userImport.progress', importId: '9f2c4e1a7b3d5f60a1b2c3d4e5f60718', status: 'importing', rows: 10000, batches: 12, batchesDone: 5, imported: 4166, skipped: 0, seatLimit: 12000, startedAt: '2026-12-01T08:00:00.000Z' },
    ],
  },
];
