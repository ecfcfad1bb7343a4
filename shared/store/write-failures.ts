/**
 * Why a DynamoDB write did not apply, read from the SDK's error. Stores turn these into domain outcomes
 * (a lost race, a NotFoundError, a 409); every other error is theirs to rethrow.
 */

/** A Put, Update or Delete whose ConditionExpression did not hold: nothing was written. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

/** A TransactWriteItems that DynamoDB cancelled as a whole: nothing was written. */
export function isTransactionCanceled(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'TransactionCanceledException';
}

/**
 * Per-item reasons of a cancelled transaction, in TransactItems order: 'ConditionalCheckFailed',
 * 'TransactionConflict' (another transaction touched the item at the same moment) or 'None'. Empty for
 * any other error.
 */
export function cancellationCodes(error: unknown): (string | undefined)[] {
  if (!isTransactionCanceled(error)) return [];
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code);
}
