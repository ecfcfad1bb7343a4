import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import type { Envelope, OrderStatus, RefundStatus } from '../../shared/orders/envelope';
import type { OrderEventMessage } from '../../shared/orders/order-event-message';
import { handler as applyOrderEventsHandler } from '../../functions/queue/apply-order-events';
import { lambdaContext } from '../support/events';

/** Envelopes and queue records for the orders integration tests: one shop, platform `taobao`. */

const start = Date.UTC(2026, 10, 11, 0, 0, 0);
/** A platform time `minutes` after the start of Double 11, 2026 (UTC). */
export const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
export const version = (minutes: number) => start + minutes * 60_000;

interface Base {
  shopId: string;
  orderId: string;
  messageId?: string;
  minute: number;
}
const base = ({ shopId, messageId, minute }: Base) => ({
  platform: 'taobao' as const,
  shopId,
  messageId: messageId ?? `m-${randomUUID()}`,
  sourceTopic: 'test',
  occurredAt: at(minute),
  businessVersion: version(minute),
});

export function orderEvent(input: Base & { status: OrderStatus; buyerId?: string; lines?: number }): Envelope {
  return {
    ...base(input),
    topic: 'order.updated',
    payload: {
      orderId: input.orderId,
      status: input.status,
      ...(input.buyerId ? { buyer: { buyerId: input.buyerId, nick: 'z**u' } } : {}),
      ...(input.lines
        ? {
            lines: Array.from({ length: input.lines }, (_, i) => ({ lineId: `${input.orderId}-${i}`, title: `面霜 ${i}`, quantity: 1, price: { minor: 9900, currency: 'CNY' } })),
            total: { minor: 9900 * input.lines, currency: 'CNY' },
          }
        : {}),
    },
  };
}

export function refundEvent(input: Base & { refundId: string; status: RefundStatus; buyerId?: string }): Envelope {
  return {
    ...base(input),
    topic: 'refund.updated',
    payload: {
      orderId: input.orderId,
      refundId: input.refundId,
      status: input.status,
      kind: 'return-and-refund',
      amount: { minor: 9900, currency: 'CNY' },
      deadline: { at: at(input.minute + 48 * 60) },
      ...(input.buyerId ? { buyer: { buyerId: input.buyerId } } : {}),
    },
  };
}

export function signedEvent(input: Base & { parcelId: string }): Envelope {
  return { ...base(input), topic: 'logistics.updated', payload: { orderId: input.orderId, parcelId: input.parcelId, action: 'signed', carrier: 'SF', at: at(input.minute) } };
}

export const message = (tenantId: string, envelope: Envelope): OrderEventMessage => ({ tenantId, envelope, via: 'simulator', receivedAt: new Date().toISOString() });

/** Runs the orders consumer on a batch of raw record bodies, as the event source mapping would. */
export async function consume(bodies: readonly string[]): Promise<SQSBatchResponse> {
  const event = {
    Records: bodies.map((body, i) => ({
      messageId: `sqs-${i}-${randomUUID()}`,
      receiptHandle: `rh-${i}`,
      body,
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:orders',
      awsRegion: 'us-east-1',
    })),
  } as unknown as SQSEvent;
  return (await applyOrderEventsHandler(event, lambdaContext)) as SQSBatchResponse;
}
