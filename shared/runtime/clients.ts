import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';

/**
 * AWS clients, created once per cold start. Locally the SDK's own AWS_ENDPOINT_URL_DYNAMODB and
 * AWS_ENDPOINT_URL_SQS variables point them at DynamoDB Local and the SQS server; no code branches on it.
 */
let documentClient: DynamoDBDocumentClient | undefined;
let sqsClient: SQSClient | undefined;
const managementClients = new Map<string, ApiGatewayManagementApiClient>();

export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function sqs(): SQSClient {
  // Send to the configured endpoint, not the queue URL's host: locally that host (sqs.<region>.localhost)
  // does not resolve; in the cloud both are the same regional endpoint.
  sqsClient ??= new SQSClient({ maxAttempts: 4, useQueueUrlAsEndpoint: false });
  return sqsClient;
}

export function connectionsApi(endpoint: string): ApiGatewayManagementApiClient {
  let client = managementClients.get(endpoint);
  if (!client) {
    client = new ApiGatewayManagementApiClient({ endpoint, maxAttempts: 2 });
    managementClients.set(endpoint, client);
  }
  return client;
}

/** Tests swap in clients of their own (one that meters consumed capacity, say) and put the default back. */
export function setClientsForTests(clients: { dynamo?: DynamoDBDocumentClient; sqs?: SQSClient }): void {
  if (clients.dynamo) documentClient = clients.dynamo;
  if (clients.sqs) sqsClient = clients.sqs;
}
