import { describe, expect, it } from 'vitest';
import { conversationIndexShards, keys } from '../../shared/store/keys';
import { monthsBetween } from '../../shared/tenants/purge-tenants';

describe('the tenant conversation index (issue 12 §1)', () => {
  it('walks every UTC month from the first to the last, across a year end', () => {
    expect(monthsBetween('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(monthsBetween('2026-12', '2026-12')).toEqual(['2026-12']);
    expect(monthsBetween('2027-01', '2026-12')).toEqual([]);
  });

  it("files a conversation under its tenant, UTC month of opening and a shard the purge walks; the same ids of another tenant elsewhere (row 14)", () => {
    const entry = keys.conversationInTenantIndex('spring', '2026-12-31T23:59:59.999Z', 'conv-1');
    expect(entry.gsi2pk).toMatch(/^T#spring#CONVS#2026-12#[0-3]$/);
    expect(entry.gsi2sk).toBe('2026-12-31T23:59:59.999Z#conv-1');
    const shard = Number(entry.gsi2pk.split('#').pop());
    expect(shard).toBeLessThan(conversationIndexShards);
    expect(keys.conversationIndexOfMonth('spring', '2026-12', shard).gsi2pk).toBe(entry.gsi2pk);
    expect(keys.conversationInTenantIndex('summer', '2026-12-31T23:59:59.999Z', 'conv-1').gsi2pk).toBe(entry.gsi2pk.replace('T#spring#', 'T#summer#'));
    // Ids spread over the shards.
    const shards = new Set(Array.from({ length: 64 }, (_, i) => keys.conversationInTenantIndex('spring', '2026-12-01T00:00:00.000Z', `c-${i}`).gsi2pk));
    expect(shards.size).toBe(conversationIndexShards);
  });

  it("names every partition of a conversation under its own tenant only, and reads the buyer back from the list's key", () => {
    const partitions = keys.partitionsOfConversation('spring', 'conv-1');
    expect(partitions).toEqual([
      'T#spring#CONV#conv-1',
      'T#spring#CONV#conv-1#XFER',
      'T#spring#CONV#conv-1#QRROT',
      'T#spring#CONV#conv-1#STAGE',
      'T#spring#CONV#conv-1#ROUND',
      'T#spring#QCCONV#conv-1',
    ]);
    expect(keys.buyerOfConversationList('spring', keys.conversationsOfBuyer('spring', 'b#1').pk)).toBe('b#1');
    expect(keys.buyerOfConversationList('spring', keys.conversationsOfBuyer('summer', 'b1').pk)).toBeUndefined();
  });
});
