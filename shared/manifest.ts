/**
 * The one declaration of kefu's entry points: HTTP routes, WebSocket routes and their $connect
 * authorizer, queue consumers and schedules, plus the queues. The CDK app stack (infra/app-stack.ts) and
 * the local stack (infra/local/) both read this file, and test/infra checks the synthesized template
 * against it, so the two cannot drift.
 *
 * `handler` is the module path from the repo root; the module exports `handler`.
 * `access` lists what the function may touch, from which the CDK stack derives least-privilege grants.
 */
import { kpiEntities } from './kpi/facts';

export type Access =
  | 'table:read'
  | 'table:write'
  | 'queue:delivery:send'
  | 'queue:routing:send'
  | 'queue:orders:send'
  | 'queue:rounds:send'
  | 'queue:imports:send'
  | 'queue:outreach:send'
  | 'queue:recompute:send'
  | 'websocket:post'
  /** Seal / open shops' webhook secrets and platform credentials with the data stack's secrets key (KMS). */
  | 'secrets:encrypt'
  | 'secrets:decrypt'
  /** Change region capacity (warm throughput, provisioned/reserved/event-source concurrency): the promo capacity control only. */
  | 'capacity:control'
  /** Read the table's change stream (a stream consumer's event source mapping polls it with the function's role). */
  | 'table:stream'
  /** The region's Cognito staff pool: exactly the Admin* actions of shared/people/cognito-user-directory.ts, on that pool only. */
  | 'directory:admin'
  /** The SMS provider's receipt-callback secret in Secrets Manager (read only, that one secret): the receipts route only. */
  | 'sms-callback-secret:read';

export interface FunctionSpec {
  /** Stable short name; becomes the CDK construct id, so never rename a deployed one. */
  name: string;
  handler: string;
  access: readonly Access[];
  timeoutSeconds?: number;
  memoryMb?: number;
}

export interface HttpRouteSpec extends FunctionSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax: /v1/quick-replies/{shortcut} */
  path: string;
  /**
   * Answers without a token (no JWT authorizer at the API). The handler must say the same
   * (`httpRoute({ auth: 'public' })`); test/unit/manifest.test.ts checks the two agree.
   */
  public?: boolean;
  /** Why a public route needs no token (cdk-nag's APIG4 acknowledgment); required with `public`. */
  publicBecause?: string;
}

export interface WebSocketRouteSpec extends FunctionSpec {
  /** $connect, $disconnect, $default, or a value of the frame's `action` field. */
  route: string;
  /** Two-way route: the handler's return body is sent back to the sender (acks, error frames). */
  returnResponse: boolean;
}

export interface QueueSpec {
  /** Logical name: `delivery` becomes DELIVERY_QUEUE_URL for handlers. */
  name: 'delivery' | 'routing' | 'orders' | 'rounds' | 'imports' | 'outreach' | 'recompute';
  fifo: boolean;
  /** At least 5, so throttled retries don't push good messages to the DLQ. */
  maxReceiveCount: number;
  retentionDays: number;
}

export interface QueueConsumerSpec extends FunctionSpec {
  queue: QueueSpec['name'];
  batchSize: number;
  maxBatchingWindowSeconds: number;
  /** Caps concurrent consumers, so throttling does not burn receive counts. */
  maxConcurrency: number;
}

/**
 * A function fed by the table's change stream (NEW_AND_OLD_IMAGES): Lambda's event source mapping
 * locally played by infra/local/stream-poller.ts. Failures: the handler reports the first failed record
 * (ReportBatchItemFailures), the batch is split in two on error, retried `retryAttempts` times, then its
 * description goes to the stream-failures queue (the on-failure destination, kept 14 days).
 */
export interface StreamConsumerSpec extends FunctionSpec {
  batchSize: number;
  maxBatchingWindowSeconds: number;
  /** Only items whose `entity` attribute is one of these invoke the function (event filtering). */
  entities: readonly string[];
  /** Deletions of items of these entities invoke it too (a REMOVE record carries only the old image). */
  removedEntities?: readonly string[];
  bisectBatchOnError: boolean;
  retryAttempts: number;
  /** Records older than this are skipped to the on-failure destination instead of retried. */
  maxRecordAgeSeconds: number;
  parallelizationFactor: number;
}

export interface ScheduleSpec extends FunctionSpec {
  /** EventBridge Scheduler expression: rate(...), cron(...) or at(...). */
  expression: string;
  input?: Record<string, unknown>;
}

