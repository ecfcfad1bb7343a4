import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { Presence } from '../../shared/routing/agent';
import type { RoutingFrame } from '../../shared/routing/frames';
import type { ShopRouting, ConversationStage } from '../../shared/routing/shop';
import { DynamoDBClient, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo, setClientsForTests } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { getAgent, saveAgentProfile, updatePresence } from '../../shared/store/agents';
import { idleCheckShard } from '../../shared/store/idle-timers';
import { openConversation } from '../../shared/store/conversations';
import { keys } from '../../shared/store/keys';
import { saveShop } from '../../shared/store/shops';
import { storedItem } from '../support/table';

/** Shared setup for the routing integration tests: shops, agents and conversations in DynamoDB Local. */

export const routingConfig = (overrides: Partial<ShopRouting> = {}): ShopRouting => ({
  mode: 'by-stage',
  groups: { 'pre-sale': 'pre', 'in-sale': 'in', 'after-sale': 'after' },
  idleCloseMinutes: 30,
  defaultAgentCap: 10,
  ...overrides,
});

export async function createShop(tenantId: string, shopId: string, routing: ShopRouting = routingConfig()) {
  return saveShop(tenantId, shopId, { name: shopId, category: 'cosmetics', routing }, { mustExist: false });
}

export async function createAgent(
  tenantId: string,
  agentId: string,
  options: { shopIds: string[]; groupIds: string[]; cap?: number; presence?: Presence; name?: string },
) {
  const previous = await getAgent(tenantId, agentId, { consistent: true });
  await saveAgentProfile(tenantId, agentId, { name: options.name ?? agentId, shopIds: options.shopIds, groupIds: options.groupIds, cap: options.cap ?? 10 }, previous);
  return updatePresence(tenantId, agentId, options.presence ?? 'online');
}

let opened = 0;
/** Opens a waiting conversation; opening times increase so waiting-line order is predictable. */
export async function openWaiting(tenantId: string, shopId: string, buyerId: string, stage: ConversationStage = 'pre-sale') {
  const now = new Date(Date.UTC(2026, 10, 11, 0, 0, 0) + opened++ * 1000);
  const { conversation } = await openConversation({ tenantId, shopId, buyerId, stage, now });
  return conversation;
}

export async function head(tenantId: string, conversationId: string) {
  return storedItem(keys.conversation(tenantId, conversationId));
}

/** Conversations on an agent's open list (gsi1). */
export async function openListCount(tenantId: string, agentId: string): Promise<number> {
  const { gsi1pk } = keys.openConversationsOfAgent(tenantId, agentId);
  let count = 0;
  const pages = paginateQuery({ client: dynamo() }, {
    TableName: env().TABLE_NAME,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi1pk },
    Select: 'COUNT',
  });
  for await (const page of pages) count += page.Count ?? 0;
  return count;
}

/** The idle-close timers of one conversation, as stored (strongly consistent). */
export async function idleTimersOf(tenantId: string, conversationId: string) {
  const { pk } = keys.idleChecksOfShard(idleCheckShard(tenantId, conversationId));
  const timers: Record<string, unknown>[] = [];
  const pages = paginateQuery({ client: dynamo() }, {
    TableName: env().TABLE_NAME,
    KeyConditionExpression: 'pk = :pk',
    FilterExpression: 'conversationId = :c AND tenantId = :t',
    ExpressionAttributeValues: { ':pk': pk, ':c': conversationId, ':t': tenantId },
    ConsistentRead: true,
  });
  for await (const page of pages) timers.push(...(page.Items ?? []));
  return timers;
}

/** Records the frames the routing code would post, per user. */
export function frameRecorder() {
  const frames: { userId: string; frame: RoutingFrame }[] = [];
  return {
    frames,
    notify: async (_tenantId: string, userId: string, frame: RoutingFrame) => {
      frames.push({ userId, frame });
    },
    of: (userId: string) => frames.filter((f) => f.userId === userId).map((f) => f.frame),
  };
}

// ---- metering: every call reports the capacity it consumed, indexes included ----

const consumed: { command: string; read: number; write: number }[] = [];
const readCommands = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand']);
let meteredClient: DynamoDBDocumentClient | undefined;

/** Made on first use, so files that never measure never build it. */
function metered(): DynamoDBDocumentClient {
  if (meteredClient) return meteredClient;
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 4 }), { marshallOptions: { removeUndefinedValues: true } });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const capacity = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
      const command = String(context.commandName);
      const isRead = readCommands.has(command);
      // DynamoDB bills a GetItem or Query at least 0.5 read units (1 strongly consistent), even when nothing
      // matches; DynamoDB Local reports 0 for an empty Query. Transactional writes are billed at twice the
      // table's units (DynamoDB Local reports standard units); index writes once.
      const floor = command === 'GetItemCommand' || command === 'QueryCommand' ? ((args.input as { ConsistentRead?: boolean }).ConsistentRead ? 1 : 0.5) : 0;
      for (const c of Array.isArray(capacity) ? capacity : capacity ? [capacity] : []) {
        if (isRead) {
          consumed.push({ command, read: Math.max(c.CapacityUnits ?? 0, floor), write: 0 });
        } else {
          const table = c.Table?.CapacityUnits ?? c.CapacityUnits ?? 0;
          const indexes = Object.values(c.GlobalSecondaryIndexes ?? {}).reduce((sum, index) => sum + (index.CapacityUnits ?? 0), 0);
          consumed.push({ command, read: 0, write: command === 'TransactWriteItemsCommand' ? 2 * table + indexes : table + indexes });
        }
      }
      return result;
    },
    { step: 'initialize', name: 'meterCapacity' },
  );
  return (meteredClient = client);
}

/**
 * Runs `run` with every DynamoDB call metered (ReturnConsumedCapacity INDEXES, billed units as above)
 * and puts the production client back afterwards.
 */
export async function measure<T>(run: () => Promise<T>): Promise<{ result: T; rru: number; wru: number; calls: string[] }> {
  consumed.length = 0;
  const production = dynamo();
  setClientsForTests({ dynamo: metered() });
  try {
    const result = await run();
    const rru = consumed.reduce((sum, c) => sum + c.read, 0);
    const wru = consumed.reduce((sum, c) => sum + c.write, 0);
    return { result, rru, wru, calls: consumed.map((c) => `${c.command.replace('Command', '')} ${c.read || c.write}`) };
  } finally {
    setClientsForTests({ dynamo: production });
  }
}
