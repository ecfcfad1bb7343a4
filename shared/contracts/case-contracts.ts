import {
  caseHeadSchema,
  caseOpenedFrame,
  casePageSchema,
  casePathParams,
  caseUpdatedFrame,
  caseViewSchema,
  caseWarningFrame,
  evidenceBody,
  listMyCasesQuery,
  listShopCasesQuery,
  noteBody,
  openCaseBody,
  ownerBody,
  retentionBody,
  shopCasesPathParams,
  transitionBody,
} from '../after-sales/case-frames';
import { caseSettingsBody, caseSettingsSchema } from '../after-sales/case-settings';
import type { HttpContract } from './http-contracts';
import type { FrameContract } from './websocket-contracts';

/** The after-sales case routes (issue 7 §3), merged into httpContracts. */

const staff = ['agent', 'supervisor', 'admin'] as const;
const caseNotFound = {
  status: 404,
  codes: ['NOT_FOUND'],
  description: "No such case for this caller. A case of a shop the caller does not serve, or of another tenant, gets exactly this answer too.",
};
const notYours = {
  status: 403,
  codes: ['FORBIDDEN'],
  description: 'The role may not call this, or the case belongs to another agent (only its owner and the shop\'s supervisors change it).',
};
const stateMachine = {
  status: 409,
  codes: ['CASE_TRANSITION_NOT_ALLOWED', 'CASE_OUTCOME_REQUIRED', 'CASE_OUTCOME_NOT_ALLOWED', 'CASE_REOPEN_NOT_ALLOWED'],
  description:
    'The state machine refuses: open → waiting-buyer / waiting-seller / waiting-platform → resolved | closed (with an outcome), waiting states among themselves or back to open, a finished case only reopens (supervisors). Details name `body.to` or `body.outcome`. Nothing is stored.',
};
const caseBody = { description: 'The case as stored now (without its timeline).', schema: caseHeadSchema };

