import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Identity } from '../auth/identity';
import { serviceDaySchema, type Conversation, type Message, type Stage } from '../conversations/conversation';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../http/errors';
import { assertSupervisesShop, supervisesShop } from '../routing/access';
import { getConversation } from '../store/conversations';
import { listLogAfter } from '../store/messages';
import * as store from '../store/qc';
import { getShop } from '../store/shops';
import { assertInspectsShop } from './access';
import { automaticScore, runAutoChecks } from './auto-checks';
import { calibrate, reviewCounts, type AutomaticResult, type Review, type ReviewBody } from './review';
import { scoreProblems, scoreReview, type ItemValue, type PutRubricBody, type Rubric } from './rubric';
import { cycleAt, cycleStartingOn } from './sampling';
import { defaultQcSettings, type QcSettings, type QcSettingsView } from './settings';

/** The QC domain (issue 9 §2): rubrics, settings, automatic checks, reviews, disputes and calibration. */

export const qcDependencies = {
  ...store,
  getConversation: (tenantId: string, conversationId: string) => getConversation(tenantId, conversationId, { consistent: true }),
  listLogAfter,
  shopExists: async (tenantId: string, shopId: string) => (await getShop(tenantId, shopId)) !== undefined,
};
export type QcDeps = typeof qcDependencies;

// ---- rubrics ----

export async function putRubric(identity: Identity, shopId: string, stage: Stage, body: PutRubricBody, now = new Date(), deps: QcDeps = qcDependencies): Promise<Rubric> {
  assertSupervisesShop(identity, shopId);
  if (!(await deps.shopExists(identity.tenantId, shopId))) throw new NotFoundError('shop');
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = await deps.getRubric(identity.tenantId, shopId, stage);
    const rubric: Rubric = { shopId, stage, ...body, version: (before?.version ?? 0) + 1, updatedAt: now.toISOString(), updatedBy: identity.userId };
    const change = { action: 'qc.rubric.put' as const, target: { type: 'qc-rubric', id: stage, shopId }, ...(before ? { before } : {}), after: rubric };
    if (await deps.saveRubric(identity.tenantId, rubric, before?.version, identity, change)) return rubric;
  }
  throw new ConflictError('RUBRIC_CHANGED', 'the rubric changed meanwhile; read it again and retry');
}

export async function readRubric(identity: Identity, shopId: string, stage: Stage, deps: QcDeps = qcDependencies): Promise<Rubric> {
  assertInspectsShop(identity, shopId);
  const rubric = await deps.getRubric(identity.tenantId, shopId, stage);
  if (!rubric) throw new NotFoundError('rubric');
  return rubric;
}

export async function listShopRubrics(identity: Identity, shopId: string, deps: QcDeps = qcDependencies): Promise<{ rubrics: Rubric[] }> {
  assertInspectsShop(identity, shopId);
  return { rubrics: await deps.listRubrics(identity.tenantId, shopId) };
}

// ---- settings ----

export async function setQcSettings(identity: Identity, shopId: string, settings: QcSettings, now = new Date(), deps: QcDeps = qcDependencies): Promise<QcSettingsView> {
  assertSupervisesShop(identity, shopId);
  if (!(await deps.shopExists(identity.tenantId, shopId))) throw new NotFoundError('shop');
  const stored = { settings, updatedAt: now.toISOString(), updatedBy: identity.userId };
  await deps.putQcSettings(identity.tenantId, shopId, stored);
  return { shopId, source: 'shop', ...stored };
}

export async function readQcSettings(identity: Identity, shopId: string, deps: QcDeps = qcDependencies): Promise<QcSettingsView> {
  assertInspectsShop(identity, shopId);
  const stored = await deps.getQcSettings(identity.tenantId, shopId);
  if (stored) return { shopId, source: 'shop', ...stored };
  if (!(await deps.shopExists(identity.tenantId, shopId))) throw new NotFoundError('shop');
  return { shopId, source: 'default', settings: defaultQcSettings };
}

export const settingsOf = async (tenantId: string, shopId: string, deps: Pick<QcDeps, 'getQcSettings'>) =>
  (await deps.getQcSettings(tenantId, shopId))?.settings ?? defaultQcSettings;