export const queues: readonly QueueSpec[] = [
  { name: 'delivery', fifo: false, maxReceiveCount: 5, retentionDays: 4 },
  { name: 'routing', fifo: false, maxReceiveCount: 5, retentionDays: 4 },
  // Platform order events (docs/orders-design.md). Standard, not FIFO: the order reducer is
  // order-independent, so ordering buys nothing. 7 days (its DLQ keeps 14) outlasts Shopify's 4 h of
  // retries and a long weekend's consumer outage; the reconciliation sweep repairs anything older.
  { name: 'orders', fifo: false, maxReceiveCount: 5, retentionDays: 7 },
  // Response-clock checks (issue 7 §4): each waits with DelaySeconds until its round's at-risk or due
  // instant. A check is worth nothing days late, so 4 days as the others.
  { name: 'rounds', fifo: false, maxReceiveCount: 5, retentionDays: 4 },
  // Batches of large imports (catalogues): a batch is idempotent (Puts, a once-only progress marker).
  { name: 'imports', fifo: false, maxReceiveCount: 5, retentionDays: 4 },
  // Outreach (issue 8, docs/outreach-design.md): due tasks drained from the minute buckets, coupon
  // commands, and jobs a token bucket put back with a delay. A task is claimed once, so a redelivery is
  // harmless; 4 days as the live queues (a nudge days late is worth nothing, the task is still in the table).
  { name: 'outreach', fifo: false, maxReceiveCount: 5, retentionDays: 4 },
  // Attribution recomputes after a shop's rule change (issue 9, docs/kpi-design.md §3): one page of a
  // month's orders per message, the next page re-enqueued. Facts are claimed, so a redelivered page counts
  // once; 4 days: a recompute stuck longer is found by the DLQ alarm, and the rule's status shows it.
  { name: 'recompute', fifo: false, maxReceiveCount: 5, retentionDays: 4 },
];

export interface WebSocketAuthorizerSpec extends FunctionSpec {
  /** API Gateway answers 401 without running the authorizer when one of these is missing or empty. */
  identitySource?: readonly string[];
}

/** The WebSocket $connect authorizer: consumes a single-use connect ticket. */
export const webSocketAuthorizer: WebSocketAuthorizerSpec = {
  name: 'AuthorizeConnect',
  identitySource: ['route.request.querystring.ticket'],
  handler: 'functions/ws/authorize-connect.ts',
  access: ['table:write'],
};

