import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { afterSalesCaseSchema, terminalStates, timelineEntrySchema, type AfterSalesCase, type TimelineEntry } from '../after-sales/case';
import type { CaseOwnerCandidate } from '../after-sales/choose-case-owner';
import { caseSettingsSchema, defaultCaseSettings, type CaseSettings, type CaseSettingsBody } from '../after-sales/case-settings';
import { defaultDeadlineTable, type DeadlineFacts } from '../after-sales/deadlines';
import { ServiceUnavailableError } from '../http/errors';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed, isTransactionCanceled, namedTransaction, type TransactItem } from './write-failures';

/**
 * After-sales cases (docs/orders-design.md §4, docs/access-patterns.md). The head item holds the case
 * without its timeline; each timeline entry is its own item in the case's partition (`TL#<index>`), so a
 * case that lives for weeks and gathers hundreds of notes never nears the 400 KB item limit, and a change
 * writes only its new entries. Every write is one transaction conditioned on the head's `rev` as read (or
 * on its absence): the head, its new timeline entries, its due-time index entry moved, the order
 * pointer of a new case, and the owners' case loads.
 */

const caseEntity = 'AfterSalesCase';
const timelineEntity = 'CaseTimelineEntry';
const caseDueEntity = 'CaseDue';
const caseOfOrderEntity = 'CaseOfOrder';
const settingsEntity = 'CaseSettings';

/** The case as the head item holds it: no timeline. What lists and frames carry. */
export const caseHeadSchema = afterSalesCaseSchema.omit({ timeline: true });
export type CaseHead = z.infer<typeof caseHeadSchema>;

/** Spreads the due-time index so a Double 11 minute's writes never crowd one partition. */
export const caseDueShards = 16;
/** Index entries the sweep somehow never reached still disappear. */
const caseDueTtlSeconds = 30 * 24 * 3600;
/** DynamoDB's limit on items in one transaction, less the head, index moves, pointer and loads. */
const maxNewTimelineEntries = 90;

export function caseDueShard(tenantId: string, caseId: string): number {
  return createHash('sha256').update(`${tenantId}#${caseId}`).digest()[0]! % caseDueShards;
}

const deadlineFactsSchema = z.object({ platformDueAt: z.string().optional(), orderShipped: z.boolean().optional() });

export interface StoredCase {
  /** The case with an empty timeline: domain functions append to it, and the store writes what they append. */
  case: AfterSalesCase;
  rev: number;
  timelineCount: number;
  /** The minute the case is filed under in the due-time index, if any. */
  dueMinute?: string;
  /** What the last deadline was computed from (the platform's deadline, whether the order had shipped). */
  facts: DeadlineFacts;
}

const storedHeadSchema = caseHeadSchema.extend({
  rev: z.number().int(),
  timelineCount: z.number().int(),
  dueMinute: z.string().optional(),
  facts: deadlineFactsSchema.optional(),
});

function fromItem(item: Record<string, unknown>): StoredCase {
  const { rev, timelineCount, dueMinute, facts, ...head } = storedHeadSchema.parse(item);
  return { case: { ...head, timeline: [] }, rev, timelineCount, ...(dueMinute ? { dueMinute } : {}), facts: facts ?? {} };
}

export async function getStoredCase(
  tenantId: string,
  caseId: string,
  options: { consistent?: boolean } = {},
  client: DynamoDBDocumentClient = dynamo(),
): Promise<StoredCase | undefined> {
  const result = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.afterSalesCase(tenantId, caseId), ConsistentRead: options.consistent ?? true }),
  );
  return result.Item ? fromItem(result.Item) : undefined;
}

/** Case heads by id (BatchGet), in the order asked; missing ones are left out. */
export async function getCaseHeads(tenantId: string, caseIds: readonly string[], client: DynamoDBDocumentClient = dynamo()): Promise<CaseHead[]> {
  const items = await batchGetAll(client, [...new Set(caseIds)].map((id) => keys.afterSalesCase(tenantId, id)));
  const byId = new Map(items.map((item) => [String(item.caseId), caseHeadSchema.parse(item)]));
  return caseIds.flatMap((id) => byId.get(id) ?? []);
}

