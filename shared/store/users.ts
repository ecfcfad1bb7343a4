import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { userImportProgressSchema, userSchema, type User, type UserImportProgress } from '../people/user';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';
import { batchGetAll } from './read-all';
import { tableSchema } from './table-schema';
import { cancellationCodes, type TransactItem } from './write-failures';

/**
 * The staff account repository (shared/people/user.ts): a user item per account, the tenant's seat
 * count, and the markers of user imports, all in the tenant's `#USERS` partition. In the cloud Cognito
 * holds the credentials; these items are what kefu checks on every request (status, role, shops).
 */
const userEntity = 'User';

export async function getUser(tenantId: string, userId: string, options: { consistent?: boolean } = {}, client: DynamoDBDocumentClient = dynamo()): Promise<User | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.user(tenantId, userId), ConsistentRead: options.consistent ?? false }));
  return result.Item ? userSchema.parse(result.Item) : undefined;
}

/** The raw item (unparsed), for the per-request check, which treats anything but a user as no account. */
export async function getUserItem(tenantId: string, userId: string, client: DynamoDBDocumentClient = dynamo()): Promise<unknown> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.user(tenantId, userId) }));
  return result?.Item;
}

export async function getUsers(tenantId: string, userIds: readonly string[], client: DynamoDBDocumentClient = dynamo()): Promise<User[]> {
  const items = await batchGetAll(client, [...new Set(userIds)].map((id) => keys.user(tenantId, id)), { consistentRead: true });
  return items.map((item) => userSchema.parse(item));
}

/** A page of the tenant's users by id; `cursor` is the sort key the previous page ended at. */
export async function listUsers(
  tenantId: string,
  page: { limit: number; cursor?: string | undefined; status?: User['status'] | undefined },
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ users: User[]; cursor?: string }> {
  const { pk, skPrefix } = keys.usersOfTenant(tenantId);
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ...(page.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix, ...(page.status ? { ':status': page.status } : {}) },
      Limit: page.limit,
      ...(page.cursor ? { ExclusiveStartKey: { pk, sk: page.cursor } } : {}),
    }),
  );
  const last = result.LastEvaluatedKey?.sk;
  return { users: (result.Items ?? []).map((item) => userSchema.parse(item)), ...(typeof last === 'string' ? { cursor: last } : {}) };
}

/** Seats in use now (0 for a tenant that never had an account). */
export async function getSeatsUsed(tenantId: string, client: DynamoDBDocumentClient = dynamo()): Promise<number> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.seatCount(tenantId), ConsistentRead: true }));
  return typeof result.Item?.used === 'number' ? result.Item.used : 0;
}

export function userItem(tenantId: string, user: User): Record<string, unknown> {
  return { ...keys.user(tenantId, user.userId), [tableSchema.entityAttribute]: userEntity, ...user };
}

/** Puts a user: new (no account under the id) or replacing the version read. */
export function userPut(tenantId: string, user: User, previous: Pick<User, 'version'> | undefined): TransactItem {
  return {
    Put: {
      TableName: env().TABLE_NAME,
      Item: userItem(tenantId, user),
      ConditionExpression: previous ? '#version = :version' : 'attribute_not_exists(pk)',
      ...(previous ? { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': previous.version } } : {}),
    },
  };
}

/**
 * Takes (`delta` > 0) or gives back seats. Taking is conditioned on the plan's limit (`limit` undefined:
 * a tenant without a plan, created before tenants had one, has no limit): DynamoDB conditions cannot add,
 * so the condition is `used <= limit - delta`.
 */
export function seatsChange(tenantId: string, delta: number, limit: number | undefined): TransactItem {
  const guarded = delta > 0 && limit !== undefined;
  return {
    Update: {
      TableName: env().TABLE_NAME,
      Key: keys.seatCount(tenantId),
      UpdateExpression: 'SET #entity = :entity ADD used :delta',
      ...(guarded ? { ConditionExpression: 'attribute_not_exists(used) OR used <= :room' } : {}),
      ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute },
      ExpressionAttributeValues: { ':entity': 'SeatCount', ':delta': delta, ...(guarded ? { ':room': limit - delta } : {}) },
    },
  };
}

/**
 * The marker of an import that took its seats: put once, so a re-run of the same file takes none again.
 * An asynchronous import's marker is also its progress (`progress`: batches to write, who started it).
 */
export function userImportMarker(
  tenantId: string,
  importId: string,
  rows: number,
  at: string,
  progress?: { batches: number; startedBy: string; seatLimit: number | null },
): TransactItem {
  const tracked = progress ? { ...progress, batchesDone: 0, imported: 0, skipped: 0 } : {};
  return {
    Put: {
      TableName: env().TABLE_NAME,
      Item: { ...keys.userImport(tenantId, importId), [tableSchema.entityAttribute]: 'UserImport', importId, rows, at, ...tracked },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** An asynchronous import's progress; undefined for no such import or one written in its request. */
export async function getUserImport(tenantId: string, importId: string, client: DynamoDBDocumentClient = dynamo()): Promise<UserImportProgress | undefined> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.userImport(tenantId, importId), ConsistentRead: true }));
  const item = result.Item;
  if (!item || typeof item.batches !== 'number') return undefined;
  return userImportProgressSchema.parse({
    importId,
    status: item.batchesDone >= item.batches ? 'done' : 'importing',
    rows: item.rows,
    batches: item.batches,
    batchesDone: item.batchesDone,
    imported: item.imported,
    skipped: item.skipped,
    seatLimit: item.seatLimit ?? null,
    startedAt: item.at,
    startedBy: item.startedBy,
  });
}

