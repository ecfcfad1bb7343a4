import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultRobotSettings, faqEntrySchema, type FaqEntry, type RobotSettings } from '../robot/faq';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed, isTransactionCanceled } from './write-failures';

/**
 * The FAQ robot's items (issue 8 §3; docs/robot.md): a shop's FAQ entries (one partition), and its robot
 * settings item, which also holds `faqVersion`. Every entry change bumps the version in the same
 * transaction, so a container's cached index is rebuilt exactly when the FAQ changed (one GetItem of the
 * settings per robot answer tells it).
 */

const faqEntity = 'FaqEntry';
const robotSettingsEntity = 'RobotSettings';

const bumpVersion = (tenantId: string, shopId: string, now: Date) => ({
  Update: {
    TableName: env().TABLE_NAME,
    Key: keys.robotSettings(tenantId, shopId),
    UpdateExpression: 'ADD faqVersion :one SET #entity = :entity, shopId = :shop, faqChangedAt = :at',
    ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute },
    ExpressionAttributeValues: { ':one': 1, ':entity': robotSettingsEntity, ':shop': shopId, ':at': now.toISOString() },
  },
});

const entryItem = (tenantId: string, entry: FaqEntry) => ({ ...keys.faqEntry(tenantId, entry.shopId, entry.faqId), [tableSchema.entityAttribute]: faqEntity, ...entry });

/** Stores (creates or replaces) one entry and bumps the shop's FAQ version, in one transaction. */
export async function putFaqEntry(tenantId: string, entry: FaqEntry, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(
    new TransactWriteCommand({ TransactItems: [{ Put: { TableName: env().TABLE_NAME, Item: entryItem(tenantId, entry) } }, bumpVersion(tenantId, entry.shopId, now)] }),
  );
}

/** Stores up to 99 entries and bumps the version once: all or nothing (one transaction). */
export async function putFaqEntries(tenantId: string, shopId: string, entries: readonly FaqEntry[], now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  if (entries.length > 99) throw new RangeError('at most 99 entries per transaction');
  await client.send(
    new TransactWriteCommand({
      TransactItems: [...entries.map((entry) => ({ Put: { TableName: env().TABLE_NAME, Item: entryItem(tenantId, entry) } })), bumpVersion(tenantId, shopId, now)],
    }),
  );
}

/** Deletes one entry (false when there was none) and bumps the version. */
export async function deleteFaqEntry(tenantId: string, shopId: string, faqId: string, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: env().TABLE_NAME, Key: keys.faqEntry(tenantId, shopId, faqId), ConditionExpression: 'attribute_exists(pk)' } },
          bumpVersion(tenantId, shopId, now),
        ],
      }),
    );
    return true;
  } catch (error) {
    if (isTransactionCanceled(error)) return false;
    throw error;
  }
}

export async function getFaqEntry(tenantId: string, shopId: string, faqId: string, client: DynamoDBDocumentClient = dynamo()): Promise<FaqEntry | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.faqEntry(tenantId, shopId, faqId) }));
  return result.Item ? faqEntrySchema.parse(result.Item) : undefined;
}

/** Every entry of a shop, by faqId (one Query of the shop's FAQ partition, every page). */
export async function listFaqEntries(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<FaqEntry[]> {
  const { pk, skPrefix } = keys.faqEntriesOfShop(tenantId, shopId);
  const entries: FaqEntry[] = [];
  const pages = paginateQuery({ client }, {
    TableName: env().TABLE_NAME,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
  for await (const page of pages) for (const item of page.Items ?? []) entries.push(faqEntrySchema.parse(item));
  return entries;
}

export interface StoredRobotSettings {
  settings: RobotSettings;
  /** Absent until someone stored settings for the shop (the FAQ version alone may exist). */
  stored: boolean;
  faqVersion: number;
  updatedAt?: string;
  updatedBy?: string;
}

/** The shop's robot settings and FAQ version (eventually consistent: a change shows within a second). */
export async function getRobotSettings(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<StoredRobotSettings> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.robotSettings(tenantId, shopId) }));
  const item = result.Item;
  const faqVersion = typeof item?.faqVersion === 'number' ? item.faqVersion : 0;
  if (!item?.settings) return { settings: defaultRobotSettings, stored: false, faqVersion };
  return {
    settings: { ...defaultRobotSettings, ...(item.settings as Partial<RobotSettings>) },
    stored: true,
    faqVersion,
    ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
    ...(typeof item.updatedBy === 'string' ? { updatedBy: item.updatedBy } : {}),
  };
}

/** Replaces the settings; the FAQ version is left as it is. Returns the version. */
export async function putRobotSettings(
  tenantId: string,
  shopId: string,
  settings: RobotSettings,
  by: string,
  now: Date,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<number> {
  const result = await client.send(
    new UpdateCommand({
      TableName: env().TABLE_NAME,
      Key: keys.robotSettings(tenantId, shopId),
      UpdateExpression: 'SET #entity = :entity, shopId = :shop, settings = :settings, updatedAt = :at, updatedBy = :by, faqVersion = if_not_exists(faqVersion, :zero)',
      ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute },
      ExpressionAttributeValues: { ':entity': robotSettingsEntity, ':shop': shopId, ':settings': settings, ':at': now.toISOString(), ':by': by, ':zero': 0 },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return Number(result.Attributes?.faqVersion ?? 0);
}

/** Seeds only: an entry put if absent (no version bump needed when the seed also writes the version). */
export async function putFaqEntryIfAbsent(tenantId: string, entry: FaqEntry, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(new PutCommand({ TableName: env().TABLE_NAME, Item: entryItem(tenantId, entry), ConditionExpression: 'attribute_not_exists(pk)' }));
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