/** The newest `limit` timeline entries of a case, oldest first. */
export async function getCaseTimeline(tenantId: string, caseId: string, limit: number, client: DynamoDBDocumentClient = dynamo()): Promise<TimelineEntry[]> {
  const { pk, skPrefix } = keys.caseTimeline(tenantId, caseId);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ScanIndexForward: false,
      Limit: limit,
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((item) => timelineEntrySchema.parse(item.entry)).reverse();
}

/** Who a case's unfinished work counts against: its owner while it is not resolved or closed. */
export const countedOwner = (current: Pick<AfterSalesCase, 'state' | 'ownerId'> | undefined): string | undefined =>
  current && !terminalStates.has(current.state) ? current.ownerId : undefined;

export interface CaseWrite {
  tenantId: string;
  before?: StoredCase;
  /** The case after the change; its timeline holds only the entries added since `before`. */
  after: AfterSalesCase;
  dueMinute?: string;
  facts: DeadlineFacts;
  /**
   * When routing chose the new owner: their case load may only grow while they are online, serve the
   * shop and are under this cap. Without it (an agent opening their own case, a supervisor's choice) the
   * load just counts.
   */
  routedOwnerCap?: number;
}

export type CaseWriteOutcome = 'written' | 'conflict' | 'owner-unavailable';

/** The head item of a case as writeCase puts it (exported for the benchmark's bulk seeding). */
export function caseHeadItem(tenantId: string, after: AfterSalesCase, meta: Omit<StoredCase, 'case'>): Record<string, unknown> {
  const { timeline: _timeline, ...head } = after;
  const ended = terminalStates.has(after.state);
  const sla = after.deadline?.slaDueAt;
  return {
    ...keys.afterSalesCase(tenantId, after.caseId),
    [tableSchema.entityAttribute]: caseEntity,
    ...head,
    ...meta,
    ...(ended
      ? {}
      : after.ownerId
        ? keys.caseInOwnerList(tenantId, after.ownerId, sla, after.caseId)
        : keys.caseInUnownedLine(tenantId, after.shopId, after.openedAt, after.caseId)),
    ...keys.caseInShopState(tenantId, after.shopId, after.state, ended ? after.updatedAt : sla, after.caseId),
  };
}

/** The due-time index entry of a case filed under `dueMinute`. */
export function caseDueItem(tenantId: string, caseId: string, dueMinute: string): Record<string, unknown> {
  return {
    ...keys.caseDue(dueMinute, caseDueShard(tenantId, caseId), tenantId, caseId),
    [tableSchema.entityAttribute]: caseDueEntity,
    tenantId,
    caseId,
    dueMinute,
    [tableSchema.timeToLiveAttribute]: Math.floor(Date.parse(`${dueMinute}:00.000Z`) / 1000) + caseDueTtlSeconds,
  };
}

/**
 * Writes a case change in one transaction, conditioned on the head as read (`rev`), or on its absence
 * for a new case, so two writers never both win and an id derived from a refund or a client request
 * can only ever be created once. 'conflict': someone changed it meanwhile (re-read and re-apply);
 * 'owner-unavailable': the routed owner went offline or filled up (choose again or leave it unowned).
 */
