import { describe, expect, it } from 'vitest';
import type { KpiFigures } from '../../shared/kpi/figures';
import { cycleAt, drawSample, previousCycle, randomQuota, starsOf, type AgentPool, type TargetReason } from '../../shared/qc/sampling';
import { samplingSchema } from '../../shared/qc/settings';
import { putScorecardBody, ranksOf, scoreAgent } from '../../shared/scorecards/scorecard';

const seed = { tenantId: 'firm', shopId: 'peach-glow', cycle: '2026-11-09' };
const pool = (agentId: string, count: number, stars?: number, reasons: Record<number, AgentPool['conversations'][number]['reasons']> = {}): AgentPool => ({
  agentId,
  ...(stars === undefined ? {} : { stars }),
  conversations: Array.from({ length: count }, (_, i) => ({ conversationId: `${agentId}-c${i}`, reasons: reasons[i] ?? [] })),
});

describe('sampling', () => {
  const sampling = samplingSchema.parse({ perAgent: 3, lowStarMultiple: 2, targetedPerAgent: 2 });

  it('runs weekly cycles from Monday local midnight in the shop zone; the sample window is the cycle before', () => {
    // 2026-11-15 23:30 in Shanghai is a Sunday; 16:30 UTC Sunday is already Monday 00:30 there.
    expect(cycleAt(new Date('2026-11-15T15:30:00Z'), 'Asia/Shanghai', 7)).toMatchObject({ cycle: '2026-11-09', startsAt: '2026-11-08T16:00:00.000Z', endsAt: '2026-11-15T16:00:00.000Z' });
    const cycle = cycleAt(new Date('2026-11-15T16:30:00Z'), 'Asia/Shanghai', 7);
    expect(cycle.cycle).toBe('2026-11-16');
    expect(previousCycle(cycle, 'Asia/Shanghai', 7).days).toEqual(['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15']);
    expect(cycleAt(new Date('2026-11-16T06:00:00Z'), 'America/Los_Angeles', 7).cycle).toBe('2026-11-09');
  });

  it('is reproducible: the same tenant, shop and cycle give the same sample whatever the input order; another cycle another', () => {
    const pools = [pool('xiaomei', 40), pool('dawei', 40)];
    const once = drawSample(seed, sampling, pools);
    const again = drawSample(seed, sampling, [...pools].reverse().map((p) => ({ ...p, conversations: [...p.conversations].reverse() })));
    expect(again).toEqual(once);
    expect(once.entries.filter((e) => e.agentId === 'xiaomei')).toHaveLength(3);
    expect(once.entries.every((e) => e.kind === 'random')).toBe(true);
    const nextWeek = drawSample({ ...seed, cycle: '2026-11-16' }, sampling, pools);
    expect(nextWeek.entries.map((e) => e.conversationId)).not.toEqual(once.entries.map((e) => e.conversationId));
  });

  it('honours the star rule: 5★ exempt, 1–2★ sampled at the multiple, others N, unreviewed agents N', () => {
    const { entries, plans } = drawSample(seed, sampling, [pool('five', 20, 5), pool('one', 20, 1), pool('two', 20, 2), pool('three', 20, 3), pool('new', 20)]);
    const count = (agentId: string) => entries.filter((e) => e.agentId === agentId && e.kind === 'random').length;
    expect([count('five'), count('one'), count('two'), count('three'), count('new')]).toEqual([0, 6, 6, 3, 3]);
    expect(plans.find((p) => p.agentId === 'five')).toMatchObject({ exempt: true, randomQuota: 0 });
    // the multiple is configurable
    expect(randomQuota(samplingSchema.parse({ perAgent: 3, lowStarMultiple: 3 }), 1, 20).quota).toBe(9);
  });

  it('draws a rate of each pool instead of a count, never more than the pool', () => {
    const rated = samplingSchema.parse({ ratePercent: 10 });
    expect(randomQuota(rated, undefined, 45).quota).toBe(5);
    expect(randomQuota(samplingSchema.parse({ perAgent: 10 }), 1, 7).quota).toBe(7);
    expect(samplingSchema.safeParse({ ratePercent: 101 }).error?.issues[0]?.path).toEqual(['ratePercent']);
  });

  it('adds targeted samples (complaints, refund disputes, long waits) beyond the random ones, most reasons first, even for exempt agents', () => {
    const reasons: Record<number, TargetReason[]> = { 1: ['complaint', 'long-wait'], 2: ['long-wait'], 3: ['refund-dispute'] };
    const { entries } = drawSample(seed, samplingSchema.parse({ perAgent: 0, targetedPerAgent: 2 }), [pool('five', 10, 5, reasons)]);
    expect(entries.map((e) => [e.conversationId, e.kind])).toEqual([
      ['five-c1', 'targeted'],
      [expect.stringMatching(/^five-c[23]$/), 'targeted'],
    ]);
  });

  it('turns a pass rate into stars by the thresholds', () => {
    const thresholds = [0.6, 0.75, 0.85, 0.95];
    expect([0.5, 0.6, 0.8, 0.9, 0.95, 1].map((rate) => starsOf(rate, thresholds))).toEqual([1, 2, 3, 4, 5, 5]);
    expect(starsOf(undefined, thresholds)).toBeUndefined();
  });
});

