import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { allFunctions, httpRoutes, queueConsumers, queues, webSocketRoutes } from '../../shared/manifest';
import { httpEvent, lambdaContext } from '../support/events';

const repoRoot = resolve(import.meta.dirname, '../..');
type HttpResult = { statusCode: number; body: string };

describe('manifest', () => {
  it('names each function once, and every handler module exports a handler', async () => {
    const names = allFunctions().map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of allFunctions()) {
      const module = await import(resolve(repoRoot, spec.handler));
      expect(typeof module.handler, spec.handler).toBe('function');
    }
  });

  it('declares each HTTP route key and WebSocket route once', () => {
    const routeKeys = httpRoutes.map((route) => `${route.method} ${route.path}`);
    expect(new Set(routeKeys).size).toBe(routeKeys.length);
    const wsRoutes = webSocketRoutes.map((route) => route.route);
    expect(new Set(wsRoutes).size).toBe(wsRoutes.length);
  });

  it('gives every consumer a declared queue, and every queue at least 5 receives before its DLQ', () => {
    for (const consumer of queueConsumers) expect(queues.map((q) => q.name)).toContain(consumer.queue);
    for (const queue of queues) expect(queue.maxReceiveCount).toBeGreaterThanOrEqual(5);
  });

  it('says why each public route needs no token (the reason cdk-nag acknowledges)', () => {
    for (const route of httpRoutes.filter((r) => r.public)) expect(route.publicBecause, `${route.method} ${route.path}`).toMatch(/.{20,}/);
  });

  // The API's JWT authorizer is left off exactly the routes marked public, so a handler that forgot
  // to authenticate would be open in the cloud: every other route must refuse a request with no token.
  it.each(httpRoutes.filter((route) => !route.public).map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s refuses a request without a token with 401',
    async (_key, route) => {
      const { handler } = await import(resolve(repoRoot, route.handler));
      const pathParameters = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((match) => [match[1]!, 'x']));
      const result = (await handler(
        httpEvent({ method: route.method, path: route.path, pathParameters, body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} }),
        lambdaContext,
      )) as HttpResult;
      expect(result.statusCode).toBe(401);
      expect(JSON.parse(result.body).error.code).toBe('UNAUTHORIZED');
    },
  );
});
