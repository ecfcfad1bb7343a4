import { recordCaseChangesForOrderEvent } from '../after-sales/record-order-event-cases';
import { planOrderOutreach } from '../outreach/order-outreach';
import { logger } from '../runtime/observability';
import { applyOrderEventToStore, type AppliedOrderEvent } from '../store/orders';
import type { Envelope } from './envelope';
import type { OrderState } from './order';
import type { OrderEventMessage } from './order-event-message';
import { restageConversationForOrder } from './restage-conversation';

/** What every "after the order changed" step gets: the order as stored now and the event that touched it. */
export interface OrderChange {
  tenantId: string;
  order: OrderState;
  envelope: Envelope;
  now: Date;
}

export interface AfterOrderChangedStep {
  name: string;
  run: (change: OrderChange) => Promise<unknown>;
}

/**
 * The steps run after an event was applied to its order — and again when it comes back as a duplicate,
 * since a run that died between the order write and these steps must be completed by the redelivery.
 * So each step must be idempotent (decide from the stored state, write conditionally). Adding a step is
 * one line here.
 */
export const afterOrderChangedSteps: readonly AfterOrderChangedStep[] = [
  { name: 'conversation-stage', run: (change) => restageConversationForOrder(change) },
  { name: 'after-sales-cases', run: (change) => recordCaseChangesForOrderEvent(change) },
  { name: 'outreach', run: (change) => planOrderOutreach(change) },
];

export const orderEventDependencies = {
  apply: (tenantId: string, envelope: Envelope, now: Date) => applyOrderEventToStore(tenantId, envelope, now),
  steps: afterOrderChangedSteps,
  now: () => new Date(),
};
export type OrderEventDependencies = typeof orderEventDependencies;

/**
 * One message of the `orders` queue: apply its envelope to the order once, then run the after-steps
 * (not for an `ignored` reminder, which changes no order). Every step runs even if another fails; then
 * the first failure is thrown, so SQS redelivers and the duplicate path runs the steps again.
 */
export async function handleOrderEvent(message: OrderEventMessage, deps: OrderEventDependencies = orderEventDependencies): Promise<AppliedOrderEvent> {
  const now = deps.now();
  const { tenantId, envelope } = message;
  const applied = await deps.apply(tenantId, envelope, now);
  logger.info('order event applied', {
    tenantId,
    shopId: envelope.shopId,
    platform: envelope.platform,
    messageId: envelope.messageId,
    orderId: envelope.payload.orderId,
    topic: envelope.topic,
    outcome: applied.outcome,
    via: message.via,
    applyLagMs: now.getTime() - Date.parse(message.receivedAt),
  });
  const order = applied.order;
  if (applied.outcome === 'ignored' || !order) return applied;
  const results = await Promise.allSettled(deps.steps.map((step) => step.run({ tenantId, order, envelope, now })));
  const failed = results.flatMap((result, index) => (result.status === 'rejected' ? [{ step: deps.steps[index]!.name, error: result.reason as Error }] : []));
  for (const { step, error } of failed) logger.error('after-order step failed; the event will be redelivered', { step, messageId: envelope.messageId, error });
  if (failed[0]) throw failed[0].error;
  return applied;
}
