import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Identity, Role } from '../auth/identity';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { liveItemsOf } from './read-all';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed } from './write-failures';

/**
 * API Gateway closes every WebSocket after 2 hours, and $disconnect is best effort, so a connection
 * record lives 2 hours and 5 minutes at most and then expires on its own.
 */
export const connectionLifetimeSeconds = 2 * 3600 + 300;

export interface ConnectionRecord {
  connectionId: string;
  userId: string;
  role: Role;
  connectedAt: string;
}

export async function saveConnection(
  identity: Identity,
  connectionId: string,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<void> {
  await client.send(
    new PutCommand({
      TableName: env().TABLE_NAME,
      Item: {
        ...keys.connection(identity.tenantId, identity.userId, connectionId),
        [tableSchema.entityAttribute]: 'Connection',
        connectionId,
        userId: identity.userId,
        role: identity.role,
        connectedAt: now.toISOString(),
        [tableSchema.timeToLiveAttribute]: Math.floor(now.getTime() / 1000) + connectionLifetimeSeconds,
      },
    }),
  );
}

export async function deleteConnection(
  tenantId: string,
  userId: string,
  connectionId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<void> {
  await client.send(new DeleteCommand({ TableName: env().TABLE_NAME, Key: keys.connection(tenantId, userId, connectionId) }));
}

/**
 * A connection's record is saved during its $connect, and until $connect has returned API Gateway answers
 * a post to it with 410 (Gone), like a closed one. A record this young is therefore not removed on a 410:
 * that would leave the socket that is about to open with no record, receiving nothing (found by the
 * contract e2e: a case frame posted while the owner's second tab connected). $connect's integration times
 * out at 29 s; a record that is truly gone is removed by its $disconnect, the next post, or its TTL.
 */
export const connectingGraceSeconds = 30;

/**
 * Removes a record whose connection answered 410 (Gone), unless it is still within its connecting
 * grace (see connectingGraceSeconds): a conditional delete on `connectedAt`, so the age is the stored
 * one, not the caller's copy. False when the record was kept (young, or already gone).
 */
export async function deleteGoneConnection(
  tenantId: string,
  userId: string,
  connectionId: string,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<boolean> {
  try {
    await client.send(
      new DeleteCommand({
        TableName: env().TABLE_NAME,
        Key: keys.connection(tenantId, userId, connectionId),
        ConditionExpression: 'connectedAt < :connectingSince',
        ExpressionAttributeValues: { ':connectingSince': new Date(now.getTime() - connectingGraceSeconds * 1000).toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** A user's live connections (an agent may have several tabs); records past their expiry are left out, never posted to. */
export async function listConnectionsOfUser(
  tenantId: string,
  userId: string,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<ConnectionRecord[]> {
  const items = await liveItemsOf(client, keys.connectionsOfUser(tenantId, userId), now);
  return items.map((item) => ({
    connectionId: String(item.connectionId),
    userId: String(item.userId),
    role: item.role as Role,
    connectedAt: String(item.connectedAt),
  }));
}

/**
 * The user's live connections as of now, read strongly consistent so a $connect sees every connection
 * saved before its read (the socket cap). One Query of the user's partition: at most a page of small
 * records, since connections past the cap are deleted at once.
 */
export async function listLiveConnectionsConsistently(
  tenantId: string,
  userId: string,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<ConnectionRecord[]> {
  const prefix = keys.connectionsOfUser(tenantId, userId);
  const records: ConnectionRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  // Bounded: 10 pages of 1 MB is far beyond any user's connections.
  for (let page = 0; page < 10; page++) {
    const result = await client.send(
      new QueryCommand({
        TableName: env().TABLE_NAME,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: '#expiresAt > :now',
        ExpressionAttributeNames: { '#expiresAt': tableSchema.timeToLiveAttribute },
        ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.skPrefix, ':now': Math.floor(now.getTime() / 1000) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of result.Items ?? []) {
      records.push({ connectionId: String(item.connectionId), userId: String(item.userId), role: item.role as Role, connectedAt: String(item.connectedAt) });
    }
    startKey = result.LastEvaluatedKey;
    if (!startKey) break;
  }
  return records;
}
