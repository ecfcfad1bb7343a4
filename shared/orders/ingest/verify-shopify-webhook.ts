import { createHmac } from 'node:crypto';
import { reject } from './ingest-result';
import { matchingSecret, refused, signatureMismatch, verified, type Headers, type Secrets, type Verification } from './signature';

export const shopifySignatureHeader = 'x-shopify-hmac-sha256';

/** A base64 SHA-256 digest: 32 bytes are 43 characters and one `=`. */
const base64Digest = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Shopify-style: `X-Shopify-Hmac-SHA256` = base64(HMAC-SHA256(client secret, raw body)). No timestamp is
 * signed, so replays are stopped by the dedupe record on X-Shopify-Event-Id, not here. During a secret
 * rotation Shopify may keep using the old secret for up to an hour: both are tried.
 *
 * @example
 * const result = verifyShopifyWebhook(rawBody, event.headers, [shop.webhookSecret]);
 * if (!result.ok) return unauthorized(result.rejection);
 */
export function verifyShopifyWebhook(rawBody: Uint8Array, headers: Headers, secrets: Secrets): Verification {
  const header = headers[shopifySignatureHeader];
  if (!header) return refused(reject('MISSING_SIGNATURE', `${shopifySignatureHeader} header is missing`, { field: `headers.${shopifySignatureHeader}` }));
  if (!base64Digest.test(header.trim())) {
    return refused(reject('MALFORMED_SIGNATURE', `${shopifySignatureHeader} is not a base64 SHA-256 digest`, { field: `headers.${shopifySignatureHeader}` }));
  }
  const received = Buffer.from(header.trim(), 'base64');
  const index = matchingSecret(received, secrets, (secret) => createHmac('sha256', secret).update(rawBody).digest());
  return index < 0 ? signatureMismatch() : verified(index);
}
