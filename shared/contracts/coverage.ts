import { httpRoutes, webSocketRoutes } from '../manifest';
import { httpContracts } from './http-contracts';
import { routeKey } from './openapi';
import { webSocketContracts } from './websocket-contracts';

/** Manifest routes with no contract entry, as `METHOD /path (handler)` or `ws ROUTE (handler)`. */
export function undocumentedRoutes(): string[] {
  return [
    ...httpRoutes.filter((route) => !httpContracts[routeKey(route)]).map((route) => `${routeKey(route)} (${route.handler})`),
    ...webSocketRoutes.filter((route) => !webSocketContracts[route.route]).map((route) => `ws ${route.route} (${route.handler})`),
  ];
}
