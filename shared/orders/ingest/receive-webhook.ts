import { adaptDouyinWebhook } from './adapt-douyin-webhook';
import { adaptKefuEvents, type KefuEndpoint } from './adapt-kefu-events';
import { adaptShopifyWebhook } from './adapt-shopify-webhook';
import type { IngestResult } from './ingest-result';
import type { Headers, Secrets } from './signature';
import { verifyDouyinWebhook } from './verify-douyin-webhook';
import { verifyKefuEvent } from './verify-kefu-event';
import { verifyShopifyWebhook } from './verify-shopify-webhook';

/** The shop an endpoint id resolves to (tenant checked by the handler); the body never names it. */
export type WebhookEndpoint = KefuEndpoint;

/** The three kinds of webhook endpoint kefu serves; Taobao's TMC is pulled instead (adapt-taobao-message.ts). */
export type WebhookKind = 'shopify' | 'douyin' | 'kefu';

export interface WebhookRequest {
  /** The body bytes exactly as received (API Gateway's base64 body decoded, nothing else). */
  rawBody: Uint8Array;
  headers: Headers;
}

/**
 * Verify, then adapt: the one order every webhook handler follows. A failed signature returns its single
 * rejection without a byte of the body having been parsed (reliability row 23). The handler answers 401
 * for a signature rejection, then enqueues accepted envelopes, records ignored ones and sends rejected
 * ones to the DLQ with their reason.
 */
export function receiveWebhook(kind: WebhookKind, request: WebhookRequest, endpoint: WebhookEndpoint, secrets: Secrets, now: Date): IngestResult[] {
  const { rawBody, headers } = request;
  switch (kind) {
    case 'shopify': {
      const verification = verifyShopifyWebhook(rawBody, headers, secrets);
      return verification.ok ? [adaptShopifyWebhook(rawBody, headers, endpoint.shopId)] : [verification.rejection];
    }
    case 'douyin': {
      const verification = verifyDouyinWebhook(rawBody, headers, secrets);
      return verification.ok ? [adaptDouyinWebhook(rawBody, headers, endpoint.shopId)] : [verification.rejection];
    }
    case 'kefu': {
      const verification = verifyKefuEvent(rawBody, headers, secrets, now);
      return verification.ok ? adaptKefuEvents(rawBody, endpoint) : [verification.rejection];
    }
  }
}

/** Whether a rejection is about authenticity (answer 401, store nothing) rather than content (DLQ). */
export const isSignatureRejection = (result: IngestResult): boolean =>
  result.kind === 'rejected' &&
  ['MISSING_SIGNATURE', 'MALFORMED_SIGNATURE', 'SIGNATURE_MISMATCH', 'MISSING_TIMESTAMP', 'STALE_TIMESTAMP', 'FUTURE_TIMESTAMP'].includes(result.reason);
