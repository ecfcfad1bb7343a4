import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { keys } from '../../shared/store/keys';
import { tableSchema } from '../../shared/store/table-schema';

/**
 * A quick reply put straight into its library, as stored, without the library head's count: tests can
 * hold replies today's write-time rules would refuse (written before a rule existed) and need no HTTP
 * round trip to set up a lookup.
 */
export async function seedQuickReply(
  tenantId: string,
  scope: Parameters<typeof keys.quickReplyScope>[0],
  shortcut: string,
  variants: string[],
  at = new Date(),
): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: env().TABLE_NAME,
      Item: {
        ...keys.quickReply(tenantId, keys.quickReplyScope(scope), shortcut),
        [tableSchema.entityAttribute]: 'QuickReply',
        shortcut,
        title: shortcut,
        variants,
        tags: [],
        createdAt: at.toISOString(),
        updatedAt: at.toISOString(),
        updatedBy: 'seed',
      },
    }),
  );
}
