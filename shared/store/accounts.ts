import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';

/**
 * The minimum account model militia needs (issue 12, onboarding accounts, is not built): who a
 * time-limited member is, from when to when, and the limits they were imported with.
 */
export const accountSchema = z.object({
  userId: z.string(),
  kind: z.literal('militia'),
  stage: z.string(),
  shopIds: z.array(z.string()),
  cap: z.number().int(),
  startsAt: z.string(),
  expiresAt: z.string(),
  importedBy: z.string(),
  importedAt: z.string(),
});
export type Account = z.infer<typeof accountSchema>;

export async function getAccount(tenantId: string, userId: string, client: DynamoDBDocumentClient = dynamo()): Promise<Account | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.account(tenantId, userId) }));
  return result.Item ? accountSchema.parse(result.Item) : undefined;
}

export async function getAccounts(tenantId: string, userIds: readonly string[], client: DynamoDBDocumentClient = dynamo()): Promise<Account[]> {
  const items = await batchGetAll(client, [...new Set(userIds)].map((id) => keys.account(tenantId, id)), { consistentRead: true });
  return items.map((item) => accountSchema.parse(item));
}

/** Creates or replaces a member's account (a roster imported again replaces its rows). */
export async function saveAccount(tenantId: string, account: Account, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(
    new PutCommand({ TableName: env().TABLE_NAME, Item: { ...keys.account(tenantId, account.userId), [tableSchema.entityAttribute]: 'Account', ...account } }),
  );
}