export async function writeCase(write: CaseWrite, client: DynamoDBDocumentClient = dynamo()): Promise<CaseWriteOutcome> {
  const { tenantId, before, after, dueMinute, facts } = write;
  const table = env().TABLE_NAME;
  if (after.timeline.length > maxNewTimelineEntries) throw new Error('too many timeline entries for one case write');
  const timelineCount = (before?.timelineCount ?? 0) + after.timeline.length;
  const { timeline } = after;
  const item = caseHeadItem(tenantId, after, { rev: (before?.rev ?? 0) + 1, timelineCount, ...(dueMinute ? { dueMinute } : {}), facts });
  const casePut: TransactItem = {
    Put: {
      TableName: table,
      Item: item,
      ConditionExpression: before ? 'rev = :rev' : 'attribute_not_exists(pk)',
      ...(before ? { ExpressionAttributeValues: { ':rev': before.rev } } : {}),
    },
  };
  const entries: Record<string, TransactItem> = {};
  timeline.forEach((entry, index) => {
    entries[`timeline-${index}`] = {
      Put: {
        TableName: table,
        Item: {
          ...keys.caseTimelineEntry(tenantId, after.caseId, (before?.timelineCount ?? 0) + index),
          [tableSchema.entityAttribute]: timelineEntity,
          entry,
        },
      },
    };
  });
  const shard = caseDueShard(tenantId, after.caseId);
  const moveDue = before?.dueMinute !== dueMinute;
  const oldOwner = countedOwner(before?.case);
  const newOwner = countedOwner(after);
  const ownerChanged = oldOwner !== newOwner;
  const agentKey = (agentId: string) => keys.agent(tenantId, agentId);
  const transaction = namedTransaction({
    case: casePut,
    ...entries,
    dropDue:
      moveDue && before?.dueMinute ? { Delete: { TableName: table, Key: keys.caseDue(before.dueMinute, shard, tenantId, after.caseId) } } : undefined,
    fileDue: moveDue && dueMinute ? { Put: { TableName: table, Item: caseDueItem(tenantId, after.caseId, dueMinute) } } : undefined,
    orderPointer:
      !before && after.orderId
        ? {
            Put: {
              TableName: table,
              Item: {
                ...keys.caseOfOrder(tenantId, after.shopId, after.platform, after.orderId, after.caseId),
                [tableSchema.entityAttribute]: caseOfOrderEntity,
                caseId: after.caseId,
                type: after.type,
                openedAt: after.openedAt,
              },
            },
          }
        : undefined,
    releaseOwner:
      ownerChanged && oldOwner
        ? {
            Update: {
              TableName: table,
              Key: agentKey(oldOwner),
              UpdateExpression: 'ADD caseLoad :minusOne',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':minusOne': -1 },
            },
          }
        : undefined,
    takeOwner:
      ownerChanged && newOwner
        ? {
            Update: {
              TableName: table,
              Key: agentKey(newOwner),
              UpdateExpression: 'ADD caseLoad :one',
              ConditionExpression:
                write.routedOwnerCap === undefined
                  ? 'attribute_exists(pk)'
                  : 'presence = :online AND contains(shopIds, :shop) AND (attribute_not_exists(caseLoad) OR caseLoad < :cap)',
              ExpressionAttributeValues: {
                ':one': 1,
                ...(write.routedOwnerCap === undefined ? {} : { ':online': 'online', ':shop': after.shopId, ':cap': write.routedOwnerCap }),
              },
            },
          }
        : undefined,
  });
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transaction.items }));
    return 'written';
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    const reasons = transaction.reasons(error);
    if (reasons.case === 'ConditionalCheckFailed') return 'conflict';
    if (reasons.takeOwner === 'ConditionalCheckFailed') return 'owner-unavailable';
    // A vanished previous owner (deleted agent) must not pin the case: treat as a conflict and re-read.
    if (reasons.releaseOwner === 'ConditionalCheckFailed') return 'conflict';
    if (Object.values(reasons).includes('TransactionConflict')) return 'conflict';
    throw error;
  }
}

/**
 * Agents as case-owner candidates (BatchGet of the agent items: presence, shops, groups and `caseLoad`,
 * the count of unfinished cases they own, kept beside the chat `load` and changed only by writeCase).
 */
