import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getShop, saveShop } from '../../shared/store/shops';
import { getAgent, saveAgentProfile } from '../../shared/store/agents';
import { findQuickReply, putQuickReply } from '../../shared/store/quick-replies';
import { demoOrderIntegrations, demoTenants, type DemoShop } from './demo-data';
import { getOrderIntegration, saveOrderIntegration } from '../../shared/store/order-integrations';
import { sealSecret } from '../../shared/store/secret-box';
import { defaultRotationPeriodMinutes } from '../../shared/orders/integration';
import { demoEndpointId } from './platform-simulator/demo-shops';
import { listFaqEntries, putFaqEntries } from '../../shared/store/faq-entries';
import { faqEntryBodySchema } from '../../shared/robot/faq';
import { demoFaq } from './demo-faq';
import { seedDemoPromo } from './demo-promo';
import { demoRubrics } from '../../shared/qc/seed-rubrics';
import { getRubric, saveRubric } from '../../shared/store/qc';

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
  outcomes.push(...(await Promise.all(demoOrderIntegrations.map((integration) => seedOrderIntegration(integration, client, now)))));
  outcomes.push(...(await Promise.all(demoFaq.map((shop) => seedFaq(shop, client, now)))));
  outcomes.push(...(await Promise.all(demoRubrics.map((demo) => seedRubric(demo, client, now)))));
  outcomes.push(...(await seedDemoPromo(client, now, seedActor)));
  return { created: outcomes.filter((o) => o === 'created').length, kept: outcomes.filter((o) => o === 'kept').length };
}

/** A demo shop's FAQ entries (infra/local/demo-faq.ts), in one transaction, if the shop has none yet. */
async function seedFaq(shop: (typeof demoFaq)[number], client: DynamoDBDocumentClient, now: Date): Promise<'created' | 'kept'> {
  if ((await listFaqEntries(shop.tenantId, shop.shopId, client)).length > 0) return 'kept';
  const entries = Object.entries(shop.entries).map(([faqId, body]) => ({ faqId, shopId: shop.shopId, ...faqEntryBodySchema.parse(body), updatedAt: now.toISOString(), updatedBy: seedActor }));
  await putFaqEntries(shop.tenantId, shop.shopId, entries, now, client);
  return 'created';
}

/** A demo QC rubric (shared/qc/seed-rubrics.ts), stored like one PUT through the API, audit entry included. */
async function seedRubric({ tenantId, shopId, stage, rubric }: (typeof demoRubrics)[number], client: DynamoDBDocumentClient, now: Date): Promise<'created' | 'kept'> {
  if (await getRubric(tenantId, shopId, stage, client)) return 'kept';
  const stored = { shopId, stage, ...rubric, version: 1, updatedAt: now.toISOString(), updatedBy: seedActor };
  const actor = { userId: seedActor, role: 'admin' as const };
  await saveRubric(tenantId, stored, undefined, actor, { action: 'qc.rubric.put', target: { type: 'qc-rubric', id: stage, shopId }, after: stored }, client);
  return 'created';
}

/** A demo shop's order integration, sealed with the local secrets key like one PUT through the API. */
async function seedOrderIntegration(integration: (typeof demoOrderIntegrations)[number], client: DynamoDBDocumentClient, now: Date): Promise<'created' | 'kept'> {
  const { tenantId, shopId } = integration;
  if (await getOrderIntegration(tenantId, shopId, { consistent: true }, client)) return 'kept';
  const context = (purpose: string) => ({ tenantId, shopId, purpose });
  const at = now.toISOString();
  await saveOrderIntegration(
    {
      tenantId,
      shopId,
      platform: integration.platform,
      platformShopId: integration.platformShopId,
      endpointId: demoEndpointId(integration),
      active: true,
      rotationPeriodMinutes: defaultRotationPeriodMinutes,
      webhookSecrets: [{ sealed: await sealSecret(integration.webhookSecret, context('webhook-secret')), setAt: at }],
      ...(integration.credentials ? { credentials: { sealed: await sealSecret(JSON.stringify(integration.credentials), context('credentials')), setAt: at } } : {}),
      createdAt: at,
      updatedAt: at,
      rev: 1,
    },
    undefined,
    client,
  );
  return 'created';
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
