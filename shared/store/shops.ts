import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../http/errors';
import type { PutShopBody } from '../routing/frames';
import { shopSchema, type Shop } from '../routing/shop';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed } from './write-failures';

const shopEntity = 'Shop';
/** Supervisors configure shops an admin onboarded; only admins create them. */
const shopExists = 'attribute_exists(pk)';

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
 * Creates or replaces a shop's configuration. `createdAt` survives updates. With `mustExist` (a
 * supervisor's update) a missing shop is a NotFoundError and nothing is written.
 */
export async function saveShop(
  tenantId: string,
  shopId: string,
  config: PutShopBody & { routing: Shop['routing'] },
  options: { mustExist: boolean; now?: Date },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Shop> {
  const now = (options.now ?? new Date()).toISOString();
  const persona = config.persona;
  try {
    const result = await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.shop(tenantId, shopId),
        UpdateExpression: [
          'SET #entity = :entity, shopId = :shopId, #name = :name, category = :category, routing = :routing',
          'updatedAt = :now, createdAt = if_not_exists(createdAt, :now)',
          ...(persona ? ['persona = :persona'] : []),
        ].join(', ') + (persona ? '' : ' REMOVE persona'),
        ConditionExpression: options.mustExist ? shopExists : undefined,
        ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute, '#name': 'name' },
        ExpressionAttributeValues: {
          ':entity': shopEntity,
          ':shopId': shopId,
          ':name': config.name,
          ':category': config.category,
          ':routing': config.routing,
          ':now': now,
          ...(persona ? { ':persona': persona } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return shopSchema.parse(result.Attributes);
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw new NotFoundError('shop');
    throw error;
  }
}
