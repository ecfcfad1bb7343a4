import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { Presence } from '../../shared/routing/agent';
import type { RoutingFrame } from '../../shared/routing/frames';
import type { ShopRouting, ConversationStage } from '../../shared/routing/shop';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { getAgent, saveAgentProfile, updatePresence } from '../../shared/store/agents';
import { idleCheckShard } from '../../shared/store/conversation-assignment';
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
  options: { shopIds: string[]; groupIds: string[]; cap?: number; presence?: Presence },
) {
  const previous = await getAgent(tenantId, agentId, { consistent: true });
  await saveAgentProfile(tenantId, agentId, { name: agentId, shopIds: options.shopIds, groupIds: options.groupIds, cap: options.cap ?? 10 }, previous);
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
