import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { liveItemsOf } from './read-all';
import { tableSchema } from './table-schema';

const watcherEntity = 'ConversationWatcher';
/** A watch lasts a long shift; watching again renews it. Expired watches stop receiving without cleanup. */
export const watchLifetimeSeconds = 12 * 3600;

export interface Watcher {
  userId: string;
  since: string;
}

/** Subscribes a supervisor to a conversation's live messages (idempotent: watching twice renews it). */
export async function addWatcher(
  tenantId: string,
  conversationId: string,
  userId: string,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Watcher> {
  const since = now.toISOString();
  await client.send(
    new PutCommand({
      TableName: env().TABLE_NAME,
      Item: {
        ...keys.conversationWatcher(tenantId, conversationId, userId),
        [tableSchema.entityAttribute]: watcherEntity,
        conversationId,
        userId,
        since,
        [tableSchema.timeToLiveAttribute]: Math.floor(now.getTime() / 1000) + watchLifetimeSeconds,
      },
    }),
  );
  return { userId, since };
}

/** The users watching a conversation now (expired watches left out), for delivery to add to a message's recipients. */
export async function listWatchers(
  tenantId: string,
  conversationId: string,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Watcher[]> {
  const items = await liveItemsOf(client, keys.watchersOfConversation(tenantId, conversationId), now);
  return items.map((item) => ({ userId: String(item.userId), since: String(item.since) }));
}
