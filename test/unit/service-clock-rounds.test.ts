import { describe, expect, it } from 'vitest';
import { taobaoThreeMinutePolicy, type ResponsePolicy } from '../../shared/after-sales/response-clock';
import type { Conversation } from '../../shared/conversations/conversation';
import { liveClockDependencies, runRoundCheck, watchRound, type LiveClockDependencies } from '../../shared/service-clock/live-clock';
import { summarizeRounds } from '../../shared/service-clock/response-rate';
import { answeredRoundFact, delaySecondsUntil, maxDelaySeconds, shopDay, type RoundCheck, type RoundFact } from '../../shared/service-clock/rounds';

const utc = (iso: string) => new Date(iso);

describe('how long a round check waits on the queue', () => {
  it.each([
    ['already due', '2026-11-11T02:02:00Z', '2026-11-11T02:02:00.500Z', 0],
    ['120 s ahead', '2026-11-11T02:02:00Z', '2026-11-11T02:00:00Z', 120],
    ['a part second ahead rounds up, never early', '2026-11-11T02:00:01.200Z', '2026-11-11T02:00:00Z', 2],
    ['9 hours ahead waits the 15 minutes SQS allows, then goes again', '2026-11-12T00:01:00Z', '2026-11-11T15:59:00Z', maxDelaySeconds],
  ])('%s', (_what, at, now, expected) => {
    expect(delaySecondsUntil(utc(at), utc(now))).toBe(expected);
  });
});

describe("a round's local day", () => {
  it('is the date in the shop zone, not in UTC', () => {
    expect(shopDay(utc('2026-11-10T16:30:00Z'), 'Asia/Shanghai')).toBe('2026-11-11');
    expect(shopDay(utc('2026-11-11T03:00:00Z'), 'America/New_York')).toBe('2026-11-10');
  });
});

describe('the fact of an answered round', () => {
  const round = { shopId: 's', conversationId: 'c', answeredBy: 'agent-1', agentId: 'agent-1' };
  it('is met within the target and missed after it, with the response time', () => {
    expect(answeredRoundFact({ ...round, questionAt: '2026-11-11T02:00:00.000Z', answeredAt: '2026-11-11T02:03:00.000Z' }, taobaoThreeMinutePolicy, utc('2026-11-11T02:03:00Z'))).toMatchObject({
      status: 'met',
      responseMs: 180_000,
      day: '2026-11-11',
      dueAt: '2026-11-11T02:03:00.000Z',
    });
    expect(answeredRoundFact({ ...round, questionAt: '2026-11-11T02:00:00.000Z', answeredAt: '2026-11-11T02:03:00.001Z' }, taobaoThreeMinutePolicy, utc('2026-11-11T02:04:00Z'))).toMatchObject({ status: 'missed', responseMs: 180_001 });
  });

  it('is not counted when the question came outside service hours, with no response time', () => {
    const fact = answeredRoundFact({ ...round, questionAt: '2026-11-10T17:00:00.000Z', answeredAt: '2026-11-11T00:10:00.000Z' }, taobaoThreeMinutePolicy, utc('2026-11-11T00:10:00Z'));
    expect(fact).toMatchObject({ status: 'not-counted', day: '2026-11-11' });
    expect(fact.responseMs).toBeUndefined();
  });
});

