import { describe, expect, it } from 'vitest';
import { aggregateBatch, aggregateDependencies, type AggregateDependencies } from '../../shared/kpi/aggregate-changes';
import { maxTransactionItems, planFact, planTransactions, type FactTransaction, type PlannedFact } from '../../shared/kpi/fact-batches';
import type { CountFact, ItemChange } from '../../shared/kpi/facts';

const zone = 'Asia/Shanghai';
/** A conversation-head fact of one message: the shop, the agent's and the group's bucket of one hour. */
const messageFact = (record: number, agentId = 'a1', at = '2026-11-11T02:10:00.000Z', factId = `conv#c1#${record}`): CountFact => ({
  factId,
  tenantId: 't',
  shopId: 's',
  updates: [
    { at, target: { kind: 'shop' }, counters: { buyerMessages: 1, replies: 1, replyMsTotal: 1000 * (record + 1) } },
    { at, target: { kind: 'agent', agentId }, counters: { buyerMessages: 1, replies: 1, replyMsTotal: 1000 * (record + 1) } },
    { at, target: { kind: 'group', groupId: 'g' }, counters: { buyerMessages: 1 } },
  ],
});
const plan = (facts: CountFact[]): PlannedFact[] => facts.map((fact, record) => planFact(fact, zone, record)!);
const itemsOf = (transaction: { facts: unknown[]; buckets: unknown[] }) => transaction.facts.length + transaction.buckets.length;

describe('planning a stream batch into transactions', () => {
  it('sums two facts on the same bucket into one update, beside both claims', () => {
    const [transaction, ...more] = planTransactions(plan([messageFact(0), messageFact(1)]));
    expect(more).toEqual([]);
    expect(transaction!.facts.map((fact) => fact.factId)).toEqual(['conv#c1#0', 'conv#c1#1']);
    expect(transaction!.buckets).toHaveLength(3);
    expect(transaction!.buckets.find((bucket) => bucket.owner === 'SHOP')).toEqual({
      tenantId: 't',
      shopId: 's',
      day: '2026-11-11',
      hour: '10',
      owner: 'SHOP',
      counters: { buyerMessages: 2, replies: 2, replyMsTotal: 3000 },
    });
  });

  it('keeps buckets of other hours, owners and rule versions apart', () => {
    const attributed: CountFact = { factId: 'attr#v2#o1', tenantId: 't', shopId: 's', ruleVersion: 2, updates: [{ at: '2026-11-11T02:10:00.000Z', target: { kind: 'shop' }, counters: { salesAmount: 100 } }] };
    const [transaction] = planTransactions(plan([messageFact(0), messageFact(1, 'a2', '2026-11-11T03:10:00.000Z'), attributed]));
    expect(transaction!.buckets.map((bucket) => `${bucket.hour}|${bucket.owner}|${bucket.ruleVersion ?? ''}`).sort()).toEqual([
      '10|AGENT#a1|',
      '10|GROUP#g|',
      '10|SHOP|',
      '10|SHOP|2',
      '11|AGENT#a2|',
      '11|GROUP#g|',
      '11|SHOP|',
    ]);
  });

  it('never puts more than 100 items in a transaction, and keeps record order across transactions', () => {
    const facts = plan(Array.from({ length: 250 }, (_, record) => messageFact(record, `a${record % 7}`)));
    const transactions = planTransactions(facts);
    expect(transactions.length).toBeGreaterThan(2);
    expect(transactions.length).toBeLessThan(5);
    for (const transaction of transactions) expect(itemsOf(transaction)).toBeLessThanOrEqual(maxTransactionItems);
    const order = transactions.flatMap((transaction) => transaction.facts.map((fact) => fact.record));
    expect(order).toEqual(facts.map((fact) => fact.record));
  });

  it('plans a fact id seen twice in a batch once (one inquirer per buyer and day)', () => {
    const twice = plan([messageFact(0, 'a1', undefined, 'inq#shop#2026-11-11#b1'), messageFact(1, 'a1', undefined, 'inq#shop#2026-11-11#b1')]);
    const [transaction] = planTransactions(twice);
    expect(transaction!.facts.map((fact) => fact.record)).toEqual([0]);
    expect(transaction!.buckets.find((bucket) => bucket.owner === 'SHOP')!.counters.buyerMessages).toBe(1);
  });

  it('drops a bucket whose facts cancel out (a round met, then the same round no longer met)', () => {
    const round = (record: number, met: number): CountFact => ({ factId: `round#${record}`, tenantId: 't', shopId: 's', updates: [{ at: '2026-11-11T02:10:00.000Z', target: { kind: 'shop' }, counters: { roundsMet: met } }] });
    const [transaction] = planTransactions(plan([round(0, 1), round(1, -1)]));
    expect(transaction!.facts).toHaveLength(2);
    expect(transaction!.buckets).toEqual([]);
  });

  it('per-fact mode writes one transaction per fact (the former plan, kept for the bench comparison)', () => {
    const transactions = planTransactions(plan([messageFact(0), messageFact(1), messageFact(2)]), { merge: false });
    expect(transactions.map((transaction) => transaction.facts.length)).toEqual([1, 1, 1]);
  });
});

