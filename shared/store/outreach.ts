import { createHash } from 'node:crypto';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { outreachSettingsBody, type OutreachSettings, type OutreachSettingsBody, defaultOutreachSettings } from '../outreach/settings';
import { outreachTaskSchema, type CallbackOutcome, type Channel, type OutreachTask, type Reach } from '../outreach/task';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys, type Key } from './keys';
import DataLoader from 'dataloader';
import { orderStateSchema, type OrderState } from '../orders/order';
import { batchGetAll } from './read-all';
import { batchWriteAll, putRequest } from './batch-write';
import { leaseWindowTokens, type WindowLease } from './rate-budgets';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed, isTransactionCanceled, namedTransaction, type TransactItem } from './write-failures';

/**
 * Outreach storage (issue 8, docs/outreach-design.md, docs/access-patterns.md): tasks, the minute × shard
 * due-time index, settings, and the conditional counters that hold the rules under concurrency (the
 * per-buyer daily cap, the coupon budget, the SMS ramp). Every task change is one conditional write on
 * the task's `status` (and `dueMinute`), so a cancel is O(1) and a task is claimed by one consumer only.
 */

const taskEntity = 'OutreachTask';
const dueEntity = 'OutreachDue';

/**
 * Shards per due minute. A Double 11 minute of 1 M tasks written in ~60 s is ~16,700 writes/s; at 1,000
 * writes/s per partition that needs ≥ 17 partitions; 64 leaves room for skew and lets the sweep drain 64
 * Queries in parallel (platforms.md §3).
 */
export const outreachDueShards = 64;
/** Entries the sweep somehow never reached still disappear; tasks keep 60 days for the reach figures. */
const dueTtlSeconds = 7 * 86_400;
const taskTtlSeconds = 60 * 86_400;

export const dueShardOf = (tenantId: string, taskId: string): number => createHash('sha256').update(`${tenantId}#${taskId}`).digest().readUInt16BE(0) % outreachDueShards;

export type DuePhase = 'send' | 'reach';

export interface DueEntry {
  key: Key;
  tenantId: string;
  taskId: string;
  dueMinute: string;
  phase: DuePhase;
}

export function dueEntryItem(tenantId: string, taskId: string, dueMinute: string, phase: DuePhase): Record<string, unknown> {
  return {
    ...keys.outreachDue(dueMinute, dueShardOf(tenantId, taskId), phase, tenantId, taskId),
    [tableSchema.entityAttribute]: dueEntity,
    tenantId,
    taskId,
    dueMinute,
    phase,
    [tableSchema.timeToLiveAttribute]: Math.floor(Date.parse(`${dueMinute}:00.000Z`) / 1000) + dueTtlSeconds,
  };
}

export function taskItem(task: OutreachTask): Record<string, unknown> {
  return {
    ...keys.outreachTask(task.tenantId, task.taskId),
    [tableSchema.entityAttribute]: taskEntity,
    ...task,
    ...(task.status === 'assigned' && task.assigneeId ? keys.outreachTaskInAgentList(task.tenantId, task.assigneeId, task.dueAt, task.taskId) : {}),
    [tableSchema.timeToLiveAttribute]: Math.floor(Date.parse(task.dueAt) / 1000) + taskTtlSeconds,
  };
}

const taskOf = (item: Record<string, unknown>): OutreachTask => outreachTaskSchema.parse(item);

/**
 * Creates a task and files it in the due-time index, in one transaction conditioned on the task's
 * absence: a duplicated SIGNED or a replanned order finds the task there ('exists') and writes nothing,
 * and a cancelled task is never brought back.
 */
export async function createTask(task: OutreachTask, client: DynamoDBDocumentClient = dynamo()): Promise<'created' | 'exists'> {
  const table = env().TABLE_NAME;
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: taskItem(task), ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: table, Item: dueEntryItem(task.tenantId, task.taskId, task.dueMinute, 'send') } },
        ],
      }),
    );
    return 'created';
  } catch (error) {
    if (isTransactionCanceled(error) && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return 'exists';
    throw error;
  }
}

