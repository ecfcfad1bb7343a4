import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { messageSchema, type Message } from '../conversations/conversation';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys, padSeq } from './keys';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed } from './write-failures';

/**
 * Message items and client-message-id claims of a conversation (one partition per conversation). The
 * append protocol that uses these is shared/conversations/append-message.ts.
 */

const messageEntity = 'Message';
const clientMessageClaimEntity = 'ClientMessageClaim';

const itemIsNew = 'attribute_not_exists(pk)';
const claimStillAt = 'seq = :from';

/**
 * Claims outlive any sane client resend window; after that a resend would be stored again, which is
 * better than keeping every claim forever.
 */
export const claimLifetimeSeconds = 7 * 86400;

export interface MessageStoreOptions {
  client?: DynamoDBDocumentClient;
}

export type ClaimResult = { claimed: true } | { claimed: false; seq: number };

/**
 * Claims a client message id for a sender at `seq`. If the sender already used the id in this
 * conversation, returns the seq it got instead.
 */
export async function claimClientMessageId(
  tenantId: string,
  conversationId: string,
  senderId: string,
  clientMessageId: string,
  seq: number,
  now: Date,
  options: MessageStoreOptions = {},
): Promise<ClaimResult> {
  const client = options.client ?? dynamo();
  const key = keys.clientMessageClaim(tenantId, conversationId, senderId, clientMessageId);
  try {
    await client.send(
      new PutCommand({
        TableName: env().TABLE_NAME,
        Item: {
          ...key,
          [tableSchema.entityAttribute]: clientMessageClaimEntity,
          seq,
          [tableSchema.timeToLiveAttribute]: Math.floor(now.getTime() / 1000) + claimLifetimeSeconds,
        },
        ConditionExpression: itemIsNew,
      }),
    );
    return { claimed: true };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
  const existing = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: key, ConsistentRead: true }));
  const existingSeq = existing.Item?.seq;
  // The claim expired between the two calls: claim again.
  if (typeof existingSeq !== 'number') return claimClientMessageId(tenantId, conversationId, senderId, clientMessageId, seq, now, options);
  return { claimed: false, seq: existingSeq };
}

/** Moves a claim to another seq, only if it is still where this sender left it. */
export async function moveClaim(
  tenantId: string,
  conversationId: string,
  senderId: string,
  clientMessageId: string,
  fromSeq: number,
  toSeq: number,
  options: MessageStoreOptions = {},
): Promise<boolean> {
  const client = options.client ?? dynamo();
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.clientMessageClaim(tenantId, conversationId, senderId, clientMessageId),
        UpdateExpression: 'SET seq = :to',
        ConditionExpression: claimStillAt,
        ExpressionAttributeValues: { ':from': fromSeq, ':to': toSeq },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

function messageItem(tenantId: string, message: Message): Record<string, unknown> {
  return { ...keys.message(tenantId, message.conversationId, message.seq), [tableSchema.entityAttribute]: messageEntity, ...message };
}

/** Puts a message at its seq unless that seq is taken. Returns false on a collision. */
export async function putMessage(tenantId: string, message: Message, options: MessageStoreOptions = {}): Promise<boolean> {
  const client = options.client ?? dynamo();
  try {
    await client.send(
      new PutCommand({ TableName: env().TABLE_NAME, Item: messageItem(tenantId, message), ConditionExpression: itemIsNew }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** One message, strongly consistent (collision and resend paths only). */
export async function getMessage(
  tenantId: string,
  conversationId: string,
  seq: number,
  options: MessageStoreOptions = {},
): Promise<Message | undefined> {
  const client = options.client ?? dynamo();
  const result = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.message(tenantId, conversationId, seq), ConsistentRead: true }),
  );
  return result.Item ? messageSchema.parse(result.Item) : undefined;
}

/** The true newest seq of a conversation (strongly consistent Query, newest first, Limit 1); 0 if empty. */
export async function latestSeq(tenantId: string, conversationId: string, options: MessageStoreOptions = {}): Promise<number> {
  const client = options.client ?? dynamo();
  const { pk, skPrefix } = keys.messagesOfConversation(tenantId, conversationId);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
      ProjectionExpression: 'seq',
    }),
  );
  const seq = result.Items?.[0]?.seq;
  return typeof seq === 'number' ? seq : 0;
}

export interface MessagePage {
  messages: Message[];
  /** True when messages after the last returned one exist (or may exist). */
  hasMore: boolean;
}

/**
 * Messages with seq > afterSeq, oldest first. `maxBytes` caps the page's JSON size so a page fits one
 * WebSocket reply (API Gateway: 128 KB); at least one message is always returned if any exists.
 */
export async function listMessagesAfter(
  tenantId: string,
  conversationId: string,
  afterSeq: number,
  options: MessageStoreOptions & { limit: number; maxBytes?: number; consistent?: boolean },
): Promise<MessagePage> {
  const client = options.client ?? dynamo();
  const { pk } = keys.messagesOfConversation(tenantId, conversationId);
  // One extra item tells whether more exist without a second call.
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': pk, ':from': `MSG#${padSeq(afterSeq + 1)}`, ':to': `MSG#${'9'.repeat(12)}` },
      ScanIndexForward: true,
      Limit: options.limit + 1,
      ConsistentRead: options.consistent ?? false,
    }),
  );
  const items = (result.Items ?? []).map((item) => messageSchema.parse(item));
  const messages: Message[] = [];
  let bytes = 0;
  for (const message of items.slice(0, options.limit)) {
    const size = Buffer.byteLength(JSON.stringify(message), 'utf8');
    if (options.maxBytes !== undefined && messages.length > 0 && bytes + size > options.maxBytes) break;
    messages.push(message);
    bytes += size;
  }
  return { messages, hasMore: items.length > messages.length };
}
