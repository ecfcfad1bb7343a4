import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setClientsForTests, sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';
import type { Presence } from '../../shared/routing/agent';
import type { RoutingFrame } from '../../shared/routing/frames';
import type { ShopRouting, ConversationStage } from '../../shared/routing/shop';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { getAgent, saveAgentProfile, updatePresence } from '../../shared/store/agents';
import { openConversation } from '../../shared/store/conversations';
import { keys } from '../../shared/store/keys';
import { saveShop } from '../../shared/store/shops';

/** Shared setup for the routing integration tests: shops, agents and conversations in DynamoDB Local. */

export const routingConfig = (overrides: Partial<ShopRouting> = {}): ShopRouting => ({
  mode: 'by-stage',
  groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after' },
  idleCloseMinutes: 30,
  defaultAgentCap: 10,
  ...overrides,
});

export async function createShop(tenantId: string, shopId: string, routing: ShopRouting = routingConfig()) {
  return saveShop(tenantId, shopId, { name: shopId, category: 'cosmetics', routing }, { mustExist: false });
}

export async function createAgent(
  tenantId: string,
  agentId: string,
  options: { shopIds: string[]; groupIds: string[]; cap?: number; presence?: Presence },
) {
  const previous = await getAgent(tenantId, agentId, { consistent: true });
  await saveAgentProfile(tenantId, agentId, { name: agentId, shopIds: options.shopIds, groupIds: options.groupIds, cap: options.cap ?? 10 }, previous);
  return updatePresence(tenantId, agentId, options.presence ?? 'online');
}

let opened = 0;
/** Opens a waiting conversation; opening times increase so waiting-line order is predictable. */
export async function openWaiting(tenantId: string, shopId: string, buyerId: string, stage: ConversationStage = 'pre-sale') {
  const now = new Date(Date.UTC(2026, 10, 11, 0, 0, 0) + opened++ * 1000);
  const { conversation } = await openConversation({ tenantId, shopId, buyerId, stage, now });
  return conversation;
}

export async function rawItem(key: { pk: string; sk: string }) {
  return (await dynamo().send(new GetCommand({ TableName: env().TABLE_NAME, Key: key, ConsistentRead: true }))).Item;
}

export async function head(tenantId: string, conversationId: string) {
  return rawItem(keys.conversation(tenantId, conversationId));
}

/** Conversations on an agent's open list (gsi1). */
export async function openListCount(tenantId: string, agentId: string): Promise<number> {
  const { gsi1pk } = keys.openConversationsOfAgent(tenantId, agentId);
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await dynamo().send(
      new QueryCommand({
        TableName: env().TABLE_NAME,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi1pk },
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    count += result.Count ?? 0;
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/** Records the frames the routing code would post, per user. */
export function frameRecorder() {
  const frames: { userId: string; frame: RoutingFrame }[] = [];
  return {
    frames,
    notify: async (_tenantId: string, userId: string, frame: RoutingFrame) => {
      frames.push({ userId, frame });
    },
    of: (userId: string) => frames.filter((f) => f.userId === userId).map((f) => f.frame),
  };
}

/**
 * A routing queue of this test file alone (the global one is shared by files running at once). fauxqs
 * queue URLs use a *.localhost host that does not resolve here, so the client's endpoint is pinned.
 */
export async function ownRoutingQueue(name: string): Promise<string> {
  setClientsForTests({ sqs: new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL_SQS, maxAttempts: 4 }) });
  const url = (await sqs().send(new CreateQueueCommand({ QueueName: `routing-${name}-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
  process.env.ROUTING_QUEUE_URL = url;
  resetEnvForTests();
  return url;
}

/** Receives (and deletes) every message on a queue. */
export async function receiveAll(queueUrl: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return bodies;
    for (const message of Messages) {
      bodies.push(JSON.parse(message.Body ?? 'null'));
      await sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}
