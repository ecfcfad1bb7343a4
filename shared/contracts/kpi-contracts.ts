import { attributionRuleViewSchema, putAttributionRuleBody } from '../kpi/attribution-rule';
import { kpiQuerySchema, kpiRecomputedFrame, kpiReportSchema, kpisWatchAckFrame, kpisWatchFrame, kpiUpdatedFrame, usageQuerySchema, usageReportSchema } from '../kpi/frames';
import { kpiWatchSeconds } from '../kpi/watch-kpis';
import { shopPathParams } from '../routing/frames';
import type { HttpContract } from './http-contracts';
import type { FrameContract, WebSocketRouteContract } from './websocket-contracts';

/** KPIs, attribution rules and the usage export (issue 9; docs/kpi-design.md), merged into the contracts. */

const shopNotFound = {
  status: 404,
  codes: ['NOT_FOUND'],
  description: "No such shop for this caller: another shop's or tenant's gets exactly this answer, and so does an agent asking for a colleague's figures.",
};

export const kpiHttpContracts: Record<string, HttpContract> = {
  'GET /v1/shops/{shopId}/kpis': {
    summary: "A shop's KPIs per local hour or day",
    description:
      "Figures by the platforms' definitions (docs/kpi-design.md): first response = Σ first-reply time ÷ first replies; average response = Σ reply time ÷ replies; response rate = rounds met ÷ rounds counted; reply/question = agent messages ÷ buyer messages; conversion = inquirers who paid ÷ inquirers; average order value = attributed payments ÷ attributed buyers; secondary sales; case resolution time and on-time rate; online time. Days are the shop's local days (its response policy's zone); `from` and `to` are inclusive, at most 93 days apart. Attributed figures follow the shop's attribution rule (its active version); `conversion` is `provisional` until the inquiry window after the period has closed, then `final`. `counters` carries the sums and counts behind every figure. Admins and the shop's supervisors read the shop, a group (`groupId`) or an agent (`agentId`); an agent reads only their own figures.",
    tag: 'shops',
    auth: ['admin', 'supervisor', 'agent'],
    path: shopPathParams,
    query: kpiQuerySchema,
    responses: { 200: { description: 'The periods and their total.', schema: kpiReportSchema } },
    errors: [shopNotFound, { status: 403, codes: ['FORBIDDEN'], description: "An agent asked for a group's figures." }],
    examples: [
      { path: { shopId: 'peach-glow' }, query: { from: '2026-11-11', to: '2026-11-11', granularity: 'hour' } },
      { path: { shopId: 'peach-glow' }, query: { from: '2026-11-01', to: '2026-11-30', granularity: 'day', agentId: 'xiaomei' } },
    ],
  },
  'GET /v1/shops/{shopId}/attribution-rule': {
    summary: "A shop's order-attribution rule",
    description: 'The stored rule (`source: shop`) or the default until one is stored (credit on payment, 3-day inquiry window). `recomputing` is true while the shop\'s attributed figures are being recomputed under `version`; reads show `activeVersion` meanwhile.',
    tag: 'shops',
    auth: ['admin', 'supervisor'],
    path: shopPathParams,
    responses: { 200: { description: 'The rule.', schema: attributionRuleViewSchema } },
    errors: [shopNotFound],
    examples: [{ path: { shopId: 'peach-glow' } }],
  },
  'PUT /v1/shops/{shopId}/attribution-rule': {
    summary: "Set a shop's order-attribution rule",
    description:
      '`mode`: `order-placed` (下单: an order counts when placed, credited to the last reception before it), `order-first` (下单优先: counts when paid; the last reception before the order, else the first between order and payment), `payment` (付款: counts when paid, the last reception before payment). `inquiryWindowDays` 2–15: only receptions that long before count. One credited agent per order; other agents who received the buyer in the window get assist credit; orders with no reception are silent sales. The change is a new version: the aggregator recomputes the shop\'s last three months of stored orders under it and then makes it active (GET shows `recomputing` until then). A window outside 2–15 or an unknown mode is a 400 naming the field; nothing is stored.',
    tag: 'shops',
    auth: ['admin', 'supervisor'],
    path: shopPathParams,
    body: putAttributionRuleBody,
    responses: { 200: { description: 'Stored as a new version.', schema: attributionRuleViewSchema } },
    errors: [shopNotFound, { status: 409, codes: ['RULE_CHANGED'], description: 'Someone else changed the rule at the same moment; read it and try again.' }],
    examples: [{ path: { shopId: 'peach-glow' }, body: { mode: 'order-first', inquiryWindowDays: 7 } }],
  },
  'GET /v1/usage': {
    summary: 'Per-shop usage and AWS cost, per day, for invoicing',
    description:
      "Tenant admins. One line per shop and local day with usage: conversations, messages in (buyers') and out (staff's), robot answers, outreach sent, cases opened, agent minutes online; and `costUsdCents`, the firm's AWS cost apportioned by the benchmark's measured unit costs (`unitCosts`, US$ per unit, at `pricesAsOf` list prices): the firm's total is rounded to cents once and split over the lines by the largest remainder, so the lines sum to `totalCostUsdCents` exactly. `format=csv` answers text/csv (UTF-8 with a byte-order mark, CRLF, a header row and a TOTAL row) with the same columns. At most 93 days.",
    tag: 'tenants',
    auth: ['admin'],
    query: usageQuerySchema,
    responses: { 200: { description: 'The lines (JSON; with format=csv, the same as text/csv).', schema: usageReportSchema, textContentType: 'text/csv' } },
    examples: [{ query: { from: '2026-11-01', to: '2026-11-30', format: 'json' } }, { query: { from: '2026-11-11', to: '2026-11-11', format: 'csv' } }],
  },
};

