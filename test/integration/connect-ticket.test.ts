import { describe, expect, it } from 'vitest';
import { handler as createTicket } from '../../functions/http/create-connect-ticket';
import { handler as authorizeConnect } from '../../functions/ws/authorize-connect';
import { handler as getMe } from '../../functions/http/get-me';
import type { Identity } from '../../shared/auth/identity';
import { authorizerClaims, authorizerEvent, httpEvent, lambdaContext } from '../support/events';

const agent: Identity = { userId: 'agent-1', tenantId: 'tenant-ticket', role: 'agent', shopIds: ['shop-a', 'shop-b'] };

describe('connect tickets (DynamoDB Local)', () => {
  async function mint(claims: Record<string, string> | undefined, headers?: Record<string, string>) {
    const response = await createTicket(httpEvent({ method: 'POST', path: '/v1/connect-tickets', claims, headers }), lambdaContext);
    return response as { statusCode: number; body: string };
  }

  it('mints a ticket for the verified caller and lets $connect consume it exactly once', async () => {
    const response = await mint(authorizerClaims(agent));
    expect(response.statusCode).toBe(201);
    const { ticket } = JSON.parse(response.body);

    const first = await authorizeConnect(authorizerEvent(ticket), lambdaContext);
    expect(first.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(first.context).toEqual({ tenantId: 'tenant-ticket', userId: 'agent-1', role: 'agent', shopIds: 'shop-a,shop-b' });

    const reused = await authorizeConnect(authorizerEvent(ticket), lambdaContext);
    expect(reused.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(reused.context).toBeUndefined();
  });

  it('lets only one of two concurrent $connects with the same ticket through', async () => {
    const { ticket } = JSON.parse((await mint(authorizerClaims(agent))).body);
    const results = await Promise.all([1, 2, 3].map(() => authorizeConnect(authorizerEvent(ticket), lambdaContext)));
    expect(results.filter((r) => r.policyDocument.Statement[0]?.Effect === 'Allow')).toHaveLength(1);
  });

  it('denies a missing or made-up ticket', async () => {
    for (const ticket of [undefined, '', 'x', 'A'.repeat(43), '../../etc']) {
      const result = await authorizeConnect(authorizerEvent(ticket), lambdaContext);
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    }
  });

  it('refuses a forged event without the JWT authorizer\'s claims with 401, whatever bearer header it carries', async () => {
    // A direct invoke, or a route wired without the authorizer: the handler trusts only what the authorizer verified.
    const forged = await mint(undefined, { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' });
    expect(forged.statusCode).toBe(401);
    expect(JSON.parse(forged.body).error.code).toBe('UNAUTHORIZED');
    expect((await mint(undefined)).statusCode).toBe(401);
  });

  it.each([
    ['no tenant', { tenant_id: undefined }],
    ['an unknown role', { role: 'root' }],
    ['a malformed user id', { sub: 'a b' }],
  ])('refuses verified claims with %s with 401', async (_name, change) => {
    const claims = Object.fromEntries(Object.entries({ ...authorizerClaims(agent), ...change }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    expect((await mint(claims)).statusCode).toBe(401);
  });

  it('reads shops in every form a claim can take: API Gateway\'s "[a b]", a Cognito attribute "a,b" or "a b"', async () => {
    for (const shopIds of ['[shop-a shop-b]', 'shop-a,shop-b', 'shop-a shop-b']) {
      const response = (await getMe(httpEvent({ method: 'GET', path: '/v1/me', claims: { ...authorizerClaims(agent), shop_ids: shopIds } }), lambdaContext)) as { body: string };
      expect(JSON.parse(response.body).shopIds).toEqual(['shop-a', 'shop-b']);
    }
  });

  it('returns the identity from the token on GET /v1/me', async () => {
    const response = (await getMe(httpEvent({ method: 'GET', path: '/v1/me', identity: agent }), lambdaContext)) as {
      statusCode: number;
      body: string;
    };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ tenantId: 'tenant-ticket', userId: 'agent-1', role: 'agent', shopIds: ['shop-a', 'shop-b'] });
  });
});
