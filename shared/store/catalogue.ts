import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catalogueImportSchema, productSchema, titleTokens, type CatalogueImport, type Product, type ProductRow } from '../catalogue/product';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { batchWriteAll, putRequest } from './batch-write';
import { keys } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';
import { cancellationCodes, isConditionalCheckFailed, writeUnlessFirstConditionFails, type TransactItem } from './write-failures';

/**
 * The catalogue repository (docs/access-patterns.md, "Catalogue"): per shop a head (`versionCounter`,
 * `activeVersion`) and its imports; per version a product partition sorted by SKU and 16 token shards
 * (`<word>#<sku>`). An import writes a new version beside the active one and switches the head when its
 * last batch is in, so agents never search a half-imported catalogue.
 */

export interface CatalogueHead {
  activeVersion?: number;
  productCount?: number;
  activatedAt?: string;
}

export async function getCatalogueHead(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<CatalogueHead> {
  const item = (await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.catalogue(tenantId, shopId) }))).Item;
  return {
    ...(typeof item?.activeVersion === 'number' ? { activeVersion: item.activeVersion } : {}),
    ...(typeof item?.productCount === 'number' ? { productCount: item.productCount } : {}),
    ...(typeof item?.activatedAt === 'string' ? { activatedAt: item.activatedAt } : {}),
  };
}

/** The next version number of a shop's catalogue (a counter on the head; gaps are harmless). */
export async function allocateVersion(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<number> {
  const result = await client.send(
    new UpdateCommand({
      TableName: env().TABLE_NAME,
      Key: keys.catalogue(tenantId, shopId),
      UpdateExpression: 'ADD versionCounter :one SET #entity = :entity',
      ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute },
      ExpressionAttributeValues: { ':one': 1, ':entity': 'CatalogueHead' },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(result.Attributes?.versionCounter);
}

export async function getImport(tenantId: string, shopId: string, importId: string, client: DynamoDBDocumentClient = dynamo()) {
  const item = (await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.catalogueImport(tenantId, shopId, importId), ConsistentRead: true }))).Item;
  if (!item) return undefined;
  return { record: catalogueImportSchema.parse(item), contentHash: String(item.contentHash), enqueued: item.enqueued === true };
}

/** Records a new import with its audit entry; false if the import id is already taken. */
export async function createImport(
  tenantId: string,
  record: CatalogueImport,
  contentHash: string,
  audit: TransactItem,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<boolean> {
  return writeUnlessFirstConditionFails(client, [
    {
      Put: {
        TableName: env().TABLE_NAME,
        Item: { ...keys.catalogueImport(tenantId, record.shopId, record.importId), [tableSchema.entityAttribute]: 'CatalogueImport', ...record, contentHash, enqueued: false },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    audit,
  ]);
}

export async function markEnqueued(tenantId: string, shopId: string, importId: string, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(
    new UpdateCommand({ TableName: env().TABLE_NAME, Key: keys.catalogueImport(tenantId, shopId, importId), UpdateExpression: 'SET enqueued = :yes', ExpressionAttributeValues: { ':yes': true } }),
  );
}

/** Writes a batch's products and their word tokens into its version (idempotent Puts). */
export async function writeProducts(tenantId: string, shopId: string, version: number, rows: readonly ProductRow[], client: DynamoDBDocumentClient = dynamo()) {
  const requests = rows.flatMap((row) => {
    const product: Product = { ...row, version };
    return [
      putRequest({ ...keys.product(tenantId, shopId, version, row.sku), [tableSchema.entityAttribute]: 'Product', ...product }),
      ...titleTokens(row.title).map((token) => putRequest({ ...keys.productToken(tenantId, shopId, version, token, row.sku), [tableSchema.entityAttribute]: 'ProductToken' })),
    ];
  });
  await batchWriteAll(client, requests);
  return requests.length;
}

/**
 * Counts a batch as done, once: its marker and the import's progress in one transaction. False if the
 * batch was counted before (a redelivered message).
 */
export async function countBatch(tenantId: string, shopId: string, importId: string, batch: number, rows: number, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  return writeUnlessFirstConditionFails(client, [
    {
      Put: {
        TableName: env().TABLE_NAME,
        Item: { ...keys.catalogueImportBatch(tenantId, shopId, importId, batch), [tableSchema.entityAttribute]: 'CatalogueImportBatch', rows },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Update: {
        TableName: env().TABLE_NAME,
        Key: keys.catalogueImport(tenantId, shopId, importId),
        UpdateExpression: 'ADD batchesDone :one, rowsWritten :rows',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1, ':rows': rows },
      },
    },
  ]);
}

/**
 * Makes a finished import's version the one agents search, with its audit entry, unless a newer version
 * is already active (then the import is `superseded`). Idempotent: a finished import is left alone.
 */
export async function activateVersion(tenantId: string, record: CatalogueImport, now: Date, audit: TransactItem, client: DynamoDBDocumentClient = dynamo()): Promise<'done' | 'superseded' | 'already'> {
  const at = now.toISOString();
  const importKey = keys.catalogueImport(tenantId, record.shopId, record.importId);
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: env().TABLE_NAME,
              Key: keys.catalogue(tenantId, record.shopId),
              UpdateExpression: 'SET activeVersion = :v, productCount = :count, activatedAt = :at',
              ConditionExpression: 'attribute_not_exists(activeVersion) OR activeVersion < :v',
              ExpressionAttributeValues: { ':v': record.version, ':count': record.rows, ':at': at },
            },
          },
          {
            Update: {
              TableName: env().TABLE_NAME,
              Key: importKey,
              UpdateExpression: 'SET #status = :done, finishedAt = :at',
              ConditionExpression: '#status = :importing',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':done': 'done', ':importing': 'importing', ':at': at },
            },
          },
          audit,
        ],
      }),
    );
    return 'done';
  } catch (error) {
    const [head, imported] = cancellationCodes(error);
    if (imported === 'ConditionalCheckFailed') return 'already';
    if (head !== 'ConditionalCheckFailed') throw error;
  }
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: importKey,
        UpdateExpression: 'SET #status = :superseded, finishedAt = :at',
        ConditionExpression: '#status = :importing',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':superseded': 'superseded', ':importing': 'importing', ':at': at },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
  return 'superseded';
}

/** Products of a version whose SKU starts with `prefix`, in SKU order. */
export async function productsBySkuPrefix(tenantId: string, shopId: string, version: number, prefix: string, limit: number, client: DynamoDBDocumentClient = dynamo()): Promise<Product[]> {
  const { pk, skPrefix } = keys.productsOfVersion(tenantId, shopId, version);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': `${skPrefix}${prefix}` },
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map((item) => productSchema.parse(item));
}

/** SKUs of a version whose title has `token`, at most `limit` (in SKU order); `more` if there are others. */
export async function skusWithToken(tenantId: string, shopId: string, version: number, token: string, limit: number, client: DynamoDBDocumentClient = dynamo()) {
  const { pk, skPrefix } = keys.productsWithToken(tenantId, shopId, version, token);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ProjectionExpression: 'sk',
      Limit: limit,
    }),
  );
  return { skus: (result.Items ?? []).map((item) => String(item.sk).slice(skPrefix.length)), more: result.LastEvaluatedKey !== undefined };
}

export async function getProducts(tenantId: string, shopId: string, version: number, skus: readonly string[], client: DynamoDBDocumentClient = dynamo()): Promise<Product[]> {
  const items = await batchGetAll(client, skus.map((sku) => keys.product(tenantId, shopId, version, sku)));
  return items.map((item) => productSchema.parse(item)).sort((a, b) => (a.sku < b.sku ? -1 : 1));
}