export const kpiWebSocketContracts: Record<string, WebSocketRouteContract> = {
  'kpis.watch': {
    summary: "Supervisor: follow a shop's KPIs live",
    description: `Until \`watchingUntil\` (${kpiWatchSeconds / 3600} h; watching again renews it) the caller receives \`kpi.updated\` whenever a fact changes the shop's figures. Admins and the shop's supervisors; another shop is NOT_FOUND.`,
    roles: ['supervisor', 'admin'],
    frames: [{ name: 'kpisWatch', title: 'Watch KPIs', schema: kpisWatchFrame, examples: [{ action: 'kpis.watch', shopId: 'peach-glow', ref: 'k-1' }] }],
    replies: [{ name: 'kpisWatchAck', title: 'Watching KPIs', schema: kpisWatchAckFrame }],
  },
};

export const kpiPushedFrames: (FrameContract & { to: string })[] = [
  {
    name: 'kpiUpdated',
    title: "A shop's KPIs changed",
    schema: kpiUpdatedFrame,
    to: "the shop's KPI watchers (kpis.watch)",
    description:
      "Sent within seconds of a fact (a message, a round's outcome, an order, a case, a presence change) reaching the aggregator: the shop's figures for its local `day` so far. At most one per shop per aggregator batch. Best effort: the figures are stored; GET …/kpis has them.",
    examples: [{ type: 'kpi.updated', shopId: 'peach-glow', day: '2026-11-11', figures: { inquiries: 12, firstResponseSeconds: 8.5, averageResponseSeconds: 21.2, replyQuestionRatio: 1.1 }, conversion: 'provisional', updatedAt: '2026-11-11T02:00:03.000Z' }],
  },
  {
    name: 'kpiRecomputed',
    title: "A shop's attribution rule change is recomputed",
    schema: kpiRecomputedFrame,
    to: "the shop's KPI watchers (kpis.watch)",
    description:
      "Sent when the recompute after a rule change (PUT …/attribution-rule) has re-attributed the shop's stored orders of the last three months and made `version` the active one: attributed figures (conversion, sales, assists, silent sales) now follow the new rule. Best effort: GET …/attribution-rule shows the same `recompute` status.",
    examples: [
      {
        type: 'kpi.recomputed',
        shopId: 'peach-glow',
        version: 2,
        mode: 'order-first',
        inquiryWindowDays: 7,
        recompute: { version: 2, state: 'done', monthsDone: 3, monthsTotal: 3, ordersDone: 5000 },
        at: '2026-11-11T02:03:10.000Z',
      },
    ],
  },
];
