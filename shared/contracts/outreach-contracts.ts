import {
  campaignTaskBody,
  myOutreachTasksQuery,
  myOutreachTasksResponse,
  outcomeBody,
  outcomeResponse,
  outreachSettingsBody,
  outreachSettingsSchema,
  outreachShopPath,
  outreachShopTaskPath,
  outreachTaskPath,
  outreachTaskView,
  smsReceiptsAnswer,
  smsReceiptsBody,
} from '../outreach/outreach-frames';
import type { HttpContract } from './http-contracts';

/** The outreach routes (issue 8, docs/outreach-design.md), merged into httpContracts. */

const shopNotFound = { status: 404, codes: ['NOT_FOUND'], description: "No such shop for this caller: a shop the caller does not supervise, or another tenant's, gets exactly this answer." };
const templateErrors = [
  { status: 400, codes: ['UNKNOWN_PLACEHOLDER', 'TEMPLATE_TOO_LONG'], description: 'A template names a placeholder kefu does not fill, or expands past the channel\'s limit (platform chat 500, SMS 210 characters = 3 segments). `details` name the template field. Nothing is stored.' },
  {
    status: 422,
    codes: ['REWARD_TIED_TO_RATING'],
    description:
      'A template or coupon-strategy row ties a reward to a positive rating (好评返现, 五星好评返红包, "5-star … cashback"). Prohibited by Taobao rules, SAMR and the Anti-Unfair Competition Law; a coupon may reward the callback or any review. `details` name the field. Nothing is stored.',
  },
];

