import { roles, type Role } from '../auth/identity';
import {
  conversationPathSchema,
  listMessagesQuerySchema,
  listMessagesResponseSchema,
  responseStatsQuerySchema,
  responseStatsSchema,
} from '../conversations/frames';
import { libraryRoles } from '../quick-replies/library-access';
import {
  libraryQuerySchema,
  listQuickRepliesQuerySchema,
  quickReplyBodySchema,
  quickReplyPageSchema,
  quickReplySchema,
  shortcutPathSchema,
} from '../quick-replies/schemas';
import { agentSchema } from '../routing/agent';
import { agentPathParams, putAgentBody, putShopBody, shopPathParams } from '../routing/frames';
import { myShopsSchema, shopSchema } from '../routing/shop';
import { shopBoardSchema } from '../routing/shop-board';
import { caseHttpContracts } from './case-contracts';
import { connectTicketSchema, healthSchema, meSchema } from './core-schemas';
import { putResponsePolicyBody, responsePolicyViewSchema } from '../service-clock/policy';
import { responseRateQuerySchema, responseRateSchema } from '../service-clock/frames';
import { orderIntegrationViewSchema, putOrderIntegrationBody, shopIntegrationPathParams } from '../orders/integration';
import { orderEventLogPage, orderEventLogQuery } from '../orders/order-event-log';
import { webhookPathParams } from '../orders/webhook-route';
import { z } from 'zod';
import { promoPathParams, promoPhasePathParams, promoSchema, putPromoBody } from '../promo/calendar';
import {
  planQuerySchema,
  planRequestBody,
  planResponseSchema,
  promoListSchema,
  promoStatusSchema,
  putPromoQuerySchema,
  putPromoResponseSchema,
  triggerResponseSchema,
} from '../promo/frames';
import { promoRoles } from '../promo/manage-promos';
import { militiaImportBody, militiaImportQuery, militiaImportResponse } from '../people/frames';
import { buyerOrdersPath, buyerOrdersQuery, orderCardsResponse, orderPath, orderResponse, refundPath, refundResponse } from '../orders/frames';
import { onboardingContracts } from './onboarding-contracts';
import { qcContracts } from './qc-contracts';
import { kpiHttpContracts } from './kpi-contracts';
import { outreachHttpContracts } from './outreach-contracts';
import { robotHttpContracts } from './robot-contracts';

/**
 * What each HTTP route accepts and returns, keyed like the manifest (`METHOD /path`). The schemas are
 * the objects the handlers validate with; docs/openapi.json is generated from this map by
 * scripts/generate-contracts.ts, and test/unit/contracts.test.ts fails while a manifest route has no
 * entry here.
 *
 * Implied by the generator, so not repeated per route: 400 VALIDATION_FAILED for routes with input,
 * 401 and 403 for authenticated routes, 413 for routes with a body, 500 and 503 everywhere.
 */
export interface HttpContract {
  summary: string;
  description?: string;
  tag: 'system' | 'session' | 'shops' | 'agents' | 'conversations' | 'quick replies' | 'orders' | 'after-sales cases' | 'promo' | 'tenants' | 'audit' | 'catalogue' | 'users' | 'outreach' | 'quality' | 'scorecards';
  /** Who may call; mirrors the handler's httpRoute `auth` option. */
  auth: 'public' | readonly Role[];
  path?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body is a platform's signed bytes (webhooks), handed over raw: kefu verifies it, it does not declare its fields. */
  platformBody?: true;
  /** Success responses by status; no schema means no body. */
  responses: Record<number, { description: string; schema?: z.ZodType; /** Also answered as text of this type (an export's `format=csv`). */ textContentType?: 'text/csv' }>;
  /** Route-specific errors (404, 409…), with the codes a client can branch on. */
  errors?: { status: number; codes: string[]; description: string }[];
  /** Real requests; the contract test checks them against the schemas and the generated document. */
  examples?: { path?: Record<string, string>; query?: Record<string, string>; body?: unknown }[];
}

export const notFound = (what: string) => ({
  status: 404,
  codes: ['NOT_FOUND'],
  description: `No such ${what} for this caller. Another tenant's or shop's ${what} gets exactly this answer too.`,
});

