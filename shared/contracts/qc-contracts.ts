import { z } from 'zod';
import { afterSaleChecklist, huiyinNineSteps } from '../qc/seed-rubrics';
import { workListQuery, workListSchema } from '../qc/manage-qc';
import { conversationReviewPath, conversationReviewsSchema, disputeBody, myReviewsQuery, reviewBody, reviewPageSchema, reviewPath, reviewSchema, rulingBody } from '../qc/review';
import { putRubricBody, rubricListSchema, rubricPathParams, rubricSchema } from '../qc/rubric';
import { putQcSettingsBody, qcSettingsViewSchema } from '../qc/settings';
import { shopPathParams } from '../routing/frames';
import { manualEntrySchema, manualPath, monthlyScorecardSchema, putManualBody, putScorecardBody, scorecardConfigSchema, scorecardPath } from '../scorecards/scorecard';
import type { HttpContract } from './http-contracts';

/** QC and scorecard routes (issue 9 §2–3, docs/qc-and-scorecards.md). */
const shopNotFound = {
  status: 404,
  codes: ['NOT_FOUND'],
  description: "No such shop for this caller: another tenant's shop, or one the caller does not supervise or inspect, gets exactly this answer too.",
};
const nf = (what: string, extra = '') => ({
  status: 404,
  codes: ['NOT_FOUND'],
  description: `No such ${what} for this caller: another tenant's or another shop's gets exactly this answer too.${extra}`,
});
const inspectors = ['admin', 'supervisor', 'qc'] as const;
const supervisors = ['admin', 'supervisor'] as const;

const adidasLike = {
  name: 'adidas 个护 monthly scorecard',
  items: [
    { itemId: 'conversion', title: '询单转化率 Conversion', weight: 15, source: { kind: 'kpi', kpi: 'conversionRate', target: 0.4, direction: 'higher' } },
    { itemId: 'avg-response', title: '平均响应 Average response', weight: 15, source: { kind: 'kpi', kpi: 'averageResponseSeconds', target: 30, direction: 'lower' } },
    { itemId: 'secondary-sales', title: '二次销售 Secondary sales', weight: 15, source: { kind: 'kpi', kpi: 'secondarySalesAmount', target: 500000, direction: 'higher' } },
    { itemId: 'reply-ratio', title: '答问比 Reply/question ratio', weight: 15, source: { kind: 'kpi', kpi: 'replyQuestionRatio', target: 1.2, direction: 'higher' } },
    { itemId: 'learning', title: '学习 Learning', weight: 20, source: { kind: 'manual' } },
    { itemId: 'team', title: '团队 Team', weight: 20, source: { kind: 'manual' } },
  ],
  maxAdjustment: 10,
  starThresholds: [50, 60, 70, 80, 90, 95],
};
/** A scorecard with no KPI item: QC pass rate and manual items only. */
export const qcAndManualScorecard = {
  name: 'QC + manual',
  items: [
    { itemId: 'qc', title: '质检合格率 QC pass rate', weight: 40, source: { kind: 'qc-pass-rate', target: 0.9 } },
    { itemId: 'order-review', title: '审单 Order review', weight: 30, source: { kind: 'manual' } },
    { itemId: 'learning', title: '学习 Learning', weight: 30, source: { kind: 'manual' } },
  ],
  maxAdjustment: 10,
  starThresholds: [50, 60, 70, 80, 90, 95],
};

