import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Stage } from '../conversations/conversation';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { releaseLoad, type ChangeOutcome, type RoutableConversation } from './conversation-ownership';
import { keys } from './keys';
import { tableSchema } from './table-schema';
import { isTransactionCanceled, namedTransaction } from './write-failures';

const stageChangeEntity = 'ConversationStageChange';

export interface StageChange {
  conversation: RoutableConversation;
  toStage: Stage;
  reason: string;
  orderId?: string | undefined;
  /**
   * `stay`: an assigned conversation keeps its agent (they serve the new stage too); `requeue`: it goes
   * back to the waiting line of the new stage, its agent's load released. A waiting conversation always
   * moves to the new stage's line.
   */
  move: 'stay' | 'requeue';
  now: Date;
}

/**
 * Changes an open conversation's stage because of the buyer's orders, in one transaction: the head
 * (condition: status, stage and assignmentVersion as read, so a concurrent assignment, transfer or
 * close makes it fail and the caller re-reads) takes the new stage, why (`stageReason`, `stageOrderId`)
 * and, when waiting or requeued, its place in the new stage's waiting line at its original opening time;
 * the agent's load is released on a requeue; the change is recorded (`T#t#CONV#c#STAGE`, put only if new: its key is the version written).
 */
export async function changeConversationStage(change: StageChange, client: DynamoDBDocumentClient = dynamo()): Promise<ChangeOutcome> {
  const { conversation: c, toStage, now } = change;
  const table = env().TABLE_NAME;
  const version = c.assignmentVersion;
  const requeue = c.status === 'assigned' && change.move === 'requeue';
  const toLine = c.status === 'waiting' || requeue;
  const set = ['stage = :to', 'stageReason = :reason', 'stageChangedAt = :now', 'assignmentVersion = :next'];
  const remove: string[] = [];
  const values: Record<string, unknown> = {
    ':to': toStage,
    ':from': c.stage,
    ':status': c.status,
    ':reason': change.reason,
    ':now': now.toISOString(),
    ':next': (version ?? 0) + 1,
    ...(version === undefined ? {} : { ':version': version }),
  };
  if (change.orderId !== undefined) {
    set.push('stageOrderId = :orderId');
    values[':orderId'] = change.orderId;
  } else {
    remove.push('stageOrderId');
  }
  if (toLine) {
    const line = keys.conversationInWaitingLine(c.tenantId, c.shopId, toStage, c.openedAt, c.conversationId);
    set.push('gsi1pk = :gsi1pk', 'gsi1sk = :gsi1sk');
    values[':gsi1pk'] = line.gsi1pk;
    values[':gsi1sk'] = line.gsi1sk;
  }
  if (requeue) {
    set.push('#status = :waiting');
    values[':waiting'] = 'waiting';
    remove.push('assigneeId', 'requestedGroupId', 'handover');
  }
  const transaction = namedTransaction({
    head: {
      Update: {
        TableName: table,
        Key: keys.conversation(c.tenantId, c.conversationId),
        ConditionExpression: `#status = :status AND stage = :from AND ${version === undefined ? 'attribute_not_exists(assignmentVersion)' : 'assignmentVersion = :version'}`,
        UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      },
    },
    releasingAgent: requeue && c.assigneeId ? releaseLoad(c.tenantId, c.assigneeId) : undefined,
    record: {
      Put: {
        TableName: table,
        Item: {
          ...keys.conversationStageChange(c.tenantId, c.conversationId, (version ?? 0) + 1),
          [tableSchema.entityAttribute]: stageChangeEntity,
          conversationId: c.conversationId,
          fromStage: c.stage,
          toStage,
          reason: change.reason,
          ...(change.orderId !== undefined ? { orderId: change.orderId } : {}),
          status: c.status,
          ...(c.assigneeId ? { assigneeId: c.assigneeId } : {}),
          move: c.status === 'waiting' ? 'waiting-line' : change.move,
          at: now.toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  });
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transaction.items }));
    return 'applied';
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    return transaction.reasons(error).head === 'ConditionalCheckFailed' ? 'conversation-changed' : 'conflict';
  }
}
