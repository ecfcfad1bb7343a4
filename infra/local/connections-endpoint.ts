import { isUtf8 } from 'node:buffer';
import type { GatewayResponse } from './http-api-event';

/**
 * The WebSocket API's management endpoint (`@connections`), served on the HTTP port so handlers reach it
 * at WS_MANAGEMENT_ENDPOINT with the real ApiGatewayManagementApiClient. Errors carry the
 * `x-amzn-errortype` header the SDK turns into typed exceptions: a closed or unknown connection gives
 * 410 → `GoneException`, exactly what fan-out code must handle in the cloud.
 */
export interface ManagedConnection {
  connectedAt: Date;
  lastActiveAt: Date;
  sourceIp: string;
  userAgent: string | undefined;
  post(data: Buffer): Promise<void>;
  delete(): void;
}

export interface ManagedConnections {
  connection(connectionId: string): ManagedConnection | undefined;
}

/** API Gateway's limit for one PostToConnection payload. */
export const maxPostBytes = 128 * 1024;

const connectionsPath = /^(?:\/[^/]+)?\/@connections\/([^/]+)$/;

/** The connection id if the path is `/@connections/{id}` (or `/{stage}/@connections/{id}`). */
export function connectionIdFromPath(path: string): string | undefined {
  const found = connectionsPath.exec(path);
  if (!found?.[1]) return undefined;
  try {
    return decodeURIComponent(found[1]);
  } catch {
    return undefined;
  }
}

/**
 * Handles one management call. In the cloud the endpoint requires IAM (SigV4); the signature cannot be
 * checked against dummy credentials, but an unsigned call is refused as API Gateway refuses it, so a
 * handler that forgets to sign fails here too.
 */
export async function handleConnectionsRequest(
  request: { method: string; connectionId: string; headers: Record<string, string | string[] | undefined>; body: Buffer },
  connections: ManagedConnections,
): Promise<GatewayResponse> {
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string' || !authorization.startsWith('AWS4-HMAC-SHA256 ')) {
    return awsError(403, 'ForbiddenException', 'Missing Authentication Token');
  }
  const connection = connections.connection(request.connectionId);
  if (!connection) return awsError(410, 'GoneException', null);

  switch (request.method) {
    case 'POST':
      if (request.body.length > maxPostBytes) return awsError(413, 'PayloadTooLargeException', `Payload exceeds ${maxPostBytes} bytes`);
      try {
        await connection.post(request.body);
      } catch {
        return awsError(410, 'GoneException', null);
      }
      return { statusCode: 200, headers: {}, cookies: [], body: Buffer.alloc(0) };
    case 'GET':
      // The wire format is camelCase; the SDK presents it as ConnectedAt, Identity.SourceIp, LastActiveAt.
      return json(200, {
        connectedAt: connection.connectedAt.toISOString(),
        identity: { sourceIp: connection.sourceIp, ...(connection.userAgent ? { userAgent: connection.userAgent } : {}) },
        lastActiveAt: connection.lastActiveAt.toISOString(),
      });
    case 'DELETE':
      connection.delete();
      return { statusCode: 204, headers: {}, cookies: [], body: Buffer.alloc(0) };
    default:
      return awsError(405, 'MethodNotAllowedException', `${request.method} is not supported on @connections`);
  }
}

/** Whether a posted payload goes out as a text frame (browsers read it as a string) or a binary one. */
export function isTextPayload(data: Buffer): boolean {
  return isUtf8(data);
}

function json(statusCode: number, body: unknown): GatewayResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(JSON.stringify(body)) };
}

function awsError(statusCode: number, type: string, message: string | null): GatewayResponse {
  const response = json(statusCode, { message });
  response.headers['x-amzn-errortype'] = type;
  return response;
}
