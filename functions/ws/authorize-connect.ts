import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { identityToAuthorizerContext } from '../../shared/auth/identity';
import { AppError } from '../../shared/http/errors';
import { wsAuthorizer } from '../../shared/middleware/ws-route';
import { assertAccountCurrent } from '../../shared/people/account-check';
import { consumeConnectTicket } from '../../shared/store/connect-tickets';
import { logger } from '../../shared/runtime/observability';

/**
 * $connect authorizer. Browsers cannot set headers on a WebSocket, and query strings reach access logs,
 * so the socket URL carries a short-lived single-use ticket (POST /v1/connect-tickets), never a JWT.
 * Consuming the ticket is one conditional delete; a bad, expired or reused ticket is denied and the
 * ticket itself is never logged.
 */
export const handler = wsAuthorizer(async (event) => {
  const ticket = event.queryStringParameters?.ticket ?? '';
  const identity = ticket ? await consumeConnectTicket(ticket) : undefined;
  if (!identity) {
    logger.info('connect refused', { reason: ticket ? 'invalid, expired or used ticket' : 'no ticket' });
    return policy('anonymous', 'Deny', event.methodArn);
  }
  // A ticket minted before its user was disabled or re-roled is refused too (issue 12 §2).
  const refusal = await assertAccountCurrent(identity).then(
    () => undefined,
    (error: Error) => (error instanceof AppError ? error.code : Promise.reject(error)),
  );
  if (refusal) {
    logger.info('connect refused', { reason: refusal, userId: identity.userId });
    return policy(identity.userId, 'Deny', event.methodArn);
  }
  return { ...policy(identity.userId, 'Allow', event.methodArn), context: identityToAuthorizerContext(identity) };
});

function policy(principalId: string, effect: 'Allow' | 'Deny', resource: string): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  };
}
