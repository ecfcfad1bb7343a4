import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpRoute } from '../../shared/middleware/http-route';
import { wsConnectionRoute, wsRoute } from '../../shared/middleware/ws-route';
import { FloodControl, SharedBudget, TokenBuckets } from '../../shared/conversations/flood-control';
import { ConflictError } from '../../shared/http/errors';
import { handler as unknownAction } from '../../functions/ws/unknown-action';
import { httpEvent, lambdaContext, wsEvent } from '../support/events';

const agentContext = { tenantId: 't1', userId: 'a1', role: 'agent', shopIds: 's1' };

type Result = { statusCode: number; body: string };

describe('httpRoute', () => {
  const echo = httpRoute({ auth: 'public', body: z.object({ name: z.string().min(1) }).strict() }, async ({ body }) => ({
    status: 201,
    body,
  }));

  it('passes a valid body to the domain function', async () => {
    const result = (await echo(httpEvent({ method: 'POST', path: '/x', body: { name: 'kefu' } }), lambdaContext)) as Result;
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body)).toEqual({ name: 'kefu' });
  });

  it.each([
    ['invalid JSON', { rawBody: '{"name":' }, 400, 'VALIDATION_FAILED', 'body'],
    ['no body', {}, 400, 'VALIDATION_FAILED', 'body'],
    ['a missing field', { body: {} }, 400, 'VALIDATION_FAILED', 'body.name'],
    ['an unknown field (mass assignment)', { body: { name: 'x', tenantId: 'other' } }, 400, 'VALIDATION_FAILED', 'body.tenantId'],
    ['a wrong content type', { rawBody: '{"name":"x"}', headers: { 'content-type': 'text/plain' } }, 400, 'VALIDATION_FAILED', 'headers.content-type'],
    ['an oversize body', { body: { name: 'x'.repeat(70_000) } }, 413, 'PAYLOAD_TOO_LARGE', undefined],
  ])('answers %s with a 4xx naming the field', async (_name, options, status, code, field) => {
    const result = (await echo(httpEvent({ method: 'POST', path: '/x', ...options }), lambdaContext)) as Result;
    expect(result.statusCode).toBe(status);
    const body = JSON.parse(result.body);
    expect(body.error.code).toBe(code);
    if (field) expect(body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('keeps AppError status and code, and hides unexpected errors behind a 500 without details', async () => {
    const conflict = httpRoute({ auth: 'public' }, async () => {
      throw new ConflictError('ALREADY_CLOSED', 'conversation already closed');
    });
    const crash = httpRoute({ auth: 'public' }, async () => {
      throw new Error('secret stack detail');
    });
    const conflictResult = (await conflict(httpEvent({ method: 'GET', path: '/x' }), lambdaContext)) as Result;
    expect(conflictResult.statusCode).toBe(409);
    expect(JSON.parse(conflictResult.body).error.code).toBe('ALREADY_CLOSED');
    const crashResult = (await crash(httpEvent({ method: 'GET', path: '/x' }), lambdaContext)) as Result;
    expect(crashResult.statusCode).toBe(500);
    expect(crashResult.body).not.toContain('secret stack detail');
  });

  it('maps DynamoDB throttling to a 503 the client may retry', async () => {
    const throttled = httpRoute({ auth: 'public' }, async () => {
      const error = new Error('Rate exceeded');
      error.name = 'ProvisionedThroughputExceededException';
      throw error;
    });
    const result = (await throttled(httpEvent({ method: 'GET', path: '/x' }), lambdaContext)) as Result;
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).error.code).toBe('SERVICE_UNAVAILABLE');
    expect(result.body).not.toContain('Rate exceeded');
  });

  describe('authentication from the JWT authorizer\'s claims', () => {
    const whoAmI = httpRoute({ auth: ['agent', 'admin'] }, async ({ identity }) => ({ body: identity }));
    const agent = { tenantId: 't1', userId: 'a1', role: 'agent' as const, shopIds: ['s1', 's2'] };

    it('builds the identity from requestContext.authorizer.jwt.claims, arrays in API Gateway\'s "[a b]" form', async () => {
      const result = (await whoAmI(httpEvent({ method: 'GET', path: '/x', identity: agent }), lambdaContext)) as Result;
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toEqual(agent);
    });

    it('refuses a forged event that carries a bearer header (any case) but no authorizer claims with 401', async () => {
      for (const authorization of ['Bearer x.y.z', 'bearer x.y.z']) {
        const result = (await whoAmI(httpEvent({ method: 'GET', path: '/x', headers: { authorization } }), lambdaContext)) as Result;
        expect(result.statusCode).toBe(401);
        expect(JSON.parse(result.body).error.code).toBe('UNAUTHORIZED');
      }
    });

    it('answers 403 to a verified caller whose role the route does not allow', async () => {
      const result = (await whoAmI(httpEvent({ method: 'GET', path: '/x', identity: { ...agent, role: 'buyer', shopIds: [] } }), lambdaContext)) as Result;
      expect(result.statusCode).toBe(403);
    });

    it('gives a public route no identity, even when claims are present', async () => {
      const open = httpRoute({ auth: 'public' }, async ({ identity }) => ({ body: { identity: identity ?? null } }));
      const result = (await open(httpEvent({ method: 'GET', path: '/x', identity: agent }), lambdaContext)) as Result;
      expect(JSON.parse(result.body)).toEqual({ identity: null });
    });
  });

  it('refuses a route that needs a role when no token is sent', async () => {
    const guarded = httpRoute({ auth: ['admin'] }, async () => ({ body: 'never' }));
    const result = (await guarded(httpEvent({ method: 'GET', path: '/x' }), lambdaContext)) as Result;
    expect(result.statusCode).toBe(401);
  });
});