describe('applying a stream batch', () => {
  /** Heads of one conversation: each change is one more buyer message. */
  const head = (sequence: number, questions: number, robotFor?: string): ItemChange =>
    robotFor
      ? { eventName: 'INSERT', tenantId: 't', sequenceNumber: String(sequence), at: '2026-11-11T02:10:00.000Z', newImage: { entity: 'Message', senderRole: 'robot', conversationId: robotFor, createdAt: '2026-11-11T02:10:00.000Z' } }
      : {
          eventName: 'MODIFY',
          tenantId: 't',
          sequenceNumber: String(sequence),
          at: '2026-11-11T02:10:00.000Z',
          oldImage: { entity: 'Conversation', shopId: 's', conversationId: 'c1', buyerId: 'b', stage: 'pre-sale', responseFacts: { questions: questions - 1 } },
          newImage: { entity: 'Conversation', shopId: 's', conversationId: 'c1', buyerId: 'b', stage: 'pre-sale', lastMessageAt: '2026-11-11T02:10:00.000Z', responseFacts: { questions } },
        };
  function fakeDeps(failReadAt?: string) {
    const written: FactTransaction[] = [];
    const deps: AggregateDependencies = {
      ...aggregateDependencies,
      shopTimeZone: async () => zone,
      getConversation: async (_tenant: string, conversationId: string) => {
        if (conversationId === failReadAt) throw new Error('read timed out');
        return { shopId: 's' } as never;
      },
      writeFactTransaction: async (transaction: FactTransaction) => {
        written.push(transaction);
        return { alreadyApplied: [] };
      },
      transactionPlan: () => ({ merge: true, maxItems: 100 }),
    };
    return { deps, written };
  }

  it('writes the facts of every record before one whose reads fail, and says to retry from that record', async () => {
    const { deps, written } = fakeDeps('broken');
    const outcome = await aggregateBatch([head(1, 1), head(2, 2), head(3, 0, 'broken'), head(4, 3)], deps);
    expect(outcome.appliedThrough).toBe(2);
    expect((outcome.error as Error).message).toBe('read timed out');
    expect(written.flatMap((transaction) => transaction.facts.map((fact) => fact.factId))).toEqual(['conv#c1#1', 'conv#c1#2']);
    expect(written.flatMap((transaction) => transaction.buckets).find((bucket) => bucket.owner === 'SHOP')?.counters).toEqual({ buyerMessages: 2 });
  });

  it('writes a whole batch in one transaction and reports it all applied', async () => {
    const { deps, written } = fakeDeps();
    const outcome = await aggregateBatch([head(1, 1), head(2, 2), head(3, 0, 'c1'), head(4, 3)], deps);
    expect(outcome).toMatchObject({ appliedThrough: 4 });
    expect(written).toHaveLength(1);
    expect(written[0]!.facts).toHaveLength(4);
  });
});
