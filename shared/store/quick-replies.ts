import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { stageSchema, type Stage } from '../conversations/conversation';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../http/errors';
import type { LibraryScope } from '../quick-replies/library-access';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';
import { cancellationCodes, isConditionalCheckFailed, type TransactItem } from './write-failures';

/**
 * The quick-reply repository: one partition per library (`T#t#QR#<scope>`), one item per shortcut
 * (`QR#<shortcut>`) and per promo content-set version of a shortcut (`QR#<shortcut>#SET#<set>`), and a
 * library head (`LIBRARY`) counting them all; plus the tiny rotation items that remember which variant a
 * conversation got last. Items are parsed on read.
 */

/** Agents keep 100-200 phrases; the cap leaves room and stops a runaway client from growing a library forever. */
export const maxRepliesPerLibrary = 500;
/** A rotation item outlives any conversation that still uses it; after that the next send starts afresh. */
export const rotationLifetimeSeconds = 30 * 24 * 3600;

const replyIsNew = 'attribute_not_exists(pk)';
const replyExists = 'attribute_exists(pk)';
const libraryHasRoom = 'attribute_not_exists(#count) OR #count < :max';

const quickReplyEntity = 'QuickReply';
const libraryEntity = 'QuickReplyLibrary';
const rotationEntity = 'QuickReplyRotation';

export interface QuickReplyContent {
  title: string;
  variants: string[];
  tags: string[];
  stage?: Stage;
  /** The promo content set this version belongs to (part of its key); absent for the everyday reply. */
  contentSet?: string;
}

/** Where a reply lives in its library: its shortcut and, for a promo version, its content set. */
export interface QuickReplyKey {
  shortcut: string;
  contentSet?: string;
}

/** One library to look a shortcut up in, optionally only its version in a content set. */
export interface QuickReplyLookup {
  scope: LibraryScope;
  contentSet?: string;
}

const storedQuickReplySchema = z.object({
  shortcut: z.string(),
  title: z.string(),
  variants: z.array(z.string()).min(1),
  tags: z.array(z.string()).default([]),
  stage: stageSchema.optional(),
  contentSet: idSchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: idSchema,
});
export type StoredQuickReply = z.infer<typeof storedQuickReplySchema>;

function parseQuickReply(item: Record<string, unknown>): StoredQuickReply {
  return storedQuickReplySchema.parse(item);
}

/**
 * One page of a library, ordered by shortcut, each shortcut's content-set versions right after it;
 * `last` is set when more may follow.
 */
export async function listQuickReplies(
  tenantId: string,
  scope: LibraryScope,
  page: { limit: number; after?: QuickReplyKey },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ replies: StoredQuickReply[]; last?: QuickReplyKey }> {
  const segment = keys.quickReplyScope(scope);
  const { pk, skPrefix } = keys.quickRepliesOfScope(tenantId, segment);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      Limit: page.limit,
      ...(page.after ? { ExclusiveStartKey: keys.quickReply(tenantId, segment, page.after.shortcut, page.after.contentSet) } : {}),
    }),
  );
  const replies = (result.Items ?? []).map(parseQuickReply);
  const last = replies.at(-1);
  return { replies, ...(result.LastEvaluatedKey && last ? { last: keyOf(last) } : {}) };
}

export function keyOf(reply: QuickReplyKey): QuickReplyKey {
  return { shortcut: reply.shortcut, ...(reply.contentSet !== undefined ? { contentSet: reply.contentSet } : {}) };
}

/**
 * Creates or replaces a reply. Creating is one transaction with the library head (reply must be new,
 * library must have room), so the count never drifts; replacing keeps createdAt and needs no room. Two
 * concurrent creates of one shortcut: one transaction wins, the other becomes a replace (last writer wins).
 */
