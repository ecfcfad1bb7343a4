import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { identityToAuthorizerContext, type Identity, type Role } from '../../shared/auth/identity';
import { dynamo, setClientsForTests, sqs } from '../../shared/runtime/clients';
import { env, resetEnvForTests } from '../../shared/runtime/env';
import { keys } from '../../shared/store/keys';
import { serviceDay } from '../../shared/conversations/conversation';
import { tableSchema } from '../../shared/store/table-schema';
import { lambdaContext, wsEvent } from '../support/events';

/** Shared set-up of the messaging integration tests (DynamoDB Local and the fauxqs SQS server). */

export const uniqueTenant = (name: string) => `msg-${name}-${randomUUID().slice(0, 8)}`;

export const who = (tenantId: string, role: Role, userId: string, shopIds: string[] = []): Identity => ({ tenantId, userId, role, shopIds });

type WsHandler = (event: ReturnType<typeof wsEvent>, context: typeof lambdaContext) => Promise<APIGatewayProxyResultV2>;

/** Calls a WebSocket handler as API Gateway would after $connect, and parses its reply frame. */
export async function callWs(handler: WsHandler, identity: Identity, frame: unknown, connectionId = `conn-${identity.userId}`) {
  const body = typeof frame === 'string' ? frame : JSON.stringify(frame);
  const result = (await handler(wsEvent({ body, connectionId, authorizer: identityToAuthorizerContext(identity) }), lambdaContext)) as {
    statusCode: number;
    body: string;
  };
  // Reply frames are asserted field by field; typing every shape here would add nothing.
  return JSON.parse(result.body) as any;
}

/** A shop item as the shop admin routes store it, so `getShop` parses it. */
export async function seedShop(tenantId: string, shopId: string): Promise<void> {
  const now = new Date().toISOString();
  await dynamo().send(
    new PutCommand({
      TableName: env().TABLE_NAME,
      Item: {
        ...keys.shop(tenantId, shopId),
        [tableSchema.entityAttribute]: 'Shop',
        shopId,
        name: `shop ${shopId}`,
        category: 'apparel',
        routing: { mode: 'by-stage', groups: { 'pre-sale': 'g-pre', 'in-sale': 'g-in', 'after-sale': 'g-after' }, idleCloseMinutes: 30, defaultAgentCap: 200 },
        createdAt: now,
        updatedAt: now,
      },
    }),
  );
}

/**
 * Assigns a conversation the way the router does (status, assignee, assignee's open list, agent-day),
 * minus the agent's load.
 */
export async function assign(tenantId: string, conversationId: string, agentId: string, now = new Date()): Promise<void> {
  const head = await dynamo().send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': keys.conversation(tenantId, conversationId).pk, ':sk': 'CONV' },
      ConsistentRead: true,
    }),
  );
  const openedAt = String(head.Items?.[0]?.openedAt);
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
  const result = await dynamo().send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.conversation(tenantId, conversationId).pk },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}

/** Every item whose partition key starts with the tenant: to prove nothing was written. */
export async function countTenantItems(tenantId: string): Promise<number> {
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new ScanCommand({
        TableName: env().TABLE_NAME,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': `T#${tenantId}#` },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    count += page.Items?.length ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/**
 * Queues of this test file alone: the global queues are shared by every file running at the same time,
 * so a receive there could take another file's job.
 */
export async function ownQueues(name: string): Promise<{ delivery: string; routing: string }> {
  // fauxqs names queues http://sqs.<region>.localhost:<port>/…, and the SDK sends to a queue URL's host
  // unless the client has an explicit endpoint; *.localhost does not resolve here, so pin the endpoint.
  setClientsForTests({ sqs: new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL_SQS, maxAttempts: 4 }) });
  const suffix = randomUUID().slice(0, 8);
  const delivery = (await sqs().send(new CreateQueueCommand({ QueueName: `msg-${name}-delivery-${suffix}` }))).QueueUrl!;
  const routing = (await sqs().send(new CreateQueueCommand({ QueueName: `msg-${name}-routing-${suffix}` }))).QueueUrl!;
  process.env.DELIVERY_QUEUE_URL = delivery;
  process.env.ROUTING_QUEUE_URL = routing;
  resetEnvForTests();
  return { delivery, routing };
}

/** Receives (and deletes) everything currently on a queue. */
export async function drain(queueUrl: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const result = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = result.Messages ?? [];
    if (messages.length === 0) return bodies;
    for (const message of messages) {
      bodies.push(JSON.parse(message.Body ?? 'null'));
      await sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}
