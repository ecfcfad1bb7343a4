import { describe, expect, it } from 'vitest';
import { curveFromHistory, defaultAfterSalesCurve, localIntervalIndex } from '../../shared/promo/interval-curve';
import { shortfallCsv, staffingPlanCsv } from '../../shared/promo/plan-csv';
import { planStaffing, type PlanningPhase, type SalesPlanRow } from '../../shared/promo/plan-staffing';
import { sizeInfrastructure } from '../../shared/promo/size-infrastructure';

/**
 * Double 11 for one shop, Asia/Shanghai (UTC+8): the peak phase is 11-11 00:00–02:00 local, i.e.
 * 2026-11-10T16:00Z–18:00Z; the after-sales tail starts 3 days after the event and lasts 15 days (the
 * seeds: "from 3 days after, ~15 days or longer"): 11-15 00:00 local to 11-30 00:00 local.
 */
const zone = 'Asia/Shanghai';
const phases: PlanningPhase[] = [
  { phaseId: 'peak', kind: 'peak', startsAt: '2026-11-10T16:00:00.000Z', endsAt: '2026-11-10T18:00:00.000Z' },
  { phaseId: 'tail', kind: 'after-sales-tail', startsAt: '2026-11-14T16:00:00.000Z', endsAt: '2026-11-29T16:00:00.000Z' },
];
const peachGlow: SalesPlanRow = {
  shopId: 'peach-glow',
  phaseId: 'peak',
  gmvTarget: 6_800_000,
  averageOrderValue: 340,
  conversionRate: 0.04,
  inquiryRate: 0.085,
  inSaleContactRate: 0.05,
  refundRate: 0.06,
  returnRate: 0.04,
};
// The seeds: 800–900 receptions per agent per shift; the middle, 850, over an 8-hour shift.
const staffing = { receptionsPerAgentPerShift: 850, shiftHours: 8, targetAnswerRate: 0.9 };

