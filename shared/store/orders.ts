import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { applyOrderEvent, type OrderEventOutcome } from '../orders/apply-order-event';
import type { Envelope } from '../orders/envelope';
import { newOrderState, orderStateSchema, type OrderKey, type OrderState } from '../orders/order';
import { lastActivityMs } from '../orders/stage-of';
import { ServiceUnavailableError } from '../http/errors';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';
import { isTransactionCanceled, namedTransaction, type TransactItem } from './write-failures';

/**
 * The order repository (docs/orders-design.md §5, docs/access-patterns.md "Orders"): one item per
 * platform order holding the whole OrderState, a dedupe claim per platform message, a pointer per
 * refund. Events are applied by `applyOrderEventToStore`: read, fold with the pure reducer, write back
 * in one transaction conditioned on what was read; a lost race re-reads and folds again, which the
 * reducer makes safe (its merges are idempotent and order-independent).
 */

const orderEntity = 'Order';
const claimEntity = 'OrderEventClaim';
const refundEntity = 'RefundPointer';

/** Dedupe claims outlive every platform's retries (Shopify: 4 h; TMC: days) and the queue's 7 days. */
export const claimTtlDays = 8;
/**
 * Events one order may hold. An order has tens normally; past this it is refused (to the DLQ with the
 * reason), never truncated: dropping facts would make the state depend on arrival order.
 */
export const maxEventsPerOrder = 2000;
/** DynamoDB's item limit is 400 KB; this leaves room for the keys and attribute names. */
export const maxOrderItemBytes = 350 * 1024;

/** An event that can never be applied: retrying will not help, so it must reach the DLQ with its reason. */
export class UnappliableOrderEventError extends Error {
  constructor(
    readonly reason: 'MESSAGE_ID_REUSED' | 'ORDER_TOO_LARGE' | 'REFUND_OF_ANOTHER_ORDER' | 'ORDER_MISMATCH',
    message: string,
  ) {
    super(`${reason}: ${message}`);
    this.name = 'UnappliableOrderEventError';
  }
}

/**
 * SHA-256 of the envelope with its keys sorted: the same message re-sent by the platform hashes the
 * same whatever the key order of its JSON; different content under the same id does not.
 */
export function envelopeHash(envelope: Envelope): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value as object).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]))
        : value;
  return createHash('sha256').update(JSON.stringify(canonical(envelope))).digest('base64url');
}

export const orderKeyOf = (tenantId: string, envelope: Envelope): OrderKey => ({
  tenantId,
  shopId: envelope.shopId,
  platform: envelope.platform,
  orderId: envelope.payload.orderId,
});

interface StoredOrder {
  order: OrderState;
  /** Bumped by every write: the condition of the next one. */
  rev: number;
}

function parseOrderItem(item: Record<string, unknown>): StoredOrder {
  return { order: orderStateSchema.parse(item.state), rev: Number(item.rev) };
}

/** An order by its platform id (strongly consistent when deciding a write). */
export async function getOrder(
  key: OrderKey,
  options: { consistent?: boolean } = {},
  client: DynamoDBDocumentClient = dynamo(),
): Promise<OrderState | undefined> {
  return (await readOrder(key, options.consistent ?? false, client))?.order;
}

async function readOrder(key: OrderKey, consistent: boolean, client: DynamoDBDocumentClient): Promise<StoredOrder | undefined> {
  const result = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.order(key.tenantId, key.shopId, key.platform, key.orderId), ConsistentRead: consistent }),
  );
  if (!result.Item) return undefined;
  const stored = parseOrderItem(result.Item);
  // Every key starts with the tenant; this only guards against a corrupted item.
  return stored.order.tenantId === key.tenantId ? stored : undefined;
}

async function readClaim(tenantId: string, envelope: Envelope, client: DynamoDBDocumentClient): Promise<{ hash: string } | undefined> {
  const result = await client.send(
    new GetCommand({
      TableName: env().TABLE_NAME,
      Key: keys.orderEventClaim(tenantId, envelope.platform, envelope.messageId),
      ConsistentRead: true,
      ProjectionExpression: 'envelopeHash, expiresAt',
    }),
  );
  const item = result.Item;
  // DynamoDB deletes expired items only some time after they expire: an expired claim no longer counts.
  if (!item || (typeof item.expiresAt === 'number' && item.expiresAt * 1000 <= Date.now())) return undefined;
  return { hash: String(item.envelopeHash) };
}

