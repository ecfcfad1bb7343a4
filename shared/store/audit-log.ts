import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Identity } from '../auth/identity';
import { auditEntryOf, auditEntrySchema, auditExpiry, type AuditChange, type AuditEntry } from '../audit/audit-entry';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';
import { tenantSettings } from './tenants';

/**
 * The audit log repository: one partition per tenant (`T#t#AUDIT`), one item per change, sorted by time.
 * Writers add `auditPut(...)` to the TransactWriteItems of the change itself, so a change and its entry
 * are stored together or not at all. Admin changes are a few a minute per tenant, far below one
 * partition's write rate.
 */

const auditEntity = 'AuditEntry';

/** The Put of one audit entry, to go in the same transaction as the change it records. */
export async function auditPut(tenantId: string, actor: Pick<Identity, 'userId' | 'role'>, change: AuditChange, now = new Date()) {
  const entry = auditEntryOf(actor, change, now);
  const { auditRetentionDays } = await tenantSettings(tenantId);
  return auditPutOf(tenantId, entry, auditRetentionDays);
}

export function auditPutOf(tenantId: string, entry: AuditEntry, retentionDays: number) {
  return {
    Put: {
      TableName: env().TABLE_NAME,
      Item: {
        ...keys.auditEntry(tenantId, entry.at, entry.entryId),
        [tableSchema.entityAttribute]: auditEntity,
        ...entry,
        [tableSchema.timeToLiveAttribute]: auditExpiry(new Date(entry.at), retentionDays),
      },
      // Append-only: an entry is never overwritten.
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** A page of a tenant's audit log, newest first; `after` is the sort key the previous page ended at. */
export async function listAuditEntries(
  tenantId: string,
  page: { limit: number; after?: string },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ entries: AuditEntry[]; lastKey?: string }> {
  const { pk, skPrefix } = keys.auditLog(tenantId);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ScanIndexForward: false,
      Limit: page.limit,
      ...(page.after ? { ExclusiveStartKey: { pk, sk: page.after } } : {}),
    }),
  );
  const entries = (result.Items ?? []).map((item) => auditEntrySchema.parse(item));
  const lastSk = result.LastEvaluatedKey?.sk;
  return { entries, ...(typeof lastSk === 'string' ? { lastKey: lastSk } : {}) };
}

/** Writes an audit entry on its own, for a change made of many writes (an import) that no one transaction holds. */
export async function writeAuditEntry(audit: Awaited<ReturnType<typeof auditPut>>, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(new TransactWriteCommand({ TransactItems: [audit] }));
}
