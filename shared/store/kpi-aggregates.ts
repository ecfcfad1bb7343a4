import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OrderFact, ReceptionFact } from '../kpi/attribute';
import type { LowRatingFact } from '../kpi/facts';
import { attributionRuleSchema, nextRule, recomputeStart, type AttributionRule, type AttributionRuleSettings, type RecomputePageState } from '../kpi/attribution-rule';
import { isCounterName, type Counters } from '../kpi/counters';
import { transactionOf, type BucketDelta, type FactTransaction } from '../kpi/fact-batches';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';
import { cancellationCodes, isConditionalCheckFailed } from './write-failures';

/**
 * KPI aggregates (issue 9, docs/kpi-design.md §4): hour buckets of sums and counts per shop, agent and
 * group in the shop's zone; the per-fact claims that make aggregation idempotent; the stored reception
 * and order facts attribution is computed from; shops' attribution rules; dashboard watchers.
 */

const entities = {
  bucket: 'KpiBucket',
  claim: 'KpiFactClaim',
  rule: 'AttributionRule',
  reception: 'KpiReception',
  order: 'KpiOrderFact',
  watcher: 'KpiWatcher',
  online: 'KpiOnlineSession',
  lowRating: 'KpiLowRating',
} as const;

const daySeconds = 86_400;
/**
 * Claims of stream-record facts only need to outlive the stream's 24-hour retention (a replay from
 * TRIM_HORIZON); claims keyed by business ids (an order's attribution, an inquirer of a day) must outlive
 * any later change of the same order or day, so they are kept a year.
 */
const claimDays = (factId: string) => (/^(conv|round|case|robot|outreach)#/.test(factId) ? 7 : 400);

export { localHour, ownerOf } from '../kpi/fact-batches';

/** Pause before retrying a transaction another one touched at the same moment (a hot shop bucket). */
const conflictBackoffMs = (attempt: number) => 20 * 2 ** attempt + Math.floor(Math.random() * 20);
const conflictRetries = 5;

function bucketUpdate(table: string, bucket: BucketDelta) {
  const names: Record<string, string> = { '#entity': tableSchema.entityAttribute, '#day': 'day', '#hour': 'hour', '#owner': 'owner' };
  const values: Record<string, unknown> = { ':entity': entities.bucket, ':shop': bucket.shopId, ':day': bucket.day, ':hour': bucket.hour, ':owner': bucket.owner };
  const adds = Object.entries(bucket.counters).map(([name, value], index) => {
    names[`#c${index}`] = name;
    values[`:c${index}`] = value;
    return `#c${index} :c${index}`;
  });
  if (bucket.ruleVersion !== undefined) values[':version'] = bucket.ruleVersion;
  return {
    Update: {
      TableName: table,
      Key: keys.kpiBucket(bucket.tenantId, bucket.shopId, bucket.day, bucket.hour, bucket.owner, bucket.ruleVersion),
      UpdateExpression: `SET #entity = :entity, shopId = :shop, #day = :day, #hour = :hour, #owner = :owner${bucket.ruleVersion === undefined ? '' : ', ruleVersion = :version'} ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * Writes one planned transaction (shared/kpi/fact-batches.ts): every fact's claim (attribute_not_exists)
 * and each bucket once with its facts' summed counters, all or nothing. A claim that already exists (a
 * redelivered, retried or replayed fact) cancels the transaction; its facts are dropped, the buckets
 * summed again from the rest, and the rest written — so a fact counts once however often it comes.
 * Returns the ids of the facts found already applied.
 */
export async function writeFactTransaction(transaction: FactTransaction, now: Date = new Date(), client: DynamoDBDocumentClient = dynamo()): Promise<{ alreadyApplied: string[] }> {
  const table = env().TABLE_NAME;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const alreadyApplied: string[] = [];
  let { facts, buckets } = transaction;
  // Claims are written even when the buckets cancel out: a retry that brings only one of the facts must skip it.
  for (let conflicts = 0; facts.length > 0; ) {
    const items = [
      ...facts.map((fact) => ({
        Put: {
          TableName: table,
          Item: {
            ...keys.kpiFactClaim(fact.tenantId, fact.shopId, fact.factId),
            [tableSchema.entityAttribute]: entities.claim,
            appliedAt: now.toISOString(),
            [tableSchema.timeToLiveAttribute]: nowSeconds + claimDays(fact.factId) * daySeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
      ...buckets.map((bucket) => bucketUpdate(table, bucket)),
    ];
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items }));
      break;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes.length === 0) throw error;
      const applied = new Set(facts.filter((_, index) => codes[index] === 'ConditionalCheckFailed'));
      if (applied.size > 0) {
        alreadyApplied.push(...[...applied].map((fact) => fact.factId));
        ({ facts, buckets } = transactionOf(facts.filter((fact) => !applied.has(fact))));
        continue;
      }
      if (!codes.includes('TransactionConflict') || conflicts >= conflictRetries) throw error;
      await new Promise((resolve) => setTimeout(resolve, conflictBackoffMs(conflicts)));
      conflicts += 1;
    }
  }
  return { alreadyApplied };
}

export interface StoredBucket {
  day: string;
  hour: string;
  owner: string;
  ruleVersion?: number;
  counters: Counters;
}

/** One owner's buckets of a shop's local day (`SHOP`, `AGENT#<id>`, `GROUP#<id>`; all pages). */
export async function listBucketsOfDay(tenantId: string, shopId: string, day: string, owner: string, client: DynamoDBDocumentClient = dynamo()): Promise<StoredBucket[]> {
  const buckets: StoredBucket[] = [];
  const { pk, skPrefix } = keys.kpiBucketsOfOwnerDay(tenantId, shopId, day, owner);
  const pages = paginateQuery(
    { client },
    { TableName: env().TABLE_NAME, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix } },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const counters: Counters = {};
      for (const [name, value] of Object.entries(item)) if (isCounterName(name) && typeof value === 'number') counters[name] = value;
      buckets.push({
        day: String(item.day),
        hour: String(item.hour),
        owner: String(item.owner),
        ...(typeof item.ruleVersion === 'number' ? { ruleVersion: item.ruleVersion } : {}),
        counters,
      });
    }
  }
  return buckets;
}

// ---- attribution rules ----

export async function getAttributionRule(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<AttributionRule | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.attributionRule(tenantId, shopId), ConsistentRead: true }));
  return result.Item ? attributionRuleSchema.parse(result.Item) : undefined;
}

