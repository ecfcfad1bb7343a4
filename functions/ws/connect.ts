import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { identityFromAuthorizerContext } from '../../shared/auth/identity';
import { saveConnection } from '../../shared/store/connections';
import { logger } from '../../shared/runtime/observability';
import type { WebSocketEvent } from '../../shared/middleware/ws-route';

/** $connect runs only after the authorizer allowed the ticket; it records the connection for fan-out. */
export const handler = middy<WebSocketEvent, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const identity = identityFromAuthorizerContext(event.requestContext.authorizer);
    if (!identity) return { statusCode: 401 };
    await saveConnection(identity, event.requestContext.connectionId);
    return { statusCode: 200 };
  });
