import { faqEntryBodySchema, faqEntryListSchema, faqEntrySchema, faqImportBodySchema, faqImportResultSchema, faqPathParams, robotSettingsBodySchema, robotSettingsViewSchema, robotStatsQuerySchema, robotStatsSchema } from '../robot/faq';
import { shopPathParams } from '../routing/frames';
import type { HttpContract } from './http-contracts';

/** The FAQ robot's routes (issue 8 §3; docs/robot.md). Admins and the shop's supervisors. */
const staff = ['admin', 'supervisor'] as const;
const notFound = (what: string) => ({
  status: 404,
  codes: ['NOT_FOUND'],
  description: `No such ${what} for this caller. Another tenant's or shop's ${what} gets exactly this answer too.`,
});
const example = {
  questions: ['发什么快递', '能发顺丰吗'],
  keywords: ['快递', '顺丰'],
  answers: ['{buyerName}，{shopName}默认发中通或圆通快递，顺丰需补差价哦~'],
};

export const robotHttpContracts: Record<string, HttpContract> = {
  'GET /v1/shops/{shopId}/faq-entries': {
    summary: "A shop's FAQ entries",
    description: 'Every entry, by faqId, and the FAQ version (bumped by every change; the robot rebuilds its index when it moves).',
    tag: 'shops',
    auth: staff,
    path: shopPathParams,
    responses: { 200: { description: 'The entries.', schema: faqEntryListSchema } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'peach-glow' } }],
  },
  'PUT /v1/shops/{shopId}/faq-entries/{faqId}': {
    summary: 'Create or replace an FAQ entry',
    description:
      'Questions (ways buyers ask it, 1-30), keywords (weighted above the questions) and answers (1-10 variants with the quick-reply placeholders `{buyerName}`, `{shopName}`, `{orderNumber}`; any other `{identifier}` is refused; at most 2,000 characters each). `stage` limits it to conversations of that stage. Nothing is stored when anything is refused.',
    tag: 'shops',
    auth: staff,
    path: faqPathParams,
    body: faqEntryBodySchema,
    responses: { 200: { description: 'Stored.', schema: faqEntrySchema } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'peach-glow', faqId: 'courier' }, body: example }],
  },
  'GET /v1/shops/{shopId}/faq-entries/{faqId}': {
    summary: 'One FAQ entry',
    tag: 'shops',
    auth: staff,
    path: faqPathParams,
    responses: { 200: { description: 'The entry.', schema: faqEntrySchema } },
    errors: [notFound('FAQ entry')],
    examples: [{ path: { shopId: 'peach-glow', faqId: 'courier' } }],
  },
  'DELETE /v1/shops/{shopId}/faq-entries/{faqId}': {
    summary: 'Delete an FAQ entry',
    tag: 'shops',
    auth: staff,
    path: faqPathParams,
    responses: { 204: { description: 'Deleted.' } },
    errors: [notFound('FAQ entry')],
    examples: [{ path: { shopId: 'peach-glow', faqId: 'courier' } }],
  },
  'POST /v1/shops/{shopId}/faq-imports': {
    summary: 'Import FAQ entries (JSON)',
    description: 'Up to 99 entries `{faqId, entry}` in one transaction: all are stored, or none (a refused entry names its index, e.g. `body.entries.3.entry.answers.0`). Existing ids are replaced. A shop holds at most 500 entries.',
    tag: 'shops',
    auth: staff,
    path: shopPathParams,
    body: faqImportBodySchema,
    responses: { 200: { description: 'Imported.', schema: faqImportResultSchema } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'peach-glow' }, body: { entries: [{ faqId: 'courier', entry: example }] } }],
  },
  'PUT /v1/shops/{shopId}/robot-settings': {
    summary: "Set when the shop's FAQ robot answers first",
    description:
      '`mode`: `off`, `always`, `outside-service-hours` (the shop\'s response policy\'s hours) or `waiting-over` (while more than `waitingOver` conversations wait for the stage). A promo phase\'s robot-first policy turns it on too. `confidenceThreshold` (0.05-1, default 0.55), `missesBeforeHandoff` (default 2), `humanStages` (stages that always go to people), `noHumanNoticeMinutes` (1-15: after a hand-off the robot tells the buyer if nobody joined by then).',
    tag: 'shops',
    auth: staff,
    path: shopPathParams,
    body: robotSettingsBodySchema,
    responses: { 200: { description: 'Stored.', schema: robotSettingsViewSchema } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'peach-glow' }, body: { mode: 'always' } }],
  },
  'GET /v1/shops/{shopId}/robot-settings': {
    summary: "The shop's FAQ robot settings",
    tag: 'shops',
    auth: staff,
    path: shopPathParams,
    responses: { 200: { description: 'The settings (`source: default` is off) and the FAQ version.', schema: robotSettingsViewSchema } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'peach-glow' } }],
  },
  'GET /v1/shops/{shopId}/robot-stats': {
    summary: "The robot's resolution and transfer rates per day",
    description: 'Per day (Asia/Shanghai service day) from `from` to `to` (at most 92 days): conversations the robot took, questions answered and missed, hand-offs by reason, resolution rate ((conversations - hand-offs) / conversations) and transfer rate. Days without robot work are absent.',
    tag: 'shops',
    auth: staff,
    path: shopPathParams,
    query: robotStatsQuerySchema,
    responses: { 200: { description: 'The days.', schema: robotStatsSchema } },
    errors: [notFound('shop')],
    examples: [{ path: { shopId: 'peach-glow' }, query: { from: '2026-11-01', to: '2026-11-11' } }],
  },
};
