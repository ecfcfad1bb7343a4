import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';

/**
 * The HTTP API's JWT authorizer (HttpJwtAuthorizer in infra/app-stack.ts), run before every non-public
 * route as API Gateway runs it: the Authorization header's bearer token must be an RS256 JWT signed by a
 * key of the issuer's JWKS, unexpired, from the issuer and for the audience. A refusal is API Gateway's
 * own 401; the handler never runs. Accepted claims reach the handler as requestContext.authorizer.jwt,
 * with API Gateway's string forms (arrays become "[a b]").
 */
export type JwtDecision =
  | { allowed: true; authorizer: { jwt: { claims: Record<string, string>; scopes: string[] | null } } }
  | { allowed: false; wwwAuthenticate: string };

export type JwtAuthorizer = (authorizationHeader: string | undefined) => Promise<JwtDecision>;

export function createJwtAuthorizer(options: { issuer: string; audience: string; jwks: () => JSONWebKeySet }): JwtAuthorizer {
  return async (header) => {
    const token = header?.replace(/^Bearer\s+/i, '').trim();
    if (!token) return { allowed: false, wwwAuthenticate: 'Bearer' };
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(options.jwks()), {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'iat'],
      });
      const claims = Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, claimString(value)]));
      const scope = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : null;
      return { allowed: true, authorizer: { jwt: { claims, scopes: scope } } };
    } catch {
      return { allowed: false, wwwAuthenticate: 'Bearer error="invalid_token" error_description="the token is not valid"' };
    }
  };
}

function claimString(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(String).join(' ')}]`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
