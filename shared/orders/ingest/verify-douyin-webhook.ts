import { createHash } from 'node:crypto';
import { reject } from './ingest-result';
import { matchingSecret, refused, signatureMismatch, verified, type Headers, type Secrets, type Verification } from './signature';

export const douyinSignatureHeader = 'x-douyin-signature';

const sha1Hex = /^[0-9a-fA-F]{40}$/;

/**
 * Douyin-style: `X-Douyin-Signature` = hex(SHA-1(client_secret ‖ raw body)). A plain hash, not an HMAC,
 * and no timestamp: kefu can only match what Douyin computes, and stops replays with the Msg-Id dedupe
 * record and business versions. Two secrets are accepted during a rotation.
 */
export function verifyDouyinWebhook(rawBody: Uint8Array, headers: Headers, secrets: Secrets): Verification {
  const header = headers[douyinSignatureHeader];
  if (!header) return refused(reject('MISSING_SIGNATURE', `${douyinSignatureHeader} header is missing`, { field: `headers.${douyinSignatureHeader}` }));
  if (!sha1Hex.test(header.trim())) {
    return refused(reject('MALFORMED_SIGNATURE', `${douyinSignatureHeader} is not a hex SHA-1 digest`, { field: `headers.${douyinSignatureHeader}` }));
  }
  const received = Buffer.from(header.trim(), 'hex');
  const index = matchingSecret(received, secrets, (secret) => createHash('sha1').update(secret).update(rawBody).digest());
  return index < 0 ? signatureMismatch() : verified(index);
}
