import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getShop, saveShop } from '../../shared/store/shops';
import { getAgent, saveAgentProfile } from '../../shared/store/agents';
import { findQuickReply, putQuickReply } from '../../shared/store/quick-replies';
import { demoTenants, type DemoShop } from './demo-data';

export interface SeedResult {
  created: number;
  kept: number;
}

/** Who the seed writes as, in quick replies' `updatedBy`. */
const seedActor = 'kefu-seed';

/**
 * Writes each demo firm's shops, agents (with their group memberships) and each shop's greeting and
 * closing quick replies through the same store functions the admin routes use, so seeded items have
 * exactly the shape handlers read. Idempotent: what already exists is kept, so whatever a developer
 * changed in the demo data survives every restart. Needs the handler environment (TABLE_NAME) applied.
 */
export async function seedDemoData(client: DynamoDBDocumentClient, now = new Date()): Promise<SeedResult> {
  const outcomes = await Promise.all(
    demoTenants.flatMap(({ tenantId, shops, agents }) => [
      ...shops.map(async (shop) => {
        if (await getShop(tenantId, shop.shopId, { consistent: true }, client)) return 'kept';
        await saveShop(tenantId, shop.shopId, shopConfig(shop), { mustExist: false, now }, client);
        return 'created';
      }),
      ...agents.map(async ({ agentId, name, shopIds, groupIds, cap }) => {
        if (await getAgent(tenantId, agentId, { consistent: true }, client)) return 'kept';
        await saveAgentProfile(tenantId, agentId, { name, shopIds, groupIds, cap }, undefined, now, client);
        return 'created';
      }),
      ...shops.flatMap((shop) =>
        personaQuickReplies(shop).map(async ({ shortcut, ...content }) => {
          const scope = { kind: 'shop', shopId: shop.shopId } as const;
          if (await findQuickReply(tenantId, [scope], shortcut, client)) return 'kept';
          await putQuickReply(tenantId, scope, shortcut, content, seedActor, now, client);
          return 'created';
        }),
      ),
    ]),
  );
  return { created: outcomes.filter((o) => o === 'created').length, kept: outcomes.filter((o) => o === 'kept').length };
}

function shopConfig(shop: DemoShop) {
  return {
    name: shop.name,
    category: shop.category,
    persona: { tone: shop.persona.tone, nickname: shop.persona.signature },
    routing: shop.routing,
  };
}

/** The brand persona's greetings become the shop's `/hi` reply (one variant each), its closing `/bye`. */
function personaQuickReplies(shop: DemoShop) {
  return [
    { shortcut: '/hi', title: 'Greeting', variants: [...shop.persona.greetings], tags: ['greeting'] },
    { shortcut: '/bye', title: 'Closing', variants: [shop.persona.closing], tags: ['closing'] },
  ];
}