export const caseHttpContracts: Record<string, HttpContract> = {
  'POST /v1/shops/{shopId}/cases': {
    summary: 'Open an after-sales case from a conversation',
    description:
      'An agent of the shop opens a case for the buyer of one of the shop\'s conversations; the agent owns it (a supervisor\'s or admin\'s case goes to the shop\'s after-sale group). Idempotent by `clientRequestId`: a retried request returns the same case with 200; the same id with another type, conversation or platform is CLIENT_REQUEST_ID_REUSED (409). The deadline comes from the shop\'s rules or kefu\'s table.',
    tag: 'after-sales cases',
    auth: staff,
    path: shopCasesPathParams,
    body: openCaseBody,
    responses: { 201: { description: 'Opened.', schema: caseHeadSchema }, 200: { description: 'Opened before by this request id.', schema: caseHeadSchema } },
    errors: [
      { status: 404, codes: ['NOT_FOUND'], description: 'No such shop or conversation for this caller (a conversation of another shop too).' },
      { status: 409, codes: ['CLIENT_REQUEST_ID_REUSED'], description: 'The clientRequestId opened another case (details name `body.clientRequestId`).' },
    ],
    examples: [{ path: { shopId: 'peach-glow' }, body: { clientRequestId: 'req-20261111-0001', type: 'quality-complaint', conversationId: 'c-1', platform: 'taobao', orderId: '3858302947561', note: '面霜过敏' } }],
  },
  'GET /v1/shops/{shopId}/cases': {
    summary: "A shop's cases; the overdue list",
    description:
      '`state=` one state; without it every unfinished state in turn (open, waiting-seller, waiting-buyer, waiting-platform), soonest SLA first within each; finished states newest first. `overdue=true`: only cases past their SLA where the seller must act (open, waiting-seller). Paged by an opaque `cursor`.',
    tag: 'after-sales cases',
    auth: staff,
    path: shopCasesPathParams,
    query: listShopCasesQuery,
    responses: { 200: { description: 'One page.', schema: casePageSchema } },
    errors: [{ status: 404, codes: ['NOT_FOUND'], description: 'No such shop for this caller.' }],
    examples: [{ path: { shopId: 'peach-glow' }, query: { overdue: 'true', limit: '20' } }, { path: { shopId: 'peach-glow' }, query: { state: 'resolved' } }],
  },
  'GET /v1/me/cases': {
    summary: 'My unfinished cases, soonest SLA first',
    tag: 'after-sales cases',
    auth: staff,
    query: listMyCasesQuery,
    responses: { 200: { description: 'One page.', schema: casePageSchema } },
    examples: [{ query: { limit: '20' } }],
  },
  'GET /v1/cases/{caseId}': {
    summary: 'A case with its timeline',
    description: 'Staff serving the case\'s shop. The newest 200 timeline entries, oldest first; `timelineCount` says how many there are.',
    tag: 'after-sales cases',
    auth: staff,
    path: casePathParams,
    responses: { 200: { description: 'The case.', schema: caseViewSchema } },
    errors: [caseNotFound],
  },
  'POST /v1/cases/{caseId}/transitions': {
    summary: 'Move a case to another state',
    description: 'The owner or a supervisor of the shop. Resolved and closed need an `outcome`; refund outcomes need a case about a refund. Moving to the state it is in with the same outcome changes nothing (200).',
    tag: 'after-sales cases',
    auth: staff,
    path: casePathParams,
    body: transitionBody,
    responses: { 200: caseBody },
    errors: [caseNotFound, notYours, stateMachine],
    examples: [{ path: { caseId: 'rf_0123456789abcdefghijkl' }, body: { to: 'resolved', outcome: 'compensated', note: '补偿10元无门槛券' } }],
  },
  'POST /v1/cases/{caseId}/notes': {
    summary: 'Add a note to the timeline',
    tag: 'after-sales cases',
    auth: staff,
    path: casePathParams,
    body: noteBody,
    responses: { 201: caseBody },
    errors: [caseNotFound, notYours, { status: 409, codes: ['CASE_TIMELINE_FULL'], description: 'The case holds 5,000 timeline entries already.' }],
    examples: [{ path: { caseId: 'rf_0123456789abcdefghijkl' }, body: { text: '买家说包装破损，已请其拍照' } }],
  },
  'POST /v1/cases/{caseId}/evidence': {
    summary: 'Link evidence (photos, carrier proof) kept elsewhere',
    description: 'An https link; kefu stores the link, never the file.',
    tag: 'after-sales cases',
    auth: staff,
    path: casePathParams,
    body: evidenceBody,
    responses: { 201: caseBody },
    errors: [caseNotFound, notYours, { status: 409, codes: ['CASE_TIMELINE_FULL'], description: 'The case holds 5,000 timeline entries already.' }],
    examples: [{ path: { caseId: 'rf_0123456789abcdefghijkl' }, body: { url: 'https://img.example.com/damage-1.jpg', note: '外箱破损' } }],
  },
  'PUT /v1/cases/{caseId}/owner': {
    summary: 'Supervisor: give the case to an agent of its shop',
    description: 'The agent must serve the case\'s shop (else 400 naming `body.ownerId`); their case cap does not stop a supervisor. Both the new and the previous owner get `case.updated`.',
    tag: 'after-sales cases',
    auth: ['supervisor', 'admin'],
    path: casePathParams,
    body: ownerBody,
    responses: { 200: caseBody },
    errors: [caseNotFound, notYours],
    examples: [{ path: { caseId: 'rf_0123456789abcdefghijkl' }, body: { ownerId: 'lili' } }],
  },
  'POST /v1/cases/{caseId}/retention': {
    summary: 'Record a retention attempt (退款挽留)',
    description: 'On an unfinished case about a refund. If the buyer then closes the refund, the case closes as `refund-retained` and the attempt is credited to this user.',
    tag: 'after-sales cases',
    auth: staff,
    path: casePathParams,
    body: retentionBody,
    responses: { 201: caseBody },
    errors: [caseNotFound, notYours, { status: 409, codes: ['CASE_OUTCOME_NOT_ALLOWED', 'CASE_TRANSITION_NOT_ALLOWED'], description: 'Not a case about a refund, or already finished.' }],
    examples: [{ path: { caseId: 'rf_0123456789abcdefghijkl' }, body: { note: '已提供换货方案' } }],
  },
  'GET /v1/shops/{shopId}/case-settings': {
    summary: "A shop's after-sales settings",
    tag: 'after-sales cases',
    auth: ['supervisor', 'admin'],
    path: shopCasesPathParams,
    responses: { 200: { description: 'The settings (the defaults until saved).', schema: caseSettingsSchema } },
    errors: [{ status: 404, codes: ['NOT_FOUND'], description: 'No such shop for this caller.' }],
  },
  'PUT /v1/shops/{shopId}/case-settings': {
    summary: "Replace a shop's after-sales settings",
    description:
      'Deadline rules that beat kefu\'s table (`deadlineRules`, most specific match wins), the safety margin before the platform\'s deadline (SLA = deadline − margin), the warning points on the SLA window (1 = overdue), the case cap per agent, and the supervisors who get the live warnings. Omitted fields take the defaults. Applies to deadlines computed from now on.',
    tag: 'after-sales cases',
    auth: ['supervisor', 'admin'],
    path: shopCasesPathParams,
    body: caseSettingsBody,
    responses: { 200: { description: 'The settings as stored.', schema: caseSettingsSchema } },
    errors: [{ status: 404, codes: ['NOT_FOUND'], description: 'No such shop for this caller.' }],
    examples: [
      {
        path: { shopId: 'peach-glow' },
        body: {
          safetyMarginMinutes: 120,
          warningPoints: [0.5, 0.8, 1],
          agentCaseCap: 40,
          supervisorIds: ['supervisor-wang'],
          deadlineRules: [{ id: 'peach-quality', platform: '*', caseType: 'quality-complaint', state: '*', hours: 24, source: '店铺承诺24小时处理' }],
        },
      },
    ],
  },
};

/** Frames the case code pushes, merged into pushedFrames. */
export const casePushedFrames: (FrameContract & { to: string })[] = [
  {
    name: 'caseOpened',
    title: 'A case was opened for you',
    schema: caseOpenedFrame,
    to: 'the case\'s owner',
    description: 'When a platform event (refund, parcel refused or lost) or an agent opens a case and it gets an owner.',
  },
  {
    name: 'caseUpdated',
    title: 'Your case changed',
    schema: caseUpdatedFrame,
    to: 'the case\'s owner, and the previous owner when it moved',
    description: 'Any change: state, owner, deadline, note, evidence, retention. Show the newest `updatedAt`.',
  },
  {
    name: 'caseWarning',
    title: 'A case nears or passed its SLA',
    schema: caseWarningFrame,
    to: 'the case\'s owner and the supervisors named in the shop\'s case settings',
    description:
      'At each warning point of the shop (default 50 %, 80 % and 100 % of the SLA window = `overdue`), once per point and deadline even if the sweep runs twice. After a delay, only the latest point due is pushed.',
  },
];
