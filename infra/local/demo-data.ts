import type { Role } from '../../shared/auth/identity';

/**
 * The demo world `npm start` seeds on first start: one outsourcing firm serving three shops of different
 * categories and brand personas, agents split by stage (pre-sale, in-sale, after-sale) with some serving
 * several brands at once, a backup "militia" group any shop can borrow from at a promo's start, a
 * supervisor, an admin and two buyers; and a second, smaller firm (one shop, two agents, an admin, a
 * buyer) so tenant isolation can be tried by hand. Plain data, so the seeding code can move to the store
 * modules unchanged.
 */
export type Stage = 'pre-sale' | 'in-sale' | 'after-sale';

export interface DemoShop {
  shopId: string;
  name: string;
  category: 'cosmetics' | 'appliances' | 'apparel' | 'tea';
  /** How replies should sound: quick-reply variants and the robot follow it. */
  persona: { tone: string; addressBuyerAs: string; signature: string; greetings: string[]; closing: string };
  routing: {
    mode: 'by-stage' | 'owner';
    groups: Record<Stage, string>;
    backupGroup: string;
    idleCloseMinutes: number;
    defaultAgentCap: number;
  };
}

export interface DemoAgent {
  agentId: string;
  name: string;
  shopIds: string[];
  groupIds: string[];
  cap: number;
}

export interface DemoUser {
  tenantId: string;
  userId: string;
  name: string;
  role: Role;
  shopIds: string[];
  /** What the user does in the demo, printed next to the token. */
  description: string;
}

export const demoTenant = { tenantId: 'demo-firm', name: '心悦客服外包 Xinyue Service Outsourcing' } as const;

const backupGroup = 'militia';

export const demoShops: readonly DemoShop[] = [
  {
    shopId: 'peach-glow',
    name: '桃气美妆 Peach Glow Cosmetics',
    category: 'cosmetics',
    persona: {
      tone: 'sweet',
      addressBuyerAs: '小仙女',
      signature: '桃桃',
      greetings: ['亲爱的小仙女~桃桃在呢，有什么可以帮你的呀 ♡', '哈喽小仙女！今天想了解哪款宝贝呀~', '来啦来啦~小仙女请吩咐 (๑•̀ㅂ•́)و✧'],
      closing: '么么哒，祝小仙女越来越美~',
    },
    routing: {
      mode: 'by-stage',
      groups: { 'pre-sale': 'peach-pre', 'in-sale': 'peach-in', 'after-sale': 'peach-after' },
      backupGroup,
      idleCloseMinutes: 30,
      defaultAgentCap: 8,
    },
  },
  {
    shopId: 'henggong-appliances',
    name: '恒工家电旗舰店 Henggong Appliances',
    category: 'appliances',
    persona: {
      tone: 'professional',
      addressBuyerAs: '您',
      signature: '恒工官方客服',
      greetings: ['您好，恒工家电官方客服为您服务，请问有什么可以帮您？', '您好，欢迎光临恒工旗舰店，请问您想咨询哪款产品的参数或安装？'],
      closing: '感谢您的咨询，祝您生活愉快。',
    },
    routing: {
      mode: 'by-stage',
      groups: { 'pre-sale': 'henggong-pre', 'in-sale': 'henggong-in', 'after-sale': 'henggong-after' },
      backupGroup,
      idleCloseMinutes: 20,
      defaultAgentCap: 6,
    },
  },
  {
    shopId: 'old-time-apparel',
    name: '旧时光 Old Time Apparel',
    category: 'apparel',
    persona: {
      tone: 'artsy',
      addressBuyerAs: '旅人',
      signature: '掌柜',
      greetings: ['旅人你好，风从旧时光吹来，想看看哪一件？', '你来了。这里的每一件衣服，都有一段故事。'],
      closing: '愿你穿着它，走过每一个好天气。',
    },
    routing: {
      mode: 'by-stage',
      groups: { 'pre-sale': 'oldtime-pre', 'in-sale': 'oldtime-in', 'after-sale': 'oldtime-after' },
      backupGroup,
      idleCloseMinutes: 45,
      defaultAgentCap: 10,
    },
  },
];

