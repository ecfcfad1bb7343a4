import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpContracts } from '../../shared/contracts/http-contracts';
import { routeKey } from '../../shared/contracts/openapi';
import { httpRoutes, type HttpRouteSpec } from '../../shared/manifest';
import { httpEvent, lambdaContext } from '../support/events';

/**
 * The contract's promise, route by route: a query parameter or body field the route does not declare
 * is refused with 400 VALIDATION_FAILED naming it (`query.tenantId`, `body.role`), before anything is
 * read or written. Routes that take no query or no body included: they declare nothing, so everything
 * is undeclared. The sweep covers every manifest route, so a new route cannot slip past it.
 */
const repoRoot = resolve(import.meta.dirname, '../..');
type HttpResult = { statusCode: number; body: string };

/** A request the route would accept (its contract example, a permitted role), to which one undeclared field is added. */
async function call(route: HttpRouteSpec, extra: { query?: Record<string, string>; body?: unknown; rawBody?: string }): Promise<{ status: number; fields: string[]; code: string }> {
  const contract = httpContracts[routeKey(route)];
  if (!contract) throw new Error(`${routeKey(route)} has no contract`);
  const example = contract.examples?.[0] ?? {};
  const role = contract.auth === 'public' ? undefined : contract.auth.includes('admin') ? 'admin' : contract.auth[0]!;
  // What the API's JWT authorizer passes on for a verified token of this caller (public routes get none).
  const identity = role ? { userId: 'sweep-user', tenantId: 'tenant-sweep', role, shopIds: ['handu-flagship'] } : undefined;
  const pathParameters = example.path ?? Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((match) => [match[1]!, 'x1']));
  const event = httpEvent({
    method: route.method,
    path: route.path,
    identity,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
    query: extra.query ? { ...example.query, ...extra.query } : example.query,
    body: extra.body !== undefined ? extra.body : example.body,
    rawBody: extra.rawBody,
  });
  const { handler } = await import(resolve(repoRoot, route.handler));
  const result = (await handler(event, lambdaContext)) as HttpResult;
  const body = result.body ? (JSON.parse(result.body) as { error?: { code: string; details?: { field: string }[] } }) : {};
  return { status: result.statusCode, code: body.error?.code ?? '', fields: (body.error?.details ?? []).map((detail) => detail.field) };
}

const routes = httpRoutes.map((route) => [routeKey(route), route] as const);

describe('undeclared input is refused on every route', () => {
  it.each(routes)('%s refuses undeclared query parameters tenantId and role with 400 naming each', async (_key, route) => {
    const answer = await call(route, { query: { tenantId: 'other-tenant', role: 'admin' } });
    expect(answer).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(answer.fields).toEqual(expect.arrayContaining(['query.tenantId', 'query.role']));
  });

  // A webhook's body is the platform's signed JSON, not kefu's schema: its fields are the platform's to add.
  const kefuBodies = routes.filter(([key]) => !httpContracts[key]?.platformBody);
  // `role`, unless the body declares it (the user routes): then `tenantId`, which no such body declares.
  it.each(kefuBodies)('%s refuses an undeclared body field (role, or tenantId) with 400 naming it', async (_key, route) => {
    const contract = httpContracts[routeKey(route)]!;
    const declared = Object.keys((contract.body as { shape?: object } | undefined)?.shape ?? {});
    const field = declared.includes('role') ? 'tenantId' : 'role';
    const body = { ...(contract.examples?.find((example) => example.body !== undefined)?.body as object | undefined), [field]: 'admin' };
    const answer = await call(route, { body });
    expect(answer).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(answer.fields).toContain(`body.${field}`);
  });

  const bodiless = routes.filter(([key]) => !httpContracts[key]?.body);
  it.each(bodiless)('%s, which takes no body, refuses a non-JSON body and a JSON array, and accepts {} as empty', async (_key, route) => {
    for (const rawBody of ['role=admin', '[]', '"admin"']) {
      expect(await call(route, { rawBody }), rawBody).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', fields: ['body'] });
    }
    const empty = await call(route, { body: {} });
    expect(empty.fields.filter((field) => field.startsWith('body'))).toEqual([]);
  });
});
