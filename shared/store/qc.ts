import { GetCommand, paginateQuery, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Identity } from '../auth/identity';
import type { AuditChange } from '../audit/audit-entry';
import { rubricSchema, type Rubric } from '../qc/rubric';
import { automaticResultSchema, reviewSchema, type AutomaticResult, type Review } from '../qc/review';
import { sampleEntrySchema, type AgentPlan, type SampleEntry } from '../qc/sampling';
import { putQcSettingsBody, type QcSettings } from '../qc/settings';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { auditPut } from './audit-log';
import { batchGetAll } from './read-all';
import { keys, qcShopShards } from './keys';
import { tableSchema } from './table-schema';

/**
 * QC's items (issue 9 §2): rubrics and settings per shop, a conversation's automatic result and reviews,
 * frozen samples per shop and cycle. Keys and the reasons for them in keys.ts (`qc…`).
 */

const table = () => env().TABLE_NAME;
const entity = (name: string) => ({ [tableSchema.entityAttribute]: name });
const strip = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...rest }: Record<string, unknown>) => {
  delete rest[tableSchema.entityAttribute];
  return rest;
};

/** Every item under a partition's sort key prefix, all pages. */
async function allItemsOf(client: DynamoDBDocumentClient, prefix: { pk: string; skPrefix: string }, consistent = false) {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery({ client }, {
    TableName: table(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': prefix.pk, ':prefix': prefix.skPrefix },
    ConsistentRead: consistent,
  });
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'));

// ---- rubrics ----

export async function getRubric(tenantId: string, shopId: string, stage: string, client: DynamoDBDocumentClient = dynamo()): Promise<Rubric | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: table(), Key: keys.qcRubric(tenantId, shopId, stage), ConsistentRead: true }));
  return Item ? rubricSchema.parse(strip(Item)) : undefined;
}

export async function listRubrics(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<Rubric[]> {
  return (await allItemsOf(client, keys.qcRubricsOfShop(tenantId, shopId))).map((item) => rubricSchema.parse(strip(item)));
}

/** Replaces a rubric, conditional on the version read (a concurrent change is a 409 for the caller to retry), with its audit entry. */
export async function saveRubric(
  tenantId: string,
  rubric: Rubric,
  previousVersion: number | undefined,
  actor: Pick<Identity, 'userId' | 'role'>,
  audit: AuditChange,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<boolean> {
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table(),
              Item: { ...keys.qcRubric(tenantId, rubric.shopId, rubric.stage), ...entity('QcRubric'), ...rubric },
              ConditionExpression: previousVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
              ...(previousVersion === undefined ? {} : { ExpressionAttributeValues: { ':v': previousVersion } }),
            },
          },
          await auditPut(tenantId, actor, audit, new Date(rubric.updatedAt)),
        ],
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

// ---- settings ----

export interface StoredQcSettings {
  settings: QcSettings;
  updatedAt: string;
  updatedBy: string;
}

export async function getQcSettings(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<StoredQcSettings | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: table(), Key: keys.qcSettings(tenantId, shopId), ConsistentRead: true }));
  if (!Item) return undefined;
  return { settings: putQcSettingsBody.parse(Item.settings), updatedAt: String(Item.updatedAt), updatedBy: String(Item.updatedBy) };
}

export async function putQcSettings(tenantId: string, shopId: string, stored: StoredQcSettings, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(new PutCommand({ TableName: table(), Item: { ...keys.qcSettings(tenantId, shopId), ...keys.qcShopListing(tenantId, shopId), ...entity('QcSettings'), tenantId, shopId, ...stored } }));
}

/** Every shop with QC settings, across tenants: the cycle job's list (gsi2, `qcShopShards` Queries). */
export async function listQcShops(client: DynamoDBDocumentClient = dynamo()): Promise<{ tenantId: string; shopId: string }[]> {
  const shops: { tenantId: string; shopId: string }[] = [];
  for (let shard = 0; shard < qcShopShards; shard++) {
    const pages = paginateQuery({ client }, {
      TableName: table(),
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.qcShopsOfShard(shard).gsi2pk },
    });
    // The index is keys-only: the listing's sort key names the shop (`T#<tenant>#SHOP#<shop>`; ids hold no `#`).
    for await (const page of pages)
      for (const item of page.Items ?? []) {
        const match = /^T#([^#]+)#SHOP#([^#]+)$/.exec(String(item.gsi2sk));
        if (match) shops.push({ tenantId: match[1]!, shopId: match[2]! });
      }
  }
  return shops;
}

// ---- automatic results ----

