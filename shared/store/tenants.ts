import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultAuditRetentionDays } from '../audit/audit-entry';
import { tenantSchema, type Tenant } from '../tenants/tenant';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';
import { writeUnlessFirstConditionFails, type TransactItem } from './write-failures';

/**
 * The tenant repository: one item per tenant (`T#t` / `TENANT`, beside its shops), changed only with a
 * condition on its version, each change in one transaction with its audit entry.
 */

const tenantEntity = 'Tenant';
const purgeDueEntity = 'TenantPurgeDue';

/** A tenant as stored, with the hash of its pending deletion's confirmation code (never returned to clients). */
export async function getTenantRecord(
  tenantId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ tenant: Tenant; deletionCodeHash?: string } | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.tenant(tenantId), ConsistentRead: true }));
  // A purged tenant is gone as far as anyone reading it is concerned.
  if (!result.Item || result.Item.status === 'purged') return undefined;
  const hash = result.Item.deletionCodeHash;
  return { tenant: tenantSchema.parse(result.Item), ...(typeof hash === 'string' ? { deletionCodeHash: hash } : {}) };
}

/**
 * Writes `next` if the stored tenant is still `previous` (by version; absent for a new tenant), with the
 * extra items (its audit entry, a purge marker) in the same transaction. False if someone got there first.
 */
export async function writeTenant(
  previous: Pick<Tenant, 'version'> | undefined,
  next: Tenant,
  extra: readonly TransactItem[],
  client: DynamoDBDocumentClient = dynamo(),
  deletionCodeHash?: string,
): Promise<boolean> {
  const written = await writeUnlessFirstConditionFails(client, [
    {
      Put: {
        TableName: env().TABLE_NAME,
        Item: { ...keys.tenant(next.tenantId), [tableSchema.entityAttribute]: tenantEntity, ...next, ...(deletionCodeHash ? { deletionCodeHash } : {}) },
        ConditionExpression: previous ? '#version = :version' : 'attribute_not_exists(pk)',
        ...(previous ? { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': previous.version } } : {}),
      },
    },
    ...extra,
  ]);
  if (written) forgetTenantSettings(next.tenantId);
  return written;
}

/** The purge marker of a confirmed deletion (keys.tenantPurgeDue), put and deleted with the tenant's state. */
export function purgeDuePut(purgeAfter: string, tenantId: string): TransactItem {
  return {
    Put: {
      TableName: env().TABLE_NAME,
      Item: { ...keys.tenantPurgeDue(purgeAfter, tenantId), [tableSchema.entityAttribute]: purgeDueEntity, tenantId, purgeAfter },
    },
  };
}
export function purgeDueDelete(purgeAfter: string, tenantId: string): TransactItem {
  return { Delete: { TableName: env().TABLE_NAME, Key: keys.tenantPurgeDue(purgeAfter, tenantId) } };
}

/** A tenant in these states is served no more: deleted (restorable), being purged, purged. */
const closedTenantStatuses = new Set(['deleted', 'purging', 'purged']);

export interface TenantSettings {
  /** Whether the tenant may be served: false once its deletion is confirmed (deleted, purging, purged). */
  open: boolean;
  auditRetentionDays: number;
}

/**
 * How long a Lambda instance trusts what it read about a tenant. A confirmed deletion refuses the
 * tenant's requests within this time everywhere; one eventually consistent read per tenant per
 * instance per half minute costs nothing next to the requests it guards.
 */
const settingsTtlMs = 30_000;
const settingsCache = new Map<string, { settings: TenantSettings; until: number }>();

/**
 * What every request of a tenant needs to know about it. A tenant without a tenant item (created before
 * tenants were managed, such as the local demo tenants) is open with the defaults.
 */
export async function tenantSettings(tenantId: string, client: DynamoDBDocumentClient = dynamo()): Promise<TenantSettings> {
  const now = Date.now();
  const cached = settingsCache.get(tenantId);
  if (cached && cached.until > now) return cached.settings;
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.tenant(tenantId) }));
  const item = result?.Item;
  const settings: TenantSettings = {
    open: !closedTenantStatuses.has(String(item?.status)),
    auditRetentionDays: typeof item?.auditRetentionDays === 'number' ? item.auditRetentionDays : defaultAuditRetentionDays,
  };
  settingsCache.set(tenantId, { settings, until: now + settingsTtlMs });
  return settings;
}

/** False once the tenant's deletion is confirmed (deleted, purging, purged): the gate every writer of a tenant's data asks, cached as tenantSettings. */
export async function tenantIsOpen(tenantId: string): Promise<boolean> {
  return (await tenantSettings(tenantId)).open;
}

/** This instance's own change is seen at once (other instances within settingsTtlMs). */
export function forgetTenantSettings(tenantId?: string): void {
  if (tenantId === undefined) settingsCache.clear();
  else settingsCache.delete(tenantId);
}
