import { randomUUID } from 'node:crypto';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { Envelope } from '../../shared/orders/envelope';
import { fireDependencies, forgetCachedSettings, type FireDependencies } from '../../shared/outreach/fire-task';
import type { OutreachGateway, OutreachMessage, CouponCommand } from '../../shared/outreach/outreach-gateway';
import { outreachSettingsBody, type OutreachSettingsBody } from '../../shared/outreach/settings';
import { minuteOf, type OutreachTask } from '../../shared/outreach/task';
import { sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';
import { putOutreachSettings } from '../../shared/store/outreach';

/** Shared setup for the outreach integration tests (DynamoDB Local + the SQS server). */

/** The outreach queue of one test file alone (the global one is shared by files running at once). */
export async function ownOutreachQueue(name: string): Promise<string> {
  const url = (await sqs().send(new CreateQueueCommand({ QueueName: `${name}-outreach-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
  process.env.OUTREACH_QUEUE_URL = url;
  resetEnvForTests();
  return url;
}

/** The platform and SMS provider as a recorder: every call, and each idempotency key's count. */
export function recordingGateway() {
  const sent: { channel: 'chat' | 'sms'; message: OutreachMessage }[] = [];
  const coupons: CouponCommand[] = [];
  const gateway: OutreachGateway = {
    sendChat: async (message) => void sent.push({ channel: 'chat', message }),
    sendSms: async (message) => void sent.push({ channel: 'sms', message }),
    issueCoupon: async (command) => {
      coupons.push(command);
      return { platformCouponId: `P-${command.idempotencyKey}` };
    },
  };
  const deps: FireDependencies = { ...fireDependencies, gateway };
  return { sent, coupons, gateway, deps, to: (taskId: string) => sent.filter((item) => item.message.taskId === taskId) };
}

export async function saveSettings(tenantId: string, shopId: string, body: Partial<Record<keyof OutreachSettingsBody, unknown>> = {}) {
  forgetCachedSettings();
  return putOutreachSettings(tenantId, shopId, outreachSettingsBody.parse(body), new Date());
}

/** A campaign task (no order) due in `minute`, for the scheduling rules. */
export function campaignTask(tenantId: string, shopId: string, taskId: string, buyerId: string, dueAt: Date, brandId = shopId): OutreachTask {
  const at = new Date(dueAt.getTime() - 3_600_000).toISOString();
  return {
    tenantId,
    shopId,
    taskId,
    kind: 'campaign',
    nudge: 0,
    platform: 'taobao',
    buyerId,
    platformBuyerId: buyerId,
    brandId,
    status: 'scheduled',
    dueAt: dueAt.toISOString(),
    dueMinute: minuteOf(dueAt),
    assignTo: 'robot',
    template: '亲，{shopName}的活动开始啦',
    deferrals: 0,
    createdAt: at,
    updatedAt: at,
  };
}

let counter = 0;
export function orderEnvelope(shopId: string, orderId: string, status: 'created' | 'paid' | 'shipped' | 'finished', at: Date, buyerId = 'buyer-zhou'): Envelope {
  return {
    platform: 'taobao',
    shopId,
    messageId: `om-${++counter}-${orderId}-${status}-${randomUUID().slice(0, 6)}`,
    topic: 'order.updated',
    sourceTopic: 'taobao_trade_x',
    occurredAt: at.toISOString(),
    businessVersion: at.getTime(),
    payload: { orderId, status, buyer: { buyerId }, ...(status === 'created' ? { createdAt: at.toISOString() } : {}) },
  };
}

export function signedEnvelope(shopId: string, orderId: string, at: Date, messageId = `sg-${++counter}-${orderId}`): Envelope {
  return {
    platform: 'taobao',
    shopId,
    messageId,
    topic: 'logistics.updated',
    sourceTopic: 'taobao_logistics_LogisticsTraceMessage',
    occurredAt: at.toISOString(),
    businessVersion: at.getTime(),
    payload: { orderId, parcelId: 'SF100', action: 'signed', at: at.toISOString() },
  };
}
