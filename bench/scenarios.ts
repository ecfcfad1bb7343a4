import type { LocalStack } from '../infra/local/stack';
import type { BurstLoad, LoadPlan, PlannedAgent, PlannedBuyer, SteadyLoad } from './load-plan';

/**
 * The two scenarios: the shops, agents and buyers each one seeds into its own bench tenant (through the
 * HTTP admin routes, as an operator onboarding a shop would), and the load it asks the worker to drive.
 */

export type ScenarioName = 'steady' | 'double11' | 'hot';
export const scenarioNames: readonly ScenarioName[] = ['steady', 'double11', 'hot'];

export interface ShopSpec {
  shopId: string;
  name: string;
  category: string;
  defaultAgentCap: number;
}

export interface AgentSpec {
  agentId: string;
  shopIds: string[];
  cap: number;
  answerRatePerSecond?: number;
}

export interface BuyerSpec {
  buyerId: string;
  shopId: string;
  burstQuestions?: number;
}

export interface ScenarioDefinition {
  name: ScenarioName;
  description: string;
  shops: ShopSpec[];
  agents: AgentSpec[];
  buyers: BuyerSpec[];
  steady?: SteadyLoad;
  burst?: BurstLoad;
  drainTimeoutSeconds: number;
  /** Notes printed with the results (fd limit adjustments and the like). */
  notes: string[];
}

export interface ScenarioOptions {
  /** steady: messages per second in total (buyers ask half, agents answer half). */
  rate: number;
  /** steady: length of the measured window. */
  seconds: number;
  /** double11: buyers of the one agent (2,000 by default). */
  whaleBuyers: number;
  /** File descriptors this process may open. */
  fdLimit: number | undefined;
}

export const defaultOptions: ScenarioOptions = { rate: 200, seconds: 30, whaleBuyers: 2000, fdLimit: undefined };

/** The pre-sale group of a shop: by-stage routing sends new buyers (stage pre-sale) there. */
const preSaleGroup = (shopId: string) => `${shopId}-pre`;

export function defineScenario(name: ScenarioName, options: ScenarioOptions): ScenarioDefinition {
  return name === 'steady' ? steady(options) : name === 'hot' ? hot() : double11(options);
}

/**
 * hot: one agent, 2 buyers each on many sockets, 3 shops: 6 conversations that take bursts (bench/hot.ts
 * drives it with bench/hot-worker.ts). Sockets per buyer keep each socket under sendMessage's per-connection
 * burst (40), so what is measured is the append path, not flood control.
 */
function hot(): ScenarioDefinition {
  const shops: ShopSpec[] = ['hot-a', 'hot-b', 'hot-c'].map((shopId) => ({ shopId, name: `${shopId} bench`, category: 'cosmetics', defaultAgentCap: 200 }));
  return {
    name: 'hot',
    description: 'single-sender baseline (100 messages one at a time), then 200 concurrent sends into ONE conversation (180 from the buyer’s 14 sockets, 20 from the agent), then 1,000 at once from 2 buyers x 14 sockets into 6 conversations',
    shops,
    agents: [{ agentId: 'hot-agent', shopIds: shops.map((s) => s.shopId), cap: 200 }],
    buyers: [
      { buyerId: 'hot-buyer-1', shopId: 'hot-a' },
      { buyerId: 'hot-buyer-2', shopId: 'hot-a' },
    ],
    drainTimeoutSeconds: 120,
    notes: [],
  };
}

/**
 * steady: 3 shops, 20 agents each serving two of them (agents handle several brands), 200 buyers each with
 * one open conversation; buyers ask at an open-loop paced rate and agents answer every question.
 */
function steady(options: ScenarioOptions): ScenarioDefinition {
  const shops: ShopSpec[] = [
    { shopId: 'bench-cosmetics', name: '桃气美妆 bench', category: 'cosmetics', defaultAgentCap: 200 },
    { shopId: 'bench-appliances', name: '恒工家电 bench', category: 'appliances', defaultAgentCap: 200 },
    { shopId: 'bench-apparel', name: '棉麻衣舍 bench', category: 'apparel', defaultAgentCap: 200 },
  ];
  const agents: AgentSpec[] = Array.from({ length: 20 }, (_, i) => ({
    agentId: `agent-${String(i + 1).padStart(2, '0')}`,
    shopIds: [shops[i % 3]!.shopId, shops[(i + 1) % 3]!.shopId],
    cap: 200,
  }));
  const buyers: BuyerSpec[] = Array.from({ length: 200 }, (_, i) => ({ buyerId: `buyer-${i + 1}`, shopId: shops[i % 3]!.shopId }));
  return {
    name: 'steady',
    description: `20 agents, 200 buyers across 3 shops; open-loop ${options.rate} messages/s (buyers ask ${options.rate / 2}/s, agents answer each) for ${options.seconds} s, after a 3 s warm-up and 5 s steps at ${options.rate / 4}, ${options.rate / 2} and ${(options.rate * 3) / 4} msg/s`,
    shops,
    agents,
    buyers,
    steady: {
      questionsPerSecond: options.rate / 2,
      warmupSeconds: 3,
      measureSeconds: options.seconds,
      subWindows: 5,
      stepRates: [options.rate / 4, options.rate / 2, (options.rate * 3) / 4],
      stepSeconds: 5,
    },
    drainTimeoutSeconds: 20,
    notes: [],
  };
}

/**
 * double11: one agent holding 2,000 open conversations of a flagship shop (Handu's 2,000 chats at once),
 * plus 10 agents sharing two hot shops with 200 buyers (2 questions each, back to back); every buyer sends in one burst.
 */
