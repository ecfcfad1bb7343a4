import { DeleteConnectionCommand, GoneException, PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { connectionsApi } from '../runtime/clients';
import { env } from '../runtime/env';

export type PostOutcome = 'sent' | 'gone';

function managementEndpoint(): string {
  const endpoint = env().WS_MANAGEMENT_ENDPOINT;
  if (!endpoint) throw new Error('WS_MANAGEMENT_ENDPOINT is not set for this handler');
  return endpoint;
}

/**
 * Posts one frame to one WebSocket connection. A closed connection answers 410 (GoneException): that is
 * reported as 'gone' so the caller removes that connection's record; any other error is thrown.
 */
export async function postToConnection(
  connectionId: string,
  frame: unknown,
  client: ApiGatewayManagementApiClient = connectionsApi(managementEndpoint()),
): Promise<PostOutcome> {
  try {
    await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(frame), 'utf8') }));
    return 'sent';
  } catch (error) {
    // The SDK's own exception class; the 410 check covers a gateway (or the local one) whose error body
    // the SDK could not map to a modelled exception. (The v2-era `statusCode` field no longer exists.)
    if (error instanceof GoneException || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410) {
      return 'gone';
    }
    throw error;
  }
}

/**
 * Closes one WebSocket connection from the server side (a disabled or expired user's socket). A socket
 * already gone is fine: the outcome is the same.
 */
export async function closeConnection(
  connectionId: string,
  client: ApiGatewayManagementApiClient = connectionsApi(managementEndpoint()),
): Promise<PostOutcome> {
  try {
    await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    return 'sent';
  } catch (error) {
    if (error instanceof GoneException || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410) return 'gone';
    throw error;
  }
}