describe('planStaffing', () => {
  /*
   * Hand computation (the seeds' chain: sales → visitors × conversion → receptions → agents):
   *   orders    = GMV ÷ AOV            = 6,800,000 ÷ 340   = 20,000
   *   visitors  = orders ÷ conversion  = 20,000 ÷ 0.04     = 500,000
   *   pre-sale  = visitors × inquiry   = 500,000 × 0.085   = 42,500 receptions in the peak phase
   *   in-sale   = orders × 5 %         = 1,000
   *   after-sale = orders × (6 % refunds + 4 % returns)    = 2,000, in the tail
   * The default curve weighs the four half hours 00:00, 00:30, 01:00, 01:30 as 8 : 6 : 4 : 2 = 40/30/20/10 %:
   *   pre-sale per interval = 17,000 / 12,750 / 8,500 / 4,250;  in-sale = 400 / 300 / 200 / 100
   * One agent per half hour = 850 receptions ÷ 16 half hours = 53.125; agents = ⌈receptions × 0.9 ÷ 53.125⌉:
   *   pre-sale: 15,300 ÷ 53.125 = 288; 11,475 ÷ 53.125 = 216; 7,650 ÷ 53.125 = 144; 3,825 ÷ 53.125 = 72
   *   in-sale:  360 ÷ 53.125 = 6.78 → 7; 270 → 5.08 → 6; 180 → 3.39 → 4; 90 → 1.69 → 2
   * Rostered at 00:00: 250 pre-sale and 10 in-sale agents → shortfall 288 − 250 = 38 and 0.
   */
  it('reproduces the hand-computed plan from the seeds figures (850 receptions per agent per shift)', () => {
    const plan = planStaffing({
      zone,
      phases,
      sales: [peachGlow],
      staffing,
      scheduled: [
        { intervalStart: '2026-11-10T16:00:00.000Z', stage: 'pre-sale', agents: 250 },
        { intervalStart: '2026-11-10T16:00:00Z', stage: 'in-sale', agents: 10 },
      ],
    });
    expect(plan.curveSource).toBe('default');
    expect(plan.receptionsPerAgentPerInterval).toBe(53.125);
    expect(plan.totals).toEqual([{ shopId: 'peach-glow', orders: 20_000, visitors: 500_000, receptions: { 'pre-sale': 42_500, 'in-sale': 1_000, 'after-sale': 2_000 } }]);

    const peakRows = plan.intervals.filter((row) => row.phaseId === 'peak');
    const of = (stage: string) => peakRows.filter((row) => row.stage === stage).map((row) => [row.intervalStart.slice(11, 16), row.receptions, row.agentsNeeded]);
    expect(of('pre-sale')).toEqual([
      ['16:00', 17_000, 288],
      ['16:30', 12_750, 216],
      ['17:00', 8_500, 144],
      ['17:30', 4_250, 72],
    ]);
    expect(of('in-sale')).toEqual([
      ['16:00', 400, 7],
      ['16:30', 300, 6],
      ['17:00', 200, 4],
      ['17:30', 100, 2],
    ]);
    expect(plan.shortfall.filter((row) => row.intervalStart === '2026-11-10T16:00:00.000Z')).toEqual([
      { intervalStart: '2026-11-10T16:00:00.000Z', stage: 'in-sale', agentsNeeded: 7, agentsScheduled: 10, shortfall: 0 },
      { intervalStart: '2026-11-10T16:00:00.000Z', stage: 'pre-sale', agentsNeeded: 288, agentsScheduled: 250, shortfall: 38 },
    ]);
  });

  /*
   * The tail: 2,000 after-sale receptions over 15 local days = 133.33 a day; within a day by the after-sales
   * curve (daily weight sum 93.4), so its busiest half hours (weight 3) get 133.33 × 3 ÷ 93.4 = 4.28
   * receptions → ⌈4.28 × 0.9 ÷ 53.125⌉ = 1 agent, and 720 half hours in all.
   */
  it('puts the after-sales tail into the tail phase from the refund and return rates', () => {
    const plan = planStaffing({ zone, phases, sales: [peachGlow], staffing });
    const tail = plan.intervals.filter((row) => row.stage === 'after-sale');
    expect(tail).toHaveLength(15 * 48);
    expect(tail.every((row) => row.phaseId === 'tail')).toBe(true);
    expect(tail.reduce((sum, row) => sum + row.receptions, 0)).toBeCloseTo(2_000, 6);
    const firstDay = tail.slice(0, 48).reduce((sum, row) => sum + row.receptions, 0);
    expect(firstDay).toBeCloseTo(2_000 / 15, 6);
    expect(defaultAfterSalesCurve.reduce((a, b) => a + b, 0)).toBeCloseTo(93.4, 9);
    const busiest = Math.max(...tail.map((row) => row.receptions));
    expect(busiest).toBeCloseTo(((2_000 / 15) * 3) / 93.4, 9);
    expect(tail.find((row) => row.receptions === busiest)?.agentsNeeded).toBe(1);
  });

  it('uses a curve from history when one is given, and says so', () => {
    // A flat history: every half hour the same, so the peak phase splits 25 % each.
    const plan = planStaffing({ zone, phases, sales: [peachGlow], staffing, curve: new Array(48).fill(1) });
    expect(plan.curveSource).toBe('history');
    expect(plan.intervals.filter((row) => row.phaseId === 'peak' && row.stage === 'pre-sale').map((row) => row.receptions)).toEqual([10_625, 10_625, 10_625, 10_625]);
  });

  it('refuses a sales plan that names a phase the promo does not have', () => {
    expect(() => planStaffing({ zone, phases, sales: [{ ...peachGlow, phaseId: 'nope' }] })).toThrow(/phase nope/);
  });
});

describe('curveFromHistory', () => {
  it('counts openings per local half hour and gives no curve from too few of them', () => {
    expect(localIntervalIndex('2026-11-10T16:00:00Z', zone)).toBe(0);
    expect(localIntervalIndex('2026-11-10T16:45:00Z', zone)).toBe(1);
    expect(curveFromHistory(['2026-11-10T16:00:00Z'], zone)).toBeUndefined();
    const curve = curveFromHistory(['2026-11-10T16:00:00Z', '2026-11-10T16:10:00Z', '2026-11-11T03:59:00Z'], zone, 3);
    expect(curve?.[0]).toBe(2);
    expect(curve?.[23]).toBe(1);
    expect(curve?.reduce((a, b) => a + b, 0)).toBe(3);
  });
});

