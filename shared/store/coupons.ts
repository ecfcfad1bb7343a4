import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { tableSchema } from './table-schema';
import { isConditionalCheckFailed, isTransactionCanceled, namedTransaction } from './write-failures';

/**
 * Coupon issuances (issue 8 §1, docs/outreach-design.md §4). An issuance is recorded with the budget it
 * spends in one transaction: the record only if absent (its id is the idempotency key), the day's
 * `spentMinor` only if it stays within the budget. So 50 concurrent issuances never overspend, and a
 * retried one spends once. The platform call happens later (an async command on the outreach queue).
 */
export const couponIssuanceSchema = z.object({
  tenantId: z.string(),
  shopId: z.string(),
  platform: z.string(),
  couponId: z.string(),
  buyerId: z.string(),
  taskId: z.string().optional(),
  kind: z.enum(['coupon', 'cash']),
  amountMinor: z.number().int().positive(),
  currency: z.string(),
  /** What the reward is for (never a rating): `callback` or `any-review`. */
  rewardFor: z.enum(['callback', 'any-review', 'none']),
  day: z.string(),
  status: z.enum(['pending', 'issued', 'failed']),
  platformCouponId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CouponIssuance = z.infer<typeof couponIssuanceSchema>;

export type IssueOutcome = 'recorded' | 'exists' | 'over-budget';

export async function recordCouponIssuance(issuance: CouponIssuance, budgetMinor: number, client: DynamoDBDocumentClient = dynamo()): Promise<IssueOutcome> {
  const table = env().TABLE_NAME;
  const transaction = namedTransaction({
    record: {
      Put: {
        TableName: table,
        Item: { ...keys.couponIssuance(issuance.tenantId, issuance.couponId), [tableSchema.entityAttribute]: 'CouponIssuance', ...issuance },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    budget: {
      Update: {
        TableName: table,
        Key: keys.couponBudgetDay(issuance.tenantId, issuance.shopId, issuance.day),
        UpdateExpression: 'ADD spentMinor :amount, issued :one SET #entity = :entity',
        ConditionExpression: 'attribute_not_exists(spentMinor) OR spentMinor <= :room',
        ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute },
        ExpressionAttributeValues: { ':amount': issuance.amountMinor, ':one': 1, ':room': budgetMinor - issuance.amountMinor, ':entity': 'CouponBudgetDay' },
      },
    },
  });
  if (issuance.amountMinor > budgetMinor) return 'over-budget';
  try {
    await client.send(new TransactWriteCommand({ TransactItems: transaction.items }));
    return 'recorded';
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    const reasons = transaction.reasons(error);
    if (reasons.record === 'ConditionalCheckFailed') return 'exists';
    if (reasons.budget === 'ConditionalCheckFailed') return 'over-budget';
    throw error;
  }
}

export async function getCouponIssuance(tenantId: string, couponId: string, client: DynamoDBDocumentClient = dynamo()): Promise<CouponIssuance | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.couponIssuance(tenantId, couponId), ConsistentRead: true }));
  return result.Item ? couponIssuanceSchema.parse(result.Item) : undefined;
}

/** What a shop committed on a day. */
export async function getCouponSpend(tenantId: string, shopId: string, day: string, client: DynamoDBDocumentClient = dynamo()): Promise<{ spentMinor: number; issued: number }> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.couponBudgetDay(tenantId, shopId, day), ConsistentRead: true }));
  return { spentMinor: Number(result.Item?.spentMinor ?? 0), issued: Number(result.Item?.issued ?? 0) };
}

/** pending → issued (with the platform's coupon id) or failed; a repeat of the same outcome is a no-op. */
export async function settleCouponIssuance(
  tenantId: string,
  couponId: string,
  outcome: { status: 'issued'; platformCouponId: string } | { status: 'failed' },
  now: Date,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: env().TABLE_NAME,
        Key: keys.couponIssuance(tenantId, couponId),
        UpdateExpression: `SET #status = :status, updatedAt = :now${outcome.status === 'issued' ? ', platformCouponId = :platformId' : ''}`,
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': outcome.status, ':pending': 'pending', ':now': now.toISOString(), ...(outcome.status === 'issued' ? { ':platformId': outcome.platformCouponId } : {}) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