export const outreachHttpContracts: Record<string, HttpContract> = {
  'GET /v1/shops/{shopId}/outreach-settings': {
    summary: "A shop's outreach settings",
    tag: 'outreach',
    auth: ['supervisor', 'admin'],
    path: outreachShopPath,
    responses: { 200: { description: 'The settings (the defaults until saved).', schema: outreachSettingsSchema } },
    errors: [shopNotFound],
    examples: [{ path: { shopId: 'peach-glow' } }],
  },
  'PUT /v1/shops/{shopId}/outreach-settings': {
    summary: "Replace a shop's outreach settings",
    description:
      'Urges (up to three nudges), shipping notice, urge to confirm, delivery callback (delay, agents or robot, agent cap), review invitation (inside the platform window), review repair, quiet hours in the shop\'s zone (tasks due inside wait until their end), the per-buyer daily cap across the brand\'s shops, channels (SMS ramp-up, resend after N hours unread), the shop\'s send rate, and coupons (DSR, launch date, daily budget ≥ 0, strategy rows). Omitted fields take the defaults.',
    tag: 'outreach',
    auth: ['supervisor', 'admin'],
    path: outreachShopPath,
    body: outreachSettingsBody,
    responses: { 200: { description: 'The settings as stored.', schema: outreachSettingsSchema } },
    errors: [shopNotFound, ...templateErrors],
    examples: [
      {
        path: { shopId: 'peach-glow' },
        body: {
          brandId: 'peach',
          quietHours: { start: '22:00', end: '08:00' },
          deliveryCallback: { delayMinutes: 60, assignTo: 'agents' },
          coupons: {
            dsr: 4.6,
            dailyBudgetMinor: 500000,
            strategy: [
              { when: 'dsr-below', dsrBelow: 4.7, kind: 'cash', amountMinor: 1000, rewardFor: 'callback' },
              { when: 'steady', kind: 'coupon', amountMinor: 300, rewardFor: 'any-review' },
            ],
          },
        },
      },
    ],
  },
  'POST /v1/shops/{shopId}/outreach-tasks': {
    summary: 'Schedule a campaign message to one buyer',
    description:
      'Due at `dueAt` (moved out of the shop\'s quiet hours), sent by the robot on `channel` under the same rules as order tasks (opt-out, daily cap, token buckets). Idempotent by `clientRequestId`: 201 new, 200 the same request again; another body with the same id is CLIENT_REQUEST_ID_REUSED.',
    tag: 'outreach',
    auth: ['supervisor', 'admin'],
    path: outreachShopPath,
    body: campaignTaskBody,
    responses: { 201: { description: 'Scheduled.', schema: outreachTaskView }, 200: { description: 'Scheduled before by this request id.', schema: outreachTaskView } },
    errors: [
      shopNotFound,
      { status: 400, codes: ['DUE_TIME_IN_PAST'], description: '`dueAt` is in the past (details name `body.dueAt`). Nothing is stored.' },
      ...templateErrors,
      { status: 409, codes: ['CLIENT_REQUEST_ID_REUSED'], description: 'The clientRequestId created another task.' },
    ],
    examples: [{ path: { shopId: 'peach-glow' }, body: { clientRequestId: 'camp-20261111-0001', platform: 'taobao', buyerId: 'buyer-zhou', dueAt: '2099-11-11T02:00:00Z', template: '亲，{shopName}双11返场活动开始啦~' } }],
  },
  'GET /v1/shops/{shopId}/outreach-tasks/{taskId}': {
    summary: 'One outreach task: status, due minute, reach',
    tag: 'outreach',
    auth: ['agent', 'supervisor', 'admin'],
    path: outreachShopTaskPath,
    responses: { 200: { description: 'The task as stored.', schema: outreachTaskView } },
    errors: [{ status: 404, codes: ['NOT_FOUND'], description: 'No such task at this shop for this caller (another shop\'s or tenant\'s task too).' }],
    examples: [{ path: { shopId: 'peach-glow', taskId: 'ot_AAAAAAAAAAAAAAAAAAAAAA' } }],
  },
  'GET /v1/me/outreach-tasks': {
    summary: 'My delivery callbacks, soonest due first, with their order cards',
    tag: 'outreach',
    auth: ['agent', 'supervisor', 'admin'],
    query: myOutreachTasksQuery,
    responses: { 200: { description: 'One page.', schema: myOutreachTasksResponse } },
    examples: [{ query: { limit: '20' } }],
  },
  'POST /v1/outreach-tasks/{taskId}/outcome': {
    summary: 'Record how a delivery callback went',
    description:
      'Only the assigned agent. `coupon-accepted` issues the coupon the shop\'s DSR strategy gives now, once per task (its own idempotency key), within the shop\'s daily budget (`coupon.outcome` says `over-budget` when the day\'s budget has no room); the platform call runs asynchronously.',
    tag: 'outreach',
    auth: ['agent', 'supervisor', 'admin'],
    path: outreachTaskPath,
    body: outcomeBody,
    responses: { 200: { description: 'The task, done.', schema: outcomeResponse } },
    errors: [
      { status: 404, codes: ['NOT_FOUND'], description: 'No such task for this caller.' },
      { status: 403, codes: ['FORBIDDEN'], description: 'The callback is assigned to someone else.' },
      { status: 409, codes: ['OUTREACH_TASK_NOT_OPEN'], description: 'The task is not (or no longer) in an agent\'s list.' },
    ],
    examples: [{ path: { taskId: 'ot_AAAAAAAAAAAAAAAAAAAAAA' }, body: { outcome: 'coupon-accepted' } }],
  },
  'POST /v1/sms/receipts': {
    summary: "Receive the SMS provider's delivery and read receipts",
    description:
      "Public: no token; the SMS provider's callback, signed with `Kefu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.\" ‖ raw body)>` with the provider's callback secret (±300 s), checked on the exact bytes before the body is parsed. Each receipt names the message as kefu sent it (`tenantId`, `taskId`) and says `delivered` or `read`; it is recorded once on the task's reach (`deliveredAt`, `readAt`) when the task was sent or resent by SMS, and otherwise ignored (unknown task, another channel, a repeat). A read SMS is not resent on chat; an SMS still unread at the reach check is. Up to 100 receipts, body limit 64 KB.",
    tag: 'outreach',
    auth: 'public',
    platformBody: true,
    body: smsReceiptsBody,
    responses: { 200: { description: 'Verified; how many receipts were recorded and how many changed nothing.', schema: smsReceiptsAnswer } },
    errors: [
      {
        status: 401,
        codes: ['MISSING_SIGNATURE', 'MALFORMED_SIGNATURE', 'SIGNATURE_MISMATCH', 'MISSING_TIMESTAMP', 'STALE_TIMESTAMP', 'FUTURE_TIMESTAMP', 'SMS_RECEIPTS_NOT_CONFIGURED'],
        description: 'The signature is missing, garbled, made with another secret, or signed more than 300 s away from now; or no callback secret is configured. Nothing was stored.',
      },
    ],
    examples: [{ body: { receipts: [{ tenantId: 'demo', taskId: 'ot_AAAAAAAAAAAAAAAAAAAAAA', status: 'read', at: '2026-11-11T12:05:00.000Z' }] } }],
  },
};
