import { describe, expect, it, vi } from 'vitest';
import type { Identity } from '../../shared/auth/identity';
import type { AppendResult } from '../../shared/conversations/append-message';
import type { Conversation } from '../../shared/conversations/conversation';
import type { Promo } from '../../shared/promo/calendar';
import { promoContentSet, promoWaitingLinePolicies } from '../../shared/promo/promo-routing';
import { accuracyReport, isCorrect, sweepPick } from '../../shared/robot/accuracy';
import { defaultRobotSettings, faqEntryBodySchema, robotSettingsBodySchema } from '../../shared/robot/faq';
import { faqIndexOf, forgetFaqIndexes, maxFaqIndexes } from '../../shared/robot/faq-index-cache';
import { handoffAsked, robotTakesNew, robotTurn } from '../../shared/robot/handoff-rules';
import { chooseAnswer, contentSetLead, FaqIndex, wordsOf } from '../../shared/robot/match-question';
import { robotFirst, type RobotFirstDependencies } from '../../shared/robot/robot-first';
import { withRates } from '../../shared/robot/manage-faq';

const entry = (faqId: string, questions: string[], keywords: string[] = [], extra: Partial<{ stage: 'pre-sale' | 'in-sale' | 'after-sale'; enabled: boolean; contentSet: string }> = {}) => ({
  faqId,
  ...faqEntryBodySchema.parse({ questions, keywords, answers: [`${faqId} 的回答`], ...extra }),
});
const faq = new FaqIndex([
  entry('courier', ['发什么快递', '能发顺丰吗'], ['快递', '顺丰']),
  entry('invoice', ['能开发票吗'], ['发票']),
  entry('size', ['尺码怎么选'], ['尺码', '码数'], { stage: 'pre-sale' }),
  entry('retired', ['以前的活动'], ['旧活动'], { enabled: false }),
]);

describe('the FAQ matcher (Intl.Segmenter zh + MiniSearch)', () => {
  it('segments Chinese into words and drops filler (particles, pronouns, question words)', () => {
    expect(wordsOf('亲，你们发什么快递呀？')).toEqual(['发', '快递']);
    expect(wordsOf('ＥＭＳ可以吗')).toEqual(['ems']);
  });
  it('finds the entry a question asks for, with full confidence when every word is covered', () => {
    expect(faq.match('你们家发什么快递')).toMatchObject({ faqId: 'courier', confidence: 1 });
    expect(faq.match('能开发票不')).toMatchObject({ faqId: 'invoice' });
  });
  it('folds a mistyped homophone onto the FAQ word it sounds like (快第, 块递 → 快递) and answers as if typed right', () => {
    expect(faq.match('发什么快第')).toMatchObject({ faqId: 'courier', confidence: 1 });
    expect(faq.wordsOf('你们发的什么块递')).toContain('快递');
  });
  it('reads traditional characters and full-width letters as simplified (OpenCC t → cn, NFKC)', () => {
    expect(faq.match('發什麼快遞')).toMatchObject({ faqId: 'courier', confidence: 1 });
    expect(faq.match('能發ＳＦ順豐嗎')?.faqId).toBe('courier');
  });
  it('folds only spans the segmenter cut as words: 里面有 keeps 面有, never a mistyped 免邮', () => {
    const withFreeShipping = new FaqIndex([entry('free-shipping', ['包邮吗'], ['免邮']), entry('ingredients', ['有防腐剂吗'], ['防腐剂'])]);
    expect(withFreeShipping.wordsOf('里面有防腐剂吗')).not.toContain('免邮');
    expect(withFreeShipping.match('里面有防腐剂吗')?.faqId).toBe('ingredients');
  });
  it('does not fold a sound two entries share (正品 of one entry, 证品 of another): it is ambiguous', () => {
    const ambiguous = new FaqIndex([entry('authenticity', ['是正品吗'], ['正品']), entry('other', ['证品在哪'], ['证品'])]);
    expect(ambiguous.wordsOf('是郑品吗')).not.toContain('正品');
    expect(ambiguous.wordsOf('是郑品吗')).not.toContain('证品');
  });
  it('keeps a keyword whole where the segmenter cuts it (发货 stays one word when it is a keyword)', () => {
    const shipping = new FaqIndex([entry('ship-time', ['什么时候发货'], ['发货'])]);
    expect(shipping.wordsOf('多久能发货')).toContain('发货');
    expect(wordsOf('多久能发货')).not.toContain('发货');
  });
  it('gives low confidence to a question the FAQ does not cover, and nothing for one it has no word of', () => {
    expect(faq.match('今天天气怎么样')).toBeUndefined();
    // 快递 is the courier entry's keyword (inside 快递员), 态度 and 这样 no entry's word: a match, and a weak one.
    const weak = faq.match('快递员态度怎么这样');
    expect(weak?.faqId).toBe('courier');
    expect(weak!.confidence).toBeGreaterThan(0);
    expect(weak!.confidence).toBeLessThan(0.5);
  });
  it('never matches a disabled entry or one written for another stage', () => {
    expect(faq.match('以前的活动')).toBeUndefined();
    expect(faq.match('尺码怎么选', 'after-sale')).toBeUndefined();
    expect(faq.match('尺码怎么选', 'pre-sale')?.faqId).toBe('size');
  });
});

