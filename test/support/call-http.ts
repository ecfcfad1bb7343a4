import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Identity } from '../../shared/auth/identity';
import { httpEvent, lambdaContext } from './events';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/**
 * Calls an HTTP handler module as API Gateway would for a verified caller, and returns status and parsed
 * body. `path` is the concrete path; `pathParameters` as the route template names them.
 */
export async function callHttp(
  handler: Handler,
  identity: Identity,
  request: { method: string; path: string; pathParameters?: Record<string, string>; query?: Record<string, string>; body?: unknown },
): Promise<{ status: number; body: any }> {
  const response = (await handler(httpEvent({ ...request, identity }), lambdaContext)) as { statusCode: number; body: string };
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}