const allShops = demoShops.map((shop) => shop.shopId);

export const demoAgents: readonly DemoAgent[] = [
  { agentId: 'xiaomei', name: '小美', shopIds: ['peach-glow', 'old-time-apparel'], groupIds: ['peach-pre', 'oldtime-pre'], cap: 8 },
  { agentId: 'ajie', name: '阿杰', shopIds: ['henggong-appliances'], groupIds: ['henggong-pre'], cap: 6 },
  { agentId: 'lili', name: '莉莉', shopIds: allShops, groupIds: ['peach-in', 'henggong-in', 'oldtime-in'], cap: 10 },
  { agentId: 'dawei', name: '大伟', shopIds: ['henggong-appliances', 'peach-glow'], groupIds: ['henggong-after', 'peach-after'], cap: 6 },
  { agentId: 'xiaoyu', name: '小雨', shopIds: ['old-time-apparel', 'peach-glow'], groupIds: ['oldtime-after', 'peach-after'], cap: 6 },
  { agentId: 'laozhang', name: '老张', shopIds: allShops, groupIds: [backupGroup], cap: 5 },
];

const stageOf = (agent: DemoAgent) =>
  agent.groupIds.includes(backupGroup)
    ? 'backup group (militia) for every shop'
    : [...new Set(agent.groupIds.map((group) => (group.endsWith('-pre') ? 'pre-sale' : group.endsWith('-in') ? 'in-sale' : 'after-sale')))].join(', ');

export const demoUsers: readonly DemoUser[] = [
  ...demoAgents.map((agent) => ({
    tenantId: demoTenant.tenantId,
    userId: agent.agentId,
    name: agent.name,
    role: 'agent' as const,
    shopIds: agent.shopIds,
    description: `agent, ${stageOf(agent)}: ${agent.shopIds.join(', ')}`,
  })),
  { tenantId: demoTenant.tenantId, userId: 'supervisor-wang', name: '王主管', role: 'supervisor', shopIds: allShops, description: 'supervisor of all three shops' },
  { tenantId: demoTenant.tenantId, userId: 'admin-chen', name: '陈经理', role: 'admin', shopIds: [], description: 'tenant admin: shops, agents, quick replies' },
  // QC inspects two of the three shops, so a refused read of the third can be tried by hand.
  { tenantId: demoTenant.tenantId, userId: 'qc-zhou', name: '周质检', role: 'qc', shopIds: ['peach-glow', 'henggong-appliances'], description: 'QC reviewer of peach-glow and henggong-appliances' },
  { tenantId: demoTenant.tenantId, userId: 'buyer-taotao', name: '淘淘', role: 'buyer', shopIds: [], description: 'buyer' },
  { tenantId: demoTenant.tenantId, userId: 'buyer-lin', name: '林同学', role: 'buyer', shopIds: [], description: 'buyer' },
];

/** The second firm: nothing of it is visible to the first, and the other way round. */
export const secondDemoTenant = { tenantId: 'demo-firm-b', name: '星河电商服务 Xinghe E-commerce Services' } as const;

export const secondDemoShops: readonly DemoShop[] = [
  {
    shopId: 'cloud-mist-tea',
    name: '云雾茶庄 Cloud Mist Tea',
    category: 'tea',
    persona: {
      tone: 'calm',
      addressBuyerAs: '茶友',
      signature: '云雾小茶',
      greetings: ['茶友您好，云雾茶庄为您泡好了茶，想了解哪一款？'],
      closing: '山高水长，期待与您再会。',
    },
    routing: {
      mode: 'by-stage',
      groups: { 'pre-sale': 'tea-pre', 'in-sale': 'tea-pre', 'after-sale': 'tea-after' },
      backupGroup: 'tea-after',
      idleCloseMinutes: 30,
      defaultAgentCap: 8,
    },
  },
];

