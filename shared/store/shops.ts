import { GetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError, ServiceUnavailableError } from '../http/errors';
import type { PutShopBody } from '../routing/frames';
import { shopSchema, type Shop } from '../routing/shop';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';
import { writeUnlessFirstConditionFails, type TransactItem } from './write-failures';

const shopEntity = 'Shop';

export async function getShop(
  tenantId: string,
  shopId: string,
  options: { consistent?: boolean } = {},
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Shop | undefined> {
  const result = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.shop(tenantId, shopId), ConsistentRead: options.consistent ?? false }),
  );
  return result.Item ? shopSchema.parse(result.Item) : undefined;
}

/** Shops by id (BatchGet, unprocessed keys retried); missing ones are left out. */
export async function getShops(
  tenantId: string,
  shopIds: readonly string[],
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Map<string, Shop>> {
  const items = await batchGetAll(client, [...new Set(shopIds)].map((id) => keys.shop(tenantId, id)));
  const shops = items.map((item) => shopSchema.parse(item));
  return new Map(shops.map((shop) => [shop.shopId, shop]));
}

/**
 * Creates or replaces a shop's configuration. `createdAt` survives updates, and so does the onboarding
 * profile when the body leaves it out. With `mustExist` (a supervisor's update) a missing shop is a
 * NotFoundError and nothing is written. The shop and the audit entry of the change (`audit`, given the
 * shop before and after) are one transaction, conditional on the shop read, so the entry's `before` is
 * what was replaced; a concurrent change makes it read and apply again (last writer wins, as before).
 */
export async function saveShop(
  tenantId: string,
  shopId: string,
  config: PutShopBody & { routing: Shop['routing'] },
  options: { mustExist: boolean; now?: Date; audit?: (before: Shop | undefined, after: Shop) => Promise<TransactItem> },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Shop> {
  const now = (options.now ?? new Date()).toISOString();
  for (let attempt = 0; attempt < 4; attempt++) {
    const before = await getShop(tenantId, shopId, { consistent: true }, client);
    if (!before && options.mustExist) throw new NotFoundError('shop');
    const profile = config.profile ?? before?.profile;
    const after: Shop = shopSchema.parse({
      shopId,
      name: config.name,
      category: config.category,
      ...(config.persona ? { persona: config.persona } : {}),
      routing: config.routing,
      ...(profile ? { profile } : {}),
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
    });
    const written = await writeUnlessFirstConditionFails(client, [
      {
        Put: {
          TableName: env().TABLE_NAME,
          Item: { ...keys.shop(tenantId, shopId), [tableSchema.entityAttribute]: shopEntity, ...after },
          ...(before
            ? { ConditionExpression: 'updatedAt = :seen', ExpressionAttributeValues: { ':seen': before.updatedAt } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      },
      ...(options.audit ? [await options.audit(before, after)] : []),
    ]);
    if (written) return after;
  }
  throw new ServiceUnavailableError('the shop is being changed concurrently, retry');
}


/** Ids of every shop of a tenant (all pages of the tenant partition's `SHOP#` items): the usage export. */
export async function listShopIdsOfTenant(tenantId: string, client: DynamoDBDocumentClient = dynamo()): Promise<string[]> {
  const { pk, skPrefix } = keys.shopsOfTenant(tenantId);
  const ids: string[] = [];
  const pages = paginateQuery(
    { client },
    {
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ProjectionExpression: 'sk',
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) ids.push(String(item.sk).slice(skPrefix.length));
  return ids;
}
