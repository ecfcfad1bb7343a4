import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../http/errors';
import { orderIntegrationSchema, webhookEndpointSchema, type OrderIntegration, type WebhookEndpointRecord } from '../orders/integration';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys, orderShopShards } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';
import { isTransactionCanceled } from './write-failures';

/**
 * Shops' order integrations and their webhook endpoints. The endpoint item repeats what a webhook needs
 * (tenant, shop, platform, sealed secrets) so a delivery costs one GetItem; both are written in one
 * transaction, so they never disagree.
 */

export async function getOrderIntegration(
  tenantId: string,
  shopId: string,
  options: { consistent?: boolean } = {},
  client: DynamoDBDocumentClient = dynamo(),
): Promise<OrderIntegration | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.orderIntegration(tenantId, shopId), ConsistentRead: options.consistent ?? false }));
  return result.Item ? orderIntegrationSchema.parse(result.Item) : undefined;
}

export async function getWebhookEndpoint(endpointId: string, client: DynamoDBDocumentClient = dynamo()): Promise<WebhookEndpointRecord | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.webhookEndpoint(endpointId) }));
  return result.Item ? webhookEndpointSchema.parse(result.Item) : undefined;
}

/**
 * Writes the integration and its endpoint. `expectedRev` is the rev read before (undefined: it must not
 * exist yet); someone else's write in between is a 409 INTEGRATION_CHANGED and nothing is written.
 */
export async function saveOrderIntegration(
  integration: OrderIntegration,
  expectedRev: number | undefined,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<void> {
  const table = env().TABLE_NAME;
  const endpoint: WebhookEndpointRecord = webhookEndpointSchema.parse(integration);
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: {
                ...keys.orderIntegration(integration.tenantId, integration.shopId),
                ...keys.orderIntegrationInShopList(integration.tenantId, integration.shopId),
                [tableSchema.entityAttribute]: 'OrderIntegration', ...integration },
              ConditionExpression: expectedRev === undefined ? 'attribute_not_exists(pk)' : 'rev = :rev',
              ...(expectedRev === undefined ? {} : { ExpressionAttributeValues: { ':rev': expectedRev } }),
            },
          },
          {
            Put: {
              TableName: table,
              Item: { ...keys.webhookEndpoint(integration.endpointId), [tableSchema.entityAttribute]: 'WebhookEndpoint', ...endpoint },
              // An endpoint id belongs to one tenant's shop forever.
              ConditionExpression: 'attribute_not_exists(pk) OR (tenantId = :tenantId AND shopId = :shopId)',
              ExpressionAttributeValues: { ':tenantId': integration.tenantId, ':shopId': integration.shopId },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (isTransactionCanceled(error)) throw new ConflictError('INTEGRATION_CHANGED', 'the integration changed meanwhile; read it again and retry');
    throw error;
  }
}

/**
 * Every shop's integration, through the gsi2 shards (keys only) and a BatchGet: the pull connector and the
 * reconciliation sweep read this once a run; its cost grows with the shops integrated, never a Scan.
 */
export async function listOrderIntegrations(client: DynamoDBDocumentClient = dynamo()): Promise<OrderIntegration[]> {
  const table = env().TABLE_NAME;
  const shards = await Promise.all(
    Array.from({ length: orderShopShards }, async (_, shard) => {
      const found: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: table,
            IndexName: 'gsi2',
            KeyConditionExpression: 'gsi2pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.orderShopsOfShard(shard).gsi2pk },
            ExclusiveStartKey: start,
          }),
        );
        found.push(...(page.Items ?? []).map((item) => ({ pk: item.pk, sk: item.sk })));
        start = page.LastEvaluatedKey;
      } while (start);
      return found;
    }),
  );
  const items = await batchGetAll(client, shards.flat());
  return items.map((item) => orderIntegrationSchema.parse(item));
}
