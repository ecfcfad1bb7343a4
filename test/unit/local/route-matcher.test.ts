import { describe, expect, it } from 'vitest';
import { createRouteMatcher } from '../../../infra/local/route-matcher';

const routes = [
  { method: 'GET', path: '/v1/shops/{shopId}' },
  { method: 'GET', path: '/v1/shops/mine' },
  { method: 'GET', path: '/v1/agents/{agentId}/response-stats' },
  { method: 'GET', path: '/files/{proxy+}' },
  { method: 'GET', path: '/files/readme' },
  { method: 'PUT', path: '/v1/quick-replies/{shortcut}' },
];
const matcher = createRouteMatcher(routes);

describe('HTTP API route matching', () => {
  it('matches parameters, URL-decoded, and builds the route key', () => {
    expect(matcher.match('PUT', '/v1/quick-replies/%E4%BA%B2%E4%BA%B2')).toEqual({
      route: routes[5],
      routeKey: 'PUT /v1/quick-replies/{shortcut}',
      pathParameters: { shortcut: '亲亲' },
    });
    expect(matcher.match('GET', '/v1/agents/a1/response-stats')?.pathParameters).toEqual({ agentId: 'a1' });
  });

  it('prefers literal segments over parameters, and parameters over a greedy proxy', () => {
    expect(matcher.match('GET', '/v1/shops/mine')?.routeKey).toBe('GET /v1/shops/mine');
    expect(matcher.match('GET', '/v1/shops/s1')?.routeKey).toBe('GET /v1/shops/{shopId}');
    expect(matcher.match('GET', '/files/readme')?.routeKey).toBe('GET /files/readme');
    expect(matcher.match('GET', '/files/a/b/c')?.pathParameters).toEqual({ proxy: 'a/b/c' });
    expect(matcher.match('GET', '/v1/shops/mine')?.pathParameters).toBeUndefined();
  });

  it('matches nothing for another method, a trailing slash, an extra segment or a bad escape', () => {
    expect(matcher.match('DELETE', '/v1/shops/s1')).toBeUndefined();
    expect(matcher.match('GET', '/v1/shops/s1/')).toBeUndefined();
    expect(matcher.match('GET', '/v1/shops/s1/x')).toBeUndefined();
    expect(matcher.match('GET', '/v1/shops/%E4%ZZ')?.pathParameters).toEqual({ shopId: '%E4%ZZ' });
  });
});