// ---- conversations ----

/** Conversations longer than this are checked on their first messages only (a review reads a chat, not a log dump). */
export const maxCheckedMessages = 2000;

async function messagesOf(tenantId: string, conversationId: string, deps: Pick<QcDeps, 'listLogAfter'>): Promise<Message[]> {
  const messages: Message[] = [];
  let after = 0;
  for (;;) {
    const page = await deps.listLogAfter(tenantId, conversationId, after, { limit: 500, consistent: true });
    for (const entry of page.entries) {
      if (entry.kind === 'message') messages.push(entry.message);
      after = entry.kind === 'message' ? entry.message.seq : entry.seq;
    }
    if (!page.hasMore || page.entries.length === 0 || messages.length >= maxCheckedMessages) return messages.slice(0, maxCheckedMessages);
  }
}

/** The conversation, when it is one of the shop's; another shop's or tenant's is a 404 like a missing one. */
async function conversationOfShop(identity: Identity, shopId: string, conversationId: string, deps: Pick<QcDeps, 'getConversation'>): Promise<Conversation> {
  const conversation = await deps.getConversation(identity.tenantId, conversationId);
  if (!conversation || conversation.shopId !== shopId) throw new NotFoundError('conversation');
  return conversation;
}

/**
 * The conversation's automatic result: stored once, on first need (a review or a read) while its stage has
 * a rubric, and never changed after. Without a rubric the checks still run, unscored and not stored.
 */
export async function automaticResultOf(tenantId: string, conversation: Conversation, rubric: Rubric | undefined, deps: QcDeps, now = new Date()): Promise<AutomaticResult> {
  const stored = await deps.getAutomaticResult(tenantId, conversation.conversationId);
  if (stored) return stored;
  const settings = await settingsOf(tenantId, conversation.shopId, deps);
  const checks = runAutoChecks({ conversation, messages: await messagesOf(tenantId, conversation.conversationId, deps) }, settings.autoChecks);
  const scored = rubric ? automaticScore(rubric, checks) : undefined;
  const result: AutomaticResult = {
    conversationId: conversation.conversationId,
    shopId: conversation.shopId,
    stage: conversation.stage,
    ...(rubric ? { rubricVersion: rubric.version } : {}),
    checks,
    ...(scored ? { values: scored.values, score: scored.score, passed: scored.passed } : {}),
    evaluatedAt: now.toISOString(),
  };
  // Stored only once there is a rubric to score against: a result frozen without one would never get a score.
  return rubric ? deps.putAutomaticResultOnce(tenantId, result) : result;
}

/** Reviews, the automatic result and the reviewers' agreement on one conversation: QC staff and supervisors. */
export async function readConversationQc(identity: Identity, shopId: string, conversationId: string, deps: QcDeps = qcDependencies) {
  assertInspectsShop(identity, shopId);
  const conversation = await conversationOfShop(identity, shopId, conversationId, deps);
  const rubric = await deps.getRubric(identity.tenantId, shopId, conversation.stage);
  const [reviews, automatic] = await Promise.all([
    deps.listReviewsOfConversation(identity.tenantId, conversationId),
    automaticResultOf(identity.tenantId, conversation, rubric, deps),
  ]);
  reviews.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const calibration = calibrate(reviews, automatic.values as Record<string, ItemValue> | undefined);
  return { reviews, automatic, ...(calibration ? { calibration } : {}) };
}

/**
 * A reviewer scores a conversation against its stage's rubric. Every item needs a point on its scale
 * (or N/A where allowed), else 400 naming `body.values.<item>` and nothing is stored. A critical item at
 * the bottom of its scale fails the review. Where the reviewer differs from the automatic checks, the
 * review records an override; the automatic result itself is left as it was.
 */