export async function getTask(tenantId: string, taskId: string, client: DynamoDBDocumentClient = dynamo()): Promise<OutreachTask | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.outreachTask(tenantId, taskId), ConsistentRead: true }));
  return result.Item ? taskOf(result.Item) : undefined;
}

export async function getTasks(tenantId: string, taskIds: readonly string[], client: DynamoDBDocumentClient = dynamo()): Promise<OutreachTask[]> {
  const items = await batchGetAll(client, [...new Set(taskIds)].map((id) => keys.outreachTask(tenantId, id)), { consistentRead: true });
  const byId = new Map(items.map((item) => [String(item.taskId), taskOf(item)]));
  return taskIds.flatMap((id) => byId.get(id) ?? []);
}

/** One conditional update of the task: false when its condition failed (someone else moved it). */
async function updateTask(
  tenantId: string,
  taskId: string,
  update: { set: Record<string, unknown>; remove?: string[]; condition: string; values?: Record<string, unknown> },
  client: DynamoDBDocumentClient,
): Promise<OutreachTask | undefined> {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ...(update.values ?? {}) };
  const sets = Object.entries(update.set).map(([name, value], index) => {
    names[`#s${index}`] = name;
    values[`:s${index}`] = value;
    return `#s${index} = :s${index}`;
  });
  const removes = (update.remove ?? []).map((name, index) => {
    names[`#r${index}`] = name;
    return `#r${index}`;
  });
  try {
    const result = await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.outreachTask(tenantId, taskId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: update.condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return taskOf(result.Attributes!);
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/** Stops a task that has not gone yet: one conditional update, O(1); its index entry is dropped when swept. */
export function cancelTask(tenantId: string, taskId: string, reason: string, now: Date, client: DynamoDBDocumentClient = dynamo()) {
  return updateTask(tenantId, taskId, { set: { status: 'cancelled', reason, updatedAt: now.toISOString() }, condition: '#status = :scheduled', values: { ':scheduled': 'scheduled' } }, client);
}

/**
 * Stops a task this consumer claimed (an opt-out its daily-slot write found, or a taken-over task the
 * opt-out or the order stops): only while it is still this claim's. A `maybeSentOn` the claim recorded
 * stays on the item: the stop is then "no second send", not "never sent" (docs/outreach-design.md §6).
 */
export function cancelClaimedTask(task: OutreachTask, reason: string, now: Date, client: DynamoDBDocumentClient = dynamo()) {
  return updateTask(
    task.tenantId,
    task.taskId,
    {
      set: { status: 'cancelled', reason, updatedAt: now.toISOString() },
      remove: ['claimedAt'],
      condition: '#status = :sending AND dueMinute = :minute AND claimedAt = :claimedAt',
      values: { ':sending': 'sending', ':minute': task.dueMinute, ':claimedAt': task.claimedAt },
    },
    client,
  );
}

/** A claim older than this is taken over: its consumer died between the claim and the send. */
export const claimLeaseMs = 120_000;

/**
 * Claims a task for the send of `dueMinute`: scheduled → sending, only for the minute it is filed under.
 * A second copy of the job (the minute swept twice, an SQS redelivery) finds it claimed or sent and does
 * nothing; a claim older than claimLeaseMs is taken over, so a consumer that died is finished by the next.
 */
export function claimTask(tenantId: string, taskId: string, dueMinute: string, now: Date, takeover: { maybeSentOn?: string } = {}, client: DynamoDBDocumentClient = dynamo()) {
  return updateTask(
    tenantId,
    taskId,
    {
      // A takeover that found the earlier attempt's daily slot records it in the same write (no extra unit), so a
      // later takeover (this one dying too, maybe on the next local day) still knows a message may have gone.
      set: { status: 'sending', claimedAt: now.toISOString(), updatedAt: now.toISOString(), ...(takeover.maybeSentOn ? { maybeSentOn: takeover.maybeSentOn } : {}) },
      condition: 'dueMinute = :minute AND (#status = :scheduled OR (#status = :sending AND claimedAt < :stale))',
      values: { ':minute': dueMinute, ':scheduled': 'scheduled', ':sending': 'sending', ':stale': new Date(now.getTime() - claimLeaseMs).toISOString() },
    },
    client,
  );
}

/**
 * One conditional update of a task and one companion write (a due entry filed for it, the assignee's
 * load), in one transaction: the companion happens only if the task moved. False when either condition
 * failed (someone else moved the task, the agent is gone).
 */
async function updateTaskWith(
  task: OutreachTask,
  update: { expression: string; condition: string; values: Record<string, unknown> },
  companion: TransactItem,
  client: DynamoDBDocumentClient,
): Promise<boolean> {
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: env().TABLE_NAME,
              Key: keys.outreachTask(task.tenantId, task.taskId),
              UpdateExpression: update.expression,
              ConditionExpression: update.condition,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: update.values,
            },
          },
          companion,
        ],
      }),
    );
    return true;
  } catch (error) {
    if (isTransactionCanceled(error)) return false;
    throw error;
  }
}

