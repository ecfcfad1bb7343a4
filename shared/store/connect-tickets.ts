import { randomBytes } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { identityFromAuthorizerContext, identityToAuthorizerContext, type Identity } from '../auth/identity';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed } from './write-failures';

/** Long enough to open a socket after fetching it, short enough that a leaked URL is useless. */
export const connectTicketTtlSeconds = 60;

/** Only a ticket that exists and has not expired may be consumed; TTL deletion itself lags by hours. */
const ticketIsLive = 'attribute_exists(pk) AND validUntil > :now';

export interface ConnectTicket {
  ticket: string;
  expiresAt: string;
}

/** Mints a single-use ticket that carries the caller's verified identity to $connect. */
export async function mintConnectTicket(
  identity: Identity,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<ConnectTicket> {
  const ticket = randomBytes(32).toString('base64url');
  const validUntil = Math.floor(now.getTime() / 1000) + connectTicketTtlSeconds;
  await client.send(
    new PutCommand({
      TableName: env().TABLE_NAME,
      Item: {
        ...keys.connectTicket(ticket),
        [tableSchema.entityAttribute]: 'ConnectTicket',
        identity: identityToAuthorizerContext(identity),
        validUntil,
        [tableSchema.timeToLiveAttribute]: validUntil + 3600,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { ticket, expiresAt: new Date(validUntil * 1000).toISOString() };
}

/**
 * Consumes a ticket: one conditional delete, so two concurrent $connects with the same ticket cannot both
 * succeed. Returns undefined for an unknown, expired or already used ticket.
 */
export async function consumeConnectTicket(
  ticket: string,
  now = new Date(),
  client: DynamoDBDocumentClient = dynamo(),
): Promise<Identity | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined;
  try {
    const result = await client.send(
      new DeleteCommand({
        TableName: env().TABLE_NAME,
        Key: keys.connectTicket(ticket),
        ConditionExpression: ticketIsLive,
        ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return identityFromAuthorizerContext(result.Attributes?.identity);
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}
