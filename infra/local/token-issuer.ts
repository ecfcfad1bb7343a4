import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { Role } from '../../shared/auth/identity';

/** The issuer the local stack signs dev tokens as; it lives under the HTTP API's own origin. */
export const localIssuerPath = '/local-issuer';
export const localAudience = 'kefu';
export function localIssuerUrl(httpUrl: string): string {
  return `${httpUrl}${localIssuerPath}`;
}

export interface DevUser {
  userId: string;
  tenantId: string;
  role: Role;
  shopIds: string[];
  name?: string;
}

export interface TokenIssuer {
  issuer: string;
  audience: string;
  /** The public key set served at /.well-known/jwks.json. */
  jwks: { keys: JWK[] };
  sign(user: DevUser, options?: { expiresInSeconds?: number; issuer?: string; audience?: string }): Promise<string>;
}

/**
 * The local stack's identity provider, standing in for Cognito: an RS256 key pair whose public half is
 * served as a JWKS, so the local HTTP API's JWT authorizer verifies local tokens exactly as API Gateway
 * verifies Cognito's (signature, issuer, audience, expiry). With a key file the key survives restarts,
 * and so do printed tokens.
 */
export async function createTokenIssuer(options: { issuer: string; audience: string; keyFile?: string }): Promise<TokenIssuer> {
  const { privateJwk, publicJwk } = await loadOrCreateKey(options.keyFile);
  const privateKey = await importJWK(privateJwk, 'RS256');
  return {
    issuer: options.issuer,
    audience: options.audience,
    jwks: { keys: [publicJwk] },
    async sign(user, signOptions = {}) {
      return new SignJWT({ tenant_id: user.tenantId, role: user.role, shop_ids: user.shopIds, name: user.name })
        .setProtectedHeader({ alg: 'RS256', kid: publicJwk.kid, typ: 'JWT' })
        .setSubject(user.userId)
        .setIssuer(signOptions.issuer ?? options.issuer)
        .setAudience(signOptions.audience ?? options.audience)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (signOptions.expiresInSeconds ?? 12 * 3600))
        .sign(privateKey);
    },
  };
}

async function loadOrCreateKey(keyFile?: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  if (keyFile && existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8'));
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `kefu-local-${Date.now().toString(36)}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  if (keyFile) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, JSON.stringify({ privateJwk, publicJwk }), { mode: 0o600 });
  }
  return { privateJwk, publicJwk };
}
