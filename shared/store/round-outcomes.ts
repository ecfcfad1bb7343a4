import { PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { roundFactSchema, type RoundFact } from '../service-clock/rounds';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed } from './write-failures';

/**
 * Response rounds' outcome facts, one item per round under the shop's local day (issue 7 §4), and the
 * claims that make a round's alert happen once.
 */

const roundOutcomeEntity = 'RoundOutcome';
const roundAlertEntity = 'RoundAlert';
/** An alert claim only has to outlive SQS redeliveries of its check (retention 4 days). */
const alertClaimSeconds = 8 * 86_400;

function factItem(tenantId: string, fact: RoundFact): Record<string, unknown> {
  return {
    ...keys.roundOutcome(tenantId, fact.shopId, fact.day, fact.questionAt, fact.conversationId),
    [tableSchema.entityAttribute]: roundOutcomeEntity,
    ...fact,
  };
}

/**
 * The answer's fact: the last word on its round (a late answer replaces the due check's `missed` with
 * one that has its response time).
 */
export async function putAnsweredRound(tenantId: string, fact: RoundFact, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(new PutCommand({ TableName: env().TABLE_NAME, Item: factItem(tenantId, fact) }));
}

/** The due check's `missed`: only if nothing is recorded yet (an answer that got there first wins). */
export async function putMissedRound(tenantId: string, fact: RoundFact, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(new PutCommand({ TableName: env().TABLE_NAME, Item: factItem(tenantId, fact), ConditionExpression: 'attribute_not_exists(pk)' }));
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Claims a round's alert; false when it was claimed before (a redelivered or repeated check). */
export async function claimRoundAlert(
  tenantId: string,
  conversationId: string,
  questionAt: string,
  kind: 'at-risk',
  now: Date,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<boolean> {
  try {
    await client.send(
      new PutCommand({
        TableName: env().TABLE_NAME,
        Item: {
          ...keys.roundAlert(tenantId, conversationId, questionAt, kind),
          [tableSchema.entityAttribute]: roundAlertEntity,
          alertedAt: now.toISOString(),
          [tableSchema.timeToLiveAttribute]: Math.floor(now.getTime() / 1000) + alertClaimSeconds,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Every round fact of a shop's local day, oldest question first (all pages). */
export async function listRoundFactsOfShopDay(tenantId: string, shopId: string, day: string, client: DynamoDBDocumentClient = dynamo()): Promise<RoundFact[]> {
  const facts: RoundFact[] = [];
  const pages = paginateQuery({ client }, {
    TableName: env().TABLE_NAME,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.roundOutcomesOfShopDay(tenantId, shopId, day).pk },
  });
  for await (const page of pages) for (const item of page.Items ?? []) facts.push(roundFactSchema.parse(item));
  return facts;
}