/** The companion write that files a task's due entry at `minute`. */
const fileDue = (task: OutreachTask, minute: string, phase: DuePhase): TransactItem => ({
  Put: { TableName: env().TABLE_NAME, Item: dueEntryItem(task.tenantId, task.taskId, minute, phase) },
});

/**
 * Moves a scheduled or claimed task to a later minute (quiet hours, the daily cap, no agent free), filing
 * it there in the same transaction: deferred, never dropped. Conditioned on the minute it was under.
 */
export function deferTask(task: OutreachTask, toMinute: string, reason: string, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  return updateTaskWith(
    task,
    {
      expression: 'SET #status = :scheduled, dueMinute = :to, reason = :reason, updatedAt = :now ADD deferrals :one REMOVE claimedAt',
      condition: 'dueMinute = :from AND #status IN (:scheduled, :sending)',
      values: { ':scheduled': 'scheduled', ':sending': 'sending', ':to': toMinute, ':from': task.dueMinute, ':reason': reason, ':now': now.toISOString(), ':one': 1 },
    },
    fileDue(task, toMinute, 'send'),
    client,
  );
}

/**
 * Records the send (sending → sent) with its reach: one conditional update (1 WRU). The reach check's due
 * entry is filed before it by `fileReachCheck` (a plain put, batched with the other records'): a stray
 * entry for a task that never reaches `sent` does nothing when swept (the check wants `sent` and its
 * time), so the two need no transaction (which would cost 2× per item).
 */
export async function markSent(task: OutreachTask, reach: Reach, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  const updated = await updateTask(
    task.tenantId,
    task.taskId,
    {
      set: { status: 'sent', reach, updatedAt: now.toISOString() },
      // Sent is now known: an earlier attempt's "maybe" is settled (REMOVE of an absent attribute costs nothing).
      remove: ['claimedAt', 'maybeSentOn'],
      condition: 'dueMinute = :minute AND #status = :sending',
      values: { ':sending': 'sending', ':minute': task.dueMinute },
    },
    client,
  );
  return updated !== undefined;
}

/**
 * Records an SMS receipt on a task sent (or resent) by SMS, once: `deliveredAt` / `readAt` only if not yet
 * set. A read also moves `updatedAt`, so a reach check that read the task before it does not resend (its
 * update is conditioned on `updatedAt`); a delivery does not, so it never stops the resend of an unread SMS.
 * False: no such task in this tenant, not sent by SMS, or already recorded (a repeated receipt).
 */