export const httpRoutes: readonly HttpRouteSpec[] = [
  {
    name: 'Health',
    method: 'GET',
    path: '/health',
    handler: 'functions/http/health.ts',
    access: ['table:read'],
    public: true,
    publicBecause: 'a public liveness probe: it returns component status only, no tenant data',
  },
  // table:read: every authenticated route reads whether the caller's tenant is deleted (shared/store/tenants.ts).
  { name: 'Me', method: 'GET', path: '/v1/me', handler: 'functions/http/get-me.ts', access: ['table:read'] },
  { name: 'MyShops', method: 'GET', path: '/v1/me/shops', handler: 'functions/http/get-my-shops.ts', access: ['table:read'] },
  {
    name: 'CreateConnectTicket',
    method: 'POST',
    path: '/v1/connect-tickets',
    handler: 'functions/http/create-connect-ticket.ts',
    // table:read: a militia account's window (shared/people/manage-militia.ts).
    access: ['table:read', 'table:write'],
  },
  { name: 'PutShop', method: 'PUT', path: '/v1/shops/{shopId}', handler: 'functions/http/put-shop.ts', access: ['table:write'] },
  { name: 'GetShop', method: 'GET', path: '/v1/shops/{shopId}', handler: 'functions/http/get-shop.ts', access: ['table:read'] },
  { name: 'GetShopBoard', method: 'GET', path: '/v1/shops/{shopId}/board', handler: 'functions/http/get-shop-board.ts', access: ['table:read'] },
  { name: 'PutAgent', method: 'PUT', path: '/v1/agents/{agentId}', handler: 'functions/http/put-agent.ts', access: ['table:read', 'table:write'] },
  { name: 'GetAgent', method: 'GET', path: '/v1/agents/{agentId}', handler: 'functions/http/get-agent.ts', access: ['table:read'] },
  { name: 'ListQuickReplies', method: 'GET', path: '/v1/quick-replies', handler: 'functions/http/list-quick-replies.ts', access: ['table:read'] },
  { name: 'PutQuickReply', method: 'PUT', path: '/v1/quick-replies/{shortcut}', handler: 'functions/http/put-quick-reply.ts', access: ['table:write'] },
  { name: 'DeleteQuickReply', method: 'DELETE', path: '/v1/quick-replies/{shortcut}', handler: 'functions/http/delete-quick-reply.ts', access: ['table:write'] },
  {
    name: 'ListMessages',
    method: 'GET',
    path: '/v1/conversations/{conversationId}/messages',
    handler: 'functions/http/list-messages.ts',
    // Writes a skipped marker for a seq whose sender died (docs/conversation-design.md, "Skipped seqs").
    access: ['table:write'],
  },
  {
    name: 'GetResponseStats',
    method: 'GET',
    path: '/v1/agents/{agentId}/response-stats',
    handler: 'functions/http/get-response-stats.ts',
    access: ['table:read'],
  },
  // Response clock (issue 7 §4): the shop's policy and its response rate per local day.
  { name: 'PutResponsePolicy', method: 'PUT', path: '/v1/shops/{shopId}/response-policy', handler: 'functions/http/put-response-policy.ts', access: ['table:write'] },
  { name: 'GetResponsePolicy', method: 'GET', path: '/v1/shops/{shopId}/response-policy', handler: 'functions/http/get-response-policy.ts', access: ['table:read'] },
  { name: 'GetResponseRate', method: 'GET', path: '/v1/shops/{shopId}/response-rate', handler: 'functions/http/get-response-rate.ts', access: ['table:read'] },

  // Order ingestion (issue 7 §1, docs/orders-design.md §9).
  {
    name: 'PutOrderIntegration',
    method: 'PUT',
    path: '/v1/shops/{shopId}/order-integration',
    handler: 'functions/http/put-order-integration.ts',
    access: ['table:read', 'table:write', 'secrets:encrypt'],
  },
  {
    name: 'GetOrderIntegration',
    method: 'GET',
    path: '/v1/shops/{shopId}/order-integration',
    handler: 'functions/http/get-order-integration.ts',
    access: ['table:read'],
  },
  {
    name: 'GetOrderEventLog',
    method: 'GET',
    path: '/v1/shops/{shopId}/order-event-log',
    handler: 'functions/http/get-order-event-log.ts',
    access: ['table:read'],
  },
  ...(['shopify', 'douyin', 'kefu'] as const).map(
    (kind): HttpRouteSpec => ({
      name: `Receive${kind.charAt(0).toUpperCase()}${kind.slice(1)}Webhook`,
      method: 'POST',
      path: `/v1/webhooks/${kind}/{endpointId}`,
      handler: `functions/http/receive-${kind}-webhook.ts`,
      access: ['table:read', 'table:write', 'secrets:decrypt', 'queue:orders:send'],
      public: true,
      publicBecause: "a platform's webhook: platforms send no JWT; the request is authenticated by its signature over the raw body, checked against the shop's sealed secret before anything is parsed",
    }),
  ),
  // ---- promo mode (issue 10): ops and admins only ----
  { name: 'ListPromos', method: 'GET', path: '/v1/promos', handler: 'functions/http/list-promos.ts', access: ['table:read'] },
  { name: 'PutPromo', method: 'PUT', path: '/v1/promos/{promoId}', handler: 'functions/http/put-promo.ts', access: ['table:read', 'table:write'] },
  { name: 'GetPromo', method: 'GET', path: '/v1/promos/{promoId}', handler: 'functions/http/get-promo.ts', access: ['table:read'] },
  { name: 'GetPromoStatus', method: 'GET', path: '/v1/promos/{promoId}/status', handler: 'functions/http/get-promo-status.ts', access: ['table:read'] },
  { name: 'PlanPromo', method: 'POST', path: '/v1/promos/{promoId}/plan', handler: 'functions/http/plan-promo.ts', access: ['table:read'], memoryMb: 1024 },
  {
    name: 'TriggerPromoPhase',
    method: 'POST',
    path: '/v1/promos/{promoId}/phases/{phaseId}/trigger',
    handler: 'functions/http/trigger-promo-phase.ts',
    access: ['table:read', 'table:write'],
  },
  { name: 'ImportMilitia', method: 'POST', path: '/v1/militia/imports', handler: 'functions/http/import-militia.ts', access: ['table:read', 'table:write'] },
  // Order cards (issue 7 §2).
  { name: 'ListBuyerOrders', method: 'GET', path: '/v1/shops/{shopId}/buyers/{buyerId}/orders', handler: 'functions/http/list-buyer-orders.ts', access: ['table:read'] },
  { name: 'GetOrder', method: 'GET', path: '/v1/shops/{shopId}/orders/{platform}/{orderId}', handler: 'functions/http/get-order.ts', access: ['table:read'] },
  { name: 'GetRefund', method: 'GET', path: '/v1/shops/{shopId}/refunds/{platform}/{refundId}', handler: 'functions/http/get-refund.ts', access: ['table:read'] },
  // After-sales cases (issue 7 §3, docs/orders-design.md §4). Changes notify the owners over the socket.
  ...caseRoutes(),
  // ---- onboarding (issue 12): tenants, audit log ----
  { name: 'CreateTenant', method: 'POST', path: '/v1/tenants', handler: 'functions/http/create-tenant.ts', access: ['table:write'] },
  { name: 'GetTenant', method: 'GET', path: '/v1/tenants/{tenantId}', handler: 'functions/http/get-tenant.ts', access: ['table:read'] },
  { name: 'PatchTenant', method: 'PATCH', path: '/v1/tenants/{tenantId}', handler: 'functions/http/patch-tenant.ts', access: ['table:write'] },
  {
    name: 'RequestTenantDeletion',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/deletion',
    handler: 'functions/http/request-tenant-deletion.ts',
    access: ['table:write'],
  },
  {
    name: 'ConfirmTenantDeletion',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/deletion/confirm',
    handler: 'functions/http/confirm-tenant-deletion.ts',
    access: ['table:write'],
  },
  { name: 'RestoreTenant', method: 'DELETE', path: '/v1/tenants/{tenantId}/deletion', handler: 'functions/http/restore-tenant.ts', access: ['table:write'] },
  {
    name: 'StartCatalogueImport',
    method: 'POST',
    path: '/v1/shops/{shopId}/catalogue-imports',
    handler: 'functions/http/start-catalogue-import.ts',
    access: ['table:write', 'queue:imports:send'],
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  {
    name: 'GetCatalogueImport',
    method: 'GET',
    path: '/v1/shops/{shopId}/catalogue-imports/{importId}',
    handler: 'functions/http/get-catalogue-import.ts',
    access: ['table:read'],
  },
  { name: 'SearchProducts', method: 'GET', path: '/v1/shops/{shopId}/products', handler: 'functions/http/search-products.ts', access: ['table:read'] },
  // ---- people (issue 12 §2): staff accounts. Disabling (or re-roling) takes the user offline at once:
  // sockets closed (websocket:post covers @connections DELETE), conversations re-queued (routing jobs).
  { name: 'InviteUser', method: 'POST', path: '/v1/users', handler: 'functions/http/invite-user.ts', access: ['table:read', 'table:write'] },
  { name: 'ListUsers', method: 'GET', path: '/v1/users', handler: 'functions/http/list-users.ts', access: ['table:read'] },
  {
    name: 'PatchUser',
    method: 'PATCH',
    path: '/v1/users/{userId}',
    handler: 'functions/http/patch-user.ts',
    access: ['table:read', 'table:write', 'websocket:post', 'queue:routing:send'],
  },
  {
    name: 'DisableUser',
    method: 'POST',
    path: '/v1/users/{userId}/disable',
    handler: 'functions/http/disable-user.ts',
    access: ['table:read', 'table:write', 'websocket:post', 'queue:routing:send'],
  },
  { name: 'EnableUser', method: 'POST', path: '/v1/users/{userId}/enable', handler: 'functions/http/enable-user.ts', access: ['table:read', 'table:write'] },
  {
    name: 'ImportUsers',
    method: 'POST',
    path: '/v1/user-imports',
    handler: 'functions/http/import-users.ts',
    // Files over asyncUserImportRows go to the imports queue in batches (ImportCatalogueBatches writes them).
    access: ['table:read', 'table:write', 'queue:imports:send'],
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  { name: 'GetUserImport', method: 'GET', path: '/v1/user-imports/{importId}', handler: 'functions/http/get-user-import.ts', access: ['table:read'] },
  { name: 'GetShopChecklist', method: 'GET', path: '/v1/shops/{shopId}/checklist', handler: 'functions/http/get-shop-checklist.ts', access: ['table:read'] },
  {
    name: 'ImportQuickReplies',
    method: 'POST',
    path: '/v1/quick-reply-imports',
    handler: 'functions/http/import-quick-replies.ts',
    access: ['table:write'],
    timeoutSeconds: 29,
  },
  { name: 'ListAuditEntries', method: 'GET', path: '/v1/audit-entries', handler: 'functions/http/list-audit-entries.ts', access: ['table:read'] },
  // QC (issue 9 §2, docs/qc-and-scorecards.md): rubrics, settings, the work list, reviews, disputes.
  { name: 'PutQcRubric', method: 'PUT', path: '/v1/shops/{shopId}/qc/rubrics/{stage}', handler: 'functions/http/put-qc-rubric.ts', access: ['table:read', 'table:write'] },
  { name: 'GetQcRubric', method: 'GET', path: '/v1/shops/{shopId}/qc/rubrics/{stage}', handler: 'functions/http/get-qc-rubric.ts', access: ['table:read'] },
  { name: 'ListQcRubrics', method: 'GET', path: '/v1/shops/{shopId}/qc/rubrics', handler: 'functions/http/list-qc-rubrics.ts', access: ['table:read'] },
  { name: 'PutQcSettings', method: 'PUT', path: '/v1/shops/{shopId}/qc/settings', handler: 'functions/http/put-qc-settings.ts', access: ['table:read', 'table:write'] },
  { name: 'GetQcSettings', method: 'GET', path: '/v1/shops/{shopId}/qc/settings', handler: 'functions/http/get-qc-settings.ts', access: ['table:read'] },
  { name: 'GetQcWorkList', method: 'GET', path: '/v1/shops/{shopId}/qc/work-list', handler: 'functions/http/get-qc-work-list.ts', access: ['table:read'] },
  // Reads the conversation and stores its automatic result on first need, hence write.
  { name: 'GetConversationQc', method: 'GET', path: '/v1/shops/{shopId}/qc/conversations/{conversationId}', handler: 'functions/http/get-conversation-qc.ts', access: ['table:read', 'table:write'] },
  { name: 'SubmitQcReview', method: 'POST', path: '/v1/shops/{shopId}/qc/conversations/{conversationId}/reviews', handler: 'functions/http/submit-qc-review.ts', access: ['table:read', 'table:write'] },
  { name: 'DisputeQcReview', method: 'POST', path: '/v1/shops/{shopId}/qc/conversations/{conversationId}/reviews/{reviewId}/dispute', handler: 'functions/http/dispute-qc-review.ts', access: ['table:read', 'table:write'] },
  { name: 'RuleQcDispute', method: 'POST', path: '/v1/shops/{shopId}/qc/conversations/{conversationId}/reviews/{reviewId}/ruling', handler: 'functions/http/rule-qc-dispute.ts', access: ['table:read', 'table:write'] },
  { name: 'ListQcDisputes', method: 'GET', path: '/v1/shops/{shopId}/qc/disputes', handler: 'functions/http/list-qc-disputes.ts', access: ['table:read'] },
  { name: 'ListMyQcReviews', method: 'GET', path: '/v1/qc/my-reviews', handler: 'functions/http/list-my-qc-reviews.ts', access: ['table:read'] },
  // Scorecards (issue 9 §3): configuration, manual items, the monthly scores with ranks and stars.
  { name: 'PutScorecard', method: 'PUT', path: '/v1/shops/{shopId}/scorecard', handler: 'functions/http/put-scorecard.ts', access: ['table:read', 'table:write'] },
  { name: 'GetScorecard', method: 'GET', path: '/v1/shops/{shopId}/scorecard', handler: 'functions/http/get-scorecard.ts', access: ['table:read'] },
  { name: 'PutScorecardManual', method: 'PUT', path: '/v1/shops/{shopId}/scorecards/{month}/agents/{agentId}/manual', handler: 'functions/http/put-scorecard-manual.ts', access: ['table:read', 'table:write'] },
  { name: 'GetMonthlyScorecards', method: 'GET', path: '/v1/shops/{shopId}/scorecards/{month}', handler: 'functions/http/get-monthly-scorecards.ts', access: ['table:read'], timeoutSeconds: 30 },
  // ---- KPIs and usage (issue 9; docs/kpi-design.md) ----
  { name: 'GetShopKpis', method: 'GET', path: '/v1/shops/{shopId}/kpis', handler: 'functions/http/get-shop-kpis.ts', access: ['table:read'] },
  { name: 'GetAttributionRule', method: 'GET', path: '/v1/shops/{shopId}/attribution-rule', handler: 'functions/http/get-attribution-rule.ts', access: ['table:read'] },
  { name: 'PutAttributionRule', method: 'PUT', path: '/v1/shops/{shopId}/attribution-rule', handler: 'functions/http/put-attribution-rule.ts', access: ['table:read', 'table:write'] },
  { name: 'GetUsage', method: 'GET', path: '/v1/usage', handler: 'functions/http/get-usage.ts', access: ['table:read'], timeoutSeconds: 29, memoryMb: 512 },
  ...outreachRoutes(),
  // ---- the FAQ robot (issue 8 §3, docs/robot.md): admins and the shop's supervisors ----
  { name: 'ListFaqEntries', method: 'GET', path: '/v1/shops/{shopId}/faq-entries', handler: 'functions/http/list-faq-entries.ts', access: ['table:read'] },
  { name: 'PutFaqEntry', method: 'PUT', path: '/v1/shops/{shopId}/faq-entries/{faqId}', handler: 'functions/http/put-faq-entry.ts', access: ['table:read', 'table:write'] },
  { name: 'GetFaqEntry', method: 'GET', path: '/v1/shops/{shopId}/faq-entries/{faqId}', handler: 'functions/http/get-faq-entry.ts', access: ['table:read'] },
  { name: 'DeleteFaqEntry', method: 'DELETE', path: '/v1/shops/{shopId}/faq-entries/{faqId}', handler: 'functions/http/delete-faq-entry.ts', access: ['table:write'] },
  { name: 'ImportFaqEntries', method: 'POST', path: '/v1/shops/{shopId}/faq-imports', handler: 'functions/http/import-faq-entries.ts', access: ['table:read', 'table:write'] },
  { name: 'PutRobotSettings', method: 'PUT', path: '/v1/shops/{shopId}/robot-settings', handler: 'functions/http/put-robot-settings.ts', access: ['table:read', 'table:write'] },
  { name: 'GetRobotSettings', method: 'GET', path: '/v1/shops/{shopId}/robot-settings', handler: 'functions/http/get-robot-settings.ts', access: ['table:read'] },
  { name: 'GetRobotStats', method: 'GET', path: '/v1/shops/{shopId}/robot-stats', handler: 'functions/http/get-robot-stats.ts', access: ['table:read'] },
];

/** Outreach (issue 8, docs/outreach-design.md): settings, campaign tasks, agents' callbacks and outcomes. */
function outreachRoutes(): HttpRouteSpec[] {
  return [
    { name: 'GetOutreachSettings', method: 'GET', path: '/v1/shops/{shopId}/outreach-settings', handler: 'functions/http/get-outreach-settings.ts', access: ['table:read'] },
    { name: 'PutOutreachSettings', method: 'PUT', path: '/v1/shops/{shopId}/outreach-settings', handler: 'functions/http/put-outreach-settings.ts', access: ['table:write'] },
    { name: 'CreateOutreachTask', method: 'POST', path: '/v1/shops/{shopId}/outreach-tasks', handler: 'functions/http/create-outreach-task.ts', access: ['table:read', 'table:write'] },
    { name: 'GetOutreachTask', method: 'GET', path: '/v1/shops/{shopId}/outreach-tasks/{taskId}', handler: 'functions/http/get-outreach-task.ts', access: ['table:read'] },
    { name: 'ListMyOutreachTasks', method: 'GET', path: '/v1/me/outreach-tasks', handler: 'functions/http/list-my-outreach-tasks.ts', access: ['table:read'] },
    {
      name: 'ReceiveSmsReceipts',
      method: 'POST',
      path: '/v1/sms/receipts',
      handler: 'functions/http/receive-sms-receipts.ts',
      access: ['table:read', 'table:write', 'sms-callback-secret:read'],
      public: true,
      publicBecause: "the SMS provider's receipt callback: providers send no JWT; the request is authenticated by its HMAC signature over the raw body (the provider's callback secret) before anything is parsed",
    },
    {
      name: 'RecordOutreachOutcome',
      method: 'POST',
      path: '/v1/outreach-tasks/{taskId}/outcome',
      handler: 'functions/http/record-outreach-outcome.ts',
      // queue:outreach:send: a coupon-accepted outcome queues the coupon command.
      access: ['table:read', 'table:write', 'queue:outreach:send'],
    },
  ];
}

function caseRoutes(): HttpRouteSpec[] {
  const change: readonly Access[] = ['table:read', 'table:write', 'websocket:post'];
  return [
    { name: 'OpenCase', method: 'POST', path: '/v1/shops/{shopId}/cases', handler: 'functions/http/open-case.ts', access: change },
    { name: 'ListShopCases', method: 'GET', path: '/v1/shops/{shopId}/cases', handler: 'functions/http/list-shop-cases.ts', access: ['table:read'] },
    { name: 'ListMyCases', method: 'GET', path: '/v1/me/cases', handler: 'functions/http/list-my-cases.ts', access: ['table:read'] },
    { name: 'GetCase', method: 'GET', path: '/v1/cases/{caseId}', handler: 'functions/http/get-case.ts', access: ['table:read'] },
    { name: 'TransitionCase', method: 'POST', path: '/v1/cases/{caseId}/transitions', handler: 'functions/http/transition-case.ts', access: change },
    { name: 'AddCaseNote', method: 'POST', path: '/v1/cases/{caseId}/notes', handler: 'functions/http/add-case-note.ts', access: change },
    { name: 'AddCaseEvidence', method: 'POST', path: '/v1/cases/{caseId}/evidence', handler: 'functions/http/add-case-evidence.ts', access: change },
    { name: 'PutCaseOwner', method: 'PUT', path: '/v1/cases/{caseId}/owner', handler: 'functions/http/put-case-owner.ts', access: change },
    { name: 'RecordCaseRetention', method: 'POST', path: '/v1/cases/{caseId}/retention', handler: 'functions/http/record-case-retention.ts', access: change },
    { name: 'GetCaseSettings', method: 'GET', path: '/v1/shops/{shopId}/case-settings', handler: 'functions/http/get-case-settings.ts', access: ['table:read'] },
    { name: 'PutCaseSettings', method: 'PUT', path: '/v1/shops/{shopId}/case-settings', handler: 'functions/http/put-case-settings.ts', access: ['table:read', 'table:write'] },
  ];
}

export const webSocketRoutes: readonly WebSocketRouteSpec[] = [
  { name: 'WsConnect', route: '$connect', handler: 'functions/ws/connect.ts', access: ['table:write'], returnResponse: false },
  { name: 'WsDisconnect', route: '$disconnect', handler: 'functions/ws/disconnect.ts', access: ['table:write'], returnResponse: false },
  { name: 'WsDefault', route: '$default', handler: 'functions/ws/unknown-action.ts', access: [], returnResponse: true },
  { name: 'WsPing', route: 'ping', handler: 'functions/ws/ping.ts', access: [], returnResponse: true },
  {
    name: 'WsSendMessage',
    route: 'sendMessage',
    handler: 'functions/ws/send-message.ts',
    access: ['table:write', 'queue:delivery:send', 'queue:routing:send', 'queue:rounds:send'],
    returnResponse: true,
  },
  { name: 'WsHello', route: 'hello', handler: 'functions/ws/hello.ts', access: ['table:read'], returnResponse: true },
  // table:write: writes a skipped marker for a seq whose sender died (docs/conversation-design.md, "Skipped seqs").
  { name: 'WsResume', route: 'resume', handler: 'functions/ws/resume.ts', access: ['table:write'], returnResponse: true },
  { name: 'WsMarkRead', route: 'markRead', handler: 'functions/ws/mark-read.ts', access: ['table:write'], returnResponse: true },
  {
    name: 'WsSendQuickReply',
    route: 'sendQuickReply',
    handler: 'functions/ws/send-quick-reply.ts',
    access: ['table:write', 'queue:delivery:send', 'queue:routing:send', 'queue:rounds:send'],
    returnResponse: true,
  },
  {
    name: 'WsSetPresence',
    route: 'setPresence',
    handler: 'functions/ws/set-presence.ts',
    // websocket:post: going online hands the agent waiting after-sales cases, and tells them (case.updated).
    access: ['table:read', 'table:write', 'queue:routing:send', 'websocket:post'],
    returnResponse: true,
  },
  {
    name: 'WsTransfer',
    route: 'transfer',
    handler: 'functions/ws/transfer.ts',
    access: ['table:read', 'table:write', 'queue:routing:send', 'websocket:post'],
    returnResponse: true,
  },
  {
    name: 'WsReassign',
    route: 'reassign',
    handler: 'functions/ws/reassign.ts',
    access: ['table:read', 'table:write', 'queue:routing:send', 'websocket:post'],
    returnResponse: true,
  },
  {
    name: 'WsCloseConversation',
    route: 'closeConversation',
    handler: 'functions/ws/close-conversation.ts',
    access: ['table:read', 'table:write', 'queue:routing:send', 'websocket:post'],
    returnResponse: true,
  },
  { name: 'WsWatch', route: 'watch', handler: 'functions/ws/watch.ts', access: ['table:read', 'table:write'], returnResponse: true },
  { name: 'WsOrders', route: 'orders', handler: 'functions/ws/orders.ts', access: ['table:read'], returnResponse: true },
  // A supervisor's KPI dashboard subscribes to a shop's `kpi.updated` frames (issue 9).
  { name: 'WsKpisWatch', route: 'kpis.watch', handler: 'functions/ws/kpis-watch.ts', access: ['table:read', 'table:write'], returnResponse: true },
];

export const queueConsumers: readonly QueueConsumerSpec[] = [
  {
    name: 'DeliverMessages',
    queue: 'delivery',
    handler: 'functions/queue/deliver-messages.ts',
    access: ['table:read', 'table:write', 'websocket:post'],
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 10,
    timeoutSeconds: 10,
  },
  {
    name: 'RouteConversations',
    queue: 'routing',
    handler: 'functions/queue/route-conversations.ts',
    access: ['table:read', 'table:write', 'websocket:post', 'queue:delivery:send'],
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 5,
    timeoutSeconds: 20,
  },
  {
    // Platform order events → orders, then the after-steps (conversation stage; after-sales cases).
    // A midnight burst becomes queue depth: 10 consumers apply ~100 events/s each way below the table's
    // limits; one order's events conflict only with each other and retry on the stored revision.
    name: 'ApplyOrderEvents',
    queue: 'orders',
    handler: 'functions/queue/apply-order-events.ts',
    access: ['table:read', 'table:write', 'websocket:post', 'queue:routing:send'],
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    maxConcurrency: 10,
    timeoutSeconds: 30,
  },
  {
    // Alerts at-risk rounds, records missed ones, and re-sends checks not due yet (docs/orders-design.md).
    name: 'CheckResponseRounds',
    queue: 'rounds',
    handler: 'functions/queue/check-response-rounds.ts',
    access: ['table:read', 'table:write', 'websocket:post', 'queue:rounds:send', 'queue:delivery:send'],
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 5,
    timeoutSeconds: 20,
  },
  {
    name: 'ImportCatalogueBatches',
    queue: 'imports',
    handler: 'functions/queue/import-catalogue-batches.ts',
    // Also large user imports' batches, whose progress goes to the admin's sockets (userImport.progress).
    access: ['table:read', 'table:write', 'websocket:post'],
    // One batch is up to ~1,000 rows and ~10,000 item writes: one record at a time, well inside the timeout.
    batchSize: 1,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 4,
    timeoutSeconds: 120,
    memoryMb: 512,
  },
  {
    // Due outreach tasks and coupon commands (issue 8). The pace is set by the token buckets inside
    // (platform quotas), not by this concurrency. Batches of 50 (a 1 s window): a batch's records share
    // their reads, token leases and due-entry writes (docs/outreach-design.md §5, the send path).
    name: 'RunOutreach',
    queue: 'outreach',
    handler: 'functions/queue/run-outreach.ts',
    access: ['table:read', 'table:write', 'websocket:post', 'queue:delivery:send', 'queue:outreach:send'],
    batchSize: 50,
    maxBatchingWindowSeconds: 1,
    maxConcurrency: 20,
    timeoutSeconds: 30,
  },
  {
    // Attribution recompute pages (issue 9, docs/kpi-design.md §3): one page (≤ 250 orders) per record,
    // seconds of work, far inside the timeout; the next page is re-enqueued. Few at once: a recompute is
    // background work and must not crowd the live aggregator's writes on the shop's hot buckets.
    name: 'RecomputeAttribution',
    queue: 'recompute',
    handler: 'functions/queue/recompute-attribution.ts',
    // websocket:post: `kpi.recomputed` to the shop's KPI watchers when the last page activates the version.
    access: ['table:read', 'table:write', 'queue:recompute:send', 'websocket:post'],
    batchSize: 1,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 4,
    timeoutSeconds: 60,
    memoryMb: 512,
  },
];

export const streamConsumers: readonly StreamConsumerSpec[] = [
  {
    // KPI aggregation (issue 9, docs/kpi-design.md): facts from changed items into hour buckets.
    // A batch's facts are written together (claims + merged buckets, a few transactions); 2 batches per
    // shard in parallel keep a busy hour's lag in seconds. A rule change only enqueues its recompute
    // (queue:recompute:send; the RecomputeAttribution consumer does the work).
    name: 'AggregateKpis',
    handler: 'functions/stream/aggregate-kpis.ts',
    access: ['table:stream', 'table:read', 'table:write', 'websocket:post', 'queue:recompute:send'],
    batchSize: 100,
    maxBatchingWindowSeconds: 1,
    entities: kpiEntities(),
    bisectBatchOnError: true,
    retryAttempts: 5,
    maxRecordAgeSeconds: 86_400,
    parallelizationFactor: 2,
    timeoutSeconds: 300,
    memoryMb: 512,
  },
  {
    // Staff accounts into the identity provider (issue 12 §2, docs/onboarding.md): every change of a User
    // item, in order (a tenant's accounts share a partition). Cognito's admin API allows tens of calls a
    // second: one batch at a time per shard; throttling is retried by the SDK, then the record by the
    // stream, then its description goes to the stream-failures queue.
    name: 'SyncUserDirectory',
    handler: 'functions/stream/sync-user-directory.ts',
    access: ['table:stream', 'directory:admin'],
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    entities: ['User'],
    // The tenant purge deletes User items: their pool users go too.
    removedEntities: ['User'],
    bisectBatchOnError: true,
    retryAttempts: 10,
    maxRecordAgeSeconds: 86_400,
    parallelizationFactor: 1,
    timeoutSeconds: 120,
  },
];

export const schedules: readonly ScheduleSpec[] = [
  {
    name: 'CloseIdleConversations',
    expression: 'rate(1 minute)',
    handler: 'functions/schedule/close-idle-conversations.ts',
    access: ['table:read', 'table:write', 'websocket:post', 'queue:routing:send'],
    timeoutSeconds: 60,
  },
  // Order ingestion (issue 7 §1): Taobao's TMC is pulled; every shop is reconciled against the platform API.
  {
    name: 'PullPlatformMessages',
    expression: 'rate(1 minute)',
    handler: 'functions/schedule/pull-platform-messages.ts',
    access: ['table:read', 'table:write', 'secrets:decrypt', 'queue:orders:send'],
    timeoutSeconds: 60,
  },
  {
    name: 'ReconcileOrders',
    expression: 'rate(15 minutes)',
    handler: 'functions/schedule/reconcile-orders.ts',
    access: ['table:read', 'table:write', 'secrets:decrypt', 'queue:orders:send'],
    timeoutSeconds: 300,
  },
  {
    // The deadline sweep (issue 7 §3): due-time index from its cursor to the scheduled time; warnings pushed live.
    name: 'SweepCaseDeadlines',
    expression: 'rate(1 minute)',
    handler: 'functions/schedule/sweep-case-deadlines.ts',
    access: ['table:read', 'table:write', 'websocket:post'],
    timeoutSeconds: 60,
  },
  {
    // Promo capacity (issue 10): every minute, converge the region's capacity on what the calendars ask
    // for now. A schedule here rather than EventBridge one-time schedules per phase: phases are few, the
    // switches have lead times (24 h, 1 h) that a one-time schedule per step would multiply, editing a
    // phase would mean finding and moving its schedules, a converging run is idempotent by construction
    // (row 25), and the local stack runs it the same way. Precision: one minute.
    name: 'ControlPromoCapacity',
    expression: 'rate(1 minute)',
    handler: 'functions/schedule/control-promo-capacity.ts',
    access: ['table:read', 'table:write', 'capacity:control'],
    timeoutSeconds: 60,
  },
  {
    // The outreach sweep (issue 8, docs/outreach-design.md §5): drains the minute × shard due buckets into
    // the outreach queue. One schedule, not one per task: a per-task at() schedule cannot carry a million
    // tasks due in one minute (1,000 invocations/s by default; 250 CreateSchedule/s outside primary Regions).
    name: 'SweepOutreach',
    expression: 'rate(1 minute)',
    handler: 'functions/schedule/sweep-outreach.ts',
    access: ['table:read', 'table:write', 'queue:outreach:send'],
    timeoutSeconds: 60,
    memoryMb: 512,
  },
  {
    // Restore windows are days long: an hourly run is punctual enough, and each run is idempotent.
    name: 'PurgeDeletedTenants',
    expression: 'rate(1 hour)',
    handler: 'functions/schedule/purge-deleted-tenants.ts',
    access: ['table:read', 'table:write'],
    timeoutSeconds: 900,
  },
  {
    // QC sampling (issue 9 §2): each QC shop's sample of its current cycle, frozen once; hourly, so a
    // cycle starting at any shop's local midnight is frozen within the hour, and a repeated run keeps it.
    name: 'FreezeQcSamples',
    expression: 'rate(1 hour)',
    handler: 'functions/schedule/freeze-qc-samples.ts',
    access: ['table:read', 'table:write'],
    timeoutSeconds: 900,
  },
  {
    // Militia expiry (issue 10, people): members past their expiry are taken offline, sockets closed,
    // conversations re-queued. Every minute: an expired member keeps nothing for longer than that.
    name: 'ExpireMilitia',
    expression: 'rate(1 minute)',
    handler: 'functions/schedule/expire-militia.ts',
    access: ['table:read', 'table:write', 'websocket:post', 'queue:routing:send'],
    timeoutSeconds: 120,
  },
];

/**
 * The whole manifest as one value. The CDK stacks and the local stack take a Manifest (this one by
 * default), so tests can hand them a small one with a probe consumer or schedule.
 */
export interface Manifest {
  readonly queues: readonly QueueSpec[];
  readonly webSocketAuthorizer: WebSocketAuthorizerSpec;
  readonly httpRoutes: readonly HttpRouteSpec[];
  readonly webSocketRoutes: readonly WebSocketRouteSpec[];
  readonly queueConsumers: readonly QueueConsumerSpec[];
  /** Optional so small test manifests need not name it. */
  readonly streamConsumers?: readonly StreamConsumerSpec[];
  readonly schedules: readonly ScheduleSpec[];
}

/** Every function of a manifest, each once; the app stack builds one Lambda per entry. */
export function functionsOf(m: Manifest): FunctionSpec[] {
  return [m.webSocketAuthorizer, ...m.httpRoutes, ...m.webSocketRoutes, ...m.queueConsumers, ...(m.streamConsumers ?? []), ...m.schedules];
}

export const manifest: Manifest = { queues, webSocketAuthorizer, httpRoutes, webSocketRoutes, queueConsumers, streamConsumers, schedules };

export const allFunctions = (): FunctionSpec[] => functionsOf(manifest);
