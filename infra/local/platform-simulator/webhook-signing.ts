import { createHash, createHmac } from 'node:crypto';
import { signKefuEvent } from '../../../shared/orders/ingest/verify-kefu-event';

/**
 * How each platform signs the webhooks it sends (shared/orders/ingest/verify-*.ts check them): used by the
 * platform simulator and by tests that play a platform.
 */
export const signShopify = (rawBody: Uint8Array, secret: string): string => createHmac('sha256', secret).update(rawBody).digest('base64');
export const signDouyin = (rawBody: Uint8Array, secret: string): string => createHash('sha1').update(secret).update(rawBody).digest('hex');
export const signKefu = (rawBody: Uint8Array, secrets: readonly string[], at: Date): string => signKefuEvent(rawBody, secrets, at);

/** The headers of a Shopify-style delivery of one event. */
export function shopifyHeaders(rawBody: Uint8Array, secret: string, event: { topic: string; eventId: string; triggeredAt: Date }): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-shopify-hmac-sha256': signShopify(rawBody, secret),
    'x-shopify-topic': event.topic,
    'x-shopify-event-id': event.eventId,
    'x-shopify-triggered-at': event.triggeredAt.toISOString(),
  };
}

export function douyinHeaders(rawBody: Uint8Array, secret: string, msgId: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-douyin-signature': signDouyin(rawBody, secret), 'msg-id': msgId };
}

export function kefuHeaders(rawBody: Uint8Array, secrets: readonly string[], at: Date): Record<string, string> {
  return { 'content-type': 'application/json', 'kefu-signature': signKefu(rawBody, secrets, at) };
}
