import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultKefuBuyerOf, platformBuyerIdsOf } from '../orders/buyer-link';
import type { Platform } from '../orders/envelope';
import { ConflictError } from '../http/errors';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';
import { isTransactionCanceled } from './write-failures';

/**
 * Links between a shop's platform buyers and kefu buyers (shared/orders/buyer-link.ts has the rule).
 * The link item answers "who is platform buyer pb" in one GetItem (the orders consumer); the
 * buyer-at-shop item keeps the reverse, `platformBuyerIds`, so "whose orders are kefu buyer b's" is one
 * GetItem too (stage on open, the order card).
 */

const linkEntity = 'PlatformBuyerLink';

async function linkedBuyerOf(tenantId: string, shopId: string, platformBuyerId: string, client: DynamoDBDocumentClient) {
  const result = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.platformBuyerLink(tenantId, shopId, platformBuyerId), ProjectionExpression: 'buyerId' }),
  );
  const buyerId = result.Item?.buyerId;
  return typeof buyerId === 'string' ? buyerId : undefined;
}

/** The kefu buyer a platform buyer of the shop is: the explicit link, else the default rule. */
export async function kefuBuyerOf(
  tenantId: string,
  shopId: string,
  platformBuyerId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<string | undefined> {
  return (await linkedBuyerOf(tenantId, shopId, platformBuyerId, client)) ?? defaultKefuBuyerOf(platformBuyerId);
}

/** The platform buyer ids whose orders at the shop are this kefu buyer's (see platformBuyerIdsOf). */
export async function platformBuyerIdsOfBuyer(
  tenantId: string,
  shopId: string,
  buyerId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<string[]> {
  const [buyer, ownIdLinkedTo] = await Promise.all([
    client.send(
      new GetCommand({ TableName: env().TABLE_NAME, Key: keys.buyerAtShop(tenantId, shopId, buyerId), ProjectionExpression: 'platformBuyerIds' }),
    ),
    linkedBuyerOf(tenantId, shopId, buyerId, client),
  ]);
  const linked = buyer.Item?.platformBuyerIds;
  return platformBuyerIdsOf(buyerId, linked instanceof Set ? [...linked].map(String) : [], ownIdLinkedTo);
}

/**
 * Links a platform buyer to a kefu buyer at a shop (moving it from a previous kefu buyer if it had
 * one): one transaction puts the link (conditioned on the link read) and moves the id between the two
 * buyer-at-shop items' `platformBuyerIds`. A concurrent re-link makes it fail with LINK_CHANGED.
 */
export async function linkPlatformBuyer(
  input: { tenantId: string; shopId: string; platform: Platform; platformBuyerId: string; buyerId: string; now?: Date },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<void> {
  const { tenantId, shopId, platformBuyerId, buyerId } = input;
  const previous = await linkedBuyerOf(tenantId, shopId, platformBuyerId, client);
  if (previous === buyerId) return;
  const table = env().TABLE_NAME;
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: {
                ...keys.platformBuyerLink(tenantId, shopId, platformBuyerId),
                [tableSchema.entityAttribute]: linkEntity,
                tenantId,
                shopId,
                platform: input.platform,
                platformBuyerId,
                buyerId,
                linkedAt: (input.now ?? new Date()).toISOString(),
              },
              ...(previous === undefined
                ? { ConditionExpression: 'attribute_not_exists(pk)' }
                : { ConditionExpression: 'buyerId = :previous', ExpressionAttributeValues: { ':previous': previous } }),
            },
          },
          {
            Update: {
              TableName: table,
              Key: keys.buyerAtShop(tenantId, shopId, buyerId),
              UpdateExpression: 'ADD platformBuyerIds :ids SET shopId = :shop, buyerId = :buyer, #entity = if_not_exists(#entity, :entity)',
              ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute },
              ExpressionAttributeValues: { ':ids': new Set([platformBuyerId]), ':shop': shopId, ':buyer': buyerId, ':entity': 'BuyerAtShop' },
            },
          },
          ...(previous === undefined
            ? []
            : [
                {
                  Update: {
                    TableName: table,
                    Key: keys.buyerAtShop(tenantId, shopId, previous),
                    UpdateExpression: 'DELETE platformBuyerIds :ids',
                    ExpressionAttributeValues: { ':ids': new Set([platformBuyerId]) },
                  },
                },
              ]),
        ],
      }),
    );
  } catch (error) {
    if (isTransactionCanceled(error)) throw new ConflictError('LINK_CHANGED', 'the platform buyer was linked meanwhile; read it again');
    throw error;
  }
}