export const qcContracts: Record<string, HttpContract> = {
  'PUT /v1/shops/{shopId}/qc/rubrics/{stage}': {
    summary: "Set a shop's QC rubric of one stage",
    description:
      'The whole rubric, replacing the stored one (its `version` goes up; reviews record the version they used). `items`: at least one, weights are integers that sum to 100, `scale` yes-no | 3-point | 4-point | 5-point, `allowNa`, `critical` (scored at the bottom of its scale, the item fails the whole review and zeroes it), `autoCheck` (first-response | greeting | closing | forbidden-words | refund-retention | unapproved-promise: the automatic check that scores it too). `passScore` 0–100. Weights that do not sum to 100: 400 naming `body.items`; an empty rubric: 400 naming `body.items`. Admins and the shop\'s supervisors; audited.',
    tag: 'quality',
    auth: supervisors,
    path: rubricPathParams,
    body: putRubricBody,
    responses: { 200: { description: 'Stored.', schema: rubricSchema } },
    errors: [shopNotFound, { status: 409, codes: ['RUBRIC_CHANGED'], description: 'Changed by someone else meanwhile, three times over; read it and retry.' }],
    examples: [
      { path: { shopId: 'peach-glow', stage: 'pre-sale' }, body: huiyinNineSteps },
      { path: { shopId: 'peach-glow', stage: 'after-sale' }, body: afterSaleChecklist },
    ],
  },
  'GET /v1/shops/{shopId}/qc/rubrics/{stage}': {
    summary: 'Read one stage\'s rubric',
    tag: 'quality',
    auth: inspectors,
    path: rubricPathParams,
    responses: { 200: { description: 'The rubric.', schema: rubricSchema } },
    errors: [nf('rubric', ' A stage without a rubric too.')],
    examples: [{ path: { shopId: 'peach-glow', stage: 'pre-sale' } }],
  },
  'GET /v1/shops/{shopId}/qc/rubrics': {
    summary: "List a shop's rubrics",
    tag: 'quality',
    auth: inspectors,
    path: shopPathParams,
    responses: { 200: { description: 'One per stage that has one.', schema: rubricListSchema } },
    errors: [shopNotFound],
    examples: [{ path: { shopId: 'peach-glow' } }],
  },
  'PUT /v1/shops/{shopId}/qc/settings': {
    summary: "Set a shop's QC settings",
    description:
      'Replaces the settings whole; left-out groups take their defaults. `timeZone`: cycles start at local midnight there. `sampling`: `perAgent` random samples per cycle, or `ratePercent` of each agent\'s conversations (at most 100: over it is a 400 naming `body.sampling.ratePercent`), `cycleDays` (7), `starThresholds` (pass rates for 2, 3, 4, 5 stars), `exemptStars` (5: not sampled at random), `lowStarsUpTo` (2) sampled `lowStarMultiple` times as much, `targetedPerAgent`. `autoChecks`: `firstResponseLimitSeconds`, phrase lists (plain substrings) for greetings, closings, forbidden words, retention attempts, promises and approved promises.',
    tag: 'quality',
    auth: supervisors,
    path: shopPathParams,
    body: putQcSettingsBody,
    responses: { 200: { description: 'Stored.', schema: qcSettingsViewSchema } },
    errors: [shopNotFound],
    examples: [
      {
        path: { shopId: 'peach-glow' },
        body: { timeZone: 'Asia/Shanghai', sampling: { perAgent: 5, lowStarMultiple: 2 }, autoChecks: { firstResponseLimitSeconds: 30, forbiddenWords: ['不知道', '自己看'] } },
      },
    ],
  },
  'GET /v1/shops/{shopId}/qc/settings': {
    summary: "Read a shop's QC settings",
    description: 'The stored settings (`source: shop`) or the defaults (`source: default`).',
    tag: 'quality',
    auth: inspectors,
    path: shopPathParams,
    responses: { 200: { description: 'The settings in force.', schema: qcSettingsViewSchema } },
    errors: [shopNotFound],
    examples: [{ path: { shopId: 'peach-glow' } }],
  },
  'GET /v1/shops/{shopId}/qc/work-list': {
    summary: "A cycle's QC work list",
    description:
      'The sample frozen at the start of the cycle (`cycle`: its first local day; the current cycle by default) by the hourly FreezeQcSamples job, drawn from the conversations opened in the cycle before: per agent, the star rule applied (`agents`), and the entries, `random` ones marked `randomlySampled`, `targeted` ones with their reasons (complaint, refund-dispute, long-wait), with the reviews submitted so far. `frozen: false` until the job ran. A day that does not start a cycle is a 400 naming `query.cycle`.',
    tag: 'quality',
    auth: inspectors,
    path: shopPathParams,
    query: workListQuery,
    responses: { 200: { description: 'The work list.', schema: workListSchema } },
    errors: [shopNotFound],
    examples: [{ path: { shopId: 'peach-glow' } }],
  },
  'GET /v1/shops/{shopId}/qc/conversations/{conversationId}': {
    summary: "A conversation's QC: reviews, automatic result, agreement",
    description:
      'Every review of the conversation, the automatic checks\' result (computed and stored on first need, never edited), and the calibration of several reviewers: per item the share of reviewer pairs that agreed, their mean, the spread of the scores, the share of automatically scored items where reviewers agreed with the checks; `strong` above 0.75.',
    tag: 'quality',
    auth: inspectors,
    path: conversationReviewPath,
    responses: { 200: { description: 'The conversation\'s QC.', schema: conversationReviewsSchema } },
    errors: [nf('conversation')],
  },
  'POST /v1/shops/{shopId}/qc/conversations/{conversationId}/reviews': {
    summary: 'Review a conversation',
    description:
      "Scores the conversation against its stage's rubric: `values` maps every item to a point on its scale (yes-no: 0/1, n-point: 1..n) or `na` where allowed. A missing item, an unknown one, N/A where not allowed or a point off the scale is a 400 naming `body.values.<item>`, and nothing is stored. A critical item at the bottom of its scale fails the review (score 0). Where the reviewer differs from the automatic checks, `overrides` records both values; the automatic result is not changed. QC staff of the shop, its supervisors, admins.",
    tag: 'quality',
    auth: inspectors,
    path: conversationReviewPath,
    body: reviewBody,
    responses: { 201: { description: 'The review as stored.', schema: reviewSchema } },
    errors: [
      nf('conversation'),
      { status: 409, codes: ['NO_RUBRIC', 'NO_REVIEWEE'], description: "The shop has no rubric for the conversation's stage, or the conversation was never assigned to an agent." },
    ],
    examples: [
      {
        path: { shopId: 'peach-glow', conversationId: 'c-20261111-0001' },
        body: { values: { greet: 1, guide: 3, introduce: 4, 'urge-payment': 1, 'close-sale': 3, confirm: 1, 'cross-sell': 'na', closing: 1, 'after-sale-basics': 'na', 'no-forbidden-words': 1 }, comment: '介绍到位，关联销售可加强' },
      },
    ],
  },
  'POST /v1/shops/{shopId}/qc/conversations/{conversationId}/reviews/{reviewId}/dispute': {
    summary: 'Dispute a review of your conversation',
    description: 'The reviewed agent only, once per review. Any other review (a colleague\'s, another shop\'s) is a 404.',
    tag: 'quality',
    auth: ['agent'],
    path: reviewPath,
    body: disputeBody,
    responses: { 200: { description: 'The review with its open dispute.', schema: reviewSchema } },
    errors: [nf('review'), { status: 409, codes: ['ALREADY_DISPUTED'], description: 'The review was disputed already.' }],
    examples: [{ path: { shopId: 'peach-glow', conversationId: 'c-20261111-0001', reviewId: 'r-0001' }, body: { reason: '买家没有询问搭配，关联销售不适用' } }],
  },
  'POST /v1/shops/{shopId}/qc/conversations/{conversationId}/reviews/{reviewId}/ruling': {
    summary: 'Rule on a disputed review',
    description: '`upheld`: the review stands. `overturned`: it no longer counts towards pass rates, stars and scorecards. Supervisors of the shop and admins; the ruling is in the audit log (`qc.dispute.rule`).',
    tag: 'quality',
    auth: supervisors,
    path: reviewPath,
    body: rulingBody,
    responses: { 200: { description: 'The review with its ruled dispute.', schema: reviewSchema } },
    errors: [nf('review'), { status: 409, codes: ['NO_OPEN_DISPUTE'], description: 'The review has no open dispute (never disputed, or ruled already).' }],
    examples: [{ path: { shopId: 'peach-glow', conversationId: 'c-20261111-0001', reviewId: 'r-0001' }, body: { ruling: 'overturned', note: '复核属实' } }],
  },
  'GET /v1/shops/{shopId}/qc/disputes': {
    summary: "A shop's open disputes",
    tag: 'quality',
    auth: supervisors,
    path: shopPathParams,
    responses: { 200: { description: 'Reviews with an open dispute, oldest first.', schema: z.object({ reviews: z.array(reviewSchema) }) } },
    errors: [shopNotFound],
    examples: [{ path: { shopId: 'peach-glow' } }],
  },
  'GET /v1/qc/my-reviews': {
    summary: 'Your own reviews',
    description: "The calling agent's reviews, newest first, 50 a page (`after`: the previous page's `next`). Never a colleague's.",
    tag: 'quality',
    auth: ['agent'],
    query: myReviewsQuery,
    responses: { 200: { description: 'A page of reviews.', schema: reviewPageSchema } },
    examples: [{}],
  },
  'PUT /v1/shops/{shopId}/scorecard': {
    summary: "Set a shop's scorecard",
    description:
      'Weighted items (weights sum to 100, else 400 naming `body.items`), each scored 0–100: `kpi` (a KPI figure against the shop\'s `target`; `higher`: 100 × value ÷ target capped at 100; `lower`: 100 at or under target, else 100 × target ÷ value), `qc-pass-rate` (the month\'s counted reviews against a target rate) or `manual` (entered monthly by a supervisor). `maxAdjustment` bounds the month\'s bonus/penalty points; `starThresholds` (rising totals) give 1 + the number reached stars (six thresholds: 1–7 stars). Audited.',
    tag: 'scorecards',
    auth: supervisors,
    path: shopPathParams,
    body: putScorecardBody,
    responses: { 200: { description: 'Stored.', schema: scorecardConfigSchema } },
    errors: [shopNotFound],
    examples: [{ path: { shopId: 'peach-glow' }, body: adidasLike }, { path: { shopId: 'henggong-appliances' }, body: qcAndManualScorecard }],
  },
  'GET /v1/shops/{shopId}/scorecard': {
    summary: "Read a shop's scorecard",
    tag: 'scorecards',
    auth: supervisors,
    path: shopPathParams,
    responses: { 200: { description: 'The configuration.', schema: scorecardConfigSchema } },
    errors: [nf('scorecard', ' A shop without one too.')],
    examples: [{ path: { shopId: 'peach-glow' } }],
  },
  'PUT /v1/shops/{shopId}/scorecards/{month}/agents/{agentId}/manual': {
    summary: "Enter an agent's manual scorecard items for a month",
    description:
      "`values`: 0–100 per manual item of the shop's scorecard (another item is a 400 naming `body.values.<item>`); `adjustments`: bonus (+) and penalty (−) lines with reasons, summed and clamped to ± `maxAdjustment`. Replaces the month's entry; audited with the entry before and after (`scorecard.manual.put`). The agent must serve the shop (else 404).",
    tag: 'scorecards',
    auth: supervisors,
    path: manualPath,
    body: putManualBody,
    responses: { 200: { description: 'Stored.', schema: manualEntrySchema } },
    errors: [nf('scorecard or agent')],
    examples: [{ path: { shopId: 'peach-glow', month: '2026-11', agentId: 'xiaomei' }, body: { values: { learning: 90, team: 80 }, adjustments: [{ points: 5, reason: '双11表扬' }, { points: -2, reason: '迟到一次' }] } }],
  },
  'GET /v1/shops/{shopId}/scorecards/{month}': {
    summary: "A shop's monthly scorecards",
    description:
      "Every agent of the shop's routing groups: item values and scores, `weighted` (Σ weight × score ÷ Σ weight of the items that have a value), `adjustment`, `total`, `coverage` (share of the weight that had a value), `stars`, the rank among the shop's agents and among the agents of every shop of the same category in the tenant (each scored on its own shop's scorecard; only ranks of other shops are shown). The month runs in the shop's QC time zone.  KPI items read the KPI aggregates (docs/kpi-design.md) over the month's local days; an item with no facts has no value and lowers `coverage`.",
    tag: 'scorecards',
    auth: supervisors,
    path: scorecardPath,
    responses: { 200: { description: 'The month\'s scorecards, best first.', schema: monthlyScorecardSchema } },
    errors: [nf('scorecard')],
  },
};
