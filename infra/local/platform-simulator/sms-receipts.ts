import { signKefuEvent } from '../../../shared/orders/ingest/verify-kefu-event';

/** The local SMS provider's callback secret: the simulator signs with it, the local stack's handlers verify with it. */
export const localSmsCallbackSecret = 'local-sms-callback-secret-0001';

export interface SmsReceipt {
  tenantId: string;
  taskId: string;
  status: 'delivered' | 'read';
  at: string;
}

/** Posts receipts to kefu as the SMS provider's callback does: signed in kefu's format over the exact bytes. */
export async function postSmsReceipts(kefuUrl: string, receipts: readonly SmsReceipt[], secret = localSmsCallbackSecret, now = new Date()): Promise<{ status: number; body: unknown }> {
  const raw = Buffer.from(JSON.stringify({ receipts }));
  const response = await fetch(`${kefuUrl}/v1/sms/receipts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'kefu-signature': signKefuEvent(raw, [secret], now) },
    body: raw,
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