const greeting = {
  title: '问候',
  variants: ['{buyerName}您好，欢迎光临{shopName}，有什么可以帮您？', '亲，在的哦，请问有什么可以帮您？'],
  tags: ['售前'],
  stage: 'pre-sale',
};

export const httpContracts: Record<string, HttpContract> = {
  'GET /health': {
    summary: 'Liveness of the API and its table',
    description:
      'Each component has a `status`; a deployed stack reports `dynamodb` (the table answers a read), the local stack (`npm start`) adds `sqs`, `websocket`, `queuePollers` and `scheduler`, and for its engines whether they are being restarted.',
    tag: 'system',
    auth: 'public',
    responses: {
      200: { description: 'Every component is ok.', schema: healthSchema },
      503: { description: 'A component is not ok: the one whose `status` is `down` (or `degraded`) names it. Sent with `Retry-After`.', schema: healthSchema },
    },
  },
  'GET /v1/me': {
    summary: 'Who the token says the caller is',
    description: 'Lets a client check its sign-in (tenant, role, shops) before opening a socket.',
    tag: 'session',
    auth: roles,
    responses: { 200: { description: 'The verified identity.', schema: meSchema } },
  },
  'GET /v1/me/shops': {
    summary: "The caller's shops, by name",
    description: 'The shops the token lists (that exist), with name, category and persona: what a workbench shows on every conversation so a reply never goes to the wrong shop. Staff only; nothing of another tenant or shop.',
    tag: 'session',
    auth: ['agent', 'supervisor', 'admin'],
    responses: { 200: { description: "The caller's shops.", schema: myShopsSchema } },
  },
  'POST /v1/connect-tickets': {
    summary: 'Mint a single-use WebSocket connect ticket',
    description:
      'Browsers cannot set headers on a WebSocket and URLs reach access logs, so the socket URL carries this ticket instead of the JWT: `wss://…?ticket=<ticket>`. Valid about 60 seconds, consumed by the first connect. No request body.',
    tag: 'session',
    auth: roles,
    responses: { 201: { description: 'A ticket for the caller.', schema: connectTicketSchema } },
    errors: [{ status: 403, codes: ['ACCOUNT_EXPIRED', 'ACCOUNT_NOT_STARTED'], description: 'A militia member outside the window their roster gave them: no new socket.' }],
  },
  'PUT /v1/shops/{shopId}': {
    summary: 'Create or update a shop',
    description: 'Name, persona and routing configuration. Admins create shops; supervisors update shops they serve.',
    tag: 'shops',
    auth: ['admin', 'supervisor'],
    path: shopPathParams,
    body: putShopBody,
    responses: { 200: { description: 'The shop as stored.', schema: shopSchema } },
    errors: [notFound('shop')],
    examples: [
      {
        path: { shopId: 'handu-flagship' },
        body: {
          name: '韩都衣舍旗舰店',
          category: 'apparel',
          persona: { tone: 'warm', nickname: '小韩' },
          routing: { mode: 'by-stage', groups: { 'pre-sale': 'g-pre', 'in-sale': 'g-in', 'after-sale': 'g-after' } },
        },
      },
    ],
  },
  'GET /v1/shops/{shopId}': {
    summary: 'Read a shop',
    tag: 'shops',
    auth: ['admin', 'supervisor'],
    path: shopPathParams,
    responses: { 200: { description: 'The shop.', schema: shopSchema } },
    errors: [notFound('shop')],
  },
  'PUT /v1/shops/{shopId}/response-policy': {
    summary: "Set a shop's response clock",
    description:
      'The whole policy, replacing the stored one: `timeZone` (an IANA name such as Asia/Shanghai), daily `serviceHours` windows in that zone (`HH:mm`, `24:00` allowed as an end; an end before its start runs past midnight; windows may not overlap), `targetSeconds` (the answer is due), `atRiskSeconds` (the assignee and supervisors are alerted; less than the target), `targetRate` (0–1) and `clock` (`wall`: a round that starts in service hours runs on the wall clock; `service-time`: the clock stops outside service hours). Rounds that start outside service hours are not counted. Admins and the shop\'s supervisors; rounds opened after the change use it (within a minute).',
    tag: 'shops',
    auth: ['admin', 'supervisor'],
    path: shopPathParams,
    body: putResponsePolicyBody,
    responses: { 200: { description: 'Stored.', schema: responsePolicyViewSchema } },
    errors: [notFound('shop')],
    examples: [
      {
        path: { shopId: 'handu-flagship' },
        body: { timeZone: 'Asia/Shanghai', serviceHours: [{ start: '09:00', end: '23:00' }], targetSeconds: 180, atRiskSeconds: 120, targetRate: 0.9, clock: 'wall' },
      },
    ],
  },
  'GET /v1/shops/{shopId}/response-policy': {
    summary: "Read a shop's response clock",
    description: "The stored policy (`source: shop`), or Taobao's 3-minute rate until one is stored (`source: default`: 08:00–24:00 Asia/Shanghai, due at 180 s, at risk at 120 s, target 90 %).",
    tag: 'shops',
    auth: ['admin', 'supervisor'],
    path: shopPathParams,
    responses: { 200: { description: 'The policy the shop runs on.', schema: responsePolicyViewSchema } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'handu-flagship' } }],
  },
  'GET /v1/shops/{shopId}/response-rate': {
    summary: "A shop's response rate for one of its local days",
    description:
      "Rounds (a buyer's first unanswered question to the first answer) whose question was asked on `day` in the shop's time zone, as the round facts recorded them: `met` (answered by the due time of the shop's response policy), `missed` (answered late, or still unanswered at the due time), `notCounted` (asked outside service hours). `rate` = met / (met + missed); `meetsTarget` compares it with the policy's `targetRate`. Rounds still running are not counted yet. Per agent: the assignee responsible for each round. Admins and the shop's supervisors.",
    tag: 'shops',
    auth: ['admin', 'supervisor'],
    path: shopPathParams,
    query: responseRateQuerySchema,
    responses: { 200: { description: "The day's rate.", schema: responseRateSchema } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'handu-flagship' }, query: { day: '2026-11-11' } }],
  },
  'GET /v1/shops/{shopId}/board': {
    summary: 'The supervisor wall for a shop: waiting lines and agents',
    description:
      'Per stage: how many conversations wait and since when the longest has waited. Per routing group (stage groups and the backup group): its agents with presence, load and cap. Eventually consistent (a change of the last second may be missing); poll it every few seconds.',
    tag: 'shops',
    auth: ['admin', 'supervisor'],
    path: shopPathParams,
    responses: { 200: { description: 'The shop\'s board.', schema: shopBoardSchema } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'handu-flagship' } }],
  },
  'PUT /v1/agents/{agentId}': {
    summary: "Create or update an agent's profile",
    description:
      'Name, shops, routing groups and cap. Presence and load are never taken from a body. An admin sets shops and groups ' +
      "as given. A supervisor's body names only shops they supervise and routing groups of those shops (the stage and " +
      "backup groups their routing configs name); the agent's other shops and group memberships are kept as they were.",
    tag: 'agents',
    auth: ['admin', 'supervisor'],
    path: agentPathParams,
    body: putAgentBody,
    responses: { 200: { description: 'The agent as stored.', schema: agentSchema } },
    errors: [
      notFound('agent or shop'),
      {
        status: 403,
        codes: ['FORBIDDEN'],
        description: 'The role may not call this, or a supervisor named a routing group of no shop they supervise (details name `body.groupIds`); nothing is changed.',
      },
      { status: 409, codes: ['AGENT_CHANGED'], description: 'Someone else changed the agent meanwhile; read it again and retry.' },
    ],
    examples: [{ path: { agentId: 'agent-1' }, body: { name: '小美', shopIds: ['handu-flagship'], groupIds: ['g-pre'], cap: 200 } }],
  },
  'GET /v1/agents/{agentId}': {
    summary: 'Read an agent: profile, presence, load and cap',
    tag: 'agents',
    auth: ['admin', 'supervisor'],
    path: agentPathParams,
    responses: { 200: { description: 'The agent.', schema: agentSchema } },
    errors: [notFound('agent')],
  },
  'GET /v1/conversations/{conversationId}/messages': {
    summary: 'A page of a conversation\'s messages, oldest first',
    description: 'Messages with seq > afterSeq. Buyers read their own conversations; agents and supervisors those of shops they serve.',
    tag: 'conversations',
    auth: roles,
    path: conversationPathSchema,
    query: listMessagesQuerySchema,
    responses: { 200: { description: 'One page; pass nextAfterSeq as afterSeq for the next.', schema: listMessagesResponseSchema } },
    errors: [notFound('conversation')],
    examples: [{ path: { conversationId: 'c-1' }, query: { afterSeq: '41', limit: '50' } }],
  },
  'GET /v1/agents/{agentId}/response-stats': {
    summary: "An agent's response figures for one service day",
    description: '首响 (first response), 平均响应 (average response) and 答问比 (reply/question ratio) for a day in China Standard Time.',
    tag: 'agents',
    auth: ['agent', 'supervisor', 'admin'],
    path: agentPathParams,
    query: responseStatsQuerySchema,
    responses: { 200: { description: 'The day\'s figures.', schema: responseStatsSchema } },
    errors: [notFound('agent')],
    examples: [{ path: { agentId: 'agent-1' }, query: { day: '2026-11-11' } }],
  },
  'GET /v1/quick-replies': {
    summary: 'List a quick-reply library',
    description:
      '`scope=agent` is the caller\'s own library; `scope=shop&shopId=` a shop the caller serves (agents read, supervisors and admins write); `scope=tenant` the tenant-wide library (all staff read, admins write). Ordered by shortcut, paged with an opaque cursor.',
    tag: 'quick replies',
    auth: libraryRoles,
    query: listQuickRepliesQuerySchema,
    responses: { 200: { description: 'One page of the library.', schema: quickReplyPageSchema } },
    errors: [notFound('shop library')],
    examples: [{ query: { scope: 'agent' } }, { query: { scope: 'shop', shopId: 'handu-flagship', limit: '20' } }],
  },
  'PUT /v1/quick-replies/{shortcut}': {
    summary: 'Create or replace a quick reply',
    description:
      'The shortcut goes URL-encoded in the path (`/hi` → `%2Fhi`). Variants rotate when sent, so a buyer never gets the same wording twice in a row. Placeholders `{buyerName}`, `{shopName}`, `{orderNumber}` are filled when sent; unknown values become 亲, 本店 and nothing. Any other `{identifier}` is refused naming the variant (`body.variants.2`). A library holds at most 500 replies.',
    tag: 'quick replies',
    auth: libraryRoles,
    path: shortcutPathSchema,
    query: libraryQuerySchema,
    body: quickReplyBodySchema,
    responses: {
      200: { description: 'Replaced; createdAt kept.', schema: quickReplySchema },
      201: { description: 'Created.', schema: quickReplySchema },
    },
    errors: [
      notFound('shop library'),
      { status: 409, codes: ['QUICK_REPLY_LIMIT'], description: 'The library already holds 500 replies; delete some first.' },
    ],
    examples: [
      { path: { shortcut: '/hi' }, query: { scope: 'agent' }, body: greeting },
      { path: { shortcut: 'ship' }, query: { scope: 'shop', shopId: 'handu-flagship' }, body: { title: '发货', variants: ['亲，您的订单{orderNumber}今天发出哦'] } },
    ],
  },
  'DELETE /v1/quick-replies/{shortcut}': {
    summary: 'Delete a quick reply',
    tag: 'quick replies',
    auth: libraryRoles,
    path: shortcutPathSchema,
    query: libraryQuerySchema,
    responses: { 204: { description: 'Deleted.' } },
    errors: [notFound('quick reply')],
    examples: [{ path: { shortcut: '/hi' }, query: { scope: 'tenant' } }],
  },
  // ── Order ingestion (issue 7 §1, docs/orders-design.md §9) ──
  'PUT /v1/shops/{shopId}/order-integration': {
    summary: "Create or update a shop's order integration",
    description:
      'The platform the shop sells on, its seller id there, and write-only secrets: `webhookSecret` signs what the platform or a relay sends (a new one becomes current and the previous stays valid for `rotationPeriodMinutes`, default 60), `credentials` are the platform API keys the pull connector and the reconciliation sweep use. Secrets are sealed with KMS before they are stored and are never returned or logged. The platform of an existing integration cannot change.',
    tag: 'orders',
    auth: ['admin', 'supervisor'],
    path: shopIntegrationPathParams,
    body: putOrderIntegrationBody,
    responses: { 200: { description: 'The integration as stored, without secrets.', schema: orderIntegrationViewSchema } },
    errors: [
      notFound('shop'),
      { status: 409, codes: ['INTEGRATION_PLATFORM_FIXED', 'INTEGRATION_CHANGED'], description: 'The integration is on another platform (details name `body.platform`), or someone changed it meanwhile: read it and retry.' },
    ],
    examples: [{ path: { shopId: 'handu-flagship' }, body: { platform: 'shopify', platformShopId: 'handu.myshopify.com', webhookSecret: 'whsec_0123456789abcdef' } }],
  },
  'GET /v1/shops/{shopId}/order-integration': {
    summary: "Read a shop's order integration (never its secrets)",
    description: 'Endpoint id and webhook paths, whether the shop is pulled, which webhook secrets are valid since when (two during a rotation), whether credentials are set.',
    tag: 'orders',
    auth: ['admin', 'supervisor'],
    path: shopIntegrationPathParams,
    responses: { 200: { description: 'The integration.', schema: orderIntegrationViewSchema } },
    errors: [notFound('order integration')],
  },
  'GET /v1/shops/{shopId}/order-event-log': {
    summary: 'Events ingestion ignored or rejected for a shop on a day',
    description: 'Nothing is dropped silently: topics kefu does not model are `ignored`, authentic events with bad content are `rejected` with the reason and the offending field (in the platform\'s terms). Kept 30 days; the day is UTC.',
    tag: 'orders',
    auth: ['admin', 'supervisor'],
    path: shopIntegrationPathParams,
    query: orderEventLogQuery,
    responses: { 200: { description: 'One page, oldest first; pass nextCursor as cursor for the next.', schema: orderEventLogPage } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'handu-flagship' }, query: { day: '2026-11-11', limit: '20' } }],
  },
  ...webhookContracts(),

  // ---- promo mode (issue 10) ----
  'GET /v1/promos': {
    summary: "The tenant's promo calendar",
    tag: 'promo',
    auth: promoRoles,
    responses: { 200: { description: 'Promos by first phase.', schema: promoListSchema } },
  },
  'PUT /v1/promos/{promoId}': {
    summary: 'Create or replace a promo and its phases',
    description:
      'Phase times are local wall-clock times in `zone` (the region\'s or the shops\'), stored in UTC. Refused with 400 VALIDATION_FAILED, nothing written, each offending field named: overlapping phases (`body.phases.N.startsAt`), a phase in the past (a started phase may be sent back unchanged), an end before the start (`body.phases.N.endsAt`), a local time the zone skips, warm throughput below what the region already has (`body.phases.N.infrastructure.warmThroughput.table.writeUnitsPerSecond`: it cannot be lowered). `?dryRun=true` writes nothing and answers the plan: every switch, when, what it costs, which are irreversible.',
    tag: 'promo',
    auth: promoRoles,
    path: promoPathParams,
    query: putPromoQuerySchema,
    body: putPromoBody,
    responses: { 200: { description: 'The promo as stored (or as it would be, on a dry run) and the plan of its switches.', schema: putPromoResponseSchema } },
    errors: [{ status: 409, codes: ['PROMO_CHANGED'], description: 'Someone saved the promo meanwhile; read it again and retry.' }],
    examples: [
      {
        path: { promoId: 'double-11-2027' },
        query: { dryRun: 'true' },
        body: {
          name: '双11 2027',
          zone: 'Asia/Shanghai',
          shopIds: ['handu-flagship'],
          phases: [
            { phaseId: 'peak', kind: 'peak', startsAt: '2027-11-11T00:00', endsAt: '2027-11-11T02:00', routing: { stageBorrowing: [{ from: 'after-sale', to: 'pre-sale' }] }, infrastructure: { preset: 'promo' } },
            { phaseId: 'tail', kind: 'after-sales-tail', startsAt: '2027-11-14T00:00', endsAt: '2027-11-29T00:00', routing: { stageBorrowing: [{ from: 'pre-sale', to: 'after-sale' }] } },
          ],
        },
      },
    ],
  },
  'GET /v1/promos/{promoId}': {
    summary: 'Read a promo',
    tag: 'promo',
    auth: promoRoles,
    path: promoPathParams,
    responses: { 200: { description: 'The promo.', schema: promoSchema } },
    errors: [notFound('promo')],
  },
  'GET /v1/promos/{promoId}/status': {
    summary: "A promo's phases and the region's capacity, desired vs actual",
    description:
      'Each phase: scheduled, in force or ended, and whether its routing switches are in force. Capacity: what every tenant\'s phases ask for now (desired) against what the capacity control last reached (actual), warm throughput per table and index as not-applied, pending, active, or recorded (the local stack records commands and sends nothing). The last 50 audit entries of the promo.',
    tag: 'promo',
    auth: promoRoles,
    path: promoPathParams,
    responses: { 200: { description: 'The status.', schema: promoStatusSchema } },
    errors: [notFound('promo')],
  },
  'POST /v1/promos/{promoId}/phases/{phaseId}/trigger': {
    summary: 'Start a phase now',
    description: 'Its routing and capacity switches take effect now instead of at its start; audited. A second trigger of the same phase changes nothing and answers `result: unchanged`. An ended phase is refused (400, `path.phaseId`).',
    tag: 'promo',
    auth: promoRoles,
    path: promoPhasePathParams,
    responses: { 200: { description: 'Triggered, or unchanged when it already was.', schema: triggerResponseSchema } },
    errors: [notFound('promo or phase')],
  },
  'POST /v1/promos/{promoId}/plan': {
    summary: 'Staffing and capacity plan from a sales plan',
    description:
      'Per shop and phase: orders = GMV ÷ order value, visitors = orders ÷ conversion, pre-sale receptions = visitors × inquiry rate, in-sale = orders × contact rate, after-sale = orders × (refund + return rate) in the after-sales-tail phases; spread over half hours by the curve (default: the midnight peak); agents = ⌈receptions × answer rate ÷ (receptions per agent per shift ÷ half hours per shift)⌉; shortfall against `scheduled`. The same forecast sizes warm throughput, provisioned concurrency, connections per second and the quota requests. `?format=csv` answers the staffing rows as text/csv instead.',
    tag: 'promo',
    auth: promoRoles,
    path: promoPathParams,
    query: planQuerySchema,
    body: planRequestBody,
    responses: { 200: { description: 'The plan (JSON; with format=csv, text/csv rows intervalStart,shopId,phaseId,stage,receptions,agentsNeeded).', schema: planResponseSchema } },
    errors: [notFound('promo')],
    examples: [
      {
        path: { promoId: 'double-11-2027' },
        body: { sales: [{ shopId: 'handu-flagship', phaseId: 'peak', gmvTarget: 6800000, averageOrderValue: 340, conversionRate: 0.04, inquiryRate: 0.085 }], staffing: { receptionsPerAgentPerShift: 850, shiftHours: 8, targetAnswerRate: 0.9 } },
      },
    ],
  },
  'POST /v1/militia/imports': {
    summary: 'Import a militia roster (CSV)',
    description:
      'Staff lent for a promo (民兵计划), one per CSV row: `userId,name,stage,shopIds,cap,startsAt,expiresAt` (shopIds separated by `;`, instants with their offset). Each becomes an agent of the shops in their group for the stage, capped, with an account that expires: after `expiresAt` (or before `startsAt`) a connect ticket is refused with 403 ACCOUNT_EXPIRED / ACCOUNT_NOT_STARTED. `?dryRun=true` answers every row\'s errors and writes nothing; a real import with any bad row is a 400 naming each (`body.csv.line.3.expiresAt`) and writes nothing.',
    tag: 'promo',
    auth: promoRoles,
    query: militiaImportQuery,
    body: militiaImportBody,
    responses: { 200: { description: 'Every row with its errors; `imported` rows written (0 on a dry run).', schema: militiaImportResponse } },
    examples: [
      {
        query: { dryRun: 'true' },
        body: { csv: 'userId,name,stage,shopIds,cap,startsAt,expiresAt\nmilitia-hr-1,人事小王,pre-sale,handu-flagship,30,2027-11-01T08:00:00+08:00,2027-11-30T23:59:59+08:00\n' },
      },
    ],
  },
  'GET /v1/shops/{shopId}/buyers/{buyerId}/orders': {
    summary: "A buyer's newest orders at a shop, as order cards",
    description:
      'Newest activity first (`limit`, default 5, at most 20), with the stage the orders give and why. The buyer is kefu\'s ' +
      'buyer id: their orders are those of every platform buyer linked to them (without a link, the platform buyer with the ' +
      'same id). Staff serving the shop only; cards carry what the platform sent, masked as it masked it.',
    tag: 'orders',
    auth: ['agent', 'supervisor', 'admin'],
    path: buyerOrdersPath,
    query: buyerOrdersQuery,
    responses: { 200: { description: 'The cards (an empty list when the buyer has no orders at the shop).', schema: orderCardsResponse } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'peach-glow', buyerId: 'buyer-zhou' }, query: { limit: '5' } }],
  },
  'GET /v1/shops/{shopId}/orders/{platform}/{orderId}': {
    summary: 'One order by its platform id, as an order card',
    tag: 'orders',
    auth: ['agent', 'supervisor', 'admin'],
    path: orderPath,
    responses: { 200: { description: "The order's card.", schema: orderResponse } },
    errors: [notFound('order')],
    examples: [{ path: { shopId: 'peach-glow', platform: 'taobao', orderId: '2316888123456789' } }],
  },
  'GET /v1/shops/{shopId}/refunds/{platform}/{refundId}': {
    summary: 'One refund by its platform id, with its timeline and its order',
    tag: 'orders',
    auth: ['agent', 'supervisor', 'admin'],
    path: refundPath,
    responses: { 200: { description: 'The refund as the platform last stated it, and its order\'s card.', schema: refundResponse } },
    errors: [notFound('refund')],
    examples: [{ path: { shopId: 'peach-glow', platform: 'taobao', refundId: '88990011' } }],
  },
  ...caseHttpContracts,
  ...onboardingContracts,
  ...qcContracts,
  ...kpiHttpContracts,
  ...outreachHttpContracts,
  ...robotHttpContracts,
};

