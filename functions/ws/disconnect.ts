import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { identityFromAuthorizerContext } from '../../shared/auth/identity';
import { deleteConnection } from '../../shared/store/connections';
import { logger } from '../../shared/runtime/observability';
import type { WebSocketEvent } from '../../shared/middleware/ws-route';

/** Best effort: API Gateway may never send $disconnect, so connection records also expire by TTL. */
export const handler = middy<WebSocketEvent, APIGatewayProxyResultV2>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const identity = identityFromAuthorizerContext(event.requestContext.authorizer);
    if (identity) await deleteConnection(identity.tenantId, identity.userId, event.requestContext.connectionId);
    return { statusCode: 200 };
  });
