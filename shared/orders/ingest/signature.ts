import { timingSafeEqual } from 'node:crypto';
import type { Rejection } from './ingest-result';
import { reject } from './ingest-result';

/**
 * Shared by the webhook verifiers. Each verifier works on the raw bytes exactly as received and never
 * parses them: a body is only read as JSON after its signature passed (reliability row 23).
 */

/** Header names as API Gateway's HTTP API hands them over: lower-case. */
export type Headers = Readonly<Record<string, string | undefined>>;

export type Verification = { ok: true; secretIndex: number } | { ok: false; rejection: Rejection };

/**
 * The secrets valid now: one normally, two during a rotation (old and new). Empty means the shop has no
 * webhook configured, which fails closed.
 */
export type Secrets = readonly string[];

export const verified = (secretIndex: number): Verification => ({ ok: true, secretIndex });
export const refused = (rejection: Rejection): Verification => ({ ok: false, rejection });

/**
 * Which secret, if any, produces the received digest. Every secret is compared, with no early exit, so
 * the time taken says nothing about which one matched or how many bytes did.
 */
export function matchingSecret(received: Buffer, secrets: Secrets, digestWith: (secret: string) => Buffer): number {
  let match = -1;
  secrets.forEach((secret, index) => {
    const expected = digestWith(secret);
    // timingSafeEqual throws on a length difference; the callers check the length against the digest's first.
    if (expected.length === received.length && timingSafeEqual(expected, received) && match < 0) match = index;
  });
  return match;
}

export const signatureMismatch = () => refused(reject('SIGNATURE_MISMATCH', 'signature does not match the body', { field: 'headers.signature' }));
