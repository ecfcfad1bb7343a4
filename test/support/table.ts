import { GetCommand, type GetCommandOutput, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';

/** An item as stored, attributes as the document client returns them. */
type StoredItem = NonNullable<GetCommandOutput['Item']>;

/** One item exactly as stored (strongly consistent), or undefined. */
export async function storedItem(key: { pk: string; sk: string }): Promise<StoredItem | undefined> {
  return (await dynamo().send(new GetCommand({ TableName: env().TABLE_NAME, Key: key, ConsistentRead: true }))).Item;
}

/** Every item of a partition exactly as stored (strongly consistent, every page), in sort key order. */
export async function itemsOfPartition(pk: string): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  const pages = paginateQuery({ client: dynamo() }, {
    TableName: env().TABLE_NAME,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ConsistentRead: true,
  });
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}