export async function recordSmsReceipt(tenantId: string, taskId: string, status: 'delivered' | 'read', at: string, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  const field = status === 'read' ? 'readAt' : 'deliveredAt';
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.outreachTask(tenantId, taskId),
        UpdateExpression: `SET reach.#field = :at${status === 'read' ? ', updatedAt = :now' : ''}`,
        ConditionExpression: '#status = :sent AND (reach.#channel = :sms OR reach.resentOn = :sms) AND attribute_not_exists(reach.#field)',
        ExpressionAttributeNames: { '#status': 'status', '#field': field, '#channel': 'channel' },
        ExpressionAttributeValues: { ':sent': 'sent', ':sms': 'sms', ':at': at, ...(status === 'read' ? { ':now': now.toISOString() } : {}) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Updates the reach of a sent task (read, replied, the one resend), only while nothing else changed it. */
export function updateReach(task: OutreachTask, reach: Reach, now: Date, client: DynamoDBDocumentClient = dynamo()) {
  return updateTask(
    task.tenantId,
    task.taskId,
    {
      set: { reach, updatedAt: now.toISOString() },
      condition: '#status = :sent AND updatedAt = :seen',
      values: { ':sent': 'sent', ':seen': task.updatedAt },
    },
    client,
  );
}

/**
 * Puts a claimed delivery callback in an agent's work list: the task (sending → assigned, listed under the
 * agent) and the agent's `outreachLoad` (+1, only while online, serving the shop and under the cap), in one
 * transaction. 'owner-unavailable': the agent filled up or went away meanwhile.
 */
export async function assignTask(task: OutreachTask, agentId: string, cap: number, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<'assigned' | 'conflict' | 'owner-unavailable'> {
  const table = env().TABLE_NAME;
  const list = keys.outreachTaskInAgentList(task.tenantId, agentId, task.dueAt, task.taskId);
  const transaction = namedTransaction({
    task: {
      Update: {
        TableName: table,
        Key: keys.outreachTask(task.tenantId, task.taskId),
        UpdateExpression: 'SET #status = :assigned, assigneeId = :agent, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk, updatedAt = :now',
        ConditionExpression: 'dueMinute = :minute AND #status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':assigned': 'assigned', ':sending': 'sending', ':agent': agentId, ':gsi1pk': list.gsi1pk, ':gsi1sk': list.gsi1sk, ':now': now.toISOString(), ':minute': task.dueMinute },
      },
    },
    agent: {
      Update: {
        TableName: table,
        Key: keys.agent(task.tenantId, agentId),
        UpdateExpression: 'ADD outreachLoad :one',
        ConditionExpression: 'presence = :online AND contains(shopIds, :shop) AND (attribute_not_exists(outreachLoad) OR outreachLoad < :cap)',
        ExpressionAttributeValues: { ':one': 1, ':online': 'online', ':shop': task.shopId, ':cap': cap },
      },
    },
  });
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transaction.items }));
    return 'assigned';
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    const reasons = transaction.reasons(error);
    if (reasons.agent === 'ConditionalCheckFailed' && reasons.task !== 'ConditionalCheckFailed') return 'owner-unavailable';
    return 'conflict';
  }
}

/** The agent's outcome: assigned → done, out of their list, their load released; only the assignee may. */
export async function recordTaskOutcome(
  task: OutreachTask,
  agentId: string,
  outcome: CallbackOutcome,
  extra: { couponId?: string },
  now: Date,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<boolean> {
  return updateTaskWith(
    task,
    {
      expression: `SET #status = :done, outcome = :outcome, updatedAt = :now${extra.couponId ? ', couponId = :coupon' : ''} REMOVE gsi1pk, gsi1sk`,
      condition: '#status = :assigned AND assigneeId = :agent',
      values: { ':done': 'done', ':assigned': 'assigned', ':agent': agentId, ':outcome': outcome, ':now': now.toISOString(), ...(extra.couponId ? { ':coupon': extra.couponId } : {}) },
    },
    {
      Update: {
        TableName: env().TABLE_NAME,
        Key: keys.agent(task.tenantId, agentId),
        UpdateExpression: 'ADD outreachLoad :minusOne',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':minusOne': -1 },
      },
    },
    client,
  );
}

