/**
 * Matches a request against API Gateway HTTP API route keys (`GET /v1/quick-replies/{shortcut}`), with
 * API Gateway's precedence: a route with more literal segments wins over one with parameters, and a
 * greedy `{proxy+}` loses to both. Path parameters are URL-decoded, as API Gateway passes them.
 */
export interface RouteDefinition {
  method: string;
  path: string;
}

export interface RouteMatch<R extends RouteDefinition> {
  route: R;
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
}

interface CompiledRoute<R> {
  route: R;
  method: string;
  pattern: RegExp;
  names: string[];
  literalSegments: number;
  greedy: boolean;
}

export interface RouteMatcher<R extends RouteDefinition> {
  match(method: string, path: string): RouteMatch<R> | undefined;
}

export function createRouteMatcher<R extends RouteDefinition>(routes: readonly R[]): RouteMatcher<R> {
  const compiled = routes.map(compile).sort(byPrecedence);
  return {
    match(method, path) {
      for (const candidate of compiled) {
        if (candidate.method !== method.toUpperCase()) continue;
        const found = candidate.pattern.exec(path);
        if (!found) continue;
        const values = found.slice(1);
        const pathParameters = candidate.names.length
          ? Object.fromEntries(candidate.names.map((name, i) => [name, decode(values[i] ?? '')]))
          : undefined;
        return { route: candidate.route, routeKey: `${candidate.method} ${candidate.route.path}`, pathParameters };
      }
      return undefined;
    },
  };
}

function compile<R extends RouteDefinition>(route: R): CompiledRoute<R> {
  const names: string[] = [];
  let literalSegments = 0;
  let greedy = false;
  const segments = route.path.split('/').map((segment) => {
    const parameter = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(segment);
    if (!parameter) {
      if (segment) literalSegments += 1;
      return escapeRegExp(segment);
    }
    names.push(parameter[1] ?? '');
    if (parameter[2]) {
      greedy = true;
      return '(.+)';
    }
    return '([^/]+)';
  });
  return { route, method: route.method.toUpperCase(), pattern: new RegExp(`^${segments.join('/')}$`), names, literalSegments, greedy };
}

function byPrecedence<R>(a: CompiledRoute<R>, b: CompiledRoute<R>): number {
  if (a.greedy !== b.greedy) return a.greedy ? 1 : -1;
  return b.literalSegments - a.literalSegments;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
