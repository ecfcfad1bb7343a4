import { env } from '../runtime/env';

/**
 * The two outside parties outreach talks to, behind one small interface (issue 8 §1): the platform (its
 * chat API for a buyer without an open kefu conversation, and coupon issuance — on Taobao
 * `taobao.promotion.coupon.send`, which runs only inside 聚石塔) and an SMS provider. Every call carries
 * kefu's own idempotency key, so a retried send or issuance is taken once by the other side. Locally the
 * platform simulator plays both (infra/local/platform-simulator).
 */
export interface OutreachMessage {
  idempotencyKey: string;
  tenantId: string;
  shopId: string;
  platform: string;
  buyerId: string;
  text: string;
  taskId: string;
  kind: string;
  /** When the task was due, for the other side's lateness figures (the simulator's). */
  dueAt: string;
}

export interface CouponCommand {
  idempotencyKey: string;
  tenantId: string;
  shopId: string;
  platform: string;
  buyerId: string;
  amountMinor: number;
  currency: string;
  kind: 'coupon' | 'cash';
}

export interface OutreachGateway {
  sendChat(message: OutreachMessage): Promise<void>;
  sendSms(message: OutreachMessage): Promise<void>;
  issueCoupon(command: CouponCommand): Promise<{ platformCouponId: string }>;
}

class GatewayError extends Error {}

async function post(base: string | undefined, path: string, idempotencyKey: string, body: unknown): Promise<Record<string, unknown>> {
  if (!base) throw new GatewayError(`no API configured for ${path}`);
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  // Any non-2xx throws: the job is retried (same key), and after maxReceiveCount it is in the DLQ.
  if (!response.ok) throw new GatewayError(`${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export const httpOutreachGateway: OutreachGateway = {
  sendChat: async (message) => void (await post(env().PLATFORM_API_URL, '/outreach/chat', message.idempotencyKey, message)),
  sendSms: async (message) => void (await post(env().SMS_API_URL ?? env().PLATFORM_API_URL, '/sms/messages', message.idempotencyKey, message)),
  issueCoupon: async (command) => {
    const answer = await post(env().PLATFORM_API_URL, '/outreach/coupons', command.idempotencyKey, command);
    return { platformCouponId: String(answer.couponId ?? '') };
  },
};