export async function getCaseOwnerCandidates(
  tenantId: string,
  agentIds: readonly string[],
  options: { consistent?: boolean } = {},
  client: DynamoDBDocumentClient = dynamo(),
): Promise<CaseOwnerCandidate[]> {
  const items = await batchGetAll(
    client,
    [...new Set(agentIds)].map((id) => keys.agent(tenantId, id)),
    { consistentRead: options.consistent ?? false },
  );
  return items.map((item) => ({
    agentId: String(item.agentId),
    presence: item.presence as CaseOwnerCandidate['presence'],
    shopIds: (item.shopIds as string[] | undefined) ?? [],
    groupIds: (item.groupIds as string[] | undefined) ?? [],
    caseLoad: Number(item.caseLoad ?? 0),
  }));
}

// ---- lists (gsi1 / gsi2, keys only, then BatchGet of the heads) ----

export interface CasePage {
  cases: CaseHead[];
  /** The last index sort key of the page, when there may be more. */
  lastSortKey?: string;
}

const caseIdOfSortKey = (sortKey: string) => sortKey.slice(sortKey.lastIndexOf('#') + 1);

async function pageOfIndex(
  tenantId: string,
  index: 'gsi1' | 'gsi2',
  partition: string,
  options: { limit: number; after?: string; below?: string; newestFirst?: boolean },
  client: DynamoDBDocumentClient,
): Promise<CasePage> {
  const pkName = `${index}pk`;
  const skName = `${index}sk`;
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      IndexName: index,
      KeyConditionExpression: options.below === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :below',
      ExpressionAttributeNames: { '#pk': pkName, ...(options.below === undefined ? {} : { '#sk': skName }) },
      ExpressionAttributeValues: { ':pk': partition, ...(options.below === undefined ? {} : { ':below': options.below }) },
      Limit: options.limit,
      ScanIndexForward: !options.newestFirst,
      ...(options.after === undefined
        ? {}
        : {
            ExclusiveStartKey: {
              ...keys.afterSalesCase(tenantId, caseIdOfSortKey(options.after)),
              [pkName]: partition,
              [skName]: options.after,
            },
          }),
    }),
  );
  const sortKeys = (result.Items ?? []).map((item) => String(item[skName]));
  const cases = await getCaseHeads(tenantId, sortKeys.map(caseIdOfSortKey), client);
  const last = sortKeys.at(-1);
  return { cases, ...(result.LastEvaluatedKey && last ? { lastSortKey: last } : {}) };
}

/** An owner's unfinished cases, soonest SLA first. */
export function listCasesOfOwner(tenantId: string, agentId: string, options: { limit: number; after?: string }, client: DynamoDBDocumentClient = dynamo()) {
  return pageOfIndex(tenantId, 'gsi1', keys.casesOfOwner(tenantId, agentId).gsi1pk, options, client);
}

/**
 * A shop's cases in one state: unfinished ones soonest SLA first (`overdueAt`: only those whose SLA is
 * before it), finished ones newest first.
 */
export function listCasesOfShopInState(
  tenantId: string,
  shopId: string,
  state: AfterSalesCase['state'],
  options: { limit: number; after?: string; overdueAt?: string },
  client: DynamoDBDocumentClient = dynamo(),
) {
  const ended = terminalStates.has(state);
  return pageOfIndex(
    tenantId,
    'gsi2',
    keys.casesOfShopInState(tenantId, shopId, state).gsi2pk,
    { limit: options.limit, ...(options.after ? { after: options.after } : {}), ...(options.overdueAt ? { below: options.overdueAt } : {}), newestFirst: ended },
    client,
  );
}

/** Ids of a shop's unfinished cases without an owner, oldest first. */
export async function listUnownedCaseIds(tenantId: string, shopId: string, limit: number, client: DynamoDBDocumentClient = dynamo()): Promise<string[]> {
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.unownedCasesOfShop(tenantId, shopId).gsi1pk },
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map((item) => caseIdOfSortKey(String(item.gsi1sk)));
}