/** An agent's delivery callbacks, soonest due first (gsi1, keys only, then BatchGet). */
export async function listTaskIdsOfAgent(tenantId: string, agentId: string, limit: number, after: string | undefined, client: DynamoDBDocumentClient = dynamo()) {
  const gsi1pk = keys.outreachTasksOfAgent(tenantId, agentId).gsi1pk;
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': gsi1pk },
      Limit: limit,
      ...(after ? { ExclusiveStartKey: { ...keys.outreachTask(tenantId, after.slice(after.lastIndexOf('#') + 1)), gsi1pk, gsi1sk: after } } : {}),
    }),
  );
  const sortKeys = (result.Items ?? []).map((item) => String(item.gsi1sk));
  return { taskIds: sortKeys.map((sk) => sk.slice(sk.lastIndexOf('#') + 1)), ...(result.LastEvaluatedKey && sortKeys.length ? { after: sortKeys.at(-1)! } : {}) };
}

// ---- the due-time index ----

/** One page of a minute's bucket in one shard. */
export async function listDueEntries(dueMinute: string, shard: number, limit: number, after?: Key, client: DynamoDBDocumentClient = dynamo()): Promise<{ entries: DueEntry[]; after?: Key }> {
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.outreachDueBucket(dueMinute, shard).pk },
      Limit: limit,
      ...(after ? { ExclusiveStartKey: after } : {}),
    }),
  );
  const entries = (result.Items ?? []).map((item) => ({
    key: { pk: String(item.pk), sk: String(item.sk) },
    tenantId: String(item.tenantId),
    taskId: String(item.taskId),
    dueMinute: String(item.dueMinute),
    phase: item.phase as DuePhase,
  }));
  return { entries, ...(result.LastEvaluatedKey ? { after: result.LastEvaluatedKey as Key } : {}) };
}

/** Drops entries already on the queue (25 per call; unprocessed ones retried). */
export async function deleteDueEntries(entries: readonly Pick<DueEntry, 'key'>[], client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  const table = env().TABLE_NAME;
  for (let start = 0; start < entries.length; start += 25) {
    let requests = entries.slice(start, start + 25).map((entry) => ({ DeleteRequest: { Key: entry.key } }));
    for (let attempt = 0; requests.length > 0 && attempt < 8; attempt++) {
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (result.UnprocessedItems?.[table] ?? []) as typeof requests;
      if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
    // Left over after the retries: harmless, the overlap re-reads them and the claim makes a second copy a no-op.
  }
}

// ---- settings ----

export async function getOutreachSettings(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<OutreachSettings> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.outreachSettings(tenantId, shopId) }));
  if (!result.Item) return defaultOutreachSettings(shopId);
  const { updatedAt, ...body } = result.Item;
  return { shopId, ...outreachSettingsBody.parse(Object.fromEntries(Object.entries(body).filter(([name]) => name in outreachSettingsBody.shape))), ...(typeof updatedAt === 'string' ? { updatedAt } : {}) };
}

