import { randomUUID } from 'node:crypto';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Identity, Role } from '../../shared/auth/identity';
import { serviceDay } from '../../shared/conversations/conversation';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { keys } from '../../shared/store/keys';
import { saveShop } from '../../shared/store/shops';
import { itemsOfPartition, storedItem } from '../support/table';

/** Shared set-up of the messaging integration tests (DynamoDB Local and the fauxqs SQS server). */

export const uniqueTenant = (name: string) => `msg-${name}-${randomUUID().slice(0, 8)}`;

export const who = (tenantId: string, role: Role, userId: string, shopIds: string[] = []): Identity => ({ tenantId, userId, role, shopIds });

/** A shop buyers can write to (messaging never routes in these tests, so its groups are placeholders). */
export async function seedShop(tenantId: string, shopId: string, name = `shop ${shopId}`): Promise<void> {
  await saveShop(
    tenantId,
    shopId,
    {
      name,
      category: 'apparel',
      routing: { mode: 'by-stage', groups: { 'pre-sale': 'g-pre', 'in-sale': 'g-in', 'after-sale': 'g-after' }, idleCloseMinutes: 30, defaultAgentCap: 200 },
    },
    { mustExist: false },
  );
}

/**
 * Assigns a conversation the way the router does (status, assignee, assignee's open list, agent-day),
 * minus the agent's load.
 */
export async function assign(tenantId: string, conversationId: string, agentId: string, now = new Date()): Promise<void> {
  const openedAt = String((await storedItem(keys.conversation(tenantId, conversationId)))?.openedAt);
  const list = keys.conversationInAssigneeList(tenantId, agentId, openedAt, conversationId);
  const day = keys.conversationOnAgentDay(tenantId, agentId, serviceDay(now), conversationId);
  await dynamo().send(
    new UpdateCommand({
      TableName: env().TABLE_NAME,
      Key: keys.conversation(tenantId, conversationId),
      UpdateExpression: 'SET #status = :assigned, assigneeId = :agent, gsi1pk = :g1pk, gsi1sk = :g1sk, gsi2pk = :g2pk, gsi2sk = :g2sk',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':assigned': 'assigned',
        ':agent': agentId,
        ':g1pk': list.gsi1pk,
        ':g1sk': list.gsi1sk,
        ':g2pk': day.gsi2pk,
        ':g2sk': day.gsi2sk,
      },
    }),
  );
}

export async function closeConversation(tenantId: string, conversationId: string): Promise<void> {
  await dynamo().send(
    new UpdateCommand({
      TableName: env().TABLE_NAME,
      Key: keys.conversation(tenantId, conversationId),
      UpdateExpression: 'SET #status = :closed, closedAt = :now REMOVE gsi1pk, gsi1sk',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':closed': 'closed', ':now': new Date().toISOString() },
    }),
  );
}

/** Every item of a conversation's partition (head, messages, claims), strongly consistent. */
export async function partitionOf(tenantId: string, conversationId: string): Promise<Record<string, unknown>[]> {
  return itemsOfPartition(keys.conversation(tenantId, conversationId).pk);
}

/** Every item whose partition key starts with the tenant: to prove nothing was written. */
export async function countTenantItems(tenantId: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new ScanCommand({
        TableName: env().TABLE_NAME,
        // Flood control's budget counters are bookkeeping of the sends, not something a frame stored.
        FilterExpression: 'begins_with(pk, :prefix) AND (attribute_not_exists(entity) OR entity <> :budget)',
        ExpressionAttributeValues: { ':prefix': `T#${tenantId}#`, ':budget': 'MessageBudget' },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    count += page.Items?.length ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}