/** Ids of the cases of an order (pointer items in the order's partition). */
export async function listCaseIdsOfOrder(
  tenantId: string,
  shopId: string,
  platform: string,
  orderId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<string[]> {
  const { pk, skPrefix } = keys.casesOfOrder(tenantId, shopId, platform, orderId);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    }),
  );
  return (result.Items ?? []).map((item) => String(item.caseId));
}

// ---- the due-time index and the sweep's cursor ----

export interface CaseDueEntry {
  key: { pk: string; sk: string };
  tenantId: string;
  caseId: string;
  dueMinute: string;
}

/**
 * Index entries of one hour partition and shard filed from `fromMinute` to `toMinute` (both inclusive,
 * `yyyy-mm-ddTHH:MM`), one page of at most `limit`, after `after`. A Query on a sort-key range reads only
 * the entries in it: the cost is the cases due, whatever the number of cases filed for later.
 */
export async function listDueCaseEntries(
  hour: string,
  shard: number,
  fromMinute: string,
  toMinute: string,
  limit: number,
  after?: CaseDueEntry['key'],
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ entries: CaseDueEntry[]; more: boolean }> {
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      // Sort keys are `<minute>#T#…`; '~' sorts after every key character, so `<to>#~` ends minute `to`.
      ExpressionAttributeValues: { ':pk': keys.caseDueHour(hour, shard).pk, ':from': `${fromMinute}#`, ':to': `${toMinute}#~` },
      Limit: limit,
      ...(after ? { ExclusiveStartKey: after } : {}),
    }),
  );
  const entries = (result.Items ?? []).map((item) => ({
    key: { pk: String(item.pk), sk: String(item.sk) },
    tenantId: String(item.tenantId),
    caseId: String(item.caseId),
    dueMinute: String(item.dueMinute),
  }));
  return { entries, more: result.LastEvaluatedKey !== undefined };
}

/** Drops an index entry its case no longer points at (a crash between writes cannot leave one, but TTL-less safety is cheap). */
export async function deleteCaseDueEntry(entry: CaseDueEntry, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(new DeleteCommand({ TableName: env().TABLE_NAME, Key: entry.key }));
}

/** The last minute the sweep finished, strongly consistent. */
export async function getSweepCursor(name: string, client: DynamoDBDocumentClient = dynamo()): Promise<string | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.caseSweepCursor(name), ConsistentRead: true }));
  return result.Item ? String(result.Item.minute) : undefined;
}

/**
 * Moves the cursor from the minute read to a later one, only if nobody moved it meanwhile; false if
 * another run did (that run covers the minutes).
 */
export async function advanceSweepCursor(name: string, from: string | undefined, to: string, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.caseSweepCursor(name),
        UpdateExpression: 'SET #minute = :to, #entity = :entity',
        ConditionExpression: from === undefined ? 'attribute_not_exists(pk)' : '#minute = :from',
        ExpressionAttributeNames: { '#minute': 'minute', '#entity': tableSchema.entityAttribute },
        ExpressionAttributeValues: { ':to': to, ':entity': 'SweepCursor', ...(from === undefined ? {} : { ':from': from }) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

// ---- per-shop settings ----

export async function getCaseSettings(tenantId: string, shopId: string, client: DynamoDBDocumentClient = dynamo()): Promise<CaseSettings> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.caseSettings(tenantId, shopId) }));
  return result.Item ? caseSettingsSchema.parse(result.Item) : defaultCaseSettings(shopId);
}

export async function putCaseSettings(
  tenantId: string,
  shopId: string,
  body: CaseSettingsBody,
  now: Date,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<CaseSettings> {
  const settings: CaseSettings = { shopId, ...body, tableVersion: defaultDeadlineTable.version, updatedAt: now.toISOString() };
  await client.send(
    new PutCommand({ TableName: env().TABLE_NAME, Item: { ...keys.caseSettings(tenantId, shopId), [tableSchema.entityAttribute]: settingsEntity, ...settings } }),
  );
  return settings;
}

/** A write that stayed contended through every retry: the caller may try again shortly. */
export const caseBusy = () => new ServiceUnavailableError('the case is being changed; try again');
