import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import { env } from '../runtime/env';
import { identityFromClaims, type Identity } from './identity';

type Verifier = { verify(token: string): Promise<unknown> };
let verifier: Verifier | undefined;

/**
 * aws-jwt-verify fetches JWKS over HTTPS only, which is right for Cognito. The local stack's issuer
 * serves its JWKS over plain HTTP on loopback, so loopback addresses (and only those) are fetched with
 * the platform's fetch; every other URI goes through the library's own HTTPS fetcher.
 */
const loopbackAwareFetcher: Fetcher = {
  async fetch(uri, requestOptions, data) {
    const url = new URL(uri);
    const loopback = url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (!loopback) return new SimpleFetcher().fetch(uri, requestOptions, data);
    const response = await globalThis.fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new Error(`JWKS fetch failed with ${response.status}`);
    return response.arrayBuffer();
  },
};

/**
 * Verifies a bearer token against the issuer's JWKS (Cognito in the cloud, the local issuer in the local
 * stack): signature, expiry, issuer and audience. The JWKS is fetched once and cached per cold start.
 * Returns undefined for any bad token; the reason is never echoed to the caller.
 */
export async function verifyAccessToken(token: string): Promise<Identity | undefined> {
  const config = env();
  verifier ??= JwtRsaVerifier.create(
    { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, jwksUri: config.JWKS_URI },
    { jwksCache: new SimpleJwksCache({ fetcher: loopbackAwareFetcher }) },
  ) as unknown as Verifier;
  try {
    const payload = await verifier.verify(token);
    return identityFromClaims(payload);
  } catch {
    return undefined;
  }
}

export function resetVerifierForTests(): void {
  verifier = undefined;
}