describe('running a round check', () => {
  const check: RoundCheck = {
    type: 'round-check',
    check: 'at-risk',
    tenantId: 't',
    shopId: 's',
    conversationId: 'c',
    questionAt: '2026-11-11T15:58:30.000Z',
    atRiskAt: '2026-11-12T00:00:30.000Z',
    dueAt: '2026-11-12T00:01:30.000Z',
    day: '2026-11-11',
  };
  const head = { conversationId: 'c', tenantId: 't', shopId: 's', buyerId: 'b', status: 'assigned', assigneeId: 'agent-1', pendingQuestionSince: check.questionAt } as Conversation;

  function recorder(conversation: Conversation | undefined = head) {
    const sent: { check: RoundCheck; delay: number }[] = [];
    const notified: string[] = [];
    const deps: LiveClockDependencies = {
      ...liveClockDependencies,
      sendCheck: async (next, delay) => void sent.push({ check: next, delay }),
      getConversation: async () => conversation,
      claimAlert: async () => true,
      listSupervisors: async () => ['sup-1', 'agent-1'],
      notify: async (_tenant, userId) => void notified.push(userId),
      putMissed: async () => true,
    };
    return { sent, notified, deps };
  }

  it('that arrives early (a service-time round paused overnight) goes back on the queue for the rest, reading nothing', async () => {
    const { sent, notified, deps } = recorder();
    const read = { count: 0 };
    deps.getConversation = async () => (read.count++, head);
    expect(await runRoundCheck(check, utc('2026-11-11T23:50:00Z'), deps)).toBe('deferred');
    expect(sent).toEqual([{ check, delay: 630 }]);
    expect(read.count).toBe(0);
    expect(notified).toEqual([]);
  });

  it('at risk alerts the assignee and each supervisor once, then holds the due check until the due time', async () => {
    const { sent, notified, deps } = recorder();
    expect(await runRoundCheck(check, utc('2026-11-12T00:00:30Z'), deps)).toBe('alerted');
    expect(notified.sort()).toEqual(['agent-1', 'sup-1']);
    expect(sent).toEqual([{ check: { ...check, check: 'due' }, delay: 60 }]);
  });

  it('finds a round answered when the pending question is another one, and stops', async () => {
    const { sent, notified, deps } = recorder({ ...head, pendingQuestionSince: '2026-11-12T00:00:10.000Z' });
    expect(await runRoundCheck(check, utc('2026-11-12T00:00:30Z'), deps)).toBe('answered');
    expect(sent).toEqual([]);
    expect(notified).toEqual([]);
  });

  it('is not scheduled for a round opened outside service hours', async () => {
    const { sent, deps } = recorder();
    deps.policyOfShop = async () => taobaoThreeMinutePolicy;
    expect(await watchRound({ tenantId: 't', shopId: 's', conversationId: 'c', questionAt: '2026-11-10T17:00:00.000Z' }, utc('2026-11-10T17:00:00Z'), deps)).toBe('not-counted');
    expect(sent).toEqual([]);
  });
});

describe("a shop's response rate for a day", () => {
  const fact = (status: RoundFact['status'], agentId?: string): RoundFact => ({
    shopId: 's',
    conversationId: 'c',
    day: '2026-11-11',
    questionAt: '2026-11-11T02:00:00.000Z',
    status,
    ...(agentId ? { agentId } : {}),
    recordedAt: '2026-11-11T02:03:00.000Z',
  });
  const policy: ResponsePolicy = { ...taobaoThreeMinutePolicy, targetRate: 0.75 };

  it('counts met over met + missed, leaves not-counted rounds out, and splits by responsible agent', () => {
    const summary = summarizeRounds('s', '2026-11-11', [fact('met', 'b'), fact('met', 'a'), fact('missed', 'a'), fact('met', 'a'), fact('not-counted', 'a'), fact('missed')], policy);
    expect(summary).toEqual({
      shopId: 's',
      day: '2026-11-11',
      timeZone: 'Asia/Shanghai',
      targetRate: 0.75,
      rounds: 5,
      met: 3,
      missed: 2,
      rate: 0.6,
      notCounted: 1,
      meetsTarget: false,
      agents: [
        { agentId: 'a', rounds: 3, met: 2, missed: 1, rate: 2 / 3 },
        { agentId: 'b', rounds: 1, met: 1, missed: 0, rate: 1 },
      ],
    });
  });

  it('has no rate on a day without finished counted rounds', () => {
    expect(summarizeRounds('s', '2026-11-11', [fact('not-counted')], policy)).toMatchObject({ rounds: 0, notCounted: 1 });
    expect(summarizeRounds('s', '2026-11-11', [], policy).rate).toBeUndefined();
  });
});
