import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Identity, Role } from '../auth/identity';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { liveItemsOf } from './read-all';
import { tableSchema } from './table-schema';

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