/**
 * Stores a new rule version (the previous stays active until its recompute finishes), with its recompute
 * over `months` pending; the whole item is replaced, so an older version's progress goes with it.
 * Conditional on the version read, so two changes at once cannot both take the same version.
 */
export async function putAttributionRule(
  tenantId: string,
  shopId: string,
  settings: AttributionRuleSettings,
  previous: AttributionRule | undefined,
  meta: { updatedAt: string; updatedBy: string },
  months: readonly string[],
  client: DynamoDBDocumentClient = dynamo(),
): Promise<AttributionRule | undefined> {
  const next = nextRule(settings, previous);
  const rule: AttributionRule = { ...next, ...meta, ...recomputeStart(next.version, months) };
  try {
    await client.send(
      new PutCommand({
        TableName: env().TABLE_NAME,
        Item: { ...keys.attributionRule(tenantId, shopId), [tableSchema.entityAttribute]: entities.rule, shopId, ...rule },
        ...(previous ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': previous.version } } : { ConditionExpression: 'attribute_not_exists(pk)' }),
      }),
    );
    return rule;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/** A conditional update of the rule item: the rule after it, or undefined when the condition failed. */
async function updateRule(
  tenantId: string,
  shopId: string,
  update: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown>; ExpressionAttributeNames?: Record<string, string> },
  client: DynamoDBDocumentClient,
): Promise<AttributionRule | undefined> {
  try {
    const result = await client.send(new UpdateCommand({ TableName: env().TABLE_NAME, Key: keys.attributionRule(tenantId, shopId), ...update, ReturnValues: 'ALL_NEW' }));
    return attributionRuleSchema.parse(result.Attributes);
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/**
 * The recompute of `version` as stored, its progress created if missing (a rule stored before progress was
 * kept): undefined when the rule is at another version or already active (nothing to recompute).
 */
export function startRecompute(tenantId: string, shopId: string, version: number, months: readonly string[], client: DynamoDBDocumentClient = dynamo()): Promise<AttributionRule | undefined> {
  const start = recomputeStart(version, months);
  return updateRule(
    tenantId,
    shopId,
    {
      UpdateExpression: 'SET recompute = if_not_exists(recompute, :recompute), recomputePages = if_not_exists(recomputePages, :pages)',
      ConditionExpression: 'version = :v AND activeVersion <> :v',
      ExpressionAttributeValues: { ':v': version, ':recompute': start.recompute, ':pages': start.recomputePages },
    },
    client,
  );
}

/**
 * Records that the page at `cursor` of a month's recompute is done, conditional on it being the page to
 * do (the month's `next`, not done) under this version: two copies of one page cannot both advance it.
 * Returns the rule after the change, or undefined when the condition failed.
 */
export function advanceRecomputePage(
  tenantId: string,
  shopId: string,
  version: number,
  month: string,
  cursor: string,
  state: RecomputePageState,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<AttributionRule | undefined> {
  return updateRule(
    tenantId,
    shopId,
    {
      UpdateExpression: 'SET recomputePages.#month = :state',
      ConditionExpression: 'version = :v AND recompute.version = :v AND recomputePages.#month.#next = :cursor AND attribute_not_exists(recomputePages.#month.done)',
      ExpressionAttributeNames: { '#month': month, '#next': 'next' },
      ExpressionAttributeValues: { ':v': version, ':cursor': cursor, ':state': state },
    },
    client,
  );
}

/** Makes a recomputed version the one reads use, unless a newer change superseded it meanwhile. */
export async function activateRuleVersion(tenantId: string, shopId: string, version: number, at: string, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.attributionRule(tenantId, shopId),
        UpdateExpression: 'SET activeVersion = :v, recomputedAt = :at REMOVE active',
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': version, ':at': at },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

// ---- stored facts attribution reads ----

/** A reception, keyed by when, where and who: a repeated put is the same item. */
export async function putReception(tenantId: string, reception: ReceptionFact, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(
    new PutCommand({
      TableName: env().TABLE_NAME,
      Item: {
        ...keys.kpiReception(tenantId, reception.shopId, reception.buyerId, reception.at, reception.conversationId, reception.agentId),
        [tableSchema.entityAttribute]: entities.reception,
        ...reception,
      },
    }),
  );
}

/** A buyer's receptions at a shop between two instants (inclusive), oldest first. */
export async function listReceptionsOfBuyer(
  tenantId: string,
  shopId: string,
  buyerId: string,
  from: string,
  to: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<ReceptionFact[]> {
  const receptions: ReceptionFact[] = [];
  const pages = paginateQuery(
    { client },
    {
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.kpiReceptionsOfBuyer(tenantId, shopId, buyerId).pk, ':from': from, ':to': `${to}~` },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      receptions.push({
        shopId: String(item.shopId),
        conversationId: String(item.conversationId),
        agentId: String(item.agentId),
        buyerId: String(item.buyerId),
        at: String(item.at),
        stage: item.stage as ReceptionFact['stage'],
        ...(item.groupId ? { groupId: String(item.groupId) } : {}),
      });
    }
  }
  return receptions;
}

export const orderMonthOf = (order: Pick<OrderFact, 'placedAt' | 'paidAt'>): string => (order.placedAt ?? order.paidAt ?? '').slice(0, 7);

export async function putOrderFact(tenantId: string, order: OrderFact, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(
    new PutCommand({
      TableName: env().TABLE_NAME,
      Item: { ...keys.kpiOrderFact(tenantId, order.shopId, orderMonthOf(order), order.platform, order.orderId), [tableSchema.entityAttribute]: entities.order, ...order },
    }),
  );
}

function orderFactOf(item: Record<string, unknown>): OrderFact {
  return {
    shopId: String(item.shopId),
    platform: String(item.platform),
    orderId: String(item.orderId),
    buyerId: String(item.buyerId),
    ...(item.placedAt ? { placedAt: String(item.placedAt) } : {}),
    ...(item.paidAt ? { paidAt: String(item.paidAt) } : {}),
    amount: Number(item.amount),
  };
}

/**
 * One page of a month's order facts, at most `limit`, after `cursor` (the sort key of the last order of
 * the page before; '' for the first page). `next` is absent on the last page.
 */
export async function listOrderFactsPage(
  tenantId: string,
  shopId: string,
  month: string,
  cursor: string,
  limit: number,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ orders: OrderFact[]; next?: string }> {
  const { pk } = keys.kpiOrderFactsOfMonth(tenantId, shopId, month);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      Limit: limit,
      ...(cursor ? { ExclusiveStartKey: { pk, sk: cursor } } : {}),
    }),
  );
  const orders = (result.Items ?? []).map(orderFactOf);
  const next = result.LastEvaluatedKey?.sk;
  return { orders, ...(typeof next === 'string' ? { next } : {}) };
}

// ---- low ratings (QC's targeted samples) ----

/** A buyer's low rating, keyed by when and which order: a repeated put is the same item. */
export async function putLowRating(tenantId: string, rating: LowRatingFact, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(
    new PutCommand({
      TableName: env().TABLE_NAME,
      Item: { ...keys.kpiLowRating(tenantId, rating.shopId, rating.at, rating.platform, rating.orderId), [tableSchema.entityAttribute]: entities.lowRating, ...rating },
    }),
  );
}

/** The shop's low ratings given in [from, to), oldest first. */
export async function listLowRatingsOfShop(tenantId: string, shopId: string, from: string, to: string, client: DynamoDBDocumentClient = dynamo()): Promise<LowRatingFact[]> {
  const ratings: LowRatingFact[] = [];
  const pages = paginateQuery(
    { client },
    {
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.kpiLowRatingsOfShop(tenantId, shopId).pk, ':from': from, ':to': to },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      if (String(item.at) >= to) continue;
      ratings.push({
        shopId: String(item.shopId),
        platform: String(item.platform),
        orderId: String(item.orderId),
        buyerId: String(item.buyerId),
        at: String(item.at),
        ...(item.result ? { result: String(item.result) } : {}),
        ...(typeof item.score === 'number' ? { score: item.score } : {}),
      });
    }
  }
  return ratings;
}

// ---- watchers and online sessions ----

export async function putKpiWatcher(tenantId: string, shopId: string, userId: string, untilSeconds: number, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(
    new PutCommand({
      TableName: env().TABLE_NAME,
      Item: { ...keys.kpiWatcher(tenantId, shopId, userId), [tableSchema.entityAttribute]: entities.watcher, userId, [tableSchema.timeToLiveAttribute]: untilSeconds },
    }),
  );
}

/** Users watching a shop's KPIs now (TTL deletion lags, so expired ones are dropped here). */
export async function listKpiWatchers(tenantId: string, shopId: string, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<string[]> {
  const users: string[] = [];
  const pages = paginateQuery({ client }, { TableName: env().TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.kpiWatchersOfShop(tenantId, shopId).pk } });
  for await (const page of pages) {
    for (const item of page.Items ?? []) if (Number(item[tableSchema.timeToLiveAttribute]) * 1000 > now.getTime()) users.push(String(item.userId));
  }
  return users;
}

export async function putOnlineSession(tenantId: string, agentId: string, since: string, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(new PutCommand({ TableName: env().TABLE_NAME, Item: { ...keys.kpiOnlineSession(tenantId, agentId), [tableSchema.entityAttribute]: entities.online, since } }));
}

export async function getOnlineSession(tenantId: string, agentId: string, client: DynamoDBDocumentClient = dynamo()): Promise<string | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.kpiOnlineSession(tenantId, agentId), ConsistentRead: true }));
  return result.Item ? String(result.Item.since) : undefined;
}

/** Ends a session only if it is the one counted (a newer session started meanwhile is kept). */
export async function endOnlineSession(tenantId: string, agentId: string, since: string, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  try {
    await client.send(
      new DeleteCommand({ TableName: env().TABLE_NAME, Key: keys.kpiOnlineSession(tenantId, agentId), ConditionExpression: 'since = :since', ExpressionAttributeValues: { ':since': since } }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}
