import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand, paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../http/errors';
import { actualCapacitySchema, capacityAskSchema, type ActualCapacity, type CapacityAsk } from '../promo/capacity';
import { promoSchema, type Promo } from '../promo/calendar';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { newestItemsOf } from './read-all';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed, namedTransaction } from './write-failures';

const entities = { promo: 'Promo', audit: 'PromoAudit', ask: 'CapacityAsk', actual: 'CapacityActual' } as const;
/** A promo is replaced only from the version the caller read (or created when there was none). */
const unchangedSinceRead = 'attribute_not_exists(pk) OR version = :readVersion';
/** Audit entries are never overwritten. */
const isNew = 'attribute_not_exists(pk)';

export interface AuditEvent {
  actor: string;
  action: 'promo-saved' | 'phase-triggered';
  detail: Record<string, unknown>;
}

const auditItem = (tenantId: string, promoId: string, at: string, event: AuditEvent) => ({
  ...keys.promoAudit(tenantId, promoId, at, randomUUID()),
  [tableSchema.entityAttribute]: entities.audit,
  at,
  ...event,
});

export async function getPromo(tenantId: string, promoId: string, client: DynamoDBDocumentClient = dynamo()): Promise<Promo | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.promo(tenantId, promoId), ConsistentRead: true }));
  return result.Item ? promoSchema.parse(result.Item) : undefined;
}

/** A tenant's promos (a calendar holds tens, each item a few KB: one page in practice, paged anyway). */
export async function listPromos(tenantId: string, client: DynamoDBDocumentClient = dynamo()): Promise<Promo[]> {
  const { pk, skPrefix } = keys.promosOfTenant(tenantId);
  const promos: Promo[] = [];
  const pages = paginateQuery({ client }, {
    TableName: env().TABLE_NAME,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
  for await (const page of pages) promos.push(...(page.Items ?? []).map((item) => promoSchema.parse(item)));
  return promos;
}

/**
 * Saves a promo with its phases, its phases' region capacity asks and an audit entry, in one
 * transaction: all or nothing. The asks of phases that were removed or no longer switch infrastructure
 * are deleted in it. Someone else saving meanwhile (the version moved) is a 409 PROMO_CHANGED.
 */
export async function savePromo(
  promo: Promo,
  tenantId: string,
  previous: Promo | undefined,
  actor: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Promo> {
  const TableName = env().TABLE_NAME;
  const asks = promo.phases.filter((phase) => phase.infrastructure);
  const keep = new Set(asks.map((phase) => phase.phaseId));
  const stale = (previous?.phases ?? []).filter((phase) => phase.infrastructure && !keep.has(phase.phaseId));
  const transaction = namedTransaction({
    promo: {
      Put: {
        TableName,
        Item: { ...keys.promo(tenantId, promo.promoId), [tableSchema.entityAttribute]: entities.promo, ...promo },
        ConditionExpression: unchangedSinceRead,
        ExpressionAttributeValues: { ':readVersion': previous?.version ?? 0 },
      },
    },
    audit: {
      Put: {
        TableName,
        Item: auditItem(tenantId, promo.promoId, promo.updatedAt, { actor, action: 'promo-saved', detail: { version: promo.version, phases: promo.phases.map((p) => p.phaseId) } }),
        ConditionExpression: isNew,
      },
    },
  });
  const items = [
    ...transaction.items,
    ...asks.map((phase) => ({
      Put: {
        TableName,
        Item: {
          ...keys.capacityAsk(tenantId, promo.promoId, phase.phaseId),
          [tableSchema.entityAttribute]: entities.ask,
          ...askOf(tenantId, promo, phase.phaseId),
        },
      },
    })),
    ...stale.map((phase) => ({ Delete: { TableName, Key: keys.capacityAsk(tenantId, promo.promoId, phase.phaseId) } })),
  ];
  try {
    await client.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (transaction.reasons(error).promo === 'ConditionalCheckFailed') throw new ConflictError('PROMO_CHANGED', 'the promo changed meanwhile; read it again and retry');
    throw error;
  }
  return promo;
}

function askOf(tenantId: string, promo: Promo, phaseId: string): CapacityAsk {
  const phase = promo.phases.find((p) => p.phaseId === phaseId)!;
  const triggeredAt = promo.triggered[phaseId];
  return {
    tenantId,
    promoId: promo.promoId,
    phaseId,
    preset: phase.infrastructure!.preset,
    ...(phase.infrastructure!.warmThroughput ? { warmThroughput: phase.infrastructure!.warmThroughput } : {}),
    startsAt: phase.startsAt,
    endsAt: phase.endsAt,
    ...(triggeredAt ? { triggeredAt } : {}),
  };
}

/**
 * Starts a phase now (an ops trigger), audited: the promo remembers when, and the phase's capacity ask
 * takes effect from then. Only the first trigger of a phase does anything: the condition that the phase
 * was not triggered yet makes a second one (a double click, a retried request) change nothing and
 * report `unchanged` (reliability row 25).
 */
export async function triggerPhase(
  tenantId: string,
  promo: Promo,
  phaseId: string,
  actor: string,
  now: Date,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<'triggered' | 'unchanged'> {
  const TableName = env().TABLE_NAME;
  const at = now.toISOString();
  const phase = promo.phases.find((p) => p.phaseId === phaseId);
  if (!phase) throw new NotFoundError('phase');
  const transaction = namedTransaction({
    promo: {
      Update: {
        TableName,
        Key: keys.promo(tenantId, promo.promoId),
        UpdateExpression: 'SET triggered.#phase = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(triggered.#phase)',
        ExpressionAttributeNames: { '#phase': phaseId },
        ExpressionAttributeValues: { ':at': at },
      },
    },
    ask: phase.infrastructure
      ? {
          Update: {
            TableName,
            Key: keys.capacityAsk(tenantId, promo.promoId, phaseId),
            UpdateExpression: 'SET triggeredAt = :at',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':at': at },
          },
        }
      : undefined,
    audit: {
      Put: {
        TableName,
        Item: auditItem(tenantId, promo.promoId, at, { actor, action: 'phase-triggered', detail: { phaseId, scheduledStart: phase.startsAt } }),
        ConditionExpression: isNew,
      },
    },
  });
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transaction.items }));
    return 'triggered';
  } catch (error) {
    if (transaction.reasons(error).promo === 'ConditionalCheckFailed') return 'unchanged';
    throw error;
  }
}

