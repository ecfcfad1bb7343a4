import { z } from 'zod';
import type { Conversation, Message } from '../conversations/conversation';
import { autoChecks, scaleMax, scaleMin, scoreReview, type AutoCheck, type ItemValue, type Rubric } from './rubric';
import type { AutoCheckSettings } from './settings';

/**
 * The automatic checks (AQS in Zendesk QA's terms): rules run on a conversation's stored messages. Their
 * result is kept apart from human reviews: stored once per conversation, never edited; a reviewer who
 * disagrees scores the item differently and the review records that as an override of the automatic
 * result (platforms.md §4.1: "an autoscore cannot be edited, only overridden").
 */
export const checkOutcomes = ['pass', 'fail', 'not-applicable', 'not-evaluated'] as const;
export type CheckOutcome = (typeof checkOutcomes)[number];

export const checkResultSchema = z.object({
  check: z.enum(autoChecks),
  outcome: z.enum(checkOutcomes),
  /** Why, in words: the phrase found, the wait measured, or why the check could not run. */
  reason: z.string(),
  /** Seqs of the messages the finding is about. */
  seqs: z.array(z.number().int()).optional(),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

export interface CheckInput {
  conversation: Pick<Conversation, 'stageReason' | 'responseFacts'>;
  /** Oldest first. */
  messages: readonly Pick<Message, 'seq' | 'senderRole' | 'text' | 'createdAt'>[];
}

const isAgentSide = (role: string) => role === 'agent' || role === 'supervisor';
const containsAny = (text: string, phrases: readonly string[]) => phrases.find((phrase) => text.includes(phrase));

/** Every automatic check on one conversation, in the order of `autoChecks`. */
export function runAutoChecks(input: CheckInput, settings: AutoCheckSettings): CheckResult[] {
  const agentMessages = input.messages.filter((m) => isAgentSide(m.senderRole));
  const buyerMessages = input.messages.filter((m) => m.senderRole === 'buyer');
  const results: CheckResult[] = [];

  const firstResponseMs = input.conversation.responseFacts.firstResponseMs;
  if (firstResponseMs === undefined) {
    results.push(
      buyerMessages.length === 0
        ? { check: 'first-response', outcome: 'not-applicable', reason: 'the buyer asked nothing' }
        : { check: 'first-response', outcome: 'fail', reason: 'the buyer was never answered' },
    );
  } else {
    const seconds = firstResponseMs / 1000;
    const over = seconds > settings.firstResponseLimitSeconds;
    results.push({ check: 'first-response', outcome: over ? 'fail' : 'pass', reason: `first response after ${seconds.toFixed(1)} s (limit ${settings.firstResponseLimitSeconds} s)` });
  }

  const firstAgent = agentMessages[0];
  if (!firstAgent) {
    results.push({ check: 'greeting', outcome: 'not-applicable', reason: 'no agent message' });
    results.push({ check: 'closing', outcome: 'not-applicable', reason: 'no agent message' });
  } else {
    const greeting = containsAny(firstAgent.text, settings.greetingPhrases);
    results.push(
      greeting
        ? { check: 'greeting', outcome: 'pass', reason: `greeted with "${greeting}"`, seqs: [firstAgent.seq] }
        : { check: 'greeting', outcome: 'fail', reason: "the first agent message has none of the shop's greetings", seqs: [firstAgent.seq] },
    );
    const lastAgent = agentMessages.at(-1)!;
    const closing = containsAny(lastAgent.text, settings.closingPhrases);
    results.push(
      closing
        ? { check: 'closing', outcome: 'pass', reason: `closed with "${closing}"`, seqs: [lastAgent.seq] }
        : { check: 'closing', outcome: 'fail', reason: "the last agent message has none of the shop's closing phrases", seqs: [lastAgent.seq] },
    );
  }

  const forbidden = agentMessages.flatMap((m) => {
    const word = containsAny(m.text, settings.forbiddenWords);
    return word ? [{ seq: m.seq, word }] : [];
  });
  results.push(
    forbidden.length > 0
      ? { check: 'forbidden-words', outcome: 'fail', reason: `forbidden: ${[...new Set(forbidden.map((f) => f.word))].join(', ')}`, seqs: forbidden.map((f) => f.seq) }
      : { check: 'forbidden-words', outcome: 'pass', reason: 'no forbidden word' },
  );

  const refund = input.conversation.stageReason === 'open-refund' || buyerMessages.some((m) => /退款|退货|refund/i.test(m.text));
  if (!refund) results.push({ check: 'refund-retention', outcome: 'not-applicable', reason: 'not a refund conversation' });
  else {
    const attempt = agentMessages.find((m) => containsAny(m.text, settings.retentionPhrases));
    results.push(
      attempt
        ? { check: 'refund-retention', outcome: 'pass', reason: 'a retention attempt was made', seqs: [attempt.seq] }
        : { check: 'refund-retention', outcome: 'fail', reason: 'refund conversation without a retention attempt' },
    );
  }

  const promises = agentMessages.flatMap((m) => {
    const phrase = containsAny(m.text, settings.promisePhrases);
    if (!phrase || containsAny(m.text, settings.approvedPromises)) return [];
    return [{ seq: m.seq, phrase }];
  });
  results.push(
    promises.length > 0
      ? { check: 'unapproved-promise', outcome: 'fail', reason: `unapproved promise: ${[...new Set(promises.map((p) => p.phrase))].join(', ')}`, seqs: promises.map((p) => p.seq) }
      : { check: 'unapproved-promise', outcome: 'pass', reason: 'no unapproved promise' },
  );
  return results;
}

/**
 * The automatic score: the rubric's items that name a check, scored from its outcome (pass = top of the
 * scale, fail = bottom, not applicable = N/A); items without a check, or whose check did not run, are
 * left out. Undefined when no item of the rubric is scored automatically.
 */
export function automaticScore(rubric: Pick<Rubric, 'items' | 'passScore'>, results: readonly CheckResult[]) {
  const outcomes = new Map<AutoCheck, CheckOutcome>(results.map((r) => [r.check, r.outcome]));
  const values: Record<string, ItemValue> = {};
  for (const item of rubric.items) {
    const outcome = item.autoCheck ? outcomes.get(item.autoCheck) : undefined;
    if (outcome === 'pass') values[item.itemId] = scaleMax(item.scale);
    else if (outcome === 'fail') values[item.itemId] = scaleMin(item.scale);
    else if (outcome === 'not-applicable') values[item.itemId] = 'na';
  }
  if (Object.keys(values).length === 0) return undefined;
  const scored = scoreReview({ items: rubric.items.filter((item) => item.itemId in values), passScore: rubric.passScore }, values);
  return { values, ...scored };
}