export async function getAutomaticResult(tenantId: string, conversationId: string, client: DynamoDBDocumentClient = dynamo()): Promise<AutomaticResult | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: table(), Key: keys.qcAutoScore(tenantId, conversationId), ConsistentRead: true }));
  return Item ? automaticResultSchema.parse(strip(Item)) : undefined;
}

/** Stores the automatic result once: it is never edited, so the first write wins and later ones read it. */
export async function putAutomaticResultOnce(tenantId: string, result: AutomaticResult, client: DynamoDBDocumentClient = dynamo()): Promise<AutomaticResult> {
  try {
    await client.send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.qcAutoScore(tenantId, result.conversationId), ...entity('QcAutomaticResult'), ...result },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return result;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return (await getAutomaticResult(tenantId, result.conversationId, client))!;
  }
}

// ---- reviews ----

const reviewItem = (tenantId: string, review: Review) => ({
  ...keys.qcReview(tenantId, review.conversationId, review.reviewId),
  ...keys.qcReviewOfAgent(tenantId, review.agentId, review.createdAt, review.reviewId),
  ...(review.dispute?.state === 'open' ? keys.qcOpenDispute(tenantId, review.shopId, review.dispute.disputedAt, review.reviewId) : {}),
  ...entity('QcReview'),
  ...review,
});

export async function putReview(tenantId: string, review: Review, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(new PutCommand({ TableName: table(), Item: reviewItem(tenantId, review), ConditionExpression: 'attribute_not_exists(pk)' }));
}

export async function getReview(tenantId: string, conversationId: string, reviewId: string, client: DynamoDBDocumentClient = dynamo()): Promise<Review | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: table(), Key: keys.qcReview(tenantId, conversationId, reviewId), ConsistentRead: true }));
  return Item ? reviewSchema.parse(strip(Item)) : undefined;
}

export async function listReviewsOfConversation(tenantId: string, conversationId: string, client: DynamoDBDocumentClient = dynamo()): Promise<Review[]> {
  return (await allItemsOf(client, keys.qcReviewsOfConversation(tenantId, conversationId), true)).map((item) => reviewSchema.parse(strip(item)));
}

/** An agent's reviews created in [from, to) (ISO instants), oldest first (gsi1). */
export async function listReviewsOfAgent(
  tenantId: string,
  agentId: string,
  range: { from: string; to: string },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Review[]> {
  const reviews: Record<string, unknown>[] = [];
  const pages = paginateQuery({ client }, {
    TableName: table(),
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': keys.qcReviewsOfAgent(tenantId, agentId).gsi1pk, ':from': range.from, ':to': `${range.to}` },
  });
  for await (const page of pages) for (const item of page.Items ?? []) if (String(item.gsi1sk) < range.to) reviews.push(item);
  return reviewsAt(client, reviews);
}

/** The index is keys-only (table-schema.ts): the reviews it lists, read from the table, in the listed order. */
async function reviewsAt(client: DynamoDBDocumentClient, listed: readonly Record<string, unknown>[]): Promise<Review[]> {
  const items = await batchGetAll(client, listed.map((item) => ({ pk: item.pk, sk: item.sk })));
  const byKey = new Map(items.map((item) => [`${String(item.pk)}|${String(item.sk)}`, reviewSchema.parse(strip(item))]));
  return listed.flatMap((item) => {
    const review = byKey.get(`${String(item.pk)}|${String(item.sk)}`);
    return review ? [review] : [];
  });
}

/** One page of an agent's reviews, newest first. */
export async function pageReviewsOfAgent(tenantId: string, agentId: string, options: { limit: number; after?: string }, client: DynamoDBDocumentClient = dynamo()) {
  const gsi1pk = keys.qcReviewsOfAgent(tenantId, agentId).gsi1pk;
  const result = await client.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'gsi1',
      KeyConditionExpression: options.after ? 'gsi1pk = :pk AND gsi1sk < :after' : 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': gsi1pk, ...(options.after ? { ':after': options.after } : {}) },
      ScanIndexForward: false,
      Limit: options.limit,
    }),
  );
  const items = result.Items ?? [];
  const last = items.at(-1);
  return { reviews: await reviewsAt(client, items), ...(result.LastEvaluatedKey && last ? { next: String(last.gsi1sk) } : {}) };
}

