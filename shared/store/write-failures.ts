import {
  ConditionalCheckFailedException,
  IdempotentParameterMismatchException,
  TransactionCanceledException,
  TransactionInProgressException,
} from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * Why a DynamoDB write did not apply, read from the SDK's typed errors. Stores turn these into domain
 * outcomes (a lost race, a NotFoundError, a 409); every other error is theirs to rethrow.
 */

/** A Put, Update or Delete whose ConditionExpression did not hold: nothing was written. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

/** A TransactWriteItems that DynamoDB cancelled as a whole: nothing was written. */
export function isTransactionCanceled(error: unknown): error is TransactionCanceledException {
  return error instanceof TransactionCanceledException;
}

/**
 * A transaction's ClientRequestToken is still in flight, or was reused with other parameters: nothing
 * is known to have applied under it; the caller re-reads and decides again.
 */
export function isTransactionTokenBusy(error: unknown): boolean {
  return error instanceof TransactionInProgressException || error instanceof IdempotentParameterMismatchException;
}

/**
 * Per-item reasons of a cancelled transaction, in TransactItems order: 'ConditionalCheckFailed',
 * 'TransactionConflict' (another transaction touched the item at the same moment) or 'None'. Empty for
 * any other error. Prefer named items (namedTransaction) where the items vary.
 */
export function cancellationCodes(error: unknown): (string | undefined)[] {
  if (!isTransactionCanceled(error)) return [];
  return (error.CancellationReasons ?? []).map((reason) => reason.Code);
}

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A transaction whose items have names, so a cancellation is read as "the head's condition failed"
 * rather than "item 1's": adding, dropping or reordering an item cannot make a reason point at the
 * wrong one. Items are sent in the object's insertion order (names are never integer-like strings).
 */
export interface NamedTransaction<Name extends string> {
  items: TransactItem[];
  /** Cancellation code of each named item ('None', 'ConditionalCheckFailed', …); none for other errors. */
  reasons: (error: unknown) => Partial<Record<Name, string>>;
}

export function namedTransaction<Name extends string>(named: { [N in Name]?: TransactItem | undefined }): NamedTransaction<Name> {
  // An item left undefined (e.g. no agent load to release) is not sent.
  const entries = (Object.entries(named) as [Name, TransactItem | undefined][]).filter((entry): entry is [Name, TransactItem] => entry[1] !== undefined);
  const names = entries.map(([name]) => name);
  return {
    items: entries.map(([, item]) => item),
    reasons: (error) => {
      const codes = cancellationCodes(error);
      const reasons: Partial<Record<Name, string>> = {};
      names.forEach((name, index) => {
        const code = codes[index];
        if (code !== undefined) reasons[name] = code;
      });
      return reasons;
    },
  };
}

/**
 * Runs a transaction whose first item carries the condition that decides it (the item is new, or as
 * read): false if that condition failed, so nothing was written; any other failure is thrown.
 */
export async function writeUnlessFirstConditionFails(
  client: { send(command: TransactWriteCommand): Promise<unknown> },
  items: readonly TransactItem[],
): Promise<boolean> {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: [...items] }));
    return true;
  } catch (error) {
    if (cancellationCodes(error)[0] === 'ConditionalCheckFailed') return false;
    throw error;
  }
}