describe('wsRoute', () => {
  const echo = wsRoute(
    { frame: z.object({ action: z.literal('echo'), ref: z.string().optional(), text: z.string().min(1) }).strict(), roles: ['agent'] },
    async ({ frame, identity }) => ({ type: 'echo', text: frame.text, tenantId: identity.tenantId }),
  );

  it('returns the reply frame with the identity from the authorizer context', async () => {
    const result = (await echo(wsEvent({ body: '{"action":"echo","ref":"r1","text":"hi"}', authorizer: agentContext }), lambdaContext)) as Result;
    expect(JSON.parse(result.body)).toEqual({ type: 'echo', ref: 'r1', text: 'hi', tenantId: 't1' });
  });

  it.each([
    ['not JSON', 'hello', 'VALIDATION_FAILED', '(frame)'],
    ['an empty frame', '', 'VALIDATION_FAILED', '(frame)'],
    ['a missing field', '{"action":"echo","ref":"r2"}', 'VALIDATION_FAILED', 'text'],
    ['an injected tenant', '{"action":"echo","text":"x","tenantId":"t2"}', 'VALIDATION_FAILED', 'tenantId'],
    ['an oversize frame', JSON.stringify({ action: 'echo', text: 'x'.repeat(40_000) }), 'PAYLOAD_TOO_LARGE', undefined],
  ])('answers %s with an error frame (status 200: the socket stays open)', async (_name, body, code, field) => {
    const result = (await echo(wsEvent({ body, authorizer: agentContext }), lambdaContext)) as Result;
    expect(result.statusCode).toBe(200);
    const frame = JSON.parse(result.body);
    expect(frame).toMatchObject({ type: 'error', code });
    if (field) expect(frame.field).toBe(field);
  });

  it('echoes the client ref on errors so the client can match them', async () => {
    const result = (await echo(wsEvent({ body: '{"action":"echo","ref":"r9"}', authorizer: agentContext }), lambdaContext)) as Result;
    expect(JSON.parse(result.body).ref).toBe('r9');
  });

  it('refuses a role the action is not for, and a connection without identity', async () => {
    const buyer = { ...agentContext, role: 'buyer' };
    const forbidden = JSON.parse(((await echo(wsEvent({ body: '{"action":"echo","text":"x"}', authorizer: buyer }), lambdaContext)) as Result).body);
    expect(forbidden.code).toBe('FORBIDDEN');
    const anonymous = JSON.parse(((await echo(wsEvent({ body: '{"action":"echo","text":"x"}' }), lambdaContext)) as Result).body);
    expect(anonymous.code).toBe('UNAUTHORIZED');
  });

  it('echoes the request ref on the reply right after its type, without the handler doing it', async () => {
    const result = (await echo(wsEvent({ body: '{"action":"echo","ref":"r1","text":"hi"}', authorizer: agentContext }), lambdaContext)) as Result;
    expect(result.body).toBe('{"type":"echo","ref":"r1","text":"hi","tenantId":"t1"}');
    const withoutRef = (await echo(wsEvent({ body: '{"action":"echo","text":"hi"}', authorizer: agentContext }), lambdaContext)) as Result;
    expect(JSON.parse(withoutRef.body)).not.toHaveProperty('ref');
  });

  it('puts the request ref on PAYLOAD_TOO_LARGE, read from the oversized frame', async () => {
    const body = JSON.stringify({ action: 'echo', ref: 'big-1', text: 'x'.repeat(40_000) });
    const frame = JSON.parse(((await echo(wsEvent({ body, authorizer: agentContext }), lambdaContext)) as Result).body);
    expect(frame).toMatchObject({ type: 'error', code: 'PAYLOAD_TOO_LARGE', ref: 'big-1' });
    // An oversized frame that is not JSON, or a non-string ref, gets the error without a ref.
    for (const oversized of [`{"ref":"r","text":"${'x'.repeat(40_000)}`, JSON.stringify({ ref: 7, text: 'x'.repeat(40_000) })]) {
      const refused = JSON.parse(((await echo(wsEvent({ body: oversized, authorizer: agentContext }), lambdaContext)) as Result).body);
      expect(refused.code).toBe('PAYLOAD_TOO_LARGE');
      expect(refused).not.toHaveProperty('ref');
    }
  });

  it('applies flood control before the frame is parsed, and answers RATE_LIMITED with the ref', async () => {
    const lease = async () => true;
    const control = new FloodControl(new TokenBuckets({ ratePerSecond: 0.001, burst: 2 }), new SharedBudget({ windowSeconds: 10, limitPerWindow: 10, blockSize: 10, freePerWindow: 5, lease }));
    let ran = 0;
    const limited = wsRoute({ frame: z.object({ action: z.literal('x'), ref: z.string().optional() }).strict(), roles: ['agent'], floodControl: control }, async () => {
      ran += 1;
      return { type: 'ok' };
    });
    const send = async (body: string) => JSON.parse(((await limited(wsEvent({ body, connectionId: 'flooder', authorizer: agentContext }), lambdaContext)) as Result).body);
    expect(await send('{"action":"x","ref":"1"}')).toEqual({ type: 'ok', ref: '1' });
    // A malformed frame spends a token too.
    expect((await send('{"action":"x","bogus":1}')).code).toBe('VALIDATION_FAILED');
    expect(await send('{"action":"x","ref":"3"}')).toMatchObject({ type: 'error', code: 'RATE_LIMITED', ref: '3' });
    expect(ran).toBe(1);
  });

  it('names the action field for an unknown action on $default', async () => {
    const result = (await unknownAction(wsEvent({ body: '{"action":"dance"}', authorizer: agentContext }), lambdaContext)) as Result;
    expect(JSON.parse(result.body)).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED', field: 'action' });
  });
});

describe('wsConnectionRoute', () => {
  it('runs with the authorizer identity, answers withoutIdentity without one, and turns a busy table into 503', async () => {
    const seen: string[] = [];
    const route = wsConnectionRoute({ withoutIdentity: { statusCode: 401 } }, async ({ identity, connectionId }) => {
      seen.push(`${identity.tenantId}/${identity.userId}/${connectionId}`);
      if (identity.userId === 'busy') throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
      return { statusCode: 200 };
    });
    expect(await route(wsEvent({ connectionId: 'c9', authorizer: agentContext, routeKey: '$connect' }), lambdaContext)).toEqual({ statusCode: 200 });
    expect(await route(wsEvent({ routeKey: '$connect' }), lambdaContext)).toEqual({ statusCode: 401 });
    expect(await route(wsEvent({ authorizer: { ...agentContext, userId: 'busy' }, routeKey: '$connect' }), lambdaContext)).toEqual({ statusCode: 503 });
    expect(seen[0]).toBe('t1/a1/c9');
  });
});