export async function submitReview(identity: Identity, shopId: string, conversationId: string, body: ReviewBody, now = new Date(), deps: QcDeps = qcDependencies): Promise<Review> {
  assertInspectsShop(identity, shopId);
  const conversation = await conversationOfShop(identity, shopId, conversationId, deps);
  const rubric = await deps.getRubric(identity.tenantId, shopId, conversation.stage);
  if (!rubric) throw new ConflictError('NO_RUBRIC', `the shop has no ${conversation.stage} rubric yet`, [{ field: 'stage', message: conversation.stage }]);
  const problems = scoreProblems(rubric, body.values, 'body.values');
  if (problems.length > 0) throw new ValidationError('scores do not fit the rubric', problems);
  if (!conversation.assigneeId) throw new ConflictError('NO_REVIEWEE', 'the conversation was never assigned to an agent');
  const automatic = await automaticResultOf(identity.tenantId, conversation, rubric, deps, now);
  const overrides = Object.entries(automatic.values ?? {}).flatMap(([itemId, auto]) => {
    const human = body.values[itemId];
    return human !== undefined && human !== auto ? [{ itemId, automatic: auto, human }] : [];
  });
  const scored = scoreReview(rubric, body.values);
  const settings = await settingsOf(identity.tenantId, shopId, deps);
  const cycle = cycleAt(now, settings.timeZone, settings.sampling.cycleDays).cycle;
  const sampled = await deps.getSampleEntry(identity.tenantId, shopId, cycle, conversationId);
  const review: Review = {
    reviewId: randomUUID(),
    shopId,
    conversationId,
    stage: conversation.stage,
    agentId: conversation.assigneeId,
    reviewerId: identity.userId,
    rubricVersion: rubric.version,
    values: body.values,
    ...scored,
    overrides,
    ...(automatic.score !== undefined ? { automaticScore: automatic.score } : {}),
    ...(body.comment ? { comment: body.comment } : {}),
    ...(sampled ? { sample: { cycle, kind: sampled.kind } } : {}),
    createdAt: now.toISOString(),
  };
  await deps.putReview(identity.tenantId, review);
  if (sampled) await deps.markSampleReviewed(identity.tenantId, shopId, cycle, conversationId, review.reviewId);
  return review;
}

// ---- disputes ----

/**
 * The reviewed agent disputes a review of their own conversation, once. Anyone else's review is a 404
 * (an agent never learns of a colleague's reviews).
 */
export async function disputeReview(identity: Identity, shopId: string, conversationId: string, reviewId: string, reason: string, now = new Date(), deps: QcDeps = qcDependencies): Promise<Review> {
  const review = await deps.getReview(identity.tenantId, conversationId, reviewId);
  if (!review || review.shopId !== shopId || identity.role !== 'agent' || review.agentId !== identity.userId || !identity.shopIds.includes(shopId)) {
    throw new NotFoundError('review');
  }
  if (review.dispute) throw new ConflictError('ALREADY_DISPUTED', 'the review was disputed already');
  const after: Review = { ...review, dispute: { state: 'open', reason, disputedAt: now.toISOString() } };
  if (!(await deps.saveDispute(identity.tenantId, after, 'none', undefined))) throw new ConflictError('ALREADY_DISPUTED', 'the review was disputed already');
  return after;
}

/** A supervisor of the shop rules on an open dispute: upheld (the review stands) or overturned (it no longer counts); audited. */
export async function ruleOnDispute(
  identity: Identity,
  shopId: string,
  conversationId: string,
  reviewId: string,
  ruling: { ruling: 'upheld' | 'overturned'; note?: string | undefined },
  now = new Date(),
  deps: QcDeps = qcDependencies,
): Promise<Review> {
  if (!supervisesShop(identity, shopId)) throw identity.role === 'qc' && identity.shopIds.includes(shopId) ? new ForbiddenError('only a supervisor rules on disputes') : new NotFoundError('review');
  const review = await deps.getReview(identity.tenantId, conversationId, reviewId);
  if (!review || review.shopId !== shopId) throw new NotFoundError('review');
  if (review.dispute?.state !== 'open') throw new ConflictError('NO_OPEN_DISPUTE', 'the review has no open dispute');
  const after: Review = {
    ...review,
    dispute: { ...review.dispute, state: ruling.ruling, ruledBy: identity.userId, ruledAt: now.toISOString(), ...(ruling.note ? { note: ruling.note } : {}) },
  };
  const change = { action: 'qc.dispute.rule' as const, target: { type: 'qc-review', id: reviewId, shopId }, before: review.dispute, after: after.dispute };
  if (!(await deps.saveDispute(identity.tenantId, after, 'open', { actor: identity, change }))) throw new ConflictError('NO_OPEN_DISPUTE', 'the dispute was ruled on meanwhile');
  return after;
}

