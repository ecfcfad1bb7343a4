import { UpdateCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HandoffReason } from '../robot/faq';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';

/** The robot's counters per shop and shop-local day (GET /v1/shops/{shopId}/robot-stats): ADDs, never read-modify-write. */

export interface RobotCounts {
  conversations?: number;
  answered?: number;
  missed?: number;
  handoffs?: number;
  handoffReason?: HandoffReason;
}

export async function countRobotDay(tenantId: string, shopId: string, day: string, counts: RobotCounts, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  const names: Record<string, string> = { '#entity': tableSchema.entityAttribute };
  const values: Record<string, unknown> = { ':entity': 'RobotDay', ':shop': shopId, ':day': day };
  const adds: string[] = [];
  for (const field of ['conversations', 'answered', 'missed', 'handoffs'] as const) {
    const n = counts[field];
    if (n) {
      names[`#${field}`] = field;
      values[`:${field}`] = n;
      adds.push(`#${field} :${field}`);
    }
  }
  if (counts.handoffReason) {
    names['#reason'] = `handoff_${counts.handoffReason}`;
    values[':reason'] = 1;
    adds.push('#reason :reason');
  }
  if (adds.length === 0) return;
  await client.send(
    new UpdateCommand({
      TableName: env().TABLE_NAME,
      Key: keys.robotDay(tenantId, shopId, day),
      UpdateExpression: `SET #entity = :entity, shopId = :shop, #d = :day ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: { ...names, '#d': 'day' },
      ExpressionAttributeValues: values,
    }),
  );
}

export interface StoredRobotDay {
  day: string;
  conversations: number;
  answered: number;
  missed: number;
  handoffs: number;
  handoffsByReason: Partial<Record<HandoffReason, number>>;
}

/** The shop's days from..to (inclusive), oldest first: one Query on the sort key range. */
export async function readRobotDays(tenantId: string, shopId: string, from: string, to: string, client: DynamoDBDocumentClient = dynamo()): Promise<StoredRobotDay[]> {
  const { pk, skPrefix } = keys.robotDaysOfShop(tenantId, shopId);
  const days: StoredRobotDay[] = [];
  const pages = paginateQuery({ client }, {
    TableName: env().TABLE_NAME,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': pk, ':from': `${skPrefix}${from}`, ':to': `${skPrefix}${to}` },
  });
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const byReason: Partial<Record<HandoffReason, number>> = {};
      for (const [name, value] of Object.entries(item)) if (name.startsWith('handoff_') && typeof value === 'number') byReason[name.slice(8) as HandoffReason] = value;
      const n = (field: string) => (typeof item[field] === 'number' ? (item[field] as number) : 0);
      days.push({ day: String(item.day), conversations: n('conversations'), answered: n('answered'), missed: n('missed'), handoffs: n('handoffs'), handoffsByReason: byReason });
    }
  }
  return days;
}
