import { paginateQuery, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CaseFrame } from '../../shared/after-sales/case-frames';
import { caseDependencies, type CaseDependencies } from '../../shared/after-sales/change-case';
import { recordCaseChangesForOrderEvent } from '../../shared/after-sales/record-order-event-cases';
import { sweepDependencies, type SweepDependencies } from '../../shared/after-sales/sweep-case-deadlines';
import { applyOrderEvent } from '../../shared/orders/apply-order-event';
import type { Envelope, RefundKind, RefundStatus } from '../../shared/orders/envelope';
import { newOrderState, type OrderState } from '../../shared/orders/order';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { getStoredCase } from '../../shared/store/cases';
import { keys } from '../../shared/store/keys';

/** Shared setup for the after-sales case integration tests (DynamoDB Local). */

export function caseFrameRecorder() {
  const frames: { userId: string; frame: CaseFrame }[] = [];
  const notify: CaseDependencies['notify'] = async (_tenantId, userIds, frame) => {
    for (const userId of new Set(userIds)) frames.push({ userId, frame });
  };
  return {
    frames,
    deps: { ...caseDependencies, notify } as CaseDependencies,
    sweepDeps: { ...sweepDependencies, notify } as SweepDependencies,
    of: (userId: string, type?: CaseFrame['type']) => frames.filter((f) => f.userId === userId && (type === undefined || f.frame.type === type)).map((f) => f.frame),
  };
}

let messageCounter = 0;

export function refundEvent(options: {
  shopId: string;
  orderId: string;
  refundId: string;
  status: RefundStatus;
  version: number;
  at: Date;
  kind?: RefundKind;
  deadline?: Date;
  buyerId?: string;
  messageId?: string;
}): Envelope {
  return {
    platform: 'taobao',
    shopId: options.shopId,
    messageId: options.messageId ?? `m-${++messageCounter}-${options.refundId}-${options.status}`,
    topic: 'refund.updated',
    sourceTopic: 'taobao_refund_RefundCreated',
    occurredAt: options.at.toISOString(),
    businessVersion: options.version,
    payload: {
      orderId: options.orderId,
      refundId: options.refundId,
      status: options.status,
      kind: options.kind ?? 'refund-only',
      ...(options.buyerId ? { buyer: { buyerId: options.buyerId } } : {}),
      ...(options.deadline ? { deadline: { at: options.deadline.toISOString() } } : {}),
    },
  };
}

export function orderEvent(options: { shopId: string; orderId: string; status: 'paid' | 'shipped' | 'signed'; version: number; at: Date; buyerId: string }): Envelope {
  return {
    platform: 'taobao',
    shopId: options.shopId,
    messageId: `m-${++messageCounter}-${options.orderId}-${options.status}`,
    topic: 'order.updated',
    sourceTopic: 'taobao_trade_TradeBuyerPay',
    occurredAt: options.at.toISOString(),
    businessVersion: options.version,
    payload: { orderId: options.orderId, status: options.status, buyer: { buyerId: options.buyerId } },
  };
}

/**
 * An order kept in memory and fed through the real reducer, each applied event then handed to
 * recordCaseChangesForOrderEvent exactly as the orders consumer does.
 */
export function orderFeed(tenantId: string, shopId: string, orderId: string, deps: CaseDependencies) {
  let order: OrderState = newOrderState({ tenantId, shopId, platform: 'taobao', orderId });
  return {
    get order() {
      return order;
    },
    async apply(envelope: Envelope, now: Date) {
      order = applyOrderEvent(order, envelope).state;
      await recordCaseChangesForOrderEvent({ tenantId, order, envelope, now }, deps);
      return order;
    },
  };
}

export const storedCase = (tenantId: string, caseId: string) => getStoredCase(tenantId, caseId, { consistent: true });

/** Every item of a case's partition: the head and its timeline entries. */
export async function casePartition(tenantId: string, caseId: string) {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery({ client: dynamo() }, {
    TableName: env().TABLE_NAME,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.afterSalesCase(tenantId, caseId).pk },
    ConsistentRead: true,
  });
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

/** Case ids on a gsi1 or gsi2 partition (an owner's list, the unowned line, a shop's state list). */
export async function indexedCaseIds(index: 'gsi1' | 'gsi2', partition: string): Promise<string[]> {
  const result = await dynamo().send(
    new QueryCommand({ TableName: env().TABLE_NAME, IndexName: index, KeyConditionExpression: `${index}pk = :pk`, ExpressionAttributeValues: { ':pk': partition } }),
  );
  return (result.Items ?? []).map((item) => String(item[`${index}sk`]).split('#').pop()!);
}

/** Every due-time index entry of a case (the hour partitions around `at`, all shards). */
export async function dueEntriesOf(tenantId: string, caseId: string, minute: string) {
  const items: Record<string, unknown>[] = [];
  for (let shard = 0; shard < 16; shard++) {
    const result = await dynamo().send(
      new QueryCommand({
        TableName: env().TABLE_NAME,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.caseDueHour(minute.slice(0, 13), shard).pk },
        ConsistentRead: true,
      }),
    );
    items.push(...(result.Items ?? []).filter((item) => item.tenantId === tenantId && item.caseId === caseId));
  }
  return items;
}

export const hours = (n: number) => n * 3_600_000;
export const minutes = (n: number) => n * 60_000;