export async function putQuickReply(
  tenantId: string,
  scope: LibraryScope,
  shortcut: string,
  content: QuickReplyContent,
  actorId: string,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
  /** Written in the same transaction as the create or replace: the change's audit entry. */
  extraItems: readonly TransactItem[] = [],
): Promise<{ reply: StoredQuickReply; created: boolean }> {
  const segment = keys.quickReplyScope(scope);
  const at = now.toISOString();
  const reply: StoredQuickReply = { shortcut, ...content, createdAt: at, updatedAt: at, updatedBy: actorId };
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: env().TABLE_NAME,
                Item: { ...keys.quickReply(tenantId, segment, shortcut, content.contentSet), [tableSchema.entityAttribute]: quickReplyEntity, ...reply },
                ConditionExpression: replyIsNew,
              },
            },
            {
              Update: {
                TableName: env().TABLE_NAME,
                Key: keys.quickReplyLibrary(tenantId, segment),
                UpdateExpression: 'SET #count = if_not_exists(#count, :zero) + :one, #entity = :entity',
                ConditionExpression: libraryHasRoom,
                ExpressionAttributeNames: { '#count': 'replyCount', '#entity': tableSchema.entityAttribute },
                ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': maxRepliesPerLibrary, ':entity': libraryEntity },
              },
            },
            ...extraItems,
          ],
        }),
      );
      return { reply, created: true };
    } catch (error) {
      const [replyReason, libraryReason] = cancellationCodes(error);
      if (replyReason === 'ConditionalCheckFailed') {
        const replaced = await replaceQuickReply(tenantId, segment, shortcut, content, actorId, at, client, extraItems);
        if (replaced) return { reply: replaced, created: false };
        continue; // deleted between the two writes: create again
      }
      if (libraryReason === 'ConditionalCheckFailed') {
        throw new ConflictError('QUICK_REPLY_LIMIT', `a library holds at most ${maxRepliesPerLibrary} quick replies`);
      }
      if (replyReason !== 'TransactionConflict' && libraryReason !== 'TransactionConflict') throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
  }
  throw new ServiceUnavailableError();
}

/** Replaces an existing reply's content (with `extraItems` in the same transaction); undefined if it no longer exists. */
async function replaceQuickReply(
  tenantId: string,
  segment: string,
  shortcut: string,
  content: QuickReplyContent,
  actorId: string,
  at: string,
  client: DynamoDBDocumentClient,
  extraItems: readonly TransactItem[],
): Promise<StoredQuickReply | undefined> {
  const key = keys.quickReply(tenantId, segment, shortcut, content.contentSet);
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: env().TABLE_NAME,
              Key: key,
              UpdateExpression: `SET title = :title, variants = :variants, tags = :tags, updatedAt = :at, updatedBy = :by${
                content.stage ? ', stage = :stage' : ''
              }${content.stage ? '' : ' REMOVE stage'}`,
              ConditionExpression: replyExists,
              ExpressionAttributeValues: {
                ':title': content.title,
                ':variants': content.variants,
                ':tags': content.tags,
                ':at': at,
                ':by': actorId,
                ...(content.stage ? { ':stage': content.stage } : {}),
              },
            },
          },
          ...extraItems,
        ],
      }),
    );
  } catch (error) {
    if (cancellationCodes(error)[0] === 'ConditionalCheckFailed') return undefined;
    throw error;
  }
  const stored = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: key, ConsistentRead: true }));
  return stored.Item ? parseQuickReply(stored.Item) : undefined;
}

/**
 * Deletes a reply (a shortcut, or one content-set version of it) and gives its slot back to the library,
 * in one transaction; NOT_FOUND if it is not there.
 */