describe('sizeInfrastructure', () => {
  /*
   * Busiest interval 00:00 local: 17,000 pre-sale + 400 in-sale = 17,400 receptions ÷ 1,800 s = 9.667/s,
   * × peak-second factor 3 = 29 receptions/s; × 12 messages = 348 messages/s. Headroom 1.25:
   *   table WRU = (348 × 3 + 29 × 30) × 1.25 = 1,914 × 1.25 = 2,392.5 → 2,393
   *   table RRU = (348 × 1 + 29 × 16) × 1.25 =   812 × 1.25 = 1,015
   *   gsi1 W/R  = 29 × 3 × 1.25 = 108.75 → 109;  gsi2 W = 29 × 2 × 1.25 = 72.5 → 73 (agent-day + conversation index entry), R = 0
   *   provisioned concurrency: sendMessage 348 × 0.08 s × 1.25 = 34.8 → 35; connect 29 × 1.5 × 0.05 × 1.25 = 2.72 → 3
   *   WebSocket connects/s = 29 × 1.5 × 1.25 = 54.375 → 55; API requests/s = (348 + 43.5) × 1.25 = 489.4 → 490
   * All under 80 % of the default quotas: nothing to file.
   */
  it('sizes warm throughput, provisioned concurrency and connections from the same forecast', () => {
    const sizes = sizeInfrastructure(planStaffing({ zone, phases, sales: [peachGlow], staffing }));
    expect(sizes).toEqual({
      peakIntervalStart: '2026-11-10T16:00:00.000Z',
      peakReceptionsPerSecond: 29,
      peakMessagesPerSecond: 348,
      warmThroughput: {
        table: { writeUnitsPerSecond: 2393, readUnitsPerSecond: 1015 },
        gsi1: { writeUnitsPerSecond: 109, readUnitsPerSecond: 109 },
        gsi2: { writeUnitsPerSecond: 73, readUnitsPerSecond: 0 },
      },
      provisionedConcurrency: { sendMessage: 35, connect: 3 },
      webSocketConnectionsPerSecond: 55,
      apiRequestsPerSecond: 490,
      quotaRequests: [],
    });
  });

  /*
   * A hundred such shops (GMV × 100): 2,900 receptions/s, 34,800 messages/s.
   *   Lambda: sendMessage 34,800 × 0.08 × 1.25 = 3,480 + connect 4,350 × 0.05 × 1.25 = 271.9 → 272 = 3,752 > 800
   *   WebSocket connects 4,350 × 1.25 = 5,437.5 → 5,438 > 400; API (34,800 + 4,350) × 1.25 = 48,937.5 → 48,938 > 8,000
   *   table WRU (104,400 + 87,000) × 1.25 = 239,250 > 32,000; RRU (34,800 + 46,400) × 1.25 = 101,500 > 32,000
   * Each request asks for twice the forecast.
   */
  it('lists the quota requests to file when the forecast passes 80 % of a default quota', () => {
    const sizes = sizeInfrastructure(planStaffing({ zone, phases, sales: [{ ...peachGlow, gmvTarget: 680_000_000 }], staffing }));
    expect(sizes.quotaRequests).toEqual([
      { quota: 'lambdaConcurrentExecutions', defaultValue: 1000, forecast: 3752, request: 7504 },
      { quota: 'webSocketNewConnectionsPerSecond', defaultValue: 500, forecast: 5438, request: 10876 },
      { quota: 'apiGatewayRequestsPerSecond', defaultValue: 10000, forecast: 48938, request: 97876 },
      { quota: 'dynamoDbTableWriteUnitsPerSecond', defaultValue: 40000, forecast: 239250, request: 478500 },
      { quota: 'dynamoDbTableReadUnitsPerSecond', defaultValue: 40000, forecast: 101500, request: 203000 },
    ]);
  });
});

describe('staffing plan CSV', () => {
  it('writes one header and one row per interval, shop and stage, and the shortfall table', () => {
    const plan = planStaffing({ zone, phases: phases.slice(0, 1), sales: [peachGlow], staffing });
    const lines = staffingPlanCsv(plan).trimEnd().split('\r\n');
    expect(lines[0]).toBe('intervalStart,shopId,phaseId,stage,receptions,agentsNeeded');
    expect(lines[1]).toBe('2026-11-10T16:00:00.000Z,peach-glow,peak,pre-sale,17000.00,288');
    expect(lines).toHaveLength(1 + 8);
    expect(shortfallCsv(plan).split('\r\n')[1]).toBe('2026-11-10T16:00:00.000Z,in-sale,7,0,7');
  });
});
