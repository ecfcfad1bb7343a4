import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { responsePolicySchema, type ResponsePolicy } from '../after-sales/response-clock';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';

/** Shops' response policies (issue 7 §4): one item per shop, replaced whole. */

const responsePolicyEntity = 'ResponsePolicy';

export interface StoredResponsePolicy {
  policy: ResponsePolicy;
  updatedAt: string;
  updatedBy: string;
}

export async function getResponsePolicy(
  tenantId: string,
  shopId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<StoredResponsePolicy | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.responsePolicy(tenantId, shopId) }));
  if (!result.Item) return undefined;
  return { policy: responsePolicySchema.parse(result.Item.policy), updatedAt: String(result.Item.updatedAt), updatedBy: String(result.Item.updatedBy) };
}

export async function putResponsePolicy(
  tenantId: string,
  shopId: string,
  stored: StoredResponsePolicy,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<void> {
  await client.send(
    new PutCommand({
      TableName: env().TABLE_NAME,
      Item: { ...keys.responsePolicy(tenantId, shopId), [tableSchema.entityAttribute]: responsePolicyEntity, shopId, ...stored },
    }),
  );
}