export async function listAudit(tenantId: string, promoId: string, client: DynamoDBDocumentClient = dynamo()) {
  const items = await newestItemsOf(client, keys.promoAuditOfPromo(tenantId, promoId), 50);
  return items.map((item) => ({ at: String(item.at), actor: String(item.actor), action: String(item.action), detail: item.detail as Record<string, unknown> }));
}

/** Every tenant's capacity asks in the region (tens to hundreds of small items). */
export async function listCapacityAsks(client: DynamoDBDocumentClient = dynamo()): Promise<CapacityAsk[]> {
  const { pk, skPrefix } = keys.capacityAsks();
  const asks: CapacityAsk[] = [];
  const pages = paginateQuery({ client }, {
    TableName: env().TABLE_NAME,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    ConsistentRead: true,
  });
  for await (const page of pages) asks.push(...(page.Items ?? []).map((item) => capacityAskSchema.parse(item)));
  return asks;
}

/** The region's actual capacity as the control last left it, with the version to write it back from. */
export async function getActualCapacity(client: DynamoDBDocumentClient = dynamo()): Promise<{ actual: ActualCapacity; version: number }> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.capacityActual(), ConsistentRead: true }));
  const item = result.Item;
  return { actual: actualCapacitySchema.parse(item ?? { mode: 'record' }), version: typeof item?.version === 'number' ? item.version : 0 };
}

/**
 * Writes the actual capacity from the version read: two overlapping control runs cannot both write (the
 * loser returns false and leaves it to the next run).
 */
export async function putActualCapacity(actual: ActualCapacity, readVersion: number, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(
      new PutCommand({
        TableName: env().TABLE_NAME,
        Item: { ...keys.capacityActual(), [tableSchema.entityAttribute]: entities.actual, ...actual, version: readVersion + 1 },
        ConditionExpression: 'attribute_not_exists(pk) OR version = :readVersion',
        ExpressionAttributeValues: { ':readVersion': readVersion },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