describe('scorecard arithmetic (adidas-like: data 60 % + learning 20 % + team 20 %)', () => {
  const adidas = putScorecardBody.parse({
    name: 'adidas',
    items: [
      { itemId: 'conversion', title: '转化', weight: 15, source: { kind: 'kpi', kpi: 'conversionRate', target: 0.4, direction: 'higher' } },
      { itemId: 'avg-response', title: '平响', weight: 15, source: { kind: 'kpi', kpi: 'averageResponseSeconds', target: 30, direction: 'lower' } },
      { itemId: 'secondary', title: '二次销售', weight: 15, source: { kind: 'kpi', kpi: 'secondarySalesAmount', target: 500_000, direction: 'higher' } },
      { itemId: 'ratio', title: '答问比', weight: 15, source: { kind: 'kpi', kpi: 'replyQuestionRatio', target: 1.2, direction: 'higher' } },
      { itemId: 'learning', title: '学习', weight: 20, source: { kind: 'manual' } },
      { itemId: 'team', title: '团队', weight: 20, source: { kind: 'manual' } },
    ],
    maxAdjustment: 10,
    starThresholds: [50, 60, 70, 80, 90, 95],
  });

  it('matches a hand computation', () => {
    const figures: KpiFigures = { conversionRate: 0.3, averageResponseSeconds: 40, secondarySalesAmount: 600_000, replyQuestionRatio: 0.9 };
    // conversion 0.3/0.4 = 75; avg response 30/40 = 75; secondary capped 100; ratio 0.9/1.2 = 75; learning 90; team 80
    // (15·75 + 15·75 + 15·100 + 15·75 + 20·90 + 20·80) / 100 = (1125 + 1125 + 1500 + 1125 + 1800 + 1600) / 100 = 82.75
    // bonus +5, penalty −2 → 85.75; thresholds 50…95: four reached (50, 60, 70, 80) → 5 stars
    const score = scoreAgent(adidas, 'xiaomei', { figures, manual: { values: { learning: 90, team: 80 }, adjustments: [{ points: 5, reason: '表扬' }, { points: -2, reason: '迟到' }] } });
    expect(score).toMatchObject({ weighted: 82.75, adjustment: 3, total: 85.75, coverage: 1, stars: 5 });
    expect(score.items.map((i) => i.score)).toEqual([75, 75, 100, 75, 90, 80]);
  });

  it('clamps bonus/penalty to the maximum and re-weights over the items that have a value', () => {
    // only learning 100 and team 50 entered: (20·100 + 20·50) / 40 = 75, coverage 0.4; penalty −30 clamped to −10
    const score = scoreAgent(adidas, 'new', { figures: {}, manual: { values: { learning: 100, team: 50 }, adjustments: [{ points: -30, reason: '投诉' }] } });
    expect(score).toMatchObject({ weighted: 75, adjustment: -10, total: 65, coverage: 0.4, stars: 3 });
  });

  it('scores a QC pass-rate item against its target and gives 1–7 stars from six thresholds', () => {
    const card = putScorecardBody.parse({ name: 'xueli', items: [{ itemId: 'qc', title: 'qc', weight: 100, source: { kind: 'qc-pass-rate', target: 0.8 } }], starThresholds: [50, 60, 70, 80, 90, 95] });
    expect(scoreAgent(card, 'a', { figures: {}, qcPassRate: 0.6 })).toMatchObject({ total: 75, stars: 4 });
    expect(scoreAgent(card, 'a', { figures: {}, qcPassRate: 1 })).toMatchObject({ total: 100, stars: 7 });
    expect(scoreAgent(card, 'a', { figures: {}, qcPassRate: 0.3 })).toMatchObject({ total: 37.5, stars: 1 });
  });

  it('ranks peers with ties sharing a rank', () => {
    expect([...ranksOf([{ key: 'a', total: 80 }, { key: 'b', total: 90 }, { key: 'c', total: 80 }, { key: 'd', total: 70 }])].sort()).toEqual([
      ['a', 2],
      ['b', 1],
      ['c', 2],
      ['d', 4],
    ]);
  });

  it('refuses weights that do not sum to 100 and a scorecard without items', () => {
    expect(putScorecardBody.safeParse({ ...adidas, items: adidas.items.slice(1) }).error?.issues.map((i) => i.path.join('.'))).toEqual(['items']);
    expect(putScorecardBody.safeParse({ ...adidas, items: [] }).error?.issues.map((i) => i.path.join('.'))).toContain('items');
  });
});
