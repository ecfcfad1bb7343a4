import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RoutableConversation } from './conversation-ownership';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { isConditionalCheckFailed } from './write-failures';

/**
 * The FAQ robot's hold on a conversation head (issue 8 §3; docs/robot.md). Taking it moves the head out of
 * its waiting line (gsi1 keys removed) and bumps `assignmentVersion`, so a router that read it waiting
 * just before fails its assignment transaction and re-reads; handing it over puts it back in the line at
 * the front (priority) and the routing job that follows assigns it like any other.
 */

type Head = Pick<RoutableConversation, 'tenantId' | 'conversationId' | 'shopId' | 'stage' | 'openedAt' | 'assignmentVersion'>;

const versionIs = (version: number | undefined) => (version === undefined ? 'attribute_not_exists(assignmentVersion)' : 'assignmentVersion = :version');

/** The robot takes a waiting conversation nobody has: false if it changed meanwhile (a router won). */
export async function takeForRobot(head: Head, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  const version = head.assignmentVersion;
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.conversation(head.tenantId, head.conversationId),
        ConditionExpression: `#status = :waiting AND attribute_not_exists(assigneeId) AND attribute_not_exists(robot) AND ${versionIs(version)}`,
        UpdateExpression: 'SET robot = :robot, assignmentVersion = :next REMOVE gsi1pk, gsi1sk, linePriorityAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':waiting': 'waiting',
          ':robot': { since: now.toISOString(), misses: 0 },
          ':next': (version ?? 0) + 1,
          ...(version === undefined ? {} : { ':version': version }),
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Sets the robot's misses in a row (after a miss, or back to 0 after an answer); false if it no longer holds it. */
export async function setRobotMisses(tenantId: string, conversationId: string, misses: number, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.conversation(tenantId, conversationId),
        ConditionExpression: 'attribute_exists(robot)',
        UpdateExpression: 'SET robot.misses = :misses',
        ExpressionAttributeValues: { ':misses': misses },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * Hands the conversation to people: the robot lets go and the head enters its waiting line at the front
 * (`linePriorityAt`). False if the robot no longer held it (a concurrent hand-off won: only one goes on).
 */
export async function handOverFromRobot(head: Head, now: Date, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  const at = now.toISOString();
  const line = keys.conversationInWaitingLine(head.tenantId, head.shopId, head.stage, head.openedAt, head.conversationId, at);
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.conversation(head.tenantId, head.conversationId),
        ConditionExpression: '#status = :waiting AND attribute_exists(robot)',
        UpdateExpression: 'SET gsi1pk = :pk, gsi1sk = :sk, linePriorityAt = :at, assignmentVersion = if_not_exists(assignmentVersion, :zero) + :one REMOVE robot',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':waiting': 'waiting', ':pk': line.gsi1pk, ':sk': line.gsi1sk, ':at': at, ':zero': 0, ':one': 1 },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