export interface AppliedOrderEvent {
  outcome: OrderEventOutcome;
  /** The order as stored after this event (for a duplicate: as stored now). Undefined only if it was never stored. */
  order: OrderState | undefined;
}

/** Conflicting writers of one order are few (one platform burst); each retry re-reads. */
const maxApplyAttempts = 10;

/**
 * Applies one platform event to its order, once. One transaction: the claim on platform + messageId
 * (attribute_not_exists; TTL 8 d; the envelope's hash), the order put conditioned on the revision read
 * (or attribute_not_exists), and a pointer for each refund first seen. Outcomes:
 * - `duplicate`: the claim exists with the same hash (or the order already holds the message id);
 *   the stored order is returned so the caller's after-steps can complete what a crashed run left undone;
 * - a claim with another hash: UnappliableOrderEventError MESSAGE_ID_REUSED (to the DLQ, not dropped);
 * - an order past maxEventsPerOrder or maxOrderItemBytes: UnappliableOrderEventError ORDER_TOO_LARGE;
 * - `ignored` (a reminder): only the claim is written.
 * A lost race (the claim or the revision changed) re-reads and applies again.
 */
export async function applyOrderEventToStore(
  tenantId: string,
  envelope: Envelope,
  now: Date = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<AppliedOrderEvent> {
  const key = orderKeyOf(tenantId, envelope);
  const hash = envelopeHash(envelope);
  for (let attempt = 0; attempt < maxApplyAttempts; attempt++) {
    const [claim, stored] = await Promise.all([readClaim(tenantId, envelope, client), readOrder(key, true, client)]);
    if (claim) {
      if (claim.hash !== hash) {
        throw new UnappliableOrderEventError('MESSAGE_ID_REUSED', `${envelope.platform} message ${envelope.messageId} was applied before with other content`);
      }
      return { outcome: 'duplicate', order: stored?.order };
    }
    let folded: ReturnType<typeof applyOrderEvent>;
    try {
      folded = applyOrderEvent(stored?.order ?? newOrderState(key), envelope);
    } catch (error) {
      throw new UnappliableOrderEventError('ORDER_MISMATCH', (error as Error).message);
    }
    const { state, outcome } = folded;
    const writeOrder = outcome !== 'ignored' && outcome !== 'duplicate';
    if (writeOrder) assertFits(state);

    const table = env().TABLE_NAME;
    const newRefunds = Object.keys(state.refunds).filter((refundId) => !stored?.order.refunds[refundId]);
    const named: Record<string, TransactItem> = {
      claim: {
        Put: {
          TableName: table,
          Item: {
            ...keys.orderEventClaim(tenantId, envelope.platform, envelope.messageId),
            [tableSchema.entityAttribute]: claimEntity,
            envelopeHash: hash,
            shopId: envelope.shopId,
            orderId: envelope.payload.orderId,
            topic: envelope.topic,
            outcome,
            appliedAt: now.toISOString(),
            [tableSchema.timeToLiveAttribute]: Math.floor(now.getTime() / 1000) + claimTtlDays * 86_400,
          },
          // An expired claim DynamoDB has not deleted yet may be replaced.
          ConditionExpression: 'attribute_not_exists(pk) OR #expiresAt <= :nowSeconds',
          ExpressionAttributeNames: { '#expiresAt': tableSchema.timeToLiveAttribute },
          ExpressionAttributeValues: { ':nowSeconds': Math.floor(now.getTime() / 1000) },
        },
      },
    };
    if (writeOrder) {
      named.order = {
        Put: {
          TableName: table,
          Item: orderItem(state, (stored?.rev ?? 0) + 1),
          ...(stored
            ? { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': stored.rev } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      };
      newRefunds.forEach((refundId, index) => {
        named[`refund${index}`] = {
          Put: {
            TableName: table,
            Item: {
              ...keys.refundPointer(tenantId, key.shopId, key.platform, refundId),
              [tableSchema.entityAttribute]: refundEntity,
              tenantId,
              shopId: key.shopId,
              platform: key.platform,
              refundId,
              orderId: key.orderId,
            },
            // A refund belongs to one order: a second order claiming it is a platform data error.
            ConditionExpression: 'attribute_not_exists(pk) OR orderId = :orderId',
            ExpressionAttributeValues: { ':orderId': key.orderId },
          },
        };
      });
    }
    const transaction = namedTransaction(named);
    try {
      await client.send(new TransactWriteCommand({ TransactItems: transaction.items }));
      return { outcome, order: writeOrder ? state : stored?.order };
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      const reasons = transaction.reasons(error);
      const refundFailed = Object.entries(reasons).some(([name, code]) => name.startsWith('refund') && code === 'ConditionalCheckFailed');
      if (refundFailed && reasons.claim !== 'ConditionalCheckFailed' && reasons.order !== 'ConditionalCheckFailed') {
        throw new UnappliableOrderEventError('REFUND_OF_ANOTHER_ORDER', `a refund of order ${key.orderId} is already held by another order`);
      }
      // The claim or the order changed under us (a concurrent apply): read again and fold again.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
    }
  }
  throw new ServiceUnavailableError('the order kept changing; the event will be retried');
}

function assertFits(state: OrderState): void {
  if (state.seenMessageIds.length > maxEventsPerOrder) {
    throw new UnappliableOrderEventError('ORDER_TOO_LARGE', `order ${state.orderId} would hold more than ${maxEventsPerOrder} events`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(state), 'utf8');
  if (bytes > maxOrderItemBytes) {
    throw new UnappliableOrderEventError('ORDER_TOO_LARGE', `order ${state.orderId} would be ${bytes} bytes, above ${maxOrderItemBytes}`);
  }
}

/** The stored order item: its state, revision, and (once the buyer is known) its place in the buyer's list. */
function orderItem(state: OrderState, rev: number): Record<string, unknown> {
  const activity = lastActivityMs(state);
  const buyerId = state.buyer?.value.buyerId;
  return {
    ...keys.order(state.tenantId, state.shopId, state.platform, state.orderId),
    ...(buyerId
      ? keys.orderOfPlatformBuyer(state.tenantId, state.shopId, buyerId, new Date(activity).toISOString(), state.platform, state.orderId)
      : {}),
    [tableSchema.entityAttribute]: orderEntity,
    rev,
    state,
  };
}

/**
 * A platform buyer's orders at a shop, newest activity first: gsi1 (keys only, Limit) then a BatchGet
 * of the order items. `limit` bounds both the read and what is returned.
 */
export async function listOrdersOfPlatformBuyer(
  tenantId: string,
  shopId: string,
  platformBuyerId: string,
  limit: number,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<OrderState[]> {
  const { gsi1pk } = keys.ordersOfPlatformBuyer(tenantId, shopId, platformBuyerId);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': gsi1pk },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  const orderKeys = (result.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
  if (orderKeys.length === 0) return [];
  const items = await batchGetAll(client, orderKeys);
  const byPk = new Map(items.map((item) => [String(item.pk), parseOrderItem(item).order]));
  // The index order (newest first); an order whose buyer changed since the index was read is left out.
  return orderKeys.flatMap(({ pk }) => {
    const order = byPk.get(pk);
    return order && order.tenantId === tenantId && order.shopId === shopId && order.buyer?.value.buyerId === platformBuyerId ? [order] : [];
  });
}

/** The order holding a refund, by the refund's platform id. */
export async function getOrderOfRefund(
  tenantId: string,
  shopId: string,
  platform: OrderKey['platform'],
  refundId: string,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<OrderState | undefined> {
  const pointer = await client.send(
    new GetCommand({ TableName: env().TABLE_NAME, Key: keys.refundPointer(tenantId, shopId, platform, refundId), ProjectionExpression: 'orderId' }),
  );
  const orderId = pointer.Item?.orderId;
  if (typeof orderId !== 'string') return undefined;
  const order = await getOrder({ tenantId, shopId, platform, orderId }, {}, client);
  return order?.refunds[refundId] ? order : undefined;
}
