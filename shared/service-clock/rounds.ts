import { DateTime } from 'luxon';
import { z } from 'zod';
import { idSchema } from '../auth/identity';
import { roundOutcome, type ResponsePolicy, type RoundStatus } from '../after-sales/response-clock';

/**
 * The live response clock's pure parts (issue 7 §4): the check a round schedules, how long a check waits,
 * and the outcome fact filed per round. A round is a buyer's first unanswered question to the first
 * answer (the head's `pendingQuestionSince`, set and cleared by shared/conversations/response-facts.ts).
 */

const isoTime = z.string().datetime({ offset: true });

/** SQS holds a message back at most 15 minutes; a check further away is re-sent until its time. */
export const maxDelaySeconds = 900;

/**
 * ROUNDS_QUEUE: look at a round at `at-risk` (alert if still unanswered, then schedule `due`) or at `due`
 * (record it missed if still unanswered). The round's instants and the shop's local day come from the
 * policy as it was when the round opened, so a policy change does not move a running clock.
 */
export const roundCheckSchema = z
  .object({
    type: z.literal('round-check'),
    check: z.enum(['at-risk', 'due']),
    tenantId: idSchema,
    shopId: idSchema,
    conversationId: idSchema,
    /** The round's start: the question that opened it, as the head's pendingQuestionSince holds it. */
    questionAt: isoTime,
    atRiskAt: isoTime,
    dueAt: isoTime,
    /** The question's date in the shop's zone (the fact's day). */
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  })
  .strict();
export type RoundCheck = z.infer<typeof roundCheckSchema>;

/** When a check should run: its instant. */
export const checkTimeOf = (check: RoundCheck): Date => new Date(check.check === 'at-risk' ? check.atRiskAt : check.dueAt);

/**
 * Whole seconds to hold a check back so it arrives no earlier than `at` (0 when due), capped at SQS's
 * 15 minutes: a check that arrives early is sent again with what remains (a service-time round asked at
 * 23:59 waits for 08:00: 33 hops of 15 minutes, US$0.40 per million each).
 */
export function delaySecondsUntil(at: Date, now: Date): number {
  const remainingMs = at.getTime() - now.getTime();
  if (remainingMs <= 0) return 0;
  return Math.min(maxDelaySeconds, Math.ceil(remainingMs / 1000));
}

/** The shop-local calendar date of an instant: the day a round counts towards. */
export function shopDay(at: Date, timeZone: string): string {
  return DateTime.fromMillis(at.getTime(), { zone: timeZone }).toISODate()!;
}

export const roundFactStatuses = ['met', 'missed', 'not-counted'] as const;
export type RoundFactStatus = (typeof roundFactStatuses)[number];

/** One round's outcome as stored (UTC instants; `day` is the shop's local date of the question). */
export const roundFactSchema = z.object({
  shopId: idSchema,
  conversationId: idSchema,
  day: z.string(),
  questionAt: isoTime,
  status: z.enum(roundFactStatuses),
  /** On the policy's clock (service-time rounds do not count closed hours); absent when never answered. */
  responseMs: z.number().int().nonnegative().optional(),
  dueAt: isoTime.optional(),
  answeredAt: isoTime.optional(),
  /** The staff member who answered. */
  answeredBy: idSchema.optional(),
  /** The assignee responsible for the round (the KPI's agent); absent while the conversation waited for one. */
  agentId: idSchema.optional(),
  recordedAt: isoTime,
});
export type RoundFact = z.infer<typeof roundFactSchema>;

/** The fact of an answered round, on the shop's policy. */
export function answeredRoundFact(
  round: { shopId: string; conversationId: string; questionAt: string; answeredAt: string; answeredBy: string; agentId?: string | undefined },
  policy: ResponsePolicy,
  now: Date,
): RoundFact {
  const outcome = roundOutcome({ questionAt: new Date(round.questionAt), answeredAt: new Date(round.answeredAt) }, policy, now);
  return {
    shopId: round.shopId,
    conversationId: round.conversationId,
    day: shopDay(new Date(round.questionAt), policy.timeZone),
    questionAt: round.questionAt,
    status: factStatusOf(outcome.status),
    ...(outcome.status === 'not-counted' ? {} : { responseMs: outcome.responseMs, dueAt: outcome.dueAt }),
    answeredAt: round.answeredAt,
    answeredBy: round.answeredBy,
    ...(round.agentId ? { agentId: round.agentId } : {}),
    recordedAt: now.toISOString(),
  };
}

function factStatusOf(status: RoundStatus): RoundFactStatus {
  // An answered round is finished: roundOutcome gives met, missed or not-counted for it.
  if (status === 'met' || status === 'missed' || status === 'not-counted') return status;
  throw new Error(`an answered round cannot be ${status}`);
}