/** A shop's open disputes, oldest first (gsi2). */
export async function listOpenDisputes(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<Review[]> {
  const listed: Record<string, unknown>[] = [];
  const pages = paginateQuery({ client }, {
    TableName: table(),
    IndexName: 'gsi2',
    KeyConditionExpression: 'gsi2pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.qcOpenDisputesOfShop(tenantId, shopId).gsi2pk },
  });
  for await (const page of pages) listed.push(...(page.Items ?? []));
  // The index lags the table a little: a dispute ruled a moment ago may still be listed, so check the state.
  return (await reviewsAt(client, listed)).filter((review) => review.dispute?.state === 'open');
}

/**
 * Opens or rules on a dispute: the review rewritten conditional on the dispute state read (`expected`),
 * with the audit entry of a ruling in the same transaction. False when someone else moved it first.
 */
export async function saveDispute(
  tenantId: string,
  after: Review,
  expected: 'none' | 'open',
  audit: { actor: Pick<Identity, 'userId' | 'role'>; change: AuditChange } | undefined,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<boolean> {
  const put = {
    Put: {
      TableName: table(),
      Item: reviewItem(tenantId, after),
      ConditionExpression: expected === 'none' ? 'attribute_exists(pk) AND attribute_not_exists(dispute)' : 'dispute.#state = :open',
      ...(expected === 'open' ? { ExpressionAttributeNames: { '#state': 'state' }, ExpressionAttributeValues: { ':open': 'open' } } : {}),
    },
  };
  try {
    await client.send(new TransactWriteCommand({ TransactItems: [put, ...(audit ? [await auditPut(tenantId, audit.actor, audit.change)] : [])] }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

// ---- samples ----

export interface SampleHead {
  cycle: string;
  window: { from: string; to: string };
  frozenAt: string;
  plans: AgentPlan[];
  entries: number;
}

export async function getSampleHead(tenantId: string, shopId: string, cycle: string, client: DynamoDBDocumentClient = dynamo()): Promise<SampleHead | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: table(), Key: keys.qcSampleHead(tenantId, shopId, cycle), ConsistentRead: true }));
  if (!Item) return undefined;
  return { cycle: String(Item.cycle), window: Item.window as SampleHead['window'], frozenAt: String(Item.frozenAt), plans: Item.plans as AgentPlan[], entries: Number(Item.entries) };
}

/** A cycle's entries, each with the reviews submitted for it so far. */
export async function listSampleEntries(tenantId: string, shopId: string, cycle: string, client: DynamoDBDocumentClient = dynamo()): Promise<(SampleEntry & { reviewIds: string[] })[]> {
  return (await allItemsOf(client, keys.qcSampleEntries(tenantId, shopId, cycle), true)).map((item) => ({
    ...sampleEntrySchema.parse(strip(item)),
    reviewIds: item.reviewIds instanceof Set ? [...(item.reviewIds as Set<string>)].sort() : [],
  }));
}

export async function getSampleEntry(tenantId: string, shopId: string, cycle: string, conversationId: string, client: DynamoDBDocumentClient = dynamo()) {
  const { Item } = await client.send(new GetCommand({ TableName: table(), Key: keys.qcSampleEntry(tenantId, shopId, cycle, conversationId) }));
  return Item ? sampleEntrySchema.parse(strip(Item)) : undefined;
}

/**
 * Freezes a cycle's sample: the entries first (plain puts of a deterministic draw, so a rerun after a
 * crash writes the same items), then the head, conditionally: false when the cycle was frozen already.
 * Readers list entries only once the head exists.
 */
export async function freezeSample(tenantId: string, shopId: string, head: SampleHead, entries: readonly SampleEntry[], client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  if (await getSampleHead(tenantId, shopId, head.cycle, client)) return false;
  for (let i = 0; i < entries.length; i += 25) {
    await client.send(
      new TransactWriteCommand({
        TransactItems: entries.slice(i, i + 25).map((entry) => ({
          Put: { TableName: table(), Item: { ...keys.qcSampleEntry(tenantId, shopId, head.cycle, entry.conversationId), ...entity('QcSampleEntry'), ...entry } },
        })),
      }),
    );
  }
  try {
    await client.send(
      new PutCommand({
        TableName: table(),
        Item: { ...keys.qcSampleHead(tenantId, shopId, head.cycle), ...entity('QcSampleHead'), ...head },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Marks a sampled conversation reviewed on the work list (idempotent). */
export async function markSampleReviewed(tenantId: string, shopId: string, cycle: string, conversationId: string, reviewId: string, client: DynamoDBDocumentClient = dynamo()) {
  await client.send(
    new UpdateCommand({
      TableName: table(),
      Key: keys.qcSampleEntry(tenantId, shopId, cycle, conversationId),
      UpdateExpression: 'ADD reviewIds :r',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':r': new Set([reviewId]) },
    }),
  ).catch((error) => {
    if (!isConditionFailure(error)) throw error;
  });
}
