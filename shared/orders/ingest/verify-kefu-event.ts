import { createHmac } from 'node:crypto';
import { reject } from './ingest-result';
import { matchingSecret, refused, signatureMismatch, verified, type Headers, type Secrets, type Verification } from './signature';

export const kefuSignatureHeader = 'kefu-signature';

/** How far a signed timestamp may be from kefu's clock, either way (Stripe's default; reliability row 23). */
export const kefuSignatureToleranceSeconds = 300;

const hexSha256 = /^[0-9a-f]{64}$/;

/**
 * kefu's own format, for relays inside a platform's cloud and firms' ERPs: header
 * `Kefu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." ‖ raw body)>`. The sender may add
 * one `v1` per secret during a rotation; kefu accepts any `v1` made with either of its two valid secrets.
 * Unlike the platforms, the timestamp is signed, so stale and future-dated requests are refused here;
 * the dedupe record still stops a replay inside the window.
 */
export function verifyKefuEvent(rawBody: Uint8Array, headers: Headers, secrets: Secrets, now: Date): Verification {
  const header = headers[kefuSignatureHeader];
  const field = `headers.${kefuSignatureHeader}`;
  if (!header) return refused(reject('MISSING_SIGNATURE', `${kefuSignatureHeader} header is missing`, { field }));
  const parts = parseHeader(header);
  if (!parts) return refused(reject('MALFORMED_SIGNATURE', `${kefuSignatureHeader} must be t=<seconds>,v1=<hex>`, { field }));
  if (parts.timestamp === undefined) return refused(reject('MISSING_TIMESTAMP', `${kefuSignatureHeader} has no t=`, { field }));
  const skew = parts.timestamp - Math.floor(now.getTime() / 1000);
  if (skew < -kefuSignatureToleranceSeconds) return refused(reject('STALE_TIMESTAMP', `signed ${-skew} s ago; at most ${kefuSignatureToleranceSeconds} s allowed`, { field }));
  if (skew > kefuSignatureToleranceSeconds) return refused(reject('FUTURE_TIMESTAMP', `signed ${skew} s in the future; at most ${kefuSignatureToleranceSeconds} s allowed`, { field }));

  const prefix = Buffer.from(`${parts.timestamp}.`);
  const digestWith = (secret: string) => createHmac('sha256', secret).update(prefix).update(rawBody).digest();
  // Any v1 signed with any valid secret passes; still compare all of them.
  let index = -1;
  for (const signature of parts.signatures) {
    const found = matchingSecret(Buffer.from(signature, 'hex'), secrets, digestWith);
    if (index < 0) index = found;
  }
  return index < 0 ? signatureMismatch() : verified(index);
}

/** Signs like a relay does; used by the simulator and the tests. */
export function signKefuEvent(rawBody: Uint8Array, secrets: Secrets, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  const prefix = Buffer.from(`${timestamp}.`);
  const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(prefix).update(rawBody).digest('hex')}`);
  return [`t=${timestamp}`, ...signatures].join(',');
}

function parseHeader(header: string): { timestamp: number | undefined; signatures: string[] } | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value, ...rest] = part.trim().split('=');
    if (rest.length > 0 || !key || value === undefined) return undefined;
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!hexSha256.test(value)) return undefined;
      signatures.push(value);
    }
    // Other schemes (a future v2) are skipped, as Stripe's verifiers do, so senders can add them first.
  }
  if (signatures.length === 0 || signatures.length > 4) return undefined;
  return { timestamp, signatures };
}