export async function putOutreachSettings(tenantId: string, shopId: string, body: OutreachSettingsBody, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<OutreachSettings> {
  const settings: OutreachSettings = { shopId, ...body, updatedAt: now.toISOString() };
  await client.send(new PutCommand({ TableName: env().TABLE_NAME, Item: { ...keys.outreachSettings(tenantId, shopId), [tableSchema.entityAttribute]: 'OutreachSettings', ...settings } }));
  return settings;
}

// ---- rules that must hold under concurrency ----

/**
 * Counts a task against a buyer's daily cap across a brand's shops: adds the task id to the day's set,
 * only while the set is under the cap or already holds it. A set, not a counter: a retried claim adds
 * the same id again and counts once (an atomic ADD of 1 would count twice). `cap`: the cap is reached.
 * `opted-out`: the day carries the buyer's opt-out (`optedOutAt`, stamped by recordOptOut) — the opt-out
 * is a condition of this, the send's last write before its message goes, at no extra unit (same update).
 * `channel`: the channel the send chose (its SMS slot is taken before this): an SMS send's id also goes into
 * `smsTaskIds`, so a takeover re-issues on the channel the first attempt used (same update, same unit;
 * docs/outreach-design.md §6).
 */
export async function takeBuyerDaySlot(
  tenantId: string,
  brandId: string,
  buyerId: string,
  day: string,
  taskId: string,
  cap: number,
  channel: Channel = 'chat',
  client: DynamoDBDocumentClient = dynamo(),
): Promise<'taken' | 'cap' | 'opted-out'> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.outreachBuyerDay(tenantId, brandId, buyerId, day),
        UpdateExpression: `ADD taskIds :task${channel === 'sms' ? ', smsTaskIds :task' : ''} SET #entity = :entity, #expiresAt = :expiresAt`,
        ConditionExpression: '(attribute_not_exists(taskIds) OR size(taskIds) < :cap OR contains(taskIds, :taskId)) AND attribute_not_exists(optedOutAt)',
        ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute, '#expiresAt': tableSchema.timeToLiveAttribute },
        ExpressionAttributeValues: {
          ':task': new Set([taskId]),
          ':taskId': taskId,
          ':cap': cap,
          ':entity': 'OutreachBuyerDay',
          ':expiresAt': buyerDayExpiresAt(day),
        },
        // Which condition failed comes back with the error: no read to tell the cap from an opt-out.
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return 'taken';
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    // The error's item is in DynamoDB's wire format (the document client does not convert errors).
    return (error as { Item?: Record<string, unknown> }).Item?.optedOutAt !== undefined ? 'opted-out' : 'cap';
  }
}

/**
 * Whether the buyer's day item holds this task (strongly consistent), and on which channel: a taken-over
 * send's question "did the consumer that died pass the opt-out condition of its slot write, and did it go by
 * SMS or chat?" (then a message may have gone there). Read on the takeover path only (docs/outreach-design.md §6).
 */
export async function holdsBuyerDaySlot(
  tenantId: string,
  brandId: string,
  buyerId: string,
  day: string,
  taskId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Channel | undefined> {
  const result = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.outreachBuyerDay(tenantId, brandId, buyerId, day), ConsistentRead: true, ProjectionExpression: 'taskIds, smsTaskIds' }),
  );
  const held = result.Item?.taskIds as Set<string> | undefined;
  if (!(held instanceof Set) || !held.has(taskId)) return undefined;
  const sms = result.Item?.smsTaskIds as Set<string> | undefined;
  return sms instanceof Set && sms.has(taskId) ? 'sms' : 'chat';
}

const buyerDayExpiresAt = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 3 * 86_400;

/**
 * The local days a send happening now can count against, in any shop zone of the brand (UTC−12 to UTC+14):
 * the UTC day before, of and after `now`.
 */
export function daysAround(now: Date): string[] {
  return [-1, 0, 1].map((offset) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10));
}

/** Takes one SMS of the shop's allowance for the day (its ramp-up); false when the day's SMS are used up. */
export function takeSmsSlot(tenantId: string, shopId: string, day: string, allowance: number, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  if (allowance <= 0) return Promise.resolve(false);
  return updateSmsDay(tenantId, shopId, day, 1, 'attribute_not_exists(sent) OR sent < :bound', allowance, client);
}

/** Gives back an SMS slot taken for a send the buyer's daily slot then refused (cap, opt-out): the ramp is not spent on nothing. */
export async function returnSmsSlot(tenantId: string, shopId: string, day: string, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await updateSmsDay(tenantId, shopId, day, -1, 'sent > :bound', 0, client);
}

