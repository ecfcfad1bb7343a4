import { GetCommand, paginateQuery, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Identity } from '../auth/identity';
import type { AuditChange } from '../audit/audit-entry';
import { shopSchema, type Shop } from '../routing/shop';
import { manualEntrySchema, scorecardConfigSchema, type StoredManualEntry, type StoredScorecardConfig } from '../scorecards/scorecard';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { auditPut } from './audit-log';
import { keys } from './keys';
import { tableSchema } from './table-schema';

/** Scorecards (issue 9 §3): a shop's configuration and its supervisors' manual entries per month, each change with its audit entry. */

const table = () => env().TABLE_NAME;
const plain = (item: Record<string, unknown>) => {
  const { pk: _pk, sk: _sk, ...rest } = item;
  delete rest[tableSchema.entityAttribute];
  return rest;
};

export async function getScorecardConfig(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<StoredScorecardConfig | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: table(), Key: keys.scorecardConfig(tenantId, shopId), ConsistentRead: true }));
  return Item ? scorecardConfigSchema.parse(plain(Item)) : undefined;
}

/** Stores a configuration or a manual entry together with its audit entry (one transaction). */
async function putAudited(tenantId: string, item: Record<string, unknown>, actor: Pick<Identity, 'userId' | 'role'>, change: AuditChange, client: DynamoDBDocumentClient) {
  await client.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table(), Item: item } }, await auditPut(tenantId, actor, change)] }));
}

export async function putScorecardConfig(tenantId: string, config: StoredScorecardConfig, actor: Pick<Identity, 'userId' | 'role'>, change: AuditChange, client: DynamoDBDocumentClient = dynamo()) {
  await putAudited(tenantId, { ...keys.scorecardConfig(tenantId, config.shopId), [tableSchema.entityAttribute]: 'ScorecardConfig', ...config }, actor, change, client);
}

export async function getManualEntry(tenantId: string, shopId: string, month: string, agentId: string, client: DynamoDBDocumentClient = dynamo()): Promise<StoredManualEntry | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: table(), Key: keys.scorecardManual(tenantId, shopId, month, agentId), ConsistentRead: true }));
  return Item ? manualEntrySchema.parse(plain(Item)) : undefined;
}

export async function putManualEntry(tenantId: string, entry: StoredManualEntry, actor: Pick<Identity, 'userId' | 'role'>, change: AuditChange, client: DynamoDBDocumentClient = dynamo()) {
  await putAudited(tenantId, { ...keys.scorecardManual(tenantId, entry.shopId, entry.month, entry.agentId), [tableSchema.entityAttribute]: 'ScorecardManualEntry', ...entry }, actor, change, client);
}

/** Every manual entry of a shop's month (one Query). */
export async function listManualEntries(tenantId: string, shopId: string, month: string, client: DynamoDBDocumentClient = dynamo()): Promise<StoredManualEntry[]> {
  const prefix = keys.scorecardManualOfMonth(tenantId, shopId, month);
  const entries: StoredManualEntry[] = [];
  const pages = paginateQuery({ client }, {
    TableName: table(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.skPrefix },
    ConsistentRead: true,
  });
  for await (const page of pages) for (const item of page.Items ?? []) entries.push(manualEntrySchema.parse(plain(item)));
  return entries;
}

/** Every shop of a tenant (the tenant partition's `SHOP#` items): for ranking among shops of a category. */
export async function listShopsOfTenant(tenantId: string, client: DynamoDBDocumentClient = dynamo()): Promise<Shop[]> {
  const prefix = keys.shopsOfTenant(tenantId);
  const shops: Shop[] = [];
  const pages = paginateQuery({ client }, {
    TableName: table(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.skPrefix },
  });
  for await (const page of pages) for (const item of page.Items ?? []) shops.push(shopSchema.parse(item));
  return shops;
}