/**
 * Puts an imported account unless the id is another account's: new, or already this import's (a
 * redelivered batch). False when an invite took the id after the file was checked.
 */
export async function putImportedUser(tenantId: string, user: User & { importId: string }, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  try {
    await client.send(
      new PutCommand({
        TableName: env().TABLE_NAME,
        Item: userItem(tenantId, user),
        ConditionExpression: 'attribute_not_exists(pk) OR importId = :importId',
        ExpressionAttributeValues: { ':importId': user.importId },
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Counts a batch of an asynchronous import once: its claim (put once) and the progress it adds. */
export function userImportBatchCounted(tenantId: string, importId: string, batch: number, imported: number, skipped: number): { claim: TransactItem; progress: TransactItem } {
  return {
    claim: {
      Put: {
        TableName: env().TABLE_NAME,
        Item: { ...keys.userImportBatch(tenantId, importId, batch), [tableSchema.entityAttribute]: 'UserImportBatch', imported, skipped },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    progress: {
      Update: {
        TableName: env().TABLE_NAME,
        Key: keys.userImport(tenantId, importId),
        UpdateExpression: 'ADD batchesDone :one, imported :imported, skipped :skipped',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1, ':imported': imported, ':skipped': skipped },
      },
    },
  };
}

/** A transaction of named items; on a cancellation, the names whose condition failed. */
export async function writeUserChange<Name extends string>(
  named: Record<Name, TransactItem | undefined>,
  client: DynamoDBDocumentClient = dynamo(),
): Promise<{ written: true } | { written: false; failed: Name[] }> {
  const entries = (Object.entries(named) as [Name, TransactItem | undefined][]).filter((entry): entry is [Name, TransactItem] => entry[1] !== undefined);
  try {
    await client.send(new TransactWriteCommand({ TransactItems: entries.map(([, item]) => item) }));
    return { written: true };
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes.length === 0) throw error;
    const failed = entries.filter((_, index) => codes[index] === 'ConditionalCheckFailed').map(([name]) => name);
    if (failed.length === 0) throw error;
    return { written: false, failed };
  }
}

/** Whether the import's marker exists (its seats were taken by an earlier run of the same file). */
export async function userImportStarted(tenantId: string, importId: string, client: DynamoDBDocumentClient = dynamo()): Promise<boolean> {
  const result = await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.userImport(tenantId, importId), ConsistentRead: true }));
  return result.Item !== undefined;
}

/** Marks a militia member's expiry so the sweep finds it (shared/people/take-offline.ts). */
export async function scheduleMilitiaExpiry(tenantId: string, userId: string, expiresAt: string, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(
    new UpdateCommand({
      TableName: env().TABLE_NAME,
      Key: keys.militiaExpiryDue(expiresAt, tenantId, userId),
      UpdateExpression: 'SET #entity = :entity, tenantId = :tenantId, userId = :userId, expiresAt = :expiresAt',
      ExpressionAttributeNames: { '#entity': tableSchema.entityAttribute },
      ExpressionAttributeValues: { ':entity': 'MilitiaExpiryDue', ':tenantId': tenantId, ':userId': userId, ':expiresAt': expiresAt },
    }),
  );
}

export interface MilitiaExpiry {
  tenantId: string;
  userId: string;
  expiresAt: string;
  key: { pk: string; sk: string };
}

/** Expiries due at or before `now`, oldest first, at most `limit`. */
export async function listMilitiaExpiriesDue(now: Date, limit: number, client: DynamoDBDocumentClient = dynamo()): Promise<MilitiaExpiry[]> {
  const result = await client.send(
    new QueryCommand({
      TableName: env().TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk <= :now',
      // '~' sorts after '#', so every entry of the instant `now` itself is included.
      ExpressionAttributeValues: { ':pk': keys.militiaExpiriesDue().pk, ':now': `${now.toISOString()}~` },
      Limit: limit,
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((item) => ({
    tenantId: String(item.tenantId),
    userId: String(item.userId),
    expiresAt: String(item.expiresAt),
    key: { pk: String(item.pk), sk: String(item.sk) },
  }));
}

export async function deleteMilitiaExpiry(key: { pk: string; sk: string }, client: DynamoDBDocumentClient = dynamo()): Promise<void> {
  await client.send(new DeleteCommand({ TableName: env().TABLE_NAME, Key: key }));
}