/** The day's SMS counter moved by `by` under `condition` (on `:bound`); false when the condition refused. */
async function updateSmsDay(tenantId: string, shopId: string, day: string, by: number, condition: string, bound: number, client: DynamoDBDocumentClient): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.smsDay(tenantId, shopId, day),
        UpdateExpression: 'ADD sent :by SET #entity = :entity',
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute },
        ExpressionAttributeValues: { ':by': by, ':bound': bound, ':entity': 'OutreachSmsDay' },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * The opt-out: the `OPTOUT` item every send reads first (strongly consistent), and a stamp on the buyer's
 * day items around now, so a send that read before it is refused by its daily-slot write (takeBuyerDaySlot)
 * instead of going out. Three small updates per opt-out (a rare message) keep every send's cost unchanged.
 */
export async function recordOptOut(tenantId: string, brandId: string, buyerId: string, shopId: string, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  const at = now.toISOString();
  const stampDay = (day: string) =>
    client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.outreachBuyerDay(tenantId, brandId, buyerId, day),
        UpdateExpression: 'SET optedOutAt = if_not_exists(optedOutAt, :at), #entity = :entity, #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
        ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute, '#expiresAt': tableSchema.timeToLiveAttribute },
        ExpressionAttributeValues: { ':at': at, ':entity': 'OutreachBuyerDay', ':expiresAt': buyerDayExpiresAt(day) },
      }),
    );
  await Promise.all([
    client.send(
      new PutCommand({
        TableName: env().TABLE_NAME,
        Item: { ...keys.outreachOptOut(tenantId, brandId, buyerId), [tableSchema.entityAttribute]: 'OutreachOptOut', buyerId, brandId, shopId, at },
      }),
    ),
    ...daysAround(now).map(stampDay),
  ]);
}

/** Strongly consistent: an opt-out a second ago stops the task about to go (honoured at once). */
export async function hasOptedOut(tenantId: string, brandId: string, buyerId: string, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.outreachOptOut(tenantId, brandId, buyerId), ConsistentRead: true, ProjectionExpression: 'pk' }));
  return result.Item !== undefined;
}

// ---- the consumer's reads and writes, coalesced per SQS batch ----

/**
 * One token asked of a window bucket. Asks with the same `group` in one batch are leased together as one
 * block (one conditional ADD); `lease(block)` builds the lease (the platform bucket picks its sub-bucket there).
 */
export interface TokenAsk {
  group: string;
  limit: number;
  lease: (block: number) => WindowLease;
}

const keyOf = (key: Key) => `${key.pk}\u0000${key.sk}`;
/** Runs after every record of the batch has reached the same step (all promise jobs and I/O callbacks). */
const afterThisTurn = (callback: () => void) => void setImmediate(callback);

function itemLoader(consistentRead: boolean, client: DynamoDBDocumentClient) {
  return new DataLoader<Key, Record<string, unknown> | undefined>(
    async (wanted) => {
      const unique = [...new Map(wanted.map((key) => [keyOf(key), key])).values()];
      const items = await batchGetAll(client, unique, { consistentRead });
      const byKey = new Map(items.map((item) => [keyOf({ pk: String(item.pk), sk: String(item.sk) }), item]));
      return wanted.map((key) => byKey.get(keyOf(key)));
    },
    // No cache: a loader lives as long as the consumer, and every read must see the table as it is now.
    { cache: false, maxBatchSize: 100, batchScheduleFn: afterThisTurn },
  );
}

/** Leases a group's asks as one block (≤ limit); a refused block falls back to one token per ask, so a throttled shop is paced, not starved. */
async function leaseGroup(asks: readonly TokenAsk[], client: DynamoDBDocumentClient): Promise<boolean[]> {
  const granted: boolean[] = [];
  const limit = Math.max(1, asks[0]!.limit);
  for (let start = 0; start < asks.length; start += limit) {
    const chunk = asks.slice(start, start + limit);
    if (await leaseWindowTokens(chunk[0]!.lease(chunk.length), client)) granted.push(...chunk.map(() => true));
    else if (chunk.length === 1) granted.push(false);
    else granted.push(...(await Promise.all(chunk.map((ask) => leaseWindowTokens(ask.lease(1), client)))));
  }
  return granted;
}

