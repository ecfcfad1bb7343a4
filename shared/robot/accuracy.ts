/**
 * The arithmetic of `npm run robot:accuracy` (scripts/robot-accuracy.ts), kept pure so a unit test checks
 * it: each labelled question is scored by what the robot did with it.
 */

export interface LabelledQuestion {
  shopId: string;
  text: string;
  /** The right FAQ entry, `null` when no entry answers it (a person must), or `handoff` (asked for a person, or a dispute). */
  expect: string | null;
  style: string;
}

/** What the robot did: answered with an entry, or did not answer (a miss), or handed off at once. */
export type RobotOutcome = { kind: 'answer'; faqId: string } | { kind: 'miss' } | { kind: 'handoff' };

export interface AccuracyReport {
  inScope: { total: number; top1Correct: number; rate: number };
  outOfScope: { total: number; notAnswered: number; rate: number };
  handoffRequests: { total: number; handedOff: number; rate: number };
  byStyle: Record<string, { total: number; correct: number }>;
  failures: { shopId: string; text: string; expect: string | null; got: string }[];
}

export function isCorrect(question: Pick<LabelledQuestion, 'expect'>, outcome: RobotOutcome): boolean {
  if (question.expect === 'handoff') return outcome.kind === 'handoff';
  // Out of scope: any outcome but an FAQ answer leaves the question to a person.
  if (question.expect === null) return outcome.kind !== 'answer';
  return outcome.kind === 'answer' && outcome.faqId === question.expect;
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000);

export function accuracyReport(results: readonly { question: LabelledQuestion; outcome: RobotOutcome }[]): AccuracyReport {
  const inScope = results.filter((r) => r.question.expect !== null && r.question.expect !== 'handoff');
  const outOfScope = results.filter((r) => r.question.expect === null);
  const handoffs = results.filter((r) => r.question.expect === 'handoff');
  const count = (rows: typeof results) => rows.filter((r) => isCorrect(r.question, r.outcome)).length;
  const byStyle: AccuracyReport['byStyle'] = {};
  for (const r of results) {
    const style = (byStyle[r.question.style] ??= { total: 0, correct: 0 });
    style.total++;
    if (isCorrect(r.question, r.outcome)) style.correct++;
  }
  return {
    inScope: { total: inScope.length, top1Correct: count(inScope), rate: rate(count(inScope), inScope.length) },
    outOfScope: { total: outOfScope.length, notAnswered: count(outOfScope), rate: rate(count(outOfScope), outOfScope.length) },
    handoffRequests: { total: handoffs.length, handedOff: count(handoffs), rate: rate(count(handoffs), handoffs.length) },
    byStyle,
    failures: results
      .filter((r) => !isCorrect(r.question, r.outcome))
      .map((r) => ({ shopId: r.question.shopId, text: r.question.text, expect: r.question.expect, got: r.outcome.kind === 'answer' ? r.outcome.faqId : r.outcome.kind })),
  };
}

/**
 * The threshold a sweep picks: the one that leaves the most out-of-scope questions to people while at least
 * `inScopeFloor` of the in-scope ones are answered right (then the better in-scope rate); undefined when no
 * threshold reaches the floor.
 */
export function sweepPick<T extends { threshold: number; inScopeTop1: number; outOfScopeNotAnswered: number }>(sweep: readonly T[], inScopeFloor = 0.9): T | undefined {
  return sweep.filter((s) => s.inScopeTop1 >= inScopeFloor).sort((a, b) => b.outOfScopeNotAnswered - a.outOfScopeNotAnswered || b.inScopeTop1 - a.inScopeTop1)[0];
}