export const secondDemoAgents: readonly DemoAgent[] = [
  { agentId: 'ahua', name: '阿花', shopIds: ['cloud-mist-tea'], groupIds: ['tea-pre'], cap: 8 },
  { agentId: 'xiaolong', name: '小龙', shopIds: ['cloud-mist-tea'], groupIds: ['tea-after'], cap: 8 },
];

export const secondDemoUsers: readonly DemoUser[] = [
  { tenantId: secondDemoTenant.tenantId, userId: 'ahua', name: '阿花', role: 'agent', shopIds: ['cloud-mist-tea'], description: 'agent, pre- and in-sale: cloud-mist-tea' },
  { tenantId: secondDemoTenant.tenantId, userId: 'xiaolong', name: '小龙', role: 'agent', shopIds: ['cloud-mist-tea'], description: 'agent, after-sale: cloud-mist-tea' },
  { tenantId: secondDemoTenant.tenantId, userId: 'admin-zhao', name: '赵经理', role: 'admin', shopIds: [], description: 'tenant admin' },
  { tenantId: secondDemoTenant.tenantId, userId: 'buyer-zhou', name: '周周', role: 'buyer', shopIds: [], description: 'buyer' },
];

export interface DemoTenant {
  tenantId: string;
  name: string;
  shops: readonly DemoShop[];
  agents: readonly DemoAgent[];
  users: readonly DemoUser[];
}

export const demoTenants: readonly DemoTenant[] = [
  { ...demoTenant, shops: demoShops, agents: demoAgents, users: demoUsers },
  { ...secondDemoTenant, shops: secondDemoShops, agents: secondDemoAgents, users: secondDemoUsers },
];

/**
 * The demo shops' order integrations (issue 7 §1), so `npm start` then `npm run sim -- place --shop
 * peach-glow --buyer buyer-taotao` works: Peach Glow sells on Taobao (pulled from the simulator's TMC),
 * Henggong on Douyin and Old Time on Shopify (signed webhooks), Cloud Mist Tea on Taobao through a relay
 * (kefu's own signed format). The secrets are demo values for this machine only. Platform buyer ids are
 * kefu user ids (`buyer-taotao`, `buyer-zhou`): the simulator uses them as the platform's buyer id.
 */
export interface DemoOrderIntegration {
  tenantId: string;
  shopId: string;
  platform: 'taobao' | 'douyin' | 'shopify';
  platformShopId: string;
  webhookSecret: string;
  /** Platform API credentials: set for shops pulled from TMC or reconciled through the order API. */
  credentials?: { appKey: string; appSecret: string };
  relay?: boolean;
}

export const demoOrderIntegrations: readonly DemoOrderIntegration[] = [
  {
    tenantId: demoTenant.tenantId,
    shopId: 'peach-glow',
    platform: 'taobao',
    platformShopId: '2200000001',
    webhookSecret: 'demo-peach-glow-webhook-secret',
    credentials: { appKey: 'demo-app-peach', appSecret: 'demo-app-secret-peach' },
  },
  { tenantId: demoTenant.tenantId, shopId: 'henggong-appliances', platform: 'douyin', platformShopId: 'dy-henggong', webhookSecret: 'demo-henggong-webhook-secret' },
  {
    tenantId: demoTenant.tenantId,
    shopId: 'old-time-apparel',
    platform: 'shopify',
    platformShopId: 'old-time.myshopify.com',
    webhookSecret: 'demo-old-time-webhook-secret',
    credentials: { appKey: 'demo-app-old-time', appSecret: 'demo-app-secret-old-time' },
  },
  {
    tenantId: secondDemoTenant.tenantId,
    shopId: 'cloud-mist-tea',
    platform: 'taobao',
    platformShopId: '2200000009',
    webhookSecret: 'demo-cloud-mist-webhook-secret',
    relay: true,
  },
];