/**
 * The outreach consumer's per-task reads and writes, coalesced across the records of one SQS batch
 * (processed concurrently): the tasks in one BatchGet (eventually consistent, 0.5 RRU), the opt-outs and
 * orders in one strongly consistent BatchGet, the open-conversation pointers in one eventually consistent
 * BatchGet, the token asks of one bucket as one block lease, the reach checks' due entries in one
 * BatchWrite. The claim, the buyer's daily slot and `sent` stay one conditional write per task: they are
 * what makes a send happen once and the cap hold. One instance per consumer (a Lambda instance handles one
 * batch at a time).
 */
export function coalescedOutreachStore(client: DynamoDBDocumentClient = dynamo()) {
  const eventual = itemLoader(false, client);
  const consistent = itemLoader(true, client);
  const tokens = new DataLoader<TokenAsk, boolean>(
    async (asks) => {
      const groups = new Map<string, number[]>();
      asks.forEach((ask, index) => groups.set(ask.group, [...(groups.get(ask.group) ?? []), index]));
      const granted: boolean[] = new Array(asks.length).fill(false);
      await Promise.all(
        [...groups.values()].map(async (indexes) => {
          const answers = await leaseGroup(indexes.map((index) => asks[index]!), client);
          indexes.forEach((index, position) => (granted[index] = answers[position]!));
        }),
      );
      return granted;
    },
    { cache: false, maxBatchSize: 100, batchScheduleFn: afterThisTurn },
  );
  const dueEntries = new DataLoader<Record<string, unknown>, true>(
    async (items) => {
      const unique = [...new Map(items.map((item) => [keyOf(item as Key), item])).values()];
      await batchWriteAll(client, unique.map(putRequest));
      return items.map(() => true as const);
    },
    { cache: false, maxBatchSize: 100, batchScheduleFn: afterThisTurn },
  );
  return {
    /**
     * The task as an eventually consistent read shows it. Enough to decide and to act: every change is
     * conditioned on the stored status and minute. Only a verdict of "nothing to do" (missing, another
     * minute, not open) is checked again strongly consistent before the job is dropped.
     */
    getTask: async (tenantId: string, taskId: string): Promise<OutreachTask | undefined> => {
      const item = await eventual.load(keys.outreachTask(tenantId, taskId));
      return item ? taskOf(item) : undefined;
    },
    hasOptedOut: async (tenantId: string, brandId: string, buyerId: string) => (await consistent.load(keys.outreachOptOut(tenantId, brandId, buyerId))) !== undefined,
    getOrder: async (key: { tenantId: string; shopId: string; platform: string; orderId: string }): Promise<OrderState | undefined> => {
      const item = await consistent.load(keys.order(key.tenantId, key.shopId, key.platform, key.orderId));
      if (!item) return undefined;
      const order = orderStateSchema.parse(item.state);
      return order.tenantId === key.tenantId ? order : undefined;
    },
    /** Eventually consistent: a conversation opened a second ago gets the platform chat; one just closed is refused by the consistent read before the append. */
    openConversationId: async (tenantId: string, shopId: string, buyerId: string) => {
      const id = (await eventual.load(keys.buyerAtShop(tenantId, shopId, buyerId)))?.openConversationId;
      return typeof id === 'string' ? id : undefined;
    },
    takeToken: (ask: TokenAsk) => tokens.load(ask),
    /** Files the reach check of a task at `minute` (phase `reach`). */
    fileReachCheck: (task: OutreachTask, minute: string) => dueEntries.load(dueEntryItem(task.tenantId, task.taskId, minute, 'reach')).then(() => undefined),
  };
}
export type CoalescedOutreachStore = ReturnType<typeof coalescedOutreachStore>;
