import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as createTicket } from '../../functions/http/create-connect-ticket';
import { handler as authorizeConnect } from '../../functions/ws/authorize-connect';
import { handler as getMe } from '../../functions/http/get-me';
import { startTestIssuer, type TestIssuer } from '../support/token-issuer';
import { authorizerEvent, httpEvent, lambdaContext } from '../support/events';

const agent = { userId: 'agent-1', tenantId: 'tenant-ticket', role: 'agent' as const, shopIds: ['shop-a', 'shop-b'] };

describe('connect tickets (DynamoDB Local)', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => issuer.close());

  async function mint(token: string) {
    const response = await createTicket(httpEvent({ method: 'POST', path: '/v1/connect-tickets', token }), lambdaContext);
    return response as { statusCode: number; body: string };
  }

  it('mints a ticket for a verified token and lets $connect consume it exactly once', async () => {
    const response = await mint(await issuer.sign(agent));
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
    const { ticket } = JSON.parse((await mint(await issuer.sign(agent))).body);
    const results = await Promise.all([1, 2, 3].map(() => authorizeConnect(authorizerEvent(ticket), lambdaContext)));
    expect(results.filter((r) => r.policyDocument.Statement[0]?.Effect === 'Allow')).toHaveLength(1);
  });

  it('denies a missing or made-up ticket', async () => {
    for (const ticket of [undefined, '', 'x', 'A'.repeat(43), '../../etc']) {
      const result = await authorizeConnect(authorizerEvent(ticket), lambdaContext);
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    }
  });

  it.each([
    ['expired', { expiresInSeconds: -60 }],
    ['wrong issuer', { issuer: 'https://evil.example/issuer' }],
    ['wrong audience', { audience: 'someone-else' }],
  ])('refuses a token that is %s with 401 and mints nothing', async (_name, options) => {
    const response = await mint(await issuer.sign(agent, options));
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body).error.code).toBe('UNAUTHORIZED');
  });

  it('refuses an alg:none token and a tampered token', async () => {
    const good = await issuer.sign(agent);
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, tenant_id: 'other-tenant' })).toString('base64url')}.${signature}`;
    for (const token of [none, tampered, 'not-a-jwt']) {
      expect((await mint(token)).statusCode).toBe(401);
    }
    expect((await mint('')).statusCode).toBe(401);
  });

  it('returns the identity from the token on GET /v1/me', async () => {
    const response = (await getMe(httpEvent({ method: 'GET', path: '/v1/me', token: await issuer.sign(agent) }), lambdaContext)) as {
      statusCode: number;
      body: string;
    };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ tenantId: 'tenant-ticket', userId: 'agent-1', role: 'agent', shopIds: ['shop-a', 'shop-b'] });
  });
});
