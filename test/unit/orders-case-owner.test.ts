import { describe, expect, it } from 'vitest';
import type { AfterSalesCase } from '../../shared/after-sales/case';
import { dueMinuteFor } from '../../shared/after-sales/change-case';
import { chooseCaseOwner, type CaseOwnerCandidate } from '../../shared/after-sales/choose-case-owner';

const agent = (agentId: string, overrides: Partial<CaseOwnerCandidate> = {}): CaseOwnerCandidate => ({
  agentId,
  presence: 'online',
  shopIds: ['s1'],
  groupIds: ['after'],
  caseLoad: 0,
  ...overrides,
});
const rule = { shopId: 's1', groupId: 'after', cap: 3 };

describe('chooseCaseOwner', () => {
  it('takes the least case-loaded online agent of the group serving the shop, ties to the smallest id', () => {
    expect(chooseCaseOwner([agent('b', { caseLoad: 1 }), agent('c', { caseLoad: 1 }), agent('a', { caseLoad: 2 })], rule)).toBe('b');
  });

  it('skips agents offline, away, of another shop or group, at the case cap, or excluded; none left means the case waits', () => {
    const candidates = [
      agent('away', { presence: 'away' }),
      agent('offline', { presence: 'offline' }),
      agent('other-shop', { shopIds: ['s2'] }),
      agent('other-group', { groupIds: ['pre'] }),
      agent('full', { caseLoad: 3 }),
      agent('failed'),
    ];
    expect(chooseCaseOwner(candidates, { ...rule, exclude: ['failed'] })).toBeUndefined();
    expect(chooseCaseOwner(candidates, rule)).toBe('failed');
  });
});

describe('dueMinuteFor (the minute a case is filed under in the due-time index)', () => {
  const caseWith = (startsAt: string, slaDueAt: string, warningsSent: string[] = []) =>
    ({ state: 'open', warningsSent, deadline: { startsAt, slaDueAt, dueAt: slaDueAt, source: 'rule' } }) as unknown as AfterSalesCase;
  const policy = { points: [0.5, 1] };
  const now = new Date('2026-11-11T00:00:20.000Z');

  it('files at the first minute boundary at or after the next warning', () => {
    // 50 % of 00:00 → 10:01 is 05:00:30: filed under 05:01.
    expect(dueMinuteFor(caseWith('2026-11-11T00:00:00.000Z', '2026-11-11T10:01:00.000Z'), policy, now)).toBe('2026-11-11T05:01');
  });

  it('never files before the next minute, so a warning already past is still swept', () => {
    expect(dueMinuteFor(caseWith('2026-11-10T00:00:00.000Z', '2026-11-10T10:00:00.000Z'), policy, now)).toBe('2026-11-11T00:01');
  });

  it('keeps a filing that still meets the warning (a redelivery moves nothing), and files nothing once every point was sent', () => {
    const past = caseWith('2026-11-10T00:00:00.000Z', '2026-11-10T10:00:00.000Z');
    expect(dueMinuteFor(past, policy, new Date('2026-11-11T00:05:00.000Z'), '2026-11-11T00:01')).toBe('2026-11-11T00:01');
    const sent = caseWith('2026-11-10T00:00:00.000Z', '2026-11-10T10:00:00.000Z', ['2026-11-10T10:00:00.000Z@0.5', '2026-11-10T10:00:00.000Z@1']);
    expect(dueMinuteFor(sent, policy, now)).toBeUndefined();
  });
});
