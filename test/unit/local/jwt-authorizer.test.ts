import { beforeAll, describe, expect, it } from 'vitest';
import { createJwtAuthorizer, type JwtAuthorizer } from '../../../infra/local/jwt-authorizer';
import { createTokenIssuer, type DevUser, type TokenIssuer } from '../../../infra/local/token-issuer';
import { identityFromClaims } from '../../../shared/auth/identity';

/**
 * The local HTTP API's JWT authorizer: since handlers read the claims it passes and verify nothing
 * themselves, every check API Gateway's authorizer makes is tested here.
 */
const agent: DevUser = { userId: 'agent-1', tenantId: 'tenant-jwt', role: 'agent', shopIds: ['shop-a', 'shop-b'], name: '小美' };

describe('the local JWT authorizer', () => {
  let issuer: TokenIssuer;
  let authorize: JwtAuthorizer;
  beforeAll(async () => {
    issuer = await createTokenIssuer({ issuer: 'http://127.0.0.1:3000/local-issuer', audience: 'kefu' });
    authorize = createJwtAuthorizer({ issuer: issuer.issuer, audience: issuer.audience, jwks: () => issuer.jwks });
  });

  it('passes the verified claims as API Gateway does (strings, arrays as "[a b]"), which handlers read as the identity', async () => {
    const decision = await authorize(`Bearer ${await issuer.sign(agent)}`);
    if (!decision.allowed) throw new Error('refused a good token');
    expect(decision.authorizer.jwt.claims).toMatchObject({ sub: 'agent-1', tenant_id: 'tenant-jwt', role: 'agent', shop_ids: '[shop-a shop-b]', aud: 'kefu' });
    expect(identityFromClaims(decision.authorizer.jwt.claims)).toEqual({ tenantId: 'tenant-jwt', userId: 'agent-1', role: 'agent', shopIds: ['shop-a', 'shop-b'] });
  });

  it('accepts the scheme in any case (RFC 7235: "bearer", "BEARER")', async () => {
    const token = await issuer.sign(agent);
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) expect((await authorize(`${scheme} ${token}`)).allowed).toBe(true);
  });

  it.each([
    ['expired', { expiresInSeconds: -60 }],
    ['from another issuer', { issuer: 'https://evil.example/issuer' }],
    ['for another audience', { audience: 'someone-else' }],
  ])('refuses a token %s', async (_name, options) => {
    const decision = await authorize(`Bearer ${await issuer.sign(agent, options)}`);
    expect(decision).toMatchObject({ allowed: false, wwwAuthenticate: expect.stringContaining('invalid_token') });
  });

  it('refuses alg:none, a tampered payload, another key, garbage and a missing token', async () => {
    const good = await issuer.sign(agent);
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, tenant_id: 'other-tenant' })).toString('base64url')}.${signature}`;
    const stranger = await createTokenIssuer({ issuer: issuer.issuer, audience: issuer.audience });
    for (const token of [none, tampered, await stranger.sign(agent), 'not-a-jwt']) expect((await authorize(`Bearer ${token}`)).allowed).toBe(false);
    for (const header of [undefined, '', 'Bearer   ']) expect(await authorize(header)).toEqual({ allowed: false, wwwAuthenticate: 'Bearer' });
    expect((await authorize('Bearer')).allowed).toBe(false);
  });
});
