import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { consumeConnectTicket, mintConnectTicket } from '../../shared/store/connect-tickets';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const mock = mockClient(client);
const identity = { tenantId: 't1', userId: 'u1', role: 'agent' as const, shopIds: ['s1'] };
const now = new Date('2026-11-11T00:00:00Z');

describe('connect tickets (unit)', () => {
  beforeEach(() => mock.reset());

  it('writes the ticket once, with a 60 s validity and a TTL', async () => {
    mock.on(PutCommand).resolves({});
    const { ticket, expiresAt } = await mintConnectTicket(identity, now, client);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBe('2026-11-11T00:01:00.000Z');
    const input = mock.commandCalls(PutCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(input.Item).toMatchObject({
      pk: `TICKET#${ticket}`,
      sk: 'TICKET',
      entity: 'ConnectTicket',
      identity: { tenantId: 't1', userId: 'u1', role: 'agent', shopIds: 's1' },
      validUntil: now.getTime() / 1000 + 60,
    });
  });

  it('consumes with a conditional delete and maps a failed condition to "no identity"', async () => {
    mock.on(DeleteCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    const ticket = 'A'.repeat(43);
    expect(await consumeConnectTicket(ticket, now, client)).toBeUndefined();
    const input = mock.commandCalls(DeleteCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Key: { pk: `TICKET#${ticket}`, sk: 'TICKET' },
      ConditionExpression: 'attribute_exists(pk) AND validUntil > :now',
      ExpressionAttributeValues: { ':now': now.getTime() / 1000 },
      ReturnValues: 'ALL_OLD',
    });
  });

  it('never calls DynamoDB for a malformed ticket', async () => {
    expect(await consumeConnectTicket('short', now, client)).toBeUndefined();
    expect(mock.calls()).toHaveLength(0);
  });

  it('lets other DynamoDB errors propagate (a busy table is not a bad ticket)', async () => {
    const error = new Error('throttled');
    error.name = 'ProvisionedThroughputExceededException';
    mock.on(DeleteCommand).rejects(error);
    await expect(consumeConnectTicket('B'.repeat(43), now, client)).rejects.toThrow('throttled');
  });
});