export async function listDisputes(identity: Identity, shopId: string, deps: QcDeps = qcDependencies): Promise<{ reviews: Review[] }> {
  assertSupervisesShop(identity, shopId);
  return { reviews: await deps.listOpenDisputes(identity.tenantId, shopId) };
}

/** An agent's own reviews, newest first: only theirs, whatever shop. */
export async function myReviews(identity: Identity, after: string | undefined, deps: QcDeps = qcDependencies) {
  return deps.pageReviewsOfAgent(identity.tenantId, identity.userId, { limit: 50, ...(after ? { after } : {}) });
}

/** Pass rate of an agent's counted reviews in one shop over [from, to): undefined without any. */
export async function passRateOf(tenantId: string, shopId: string, agentId: string, range: { from: string; to: string }, deps: Pick<QcDeps, 'listReviewsOfAgent'>): Promise<number | undefined> {
  const reviews = (await deps.listReviewsOfAgent(tenantId, agentId, range)).filter((r) => r.shopId === shopId && reviewCounts(r));
  if (reviews.length === 0) return undefined;
  return reviews.filter((r) => r.passed).length / reviews.length;
}

// ---- work list ----

export const workListQuery = z.strictObject({ cycle: serviceDaySchema.optional() });

export const workListSchema = z.object({
  shopId: z.string(),
  cycle: z.string(),
  /** False until the cycle job froze this cycle's sample. */
  frozen: z.boolean(),
  window: z.object({ from: z.string(), to: z.string() }).optional(),
  frozenAt: z.string().optional(),
  agents: z.array(z.object({ agentId: z.string(), stars: z.number().optional(), exempt: z.boolean(), randomQuota: z.number(), pool: z.number() })),
  entries: z.array(
    z.object({
      conversationId: z.string(),
      agentId: z.string(),
      kind: z.enum(['random', 'targeted']),
      /** `random` entries were drawn at random (the audit mark); targeted ones say why they were picked. */
      randomlySampled: z.boolean(),
      reasons: z.array(z.string()),
      reviewIds: z.array(z.string()),
    }),
  ),
});

/** A cycle's work list (the current one by default): the frozen sample, with what has been reviewed. */
export async function readWorkList(identity: Identity, shopId: string, cycleDay: string | undefined, now = new Date(), deps: QcDeps = qcDependencies): Promise<z.infer<typeof workListSchema>> {
  assertInspectsShop(identity, shopId);
  const { timeZone, sampling } = await settingsOf(identity.tenantId, shopId, deps);
  const cycle = cycleDay ?? cycleAt(now, timeZone, sampling.cycleDays).cycle;
  if (cycleDay && !cycleStartingOn(cycleDay, timeZone, sampling.cycleDays)) {
    throw new ValidationError('not the first day of a cycle', [{ field: 'query.cycle', message: `cycles of ${sampling.cycleDays} days start on ${cycleAt(new Date(`${cycleDay}T12:00:00Z`), timeZone, sampling.cycleDays).cycle}` }]);
  }
  const head = await deps.getSampleHead(identity.tenantId, shopId, cycle);
  if (!head) {
    if (!(await deps.shopExists(identity.tenantId, shopId))) throw new NotFoundError('shop');
    return { shopId, cycle, frozen: false, agents: [], entries: [] };
  }
  const entries = await deps.listSampleEntries(identity.tenantId, shopId, cycle);
  return {
    shopId,
    cycle,
    frozen: true,
    window: head.window,
    frozenAt: head.frozenAt,
    agents: head.plans,
    entries: entries.map((e) => ({ ...e, randomlySampled: e.kind === 'random' })),
  };
}