/** The three public webhook routes differ only in the format they verify. */
function webhookContracts(): Record<string, HttpContract> {
  const receipt = z
    .object({ accepted: z.number().int(), ignored: z.number().int(), rejected: z.number().int(), challenge: z.unknown().optional() })
    .meta({ id: 'WebhookReceipt' });
  const formats = {
    shopify: ['Shopify-style', 'Signed with `X-Shopify-Hmac-SHA256` (base64 HMAC-SHA256 of the raw body); deduplicated on `X-Shopify-Event-Id`; `X-Shopify-Topic` and `X-Shopify-Triggered-At` required.'],
    douyin: ['Douyin-style', 'Signed with `X-Douyin-Signature` (hex SHA-1 of secret ‖ raw body); deduplicated on `Msg-Id`. A `verify_webhook` event gets its `challenge` back.'],
    kefu: ["kefu's own format (relays, ERPs)", 'Signed with `Kefu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." ‖ raw body)>` (one `v1` per secret during a rotation; ±300 s). Body `{"events":[…]}`, up to 100 items, each an envelope without `shopId`, or a raw Taobao TMC message under `tmc`.'],
  } as const;
  return Object.fromEntries(
    Object.entries(formats).map(([kind, [name, signing]]) => [
      `POST /v1/webhooks/${kind}/{endpointId}`,
      {
        summary: `Receive ${name} order events`,
        description: `Public: no token; the endpoint id (from GET /v1/shops/{shopId}/order-integration) names the shop, the signature over the exact bytes is the credential and is checked before anything parses the body. ${signing} Accepted events are on the orders queue before the 200; ignored and rejected ones are in the shop's order event log. Body limit 256 KB.`,
        tag: 'orders',
        auth: 'public',
        path: webhookPathParams,
        platformBody: true,
        body: z.looseObject({}).meta({ id: `${kind.charAt(0).toUpperCase()}${kind.slice(1)}WebhookBody`, description: 'The platform\'s JSON, exactly as signed.' }),
        responses: { 200: { description: 'Verified; accepted events are queued, the rest recorded.', schema: receipt } },
        errors: [
          notFound('webhook endpoint'),
          {
            status: 401,
            codes: ['MISSING_SIGNATURE', 'MALFORMED_SIGNATURE', 'SIGNATURE_MISMATCH', 'MISSING_TIMESTAMP', 'STALE_TIMESTAMP', 'FUTURE_TIMESTAMP'],
            description: 'The signature is missing, garbled, made with no valid secret, or (kefu format) signed more than 300 s away from now. Nothing was stored.',
          },
          { status: 410, codes: ['TENANT_DELETED'], description: "The endpoint's tenant has been deleted (restorable, being purged, or purged): nothing was stored or queued." },
        ],
      } satisfies HttpContract,
    ]),
  );
}