describe('promo FAQ content sets (issue 10 §2)', () => {
  const entries = [
    entry('ship-time', ['什么时候发货', '多久发货'], ['发货']),
    entry('double11-ship-time', ['什么时候发货', '双11什么时候发货'], ['发货'], { contentSet: 'double11' }),
    entry('double11-gifts', ['双11有什么赠品'], ['赠品'], { contentSet: 'double11' }),
    entry('618-gifts', ['618有什么赠品'], ['赠品'], { contentSet: 'summer618' }),
    entry('courier', ['发什么快递'], ['快递']),
  ];
  it('never answers a tagged entry while no phase names its set: the untagged entry answers', () => {
    const everyday = new FaqIndex(entries);
    expect(everyday.match('什么时候发货')?.faqId).toBe('ship-time');
    expect(everyday.match('双11有什么赠品')?.faqId ?? 'none').not.toMatch(/gifts/);
  });
  it('answers from the set in force and the untagged entries, never from another set', () => {
    const double11 = new FaqIndex(entries, 'double11');
    expect(double11.match('什么时候发货')?.faqId).toBe('double11-ship-time');
    expect(double11.match('有什么赠品')?.faqId).toBe('double11-gifts');
    expect(double11.match('发什么快递')?.faqId).toBe('courier');
    expect(new FaqIndex(entries, 'summer618').match('有什么赠品')?.faqId).toBe('618-gifts');
  });
  it(`lets an entry of the set in force win over an untagged one within ${contentSetLead} of its confidence, not beyond`, () => {
    const untagged = { faqId: 'u', confidence: 0.8, ofContentSet: false };
    expect(chooseAnswer([untagged, { faqId: 's', confidence: 0.8 - contentSetLead, ofContentSet: true }])?.faqId).toBe('s');
    expect(chooseAnswer([untagged, { faqId: 's', confidence: 0.8 - contentSetLead - 0.01, ofContentSet: true }])?.faqId).toBe('u');
    expect(chooseAnswer([{ faqId: 's', confidence: 0.9, ofContentSet: true }, untagged])?.faqId).toBe('s');
    expect(chooseAnswer([untagged, { faqId: 'v', confidence: 0.75, ofContentSet: false }])?.faqId).toBe('u');
    expect(chooseAnswer([])).toBeUndefined();
  });
  it('refuses a set name that is not an id, naming the field', () => {
    const parsed = faqEntryBodySchema.safeParse({ questions: ['q'], answers: ['a'], contentSet: '双 11!' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['contentSet']);
  });
});

describe('hand-off rules', () => {
  // A shop's own words, not a request for a person: the FAQ may answer them.
  it.each(['店长推荐的面霜有货吗', '经理同款还有吗', '换个人收货可以吗', '有人用过吗 好用不'])('does not hand %s off for naming 店长 or 经理, or another recipient', (text) => {
    expect(handoffAsked(text)).toBeUndefined();
  });

  it.each(['转人工', '人工客服', '找客服', '我要真人', '人工人工', '接人工谢谢', '别让机器人回我', '有没有活人', '找你们领导来', '叫负责人出来', '店长呢', '叫你们经理来', '换个人来回答', '让你们客服小姐姐来', '我不要自动回复 要人回', 'zhuan ren gong', '人呢', '有人在吗', '客服在吗'])('hands %s to a person on request', (text) => {
    expect(handoffAsked(text)).toBe('requested');
  });
  it.each(['孕妇能用吗 老人呢', '小孩能穿吗 大人呢', '发货的人呢', '安装需要人来吗', '要人来装吗', '需要人回访吗', '让客服备注顺丰可以吗', '我已经让客服改过地址了', '家里有人吗 能送上门吗', '想换个人来收货', '换人来安装可以吗', 'Children gong', '安装人工费多少', '退货需要客服审核吗'])(
    'does not hand the ordinary question %s off for a person word inside it',
    (text) => {
      expect(handoffAsked(text)).toBeUndefined();
    },
  );
  it.each(['转人工', '有人吗?', '人呢？', '客服在吗', '换个人来跟我说', '喂 有人吗 我要找客服', '客服有人在吗', '人呢 出来回话', '让客服来处理'])('still hands the request %s to a person', (text) => {
    expect(handoffAsked(text)).toBe('requested');
  });
  it.each(['我要投诉', '给你差评', '打12315', '退款纠纷', '你们拒绝退款', '退款被拒了凭什么', '再不退钱去消协', '我要投訴', '退款糾紛', '退款你们一直拖着不处理'])('hands the complaint or dispute %s to a person', (text) => {
    expect(handoffAsked(text)).toBe('sensitive');
  });
  it('reads traditional characters as the matcher does: 轉人工 and 投訴 are what 转人工 and 投诉 are', () => {
    expect(handoffAsked('請轉人工客服')).toBe('requested');
    expect(handoffAsked('我要去消費者協會投訴')).toBe('sensitive');
  });
  it.each(['发什么快递', '可以退货吗', '定金能退吗'])('lets the robot answer %s', (text) => {
    expect(handoffAsked(text)).toBeUndefined();
  });

  const settings = { ...defaultRobotSettings, confidenceThreshold: 0.5, missesBeforeHandoff: 2 };
  const turn = (text: string, missesSoFar = 0, stage: 'pre-sale' | 'after-sale' = 'pre-sale', humanStages: ('pre-sale' | 'after-sale')[] = []) =>
    robotTurn({ text, stage, settings: { ...settings, humanStages }, missesSoFar, match: (t, s) => faq.match(t, s) });

  it('answers at or above the threshold, counts a miss below it, and hands off on the second miss in a row', () => {
    expect(turn('发什么快递')).toMatchObject({ kind: 'answer', faqId: 'courier' });
    expect(turn('这件有黑色吗')).toEqual({ kind: 'miss', misses: 1 });
    expect(turn('这件有黑色吗', 1)).toEqual({ kind: 'handoff', reason: 'misses' });
  });
  it('hands off before matching: a request for a person, a dispute, or a stage that always goes to people', () => {
    expect(turn('快递太慢了我要投诉')).toEqual({ kind: 'handoff', reason: 'sensitive' });
    expect(turn('转人工问下快递')).toEqual({ kind: 'handoff', reason: 'requested' });
    expect(turn('发什么快递', 0, 'after-sale', ['after-sale'])).toEqual({ kind: 'handoff', reason: 'stage' });
  });

  it('takes new conversations by mode, counting the waiting line only when a rule needs it', async () => {
    const waiting = vi.fn(async (limit: number) => Math.min(limit, 3));
    expect(await robotTakesNew({ mode: 'always', inServiceHours: () => true, waiting })).toBe(true);
    expect(await robotTakesNew({ mode: 'off', inServiceHours: () => false, waiting })).toBe(false);
    expect(await robotTakesNew({ mode: 'outside-service-hours', inServiceHours: () => false, waiting })).toBe(true);
    expect(await robotTakesNew({ mode: 'outside-service-hours', inServiceHours: () => true, waiting })).toBe(false);
    expect(waiting).not.toHaveBeenCalled();
    expect(await robotTakesNew({ mode: 'waiting-over', waitingOver: 2, inServiceHours: () => true, waiting })).toBe(true);
    expect(waiting).toHaveBeenLastCalledWith(3);
    expect(await robotTakesNew({ mode: 'waiting-over', waitingOver: 3, inServiceHours: () => true, waiting })).toBe(false);
    // A promo phase's robot-first policy turns it on whatever the shop's mode.
    expect(await robotTakesNew({ mode: 'off', promoWaitingOver: 1, inServiceHours: () => true, waiting })).toBe(true);
  });

  it('refuses settings out of range and waiting-over without its number', () => {
    expect(robotSettingsBodySchema.safeParse({ mode: 'waiting-over' }).error?.issues[0]?.path).toEqual(['waitingOver']);
    expect(robotSettingsBodySchema.safeParse({ mode: 'always', confidenceThreshold: 0 }).success).toBe(false);
    expect(robotSettingsBodySchema.safeParse({ mode: 'always', missesBeforeHandoff: 0 }).success).toBe(false);
  });
});

describe('promo waiting-line policies (issue 10: robot first above N, maximum wait)', () => {
  const promo = (phases: Promo['phases'], shopIds = ['s1']): Promo => ({ promoId: 'd11', shopIds, phases, triggered: {} }) as unknown as Promo;
  const phase = (startsAt: string, endsAt: string, routing: Record<string, unknown>) => ({ phaseId: startsAt, kind: 'peak', startsAt, endsAt, routing: { stageBorrowing: [], ...routing } }) as unknown as Promo['phases'][number];
  it('applies only phases in force for the shop, the lowest N and the shortest wait winning', () => {
    const promos = [
      promo([phase('2026-11-10T16:00:00.000Z', '2026-11-10T18:00:00.000Z', { robotFirst: { waitingOver: 20 }, maxWaitMinutes: 5 }), phase('2026-11-10T17:00:00.000Z', '2026-11-10T19:00:00.000Z', { robotFirst: { waitingOver: 5 } })]),
      promo([phase('2026-11-10T16:00:00.000Z', '2026-11-10T18:00:00.000Z', { robotFirst: { waitingOver: 0 } })], ['s2']),
    ];
    expect(promoWaitingLinePolicies(promos, 's1', new Date('2026-11-10T17:30:00Z'))).toEqual({ robotFirstWaitingOver: 5, maxWaitMinutes: 5 });
    expect(promoWaitingLinePolicies(promos, 's1', new Date('2026-11-10T18:30:00Z'))).toEqual({ robotFirstWaitingOver: 5 });
    expect(promoWaitingLinePolicies(promos, 's1', new Date('2026-11-10T20:00:00Z'))).toEqual({});
  });

  it('names the promo content set of the latest-starting phase in force for the shop, and none outside the phases', () => {
    const promos = [
      promo([phase('2026-11-10T16:00:00.000Z', '2026-11-10T18:00:00.000Z', { contentSet: 'd11-warmup' }), phase('2026-11-10T17:00:00.000Z', '2026-11-10T19:00:00.000Z', { contentSet: 'd11-peak' })]),
      promo([phase('2026-11-10T16:00:00.000Z', '2026-11-10T18:00:00.000Z', { contentSet: 'other-shop' })], ['s2']),
    ];
    expect(promoContentSet(promos, 's1', new Date('2026-11-10T16:30:00Z'))).toBe('d11-warmup');
    expect(promoContentSet(promos, 's1', new Date('2026-11-10T17:30:00Z'))).toBe('d11-peak');
    expect(promoContentSet(promos, 's1', new Date('2026-11-10T20:00:00Z'))).toBeUndefined();
    expect(promoContentSet(promos, 's2', new Date('2026-11-10T17:30:00Z'))).toBe('other-shop');
  });
});

describe('robot accuracy arithmetic (npm run robot:accuracy)', () => {
  it('counts top-1 in scope, not answering out of scope, and hand-off requests, each over its own total', () => {
    const q = (expect: string | null, style = 'plain') => ({ shopId: 's', text: 't', expect, style });
    const report = accuracyReport([
      { question: q('courier'), outcome: { kind: 'answer', faqId: 'courier' } },
      { question: q('courier'), outcome: { kind: 'answer', faqId: 'invoice' } },
      { question: q('invoice'), outcome: { kind: 'miss' } },
      { question: q(null, 'out'), outcome: { kind: 'miss' } },
      { question: q(null, 'out'), outcome: { kind: 'handoff' } },
      { question: q(null, 'out'), outcome: { kind: 'answer', faqId: 'courier' } },
      { question: q('handoff', 'handoff'), outcome: { kind: 'miss' } },
    ]);
    expect(report.inScope).toEqual({ total: 3, top1Correct: 1, rate: 0.3333 });
    expect(report.outOfScope).toEqual({ total: 3, notAnswered: 2, rate: 0.6667 });
    expect(report.handoffRequests).toEqual({ total: 1, handedOff: 0, rate: 0 });
    expect(report.byStyle).toEqual({ plain: { total: 3, correct: 1 }, out: { total: 3, correct: 2 }, handoff: { total: 1, correct: 0 } });
    expect(report.failures).toHaveLength(4);
    expect(isCorrect({ expect: 'handoff' }, { kind: 'handoff' })).toBe(true);
  });
  it('picks the threshold that leaves the most out-of-scope questions to people while in scope stays at or above 90 %', () => {
    const sweep = [
      { threshold: 0.5, inScopeTop1: 0.95, outOfScopeNotAnswered: 0.9 },
      { threshold: 0.55, inScopeTop1: 0.91, outOfScopeNotAnswered: 0.95 },
      { threshold: 0.6, inScopeTop1: 0.9, outOfScopeNotAnswered: 0.95 },
      { threshold: 0.65, inScopeTop1: 0.85, outOfScopeNotAnswered: 1 },
    ];
    expect(sweepPick(sweep)?.threshold).toBe(0.55);
    expect(sweepPick(sweep, 0.99)).toBeUndefined();
  });
  it('computes the daily resolution and transfer rates, 0 on a day without conversations', () => {
    expect(withRates({ day: 'd', conversations: 4, answered: 9, missed: 2, handoffs: 1, handoffsByReason: { requested: 1 } })).toMatchObject({ resolutionRate: 0.75, transferRate: 0.25 });
    expect(withRates({ day: 'd', conversations: 0, answered: 0, missed: 0, handoffs: 0, handoffsByReason: {} })).toMatchObject({ resolutionRate: 0, transferRate: 0 });
  });
});

describe('robotFirst (unit, fake dependencies)', () => {
  const buyer: Identity = { tenantId: 't', userId: 'b1', role: 'buyer', shopIds: [] };
  const head = (extra: Partial<Conversation> = {}): Conversation =>
    ({ conversationId: 'c1', tenantId: 't', shopId: 's1', buyerId: 'b1', stage: 'pre-sale', status: 'waiting', openedAt: '2026-11-11T00:00:00.000Z', lastSeq: 1, lastMessageAt: '2026-11-11T00:00:00.000Z', buyerReadSeq: 1, agentReadSeq: 0, responseFacts: { questions: 1, replies: 0, responseMsTotal: 0, responseCount: 0 }, ...extra }) as Conversation;
  const stored = (text: string, seq = 1): AppendResult => ({ message: { conversationId: 'c1', seq, senderId: 'b1', senderRole: 'buyer', clientMessageId: 'q', text, createdAt: '2026-11-11T00:00:00.000Z' }, duplicate: false });

  function fakes(mode: 'off' | 'always', options: { take?: boolean; robotAnswersCount?: boolean; promoMaxWait?: number; contentSet?: string } = {}) {
    const allocations: boolean[] = [];
    const deps = {
      settings: async () => ({ settings: { ...defaultRobotSettings, mode }, stored: true, faqVersion: 1 }),
      faqIndex: vi.fn(async (..._args: unknown[]) => faq),
      shopName: async () => '云上小店',
      promos: async () =>
        options.promoMaxWait || options.contentSet
          ? [{ promoId: 'p', shopIds: ['s1'], triggered: {}, phases: [{ phaseId: 'x', startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z', routing: { stageBorrowing: [], ...(options.promoMaxWait ? { maxWaitMinutes: options.promoMaxWait } : {}), ...(options.contentSet ? { contentSet: options.contentSet } : {}) } }] }]
          : [],
      policy: async () => ({ timeZone: 'Asia/Shanghai', serviceHours: [{ start: '08:00', end: '24:00' }], targetSeconds: 180, atRiskSeconds: 120, targetRate: 0.9, clock: 'wall', ...(options.robotAnswersCount ? { robotAnswersCount: true } : {}) }),
      waiting: vi.fn(async () => 0),
      take: vi.fn(async () => options.take ?? true),
      setMisses: vi.fn(async () => true),
      handOver: vi.fn(async () => true),
      append: {
        allocate: async (_t: string, _c: string, _m: unknown, _k: unknown, o: { countFacts: boolean }) => (allocations.push(o.countFacts), { seq: 2 + allocations.length - 1, at: 'x', before: {} }),
        undoFacts: async () => undefined,
        claim: async () => ({ claimed: true }),
        moveClaim: async () => true,
        putMessage: async () => true,
        entryAt: async () => undefined,
        skip: async () => undefined,
      },
      sendDeliveryJob: vi.fn(async () => undefined),
      sendRouteJob: vi.fn(async () => undefined),
      sendWaitCheck: vi.fn(async () => undefined),
      count: vi.fn(async () => undefined),
      random: () => 0,
    };
    return { deps: deps as unknown as RobotFirstDependencies, raw: deps, allocations };
  }
  const now = new Date('2026-11-11T02:00:00Z');

  it('leaves a new conversation to people when the robot is off, and does not take one a router got first', async () => {
    expect(await robotFirst(buyer, head(), stored('发什么快递'), true, now, undefined, fakes('off').deps)).toEqual({ held: false });
    const lost = fakes('always', { take: false });
    expect(await robotFirst(buyer, head(), stored('发什么快递'), true, now, undefined, lost.deps)).toEqual({ held: false });
    expect(lost.raw.sendDeliveryJob).not.toHaveBeenCalled();
  });

  it('takes and answers a new conversation, delivering the rendered answer to the buyer as the robot; not a response unless the policy says so', async () => {
    const f = fakes('always');
    expect(await robotFirst(buyer, head(), stored('发什么快递'), true, now, undefined, f.deps)).toMatchObject({ held: true, did: 'answered', faqId: 'courier' });
    expect(f.raw.sendDeliveryJob).toHaveBeenCalledWith(expect.objectContaining({ recipients: ['b1'], message: expect.objectContaining({ senderRole: 'robot', senderId: 'kefu-robot', text: 'courier 的回答', clientMessageId: 'r1' }) }));
    expect(f.allocations).toEqual([false]);
    expect(f.raw.count).toHaveBeenCalledWith('t', 's1', '2026-11-11', { conversations: 1, answered: 1 });
    const counting = fakes('always', { robotAnswersCount: true });
    await robotFirst(buyer, head(), stored('发什么快递'), true, now, undefined, counting.deps);
    expect(counting.allocations).toEqual([true]);
  });

  it('hands over on 转人工: priority line, a routing job, and a wait check after the promo phase’s maximum wait', async () => {
    const f = fakes('always', { promoMaxWait: 2 });
    expect(await robotFirst(buyer, head({ robot: { since: 'x', misses: 0 } } as Partial<Conversation>), stored('转人工', 3), false, now, undefined, f.deps)).toMatchObject({ held: true, did: 'handed-off', reason: 'requested' });
    expect(f.raw.handOver).toHaveBeenCalled();
    expect(f.raw.sendRouteJob).toHaveBeenCalledWith({ type: 'route', tenantId: 't', conversationId: 'c1' });
    expect(f.raw.sendWaitCheck).toHaveBeenCalledWith(expect.objectContaining({ type: 'robot-wait-check', handedOffAt: now.toISOString() }), 120);
  });

  it("matches against the index of the promo content set in force for the shop, and the everyday one without a phase", async () => {
    const promo = fakes('always', { contentSet: 'double11' });
    await robotFirst(buyer, head(), stored('发什么快递'), true, now, undefined, promo.deps);
    expect(promo.raw.faqIndex).toHaveBeenCalledWith('t', 's1', 1, 'double11');
    const everyday = fakes('always');
    await robotFirst(buyer, head(), stored('发什么快递'), true, now, undefined, everyday.deps);
    expect(everyday.raw.faqIndex).toHaveBeenCalledWith('t', 's1', 1, undefined);
  });

  it('hands a held conversation to people when the shop turned the robot off, and does nothing for a resend', async () => {
    const f = fakes('off');
    expect(await robotFirst(buyer, head({ robot: { since: 'x', misses: 0 } } as Partial<Conversation>), stored('发什么快递', 3), false, now, undefined, f.deps)).toMatchObject({ did: 'handed-off', reason: 'robot-off' });
    const again = fakes('always');
    expect(await robotFirst(buyer, head({ robot: { since: 'x', misses: 0 } } as Partial<Conversation>), { ...stored('发什么快递', 3), duplicate: true }, false, now, undefined, again.deps)).toEqual({ held: true, did: 'resend' });
    expect(again.raw.sendDeliveryJob).not.toHaveBeenCalled();
  });
});

describe('the FAQ index cache (one container, many shops)', () => {
  it('keeps at most maxFaqIndexes indexes and drops the least recently used, not all of them', async () => {
    forgetFaqIndexes();
    const reads: string[] = [];
    const list = async (_tenantId: string, shopId: string) => {
      reads.push(shopId);
      return [{ faqId: 'f', shopId, updatedAt: '2026-01-01T00:00:00.000Z', updatedBy: 'u', ...faqEntryBodySchema.parse({ questions: ['包邮吗'], keywords: ['包邮'], answers: ['包邮'] }) }];
    };
    for (let i = 0; i < maxFaqIndexes; i++) await faqIndexOf('t', `shop-${i}`, 1, list);
    await faqIndexOf('t', 'shop-0', 1, list); // used again: now the most recent
    await faqIndexOf('t', 'shop-new', 1, list); // over the cap: shop-1 goes
    reads.length = 0;
    await faqIndexOf('t', 'shop-0', 1, list);
    await faqIndexOf('t', `shop-${maxFaqIndexes - 1}`, 1, list);
    expect(reads).toEqual([]);
    await faqIndexOf('t', 'shop-1', 1, list);
    expect(reads).toEqual(['shop-1']);
    forgetFaqIndexes();
  });
});