export async function deleteQuickReply(
  tenantId: string,
  scope: LibraryScope,
  reply: string | QuickReplyKey,
  client: DynamoDBDocumentClient = dynamo(),
  extraItems: readonly TransactItem[] = [],
): Promise<void> {
  const segment = keys.quickReplyScope(scope);
  const { shortcut, contentSet } = typeof reply === 'string' ? { shortcut: reply, contentSet: undefined } : reply;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: env().TABLE_NAME, Key: keys.quickReply(tenantId, segment, shortcut, contentSet), ConditionExpression: replyExists } },
            {
              Update: {
                TableName: env().TABLE_NAME,
                Key: keys.quickReplyLibrary(tenantId, segment),
                UpdateExpression: 'SET #count = if_not_exists(#count, :one) - :one',
                ExpressionAttributeNames: { '#count': 'replyCount' },
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            ...extraItems,
          ],
        }),
      );
      return;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes[0] === 'ConditionalCheckFailed') throw new NotFoundError('quick reply');
      if (!codes.includes('TransactionConflict')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
  }
  throw new ServiceUnavailableError();
}

/**
 * The reply a shortcut names in the first of `lookups` that has it (a library, or a content set's
 * version in a library). The few items are read in parallel (eventually consistent): a reply saved a
 * moment ago may take a second to resolve, which is fine for a phrase library and halves the read cost
 * on the send path.
 */
export async function findQuickReply(
  tenantId: string,
  lookups: readonly (LibraryScope | QuickReplyLookup)[],
  shortcut: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ scope: LibraryScope; contentSet?: string; reply: StoredQuickReply } | undefined> {
  const found = await Promise.all(
    lookups.map(async (entry) => {
      const { scope, contentSet } = 'kind' in entry ? { scope: entry, contentSet: undefined } : entry;
      const result = await client.send(
        new GetCommand({ TableName: env().TABLE_NAME, Key: keys.quickReply(tenantId, keys.quickReplyScope(scope), shortcut, contentSet) }),
      );
      return result.Item ? { scope, ...(contentSet !== undefined ? { contentSet } : {}), reply: parseQuickReply(result.Item) } : undefined;
    }),
  );
  return found.find((entry) => entry !== undefined);
}

/**
 * Records the next variant of a reply sent in a conversation and returns its index. `pick` chooses from
 * the last index (undefined on first use). The write is conditional on the use count read, so two
 * concurrent sends cannot both pick from the same last index: the loser re-reads and picks again. A
 * resend of the same client message gets the index it got the first time, so a retry does not move the
 * rotation past the wording the buyer actually saw.
 */
export async function claimNextVariant(
  tenantId: string,
  conversationId: string,
  shortcut: string,
  clientMessageId: string,
  pick: (lastIndex: number | undefined) => number,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<number> {
  const key = keys.quickReplyRotation(tenantId, conversationId, shortcut);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = (await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: key, ConsistentRead: true }))).Item;
    const uses = typeof current?.uses === 'number' ? current.uses : undefined;
    const lastIndex = typeof current?.lastIndex === 'number' ? current.lastIndex : undefined;
    if (lastIndex !== undefined && current?.lastClientMessageId === clientMessageId) return lastIndex;
    const next = pick(lastIndex);
    try {
      await client.send(
        new PutCommand({
          TableName: env().TABLE_NAME,
          Item: {
            ...key,
            [tableSchema.entityAttribute]: rotationEntity,
            lastIndex: next,
            lastClientMessageId: clientMessageId,
            uses: (uses ?? 0) + 1,
            [tableSchema.timeToLiveAttribute]: Math.floor(now.getTime() / 1000) + rotationLifetimeSeconds,
          },
          ...(uses === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#uses = :uses', ExpressionAttributeNames: { '#uses': 'uses' }, ExpressionAttributeValues: { ':uses': uses } }),
        }),
      );
      return next;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
  throw new ServiceUnavailableError('quick reply is being sent concurrently, retry');
}

/** How many replies a library holds (its head's count; 0 for a library never written). */
export async function libraryReplyCount(tenantId: string, scope: LibraryScope, client: DynamoDBDocumentClient = dynamo()): Promise<number> {
  const head = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.quickReplyLibrary(tenantId, keys.quickReplyScope(scope)) }));
  return typeof head.Item?.replyCount === 'number' ? head.Item.replyCount : 0;
}

