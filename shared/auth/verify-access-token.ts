import { JwtRsaVerifier } from 'aws-jwt-verify';
import { env } from '../runtime/env';
import { identityFromClaims, type Identity } from './identity';

type Verifier = { verify(token: string): Promise<unknown> };
let verifier: Verifier | undefined;

/**
 * Verifies a bearer token against the issuer's JWKS (Cognito in the cloud, the local issuer in the local
 * stack): signature, expiry, issuer and audience. The JWKS is fetched once and cached per cold start.
 * Returns undefined for any bad token; the reason is never echoed to the caller.
 */
export async function verifyAccessToken(token: string): Promise<Identity | undefined> {
  const config = env();
  verifier ??= JwtRsaVerifier.create({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    jwksUri: config.JWKS_URI,
  }) as unknown as Verifier;
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
