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
const skippedSeqEntity = 'SkippedSeq';
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

/** `textHash` is absent on claims written before it was stored. */
export type ClaimResult = { claimed: true } | { claimed: false; seq: number; textHash?: string };

/**
 * Claims a client message id for a sender at `seq`, with a hash of the text (a reuse of the id with
 * another text is refused by the caller). If the sender already used the id in this conversation,
 * returns the seq (and hash) it got instead.
 */
export async function claimClientMessageId(
  tenantId: string,
  conversationId: string,
  senderId: string,
  clientMessageId: string,
  seq: number,
  textHash: string,
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
          textHash,
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
  if (typeof existingSeq !== 'number') return claimClientMessageId(tenantId, conversationId, senderId, clientMessageId, seq, textHash, now, options);
  const existingHash = existing.Item?.textHash;
  return { claimed: false, seq: existingSeq, ...(typeof existingHash === 'string' ? { textHash: existingHash } : {}) };
}

/** The seq a sender's client message id is claimed at, if it is (strongly consistent; an outreach copy's resend check). */
export async function getClientMessageClaimSeq(
  tenantId: string,
  conversationId: string,
  senderId: string,
  clientMessageId: string,
  options: MessageStoreOptions = {},
): Promise<number | undefined> {
  const client = options.client ?? dynamo();
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.clientMessageClaim(tenantId, conversationId, senderId, clientMessageId), ConsistentRead: true }));
  return typeof result.Item?.seq === 'number' ? result.Item.seq : undefined;
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

/** What a seq of the log holds: a message, a skipped marker, or nothing (yet). */
export type LogEntry = { kind: 'message'; message: Message } | { kind: 'skipped'; seq: number; skippedAt: string };

function entryOf(item: Record<string, unknown>): LogEntry {
  if (item[tableSchema.entityAttribute] === skippedSeqEntity) return { kind: 'skipped', seq: Number(item.seq), skippedAt: String(item.skippedAt) };
  return { kind: 'message', message: messageSchema.parse(item) };
}

/** What one seq holds, strongly consistent (collision and resend paths only). */
export async function getLogEntry(
  tenantId: string,
  conversationId: string,
  seq: number,
  options: MessageStoreOptions = {},
): Promise<LogEntry | undefined> {
  const client = options.client ?? dynamo();
  const result = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.message(tenantId, conversationId, seq), ConsistentRead: true }),
  );
  return result.Item ? entryOf(result.Item) : undefined;
}

/**
 * Marks a seq that will never hold a message (see docs/conversation-design.md, "Skipped seqs"), only if
 * the seq holds nothing: a message and a marker never share a seq. False when something is there.
 */
export async function putSkippedSeq(
  tenantId: string,
  conversationId: string,
  seq: number,
  reason: 'resend' | 'abandoned',
  now: Date,
  options: MessageStoreOptions = {},
): Promise<boolean> {
  const client = options.client ?? dynamo();
  try {
    await client.send(
      new PutCommand({
        TableName: env().TABLE_NAME,
        Item: {
          ...keys.message(tenantId, conversationId, seq),
          [tableSchema.entityAttribute]: skippedSeqEntity,
          conversationId,
          seq,
          reason,
          skippedAt: now.toISOString(),
        },
        ConditionExpression: itemIsNew,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

export interface LogPage {
  /** Messages and skipped markers with seq > afterSeq, oldest first (seqs not written yet are absent). */
  entries: LogEntry[];
  /** True when entries after the last returned one exist. */
  hasMore: boolean;
}

/** Up to `limit` entries of the log after `afterSeq`, oldest first. */
export async function listLogAfter(
  tenantId: string,
  conversationId: string,
  afterSeq: number,
  options: MessageStoreOptions & { limit: number; consistent?: boolean },
): Promise<LogPage> {
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
  const entries = (result.Items ?? []).map(entryOf);
  return { entries: entries.slice(0, options.limit), hasMore: entries.length > options.limit };
}

export interface MessagePage {
  messages: Message[];
  /** True when entries after the last returned one exist (or may exist). */
  hasMore: boolean;
}

/**
 * A snapshot of the messages after `afterSeq`, oldest first (skipped seqs left out, seqs still being
 * written absent), `maxBytes` capping the page's JSON: for frames that carry a few recent messages and
 * send the client to `resume` for the rest (the assigned frame). Clients' own paging goes through
 * shared/conversations/message-log.ts, which never steps past a message on its way.
 */
export async function listMessagesAfter(
  tenantId: string,
  conversationId: string,
  afterSeq: number,
  options: MessageStoreOptions & { limit: number; maxBytes?: number; consistent?: boolean },
): Promise<MessagePage> {
  const page = await listLogAfter(tenantId, conversationId, afterSeq, options);
  const messages: Message[] = [];
  let bytes = 0;
  for (const entry of page.entries) {
    if (entry.kind !== 'message') continue;
    const size = Buffer.byteLength(JSON.stringify(entry.message), 'utf8');
    if (options.maxBytes !== undefined && messages.length > 0 && bytes + size > options.maxBytes) return { messages, hasMore: true };
    messages.push(entry.message);
    bytes += size;
  }
  return { messages, hasMore: page.hasMore };
}
