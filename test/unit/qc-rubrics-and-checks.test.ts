import { describe, expect, it } from 'vitest';
import { automaticScore, runAutoChecks } from '../../shared/qc/auto-checks';
import { calibrate } from '../../shared/qc/review';
import { putRubricBody, scoreProblems, scoreReview, type Rubric } from '../../shared/qc/rubric';
import { afterSaleChecklist, huiyinNineSteps } from '../../shared/qc/seed-rubrics';
import { defaultQcSettings, putQcSettingsBody } from '../../shared/qc/settings';

const rubricOf = (body: unknown): Rubric => ({ shopId: 's', stage: 'pre-sale', version: 1, updatedAt: '', updatedBy: '', ...putRubricBody.parse(body) });
const fields = (body: unknown) => putRubricBody.safeParse(body).error?.issues.map((issue) => issue.path.join('.'));

describe('rubrics', () => {
  it("accept the seeds' rubrics (Huiyin's 9 steps, the after-sale checklist) as demo data", () => {
    expect(putRubricBody.safeParse(huiyinNineSteps).success).toBe(true);
    expect(putRubricBody.safeParse(afterSaleChecklist).success).toBe(true);
    expect(huiyinNineSteps.items.filter((item) => !item.itemId.startsWith('no-'))).toHaveLength(9);
  });

  it('refuse weights that do not sum to 100, a rubric without items and a repeated item, naming the field', () => {
    const [first, ...rest] = huiyinNineSteps.items;
    expect(fields({ ...huiyinNineSteps, items: [{ ...first!, weight: 11 }, ...rest] })).toEqual(['items']);
    expect(fields({ ...huiyinNineSteps, items: [] })).toContain('items');
    expect(fields({ ...huiyinNineSteps, items: [first, { ...first!, weight: 0 }, ...rest] })).toEqual(['items.1.itemId']);
  });

  const rubric = rubricOf({
    name: 'r',
    passScore: 80,
    items: [
      { itemId: 'greet', title: 'g', weight: 20, scale: 'yes-no' },
      { itemId: 'answer', title: 'a', weight: 50, scale: '5-point' },
      { itemId: 'cross', title: 'c', weight: 10, scale: '3-point', allowNa: true },
      { itemId: 'forbidden', title: 'f', weight: 20, scale: 'yes-no', critical: true },
    ],
  });

  it('score by weight over the items not N/A (hand-computed)', () => {
    // greet 1 → 1, answer 4 of 1..5 → 0.75, cross N/A, forbidden 1 → 1: (20 + 37.5 + 20) / 90 = 86.11
    expect(scoreReview(rubric, { greet: 1, answer: 4, cross: 'na', forbidden: 1 })).toEqual({ score: 86.11, passed: true, criticalFailures: [] });
    // answer 3 → 0.5, cross 2 of 1..3 → 0.5: (0 + 25 + 5 + 20) / 100 = 50
    expect(scoreReview(rubric, { greet: 0, answer: 3, cross: 2, forbidden: 1 })).toEqual({ score: 50, passed: false, criticalFailures: [] });
  });

  it('fail the whole review when a critical item fails, however good the rest', () => {
    expect(scoreReview(rubric, { greet: 1, answer: 5, cross: 3, forbidden: 0 })).toEqual({ score: 0, passed: false, criticalFailures: ['forbidden'] });
  });

  it('refuse a score outside the item scale, N/A where not allowed, missing and unknown items', () => {
    expect(scoreProblems(rubric, { greet: 2, answer: 0, cross: 'na', forbidden: 'na', extra: 1 }, 'body.values').map((p) => p.field).sort()).toEqual([
      'body.values.answer',
      'body.values.extra',
      'body.values.forbidden',
      'body.values.greet',
    ]);
    expect(scoreProblems(rubric, { greet: 1, answer: 5 }, 'v').map((p) => p.field)).toEqual(['v.cross', 'v.forbidden']);
  });
});

describe('automatic checks', () => {
  const settings = putQcSettingsBody.parse({ autoChecks: { forbiddenWords: ['自己看'], firstResponseLimitSeconds: 30, approvedPromises: ['保证正品'] } }).autoChecks;
  const message = (seq: number, senderRole: 'buyer' | 'agent', text: string) => ({ seq, senderRole, text, createdAt: '2026-11-11T00:00:00Z' });
  const facts = (firstResponseMs?: number) => ({ questions: 1, replies: 1, responseMsTotal: 0, responseCount: 0, ...(firstResponseMs === undefined ? {} : { firstResponseMs }) });
  const outcome = (results: ReturnType<typeof runAutoChecks>) => Object.fromEntries(results.map((r) => [r.check, r.outcome]));

  it('pass a greeted, closed, prompt chat and flag a slow, rude, promising refund chat without retention', () => {
    const good = runAutoChecks({ conversation: { responseFacts: facts(5000) }, messages: [message(1, 'buyer', '在吗'), message(2, 'agent', '亲，您好～'), message(3, 'agent', '保证正品，感谢支持')] }, settings);
    expect(outcome(good)).toEqual({ 'first-response': 'pass', greeting: 'pass', closing: 'pass', 'forbidden-words': 'pass', 'refund-retention': 'not-applicable', 'unapproved-promise': 'pass' });
    const bad = runAutoChecks(
      { conversation: { stageReason: 'open-refund', responseFacts: facts(95_000) }, messages: [message(1, 'buyer', '我要退款'), message(2, 'agent', '详情自己看'), message(3, 'agent', '一定给你退')] },
      settings,
    );
    expect(outcome(bad)).toEqual({ 'first-response': 'fail', greeting: 'fail', closing: 'fail', 'forbidden-words': 'fail', 'refund-retention': 'fail', 'unapproved-promise': 'fail' });
    expect(bad.find((r) => r.check === 'forbidden-words')).toMatchObject({ seqs: [2], reason: 'forbidden: 自己看' });
  });

  it('score only the rubric items that name a check, keeping N/A for checks that do not apply', () => {
    const rubric = rubricOf(afterSaleChecklist);
    const results = runAutoChecks({ conversation: { responseFacts: facts(1000) }, messages: [message(1, 'buyer', '发货了吗'), message(2, 'agent', '您好，已经发出'), message(3, 'agent', '感谢')] }, defaultQcSettings.autoChecks);
    const scored = automaticScore(rubric, results)!;
    expect(scored.values).toEqual({ greet: 1, 'refund-retention': 'na', closing: 1, 'no-forbidden-words': 1, 'no-unapproved-promise': 1 });
    expect(scored).toMatchObject({ score: 100, passed: true });
  });
});

describe('calibration', () => {
  it('shows per-item agreement of reviewer pairs, the score spread and agreement with the automatic checks', () => {
    const calibration = calibrate(
      [
        { values: { greet: 1, answer: 4 }, score: 90 },
        { values: { greet: 1, answer: 3 }, score: 80 },
        { values: { greet: 0, answer: 4 }, score: 62.5 },
      ],
      { greet: 1 },
    )!;
    // greet: pairs (1,1) (1,0) (1,0) → 1/3; answer: (4,3) (4,4) (3,4) → 1/3
    expect(calibration.items).toEqual([
      { itemId: 'answer', agreement: 0.3333, values: [4, 3, 4] },
      { itemId: 'greet', agreement: 0.3333, values: [1, 1, 0] },
    ]);
    expect(calibration).toMatchObject({ reviewers: 3, agreement: 0.3333, scoreSpread: 27.5, automaticAgreement: 0.6667, strong: false });
  });
});