function double11(options: ScenarioOptions): ScenarioDefinition {
  const notes: string[] = [];
  const hotBuyerCount = 200;
  const hotAgentCount = 10;
  let whaleBuyers = options.whaleBuyers;
  if (options.fdLimit !== undefined) {
    // Each buyer is two sockets in this process (client and server side), plus DynamoDB/SQS/HTTP pools.
    const room = Math.floor((options.fdLimit - 500) / 2) - hotBuyerCount - hotAgentCount - 1;
    if (room < whaleBuyers) {
      notes.push(`fd limit ${options.fdLimit} (ulimit -n) leaves room for ${room} flagship buyers, not ${whaleBuyers}: lowered. Raise it with ulimit -n to run the full 2,000.`);
      whaleBuyers = Math.max(10, room);
    }
  }
  const shops: ShopSpec[] = [
    { shopId: 'd11-flagship', name: '韩都衣舍 flagship bench', category: 'apparel', defaultAgentCap: 200 },
    { shopId: 'd11-hot-a', name: '爆款美妆 bench', category: 'cosmetics', defaultAgentCap: 200 },
    { shopId: 'd11-hot-b', name: '爆款家电 bench', category: 'appliances', defaultAgentCap: 200 },
  ];
  const agents: AgentSpec[] = [
    // Agents answer at most 15/s each: quick-reply speed, and below sendMessage's per-connection flood control (20/s).
    { agentId: 'whale', shopIds: ['d11-flagship'], cap: Math.max(2000, whaleBuyers), answerRatePerSecond: 15 },
    ...Array.from({ length: hotAgentCount }, (_, i) => ({
      agentId: `hot-${String(i + 1).padStart(2, '0')}`,
      shopIds: ['d11-hot-a', 'd11-hot-b'],
      cap: 200,
      answerRatePerSecond: 15,
    })),
  ];
  const buyers: BuyerSpec[] = [
    ...Array.from({ length: whaleBuyers }, (_, i) => ({ buyerId: `fan-${i + 1}`, shopId: 'd11-flagship', burstQuestions: 1 })),
    ...Array.from({ length: hotBuyerCount }, (_, i) => ({ buyerId: `rush-${i + 1}`, shopId: i % 2 === 0 ? 'd11-hot-a' : 'd11-hot-b', burstQuestions: 2 })),
  ];
  return {
    name: 'double11',
    description: `1 agent (cap ${agents[0]!.cap}) holding ${whaleBuyers} conversations + ${hotAgentCount} agents sharing 2 hot shops with ${hotBuyerCount} buyers; all ${whaleBuyers + hotBuyerCount} buyers open at once, then send ${whaleBuyers + hotBuyerCount * 2} questions in one burst (agents answer ≤ 15/s each for 10 s)`,
    shops,
    agents,
    buyers,
    burst: { answerForSeconds: 10 },
    drainTimeoutSeconds: 45,
    notes,
  };
}

export interface SeededScenario {
  tenantId: string;
  plan: LoadPlan;
}

/** Seeds the scenario's tenant through PUT /v1/shops and PUT /v1/agents and signs everyone's tokens. */
export async function seedScenario(stack: LocalStack, definition: ScenarioDefinition): Promise<SeededScenario> {
  const tenantId = `bench-${definition.name}-${Date.now().toString(36)}`;
  const sign = (userId: string, role: 'admin' | 'agent' | 'buyer', shopIds: string[]) =>
    stack.issuer.sign({ userId, tenantId, role, shopIds, name: userId }, { expiresInSeconds: 3600 });
  const adminToken = await sign('bench-admin', 'admin', []);

  const put = async (path: string, body: unknown) => {
    const response = await fetch(`${stack.httpUrl}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`PUT ${path}: HTTP ${response.status} ${await response.text()}`);
  };
  for (const shop of definition.shops) {
    await put(`/v1/shops/${shop.shopId}`, {
      name: shop.name,
      category: shop.category,
      routing: {
        mode: 'by-stage',
        groups: { 'pre-sale': preSaleGroup(shop.shopId), 'in-sale': `${shop.shopId}-in`, 'after-sale': `${shop.shopId}-after` },
        idleCloseMinutes: 30,
        defaultAgentCap: shop.defaultAgentCap,
      },
    });
  }
  await inBatches(definition.agents, 8, (agent) =>
    put(`/v1/agents/${agent.agentId}`, { name: agent.agentId, shopIds: agent.shopIds, groupIds: agent.shopIds.map(preSaleGroup), cap: agent.cap }),
  );

  const agents: PlannedAgent[] = await Promise.all(
    definition.agents.map(async (agent) => ({
      userId: agent.agentId,
      token: await sign(agent.agentId, 'agent', agent.shopIds),
      ...(agent.answerRatePerSecond !== undefined ? { answerRatePerSecond: agent.answerRatePerSecond } : {}),
    })),
  );
  const buyers: PlannedBuyer[] = [];
  for (const buyer of definition.buyers) {
    buyers.push({
      userId: buyer.buyerId,
      token: await sign(buyer.buyerId, 'buyer', []),
      shopId: buyer.shopId,
      ...(buyer.burstQuestions !== undefined ? { burstQuestions: buyer.burstQuestions } : {}),
    });
  }
  return {
    tenantId,
    plan: {
      scenario: definition.name,
      httpUrl: stack.httpUrl,
      wsUrl: stack.wsUrl,
      adminToken,
      agents,
      buyers,
      connectConcurrency: 32,
      ...(definition.steady ? { steady: definition.steady } : {}),
      ...(definition.burst ? { burst: definition.burst } : {}),
      drainTimeoutSeconds: definition.drainTimeoutSeconds,
    },
  };
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}
