import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../shared/store/keys';
import { tableSchema } from '../../shared/store/table-schema';
import { demoAgents, demoShops, demoTenant, type DemoAgent, type DemoShop } from './demo-data';

/** Seeding never overwrites: what a developer changed in the demo data survives every restart. */
const onlyIfAbsent = 'attribute_not_exists(pk)';

export interface SeedResult {
  created: number;
  kept: number;
}

/**
 * Writes the demo firm, its shops, agents and group memberships with the item shapes of
 * docs/conversation-design.md. Idempotent: each item is put only if absent. Kept in this one module so it
 * can switch to the shop and agent store functions once they exist.
 */
export async function seedDemoData(client: DynamoDBDocumentClient, tableName: string, now = new Date()): Promise<SeedResult> {
  const tenantId = demoTenant.tenantId;
  const createdAt = now.toISOString();
  const items: Record<string, unknown>[] = [
    { ...keys.tenant(tenantId), [tableSchema.entityAttribute]: 'Tenant', tenantId, name: demoTenant.name, createdAt },
    ...demoShops.map((shop) => shopItem(tenantId, shop, createdAt)),
    ...demoAgents.flatMap((agent) => [
      agentItem(tenantId, agent, createdAt),
      ...agent.groupIds.map((groupId) => ({
        ...keys.agentGroupMembership(tenantId, agent.agentId, groupId),
        [tableSchema.entityAttribute]: 'AgentGroupMembership',
        agentId: agent.agentId,
        groupId,
      })),
    ]),
  ];
  const outcomes = await Promise.all(
    items.map(async (item) => {
      try {
        await client.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: onlyIfAbsent }));
        return 'created' as const;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return 'kept' as const;
        throw error;
      }
    }),
  );
  return { created: outcomes.filter((o) => o === 'created').length, kept: outcomes.filter((o) => o === 'kept').length };
}

function shopItem(tenantId: string, shop: DemoShop, createdAt: string) {
  return {
    ...keys.shop(tenantId, shop.shopId),
    [tableSchema.entityAttribute]: 'Shop',
    shopId: shop.shopId,
    name: shop.name,
    category: shop.category,
    persona: shop.persona,
    routing: shop.routing,
    createdAt,
  };
}

function agentItem(tenantId: string, agent: DemoAgent, createdAt: string) {
  return {
    ...keys.agent(tenantId, agent.agentId),
    [tableSchema.entityAttribute]: 'Agent',
    agentId: agent.agentId,
    name: agent.name,
    shopIds: agent.shopIds,
    groupIds: agent.groupIds,
    presence: 'offline',
    load: 0,
    cap: agent.cap,
    createdAt,
  };
}
