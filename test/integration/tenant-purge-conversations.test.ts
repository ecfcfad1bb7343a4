import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { handler as createTenant } from '../../functions/http/create-tenant';
import { handler as requestDeletion } from '../../functions/http/request-tenant-deletion';
import { handler as confirmDeletion } from '../../functions/http/confirm-tenant-deletion';
import { dynamo } from '../../shared/runtime/clients';
import { env } from '../../shared/runtime/env';
import { openConversation } from '../../shared/store/conversations';
import { conversationIndexShards, keys } from '../../shared/store/keys';
import { putMessage } from '../../shared/store/messages';
import { conversationIndexSince, monthsBetween, purgeDependencies, purgeDueTenants } from '../../shared/tenants/purge-tenants';
import { callHttp } from '../support/call-http';
import { itemsOfPartition, storedItem } from '../support/table';
import { createShop } from './routing-fixtures';
import { operator, tenantBody } from './tenant-purge-fixtures';

/**
 * Issue 12 §1, the last gap: a deleted tenant's conversations (head, messages, transfers, rotations, stage
 * changes, round alerts, QC), its buyers' conversation lists and buyer-at-shop records are purged through
 * the per-tenant conversation index, by Query, never a Scan; another tenant using the very same shop,
 * buyer and conversation ids keeps every item (row 14). A run cut short by its budget is finished by the
 * next (row 3: what was done is not redone; rows 25: a repeated run changes nothing more). The Scans
 * below are the test's own check of what is left; the purge's own sweep (its last phase, a Scan) finds
 * nothing here, since every kind seeded is one the index and the walk name (tenant-purge-sweep.test.ts
 * seeds the kinds only the sweep finds).
 */
const run = Date.now().toString(36);
const tenantA = `purge-a-${run}`;
const tenantB = `purge-b-${run}`;
const table = () => env().TABLE_NAME;

/** Every item whose partition is the tenant's (`T#<tenant>` or under `T#<tenant>#`): the test's Scan, never the purge's. */
async function scanTenant(tenantId: string): Promise<string[]> {
  const found: string[] = [];
  const pages = paginateScan({ client: dynamo() }, {
    TableName: table(),
    FilterExpression: 'begins_with(pk, :under) OR pk = :tenant',
    ExpressionAttributeValues: { ':under': `T#${tenantId}#`, ':tenant': `T#${tenantId}` },
    ConsistentRead: true,
  });
  for await (const page of pages) for (const item of page.Items ?? []) found.push(`${item.pk} ${item.sk}`);
  return found.sort();
}

async function put(item: Record<string, unknown>): Promise<void> {
  await dynamo().send(new PutCommand({ TableName: table(), Item: item }));
}

/** A conversation as the writers leave it: opened (head, buyer pointer, buyer list + index entry), three messages, and one item in each of its other partitions. */
async function seedConversation(tenantId: string, c: { conversationId: string; shopId: string; buyerId: string; at: Date }) {
  await openConversation({ tenantId, shopId: c.shopId, buyerId: c.buyerId, stage: 'pre-sale', now: c.at, conversationId: c.conversationId });
  for (let seq = 1; seq <= 3; seq++) {
    await putMessage(tenantId, { conversationId: c.conversationId, seq, senderId: c.buyerId, senderRole: 'buyer', clientMessageId: `m-${seq}`, text: `你好 ${seq}`, createdAt: c.at.toISOString() });
  }
  const at = c.at.toISOString();
  await put({ ...keys.clientMessageClaim(tenantId, c.conversationId, c.buyerId, 'm-1'), seq: 1 });
  await put({ ...keys.conversationTransfer(tenantId, c.conversationId, at, 'x1'), entity: 'Transfer' });
  await put({ ...keys.quickReplyRotation(tenantId, c.conversationId, '/hi'), entity: 'QuickReplyRotation', variant: 1 });
  await put({ ...keys.conversationStageChange(tenantId, c.conversationId, 2), entity: 'StageChange' });
  await put({ ...keys.roundAlert(tenantId, c.conversationId, at, 'at-risk'), entity: 'RoundAlert' });
  await put({ ...keys.qcAutoScore(tenantId, c.conversationId), entity: 'QcAutoScore' });
  await put({ ...keys.kpiReception(tenantId, c.shopId, c.buyerId, at, c.conversationId, 'agent-1'), entity: 'KpiReception' });
}

/** A shop with one item in each of its settings partitions, a promo and an account record of the first admin. */
async function seedShopSettings(tenantId: string, shopId: string) {
  await createShop(tenantId, shopId);
  for (const key of [
    keys.responsePolicy(tenantId, shopId),
    keys.shopSupervisor(tenantId, shopId, 'sup-1'),
    keys.orderIntegration(tenantId, shopId),
    keys.caseSettings(tenantId, shopId),
    keys.outreachSettings(tenantId, shopId),
    keys.faqEntry(tenantId, shopId, 'courier'),
    keys.robotSettings(tenantId, shopId),
    keys.qcRubric(tenantId, shopId, 'pre-sale'),
    keys.scorecardConfig(tenantId, shopId),
    keys.attributionRule(tenantId, shopId),
    keys.kpiWatcher(tenantId, shopId, 'sup-1'),
    keys.kpiLowRating(tenantId, shopId, '2026-12-02T00:00:00.000Z', 'taobao', 'o-1'),
    keys.promo(tenantId, 'double11'),
    keys.account(tenantId, 'boss'),
  ]) {
    await put({ ...key, entity: 'Seeded' });
  }
  // Every one of them is a partition the purge names (the list the purge walks, plus the promo and the account).
  expect(keys.settingsPartitionsOfShop(tenantId, shopId)).toHaveLength(12);
}

/** Every partition the purge must empty for these conversations, named as the writers name them. */
function partitionsOf(tenantId: string, conversations: readonly { conversationId: string; shopId: string; buyerId: string }[]): string[] {
  return [
    ...conversations.flatMap((c) => keys.partitionsOfConversation(tenantId, c.conversationId)),
    ...conversations.map((c) => keys.buyerAtShop(tenantId, c.shopId, c.buyerId).pk),
    ...conversations.map((c) => keys.kpiReceptionsOfBuyer(tenantId, c.shopId, c.buyerId).pk),
    ...conversations.map((c) => keys.conversationsOfBuyer(tenantId, c.buyerId).pk),
  ];
}

async function indexEntries(tenantId: string, until: Date): Promise<number> {
  let count = 0;
  for (const month of monthsBetween(conversationIndexSince, until.toISOString().slice(0, 7))) {
    for (let shard = 0; shard < conversationIndexShards; shard++) {
      const result = await dynamo().send(
        new QueryCommand({
          TableName: table(),
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.conversationIndexOfMonth(tenantId, month, shard).gsi2pk },
        }),
      );
      count += result.Count ?? 0;
    }
  }
  return count;
}

/** The purge, seeing only this file's tenants' markers (other files' due tenants share the table). */
const onlyOurs = {
  ...purgeDependencies,
  duePurges: async (now: Date, limit: number) => (await purgeDependencies.duePurges(now, 1000)).filter((m) => m.tenantId === tenantA || m.tenantId === tenantB).slice(0, limit),
};

describe('purging a deleted tenant\'s conversations through its conversation index (DynamoDB Local)', () => {
  it('removes every conversation, message, transfer, rotation and buyer record of the tenant across two months, by Query, in runs cut short and resumed; the other tenant with the same ids keeps everything (rows 3, 14, 25)', async () => {
    for (const tenantId of [tenantA, tenantB]) {
      expect((await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body: tenantBody(tenantId, 60) })).status).toBe(201);
    }
    const requested = await callHttp(requestDeletion, operator, { method: 'POST', path: `/v1/tenants/${tenantA}/deletion`, pathParameters: { tenantId: tenantA } });
    const confirmed = await callHttp(confirmDeletion, operator, {
      method: 'POST',
      path: `/v1/tenants/${tenantA}/deletion/confirm`,
      pathParameters: { tenantId: tenantA },
      body: { confirmationCode: requested.body.confirmationCode },
    });
    expect(confirmed.status).toBe(200);
    const purgeAt = new Date(new Date(confirmed.body.deletion.purgeAfter).getTime() + 1000);
    // Two months: this month, and the month before the purge is due (the restore window is 60 days).
    const thisMonth = new Date();
    const nextMonth = new Date(purgeAt.getTime() - 24 * 3600_000);
    expect(nextMonth.toISOString().slice(0, 7)).not.toBe(thisMonth.toISOString().slice(0, 7));
    const conversations = [
      { conversationId: 'conv-1', shopId: 'shop-1', buyerId: 'buyer-1', at: thisMonth },
      { conversationId: 'conv-2', shopId: 'shop-1', buyerId: 'buyer-2', at: thisMonth },
      { conversationId: 'conv-3', shopId: 'shop-2', buyerId: 'buyer-1', at: nextMonth },
      { conversationId: 'conv-4', shopId: 'shop-2', buyerId: 'buyer-3', at: nextMonth },
      { conversationId: 'conv-5', shopId: 'shop-1', buyerId: 'buyer-3', at: nextMonth },
    ];
    for (const tenantId of [tenantA, tenantB]) for (const c of conversations) await seedConversation(tenantId, c);
    for (const tenantId of [tenantA, tenantB]) await seedShopSettings(tenantId, 'shop-1');
    const bBefore = await scanTenant(tenantB);
    expect(bBefore.length).toBeGreaterThan(conversations.length * 12);
    expect(await indexEntries(tenantA, purgeAt)).toBe(conversations.length);

    // A run already out of time (its invocation's limit) takes no conversation and leaves the tenant as it was.
    expect(await purgeDueTenants(purgeAt, { stopTakingConversationsAt: Date.now() - 1 }, onlyOurs)).toEqual({
      purged: [],
      continuing: { tenantId: tenantA, conversations: 0, itemsDeleted: 0 },
    });
    expect(await indexEntries(tenantA, purgeAt)).toBe(conversations.length);

    // A run with a budget of 2 conversations: the tenant is not finished, keeps its marker and is not yet a stub.
    const first = await purgeDueTenants(purgeAt, { conversationLimit: 2 }, onlyOurs);
    expect(first).toEqual({ purged: [], continuing: { tenantId: tenantA, conversations: 2, itemsDeleted: expect.any(Number) } });
    expect(await indexEntries(tenantA, purgeAt)).toBe(3);
    expect((await storedItem(keys.tenant(tenantA)))?.status).toBe('purging');

    // A conversation opened between runs (an in-flight socket; see docs/onboarding.md) is in the index, so the next runs take it too.
    const late = { conversationId: 'conv-late', shopId: 'shop-2', buyerId: 'buyer-9', at: nextMonth };
    await seedConversation(tenantA, late);

    const second = await purgeDueTenants(purgeAt, { conversationLimit: 3 }, onlyOurs);
    expect(second.continuing).toMatchObject({ tenantId: tenantA, conversations: 3 });
    const third = await purgeDueTenants(purgeAt, { conversationLimit: 3 }, onlyOurs);
    // Every kind seeded here is one the index and the walk name: the sweep that follows finds nothing left.
    expect(third).toEqual({ purged: [{ tenantId: tenantA, conversations: 1, itemsDeleted: expect.any(Number), sweptItems: 0 }] });

    // Every partition the purge can name is empty, the index is empty, and a Scan finds nothing under the tenant but its stub.
    for (const pk of partitionsOf(tenantA, [...conversations, late])) expect(await itemsOfPartition(pk), pk).toEqual([]);
    expect(await itemsOfPartition(keys.usersOfTenant(tenantA).pk)).toEqual([]);
    expect(await indexEntries(tenantA, purgeAt)).toBe(0);
    expect(await scanTenant(tenantA)).toEqual([`T#${tenantA} TENANT`]);
    expect((await storedItem(keys.tenant(tenantA)))?.status).toBe('purged');

    // Tenant B, same shop, buyer and conversation ids under its own keys: every item still there.
    expect(await scanTenant(tenantB)).toEqual(bBefore);
    expect(await indexEntries(tenantB, purgeAt)).toBe(conversations.length);
    expect(await purgeDueTenants(purgeAt, {}, onlyOurs)).toEqual({ purged: [] });
  });

  it('writes the index entry in the conversation-opening transaction itself: one TransactWriteItems, its gsi2 units the only new ones', async () => {
    const calls: { command: string; items: number; capacity: unknown }[] = [];
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ReturnConsumedCapacity?: string; TransactItems?: unknown[] };
        input.ReturnConsumedCapacity = 'INDEXES';
        const result = await next(args);
        calls.push({ command: context.commandName ?? '', items: input.TransactItems?.length ?? 1, capacity: (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity });
        return result;
      },
      { step: 'initialize', name: 'consumedCapacity' },
    );
    const opened = await openConversation({ tenantId: tenantB, shopId: 'shop-9', buyerId: 'buyer-measured', stage: 'pre-sale' }, client);
    expect(opened.created).toBe(true);
    const writes = calls.filter((call) => call.command !== 'GetItemCommand');
    // DynamoDB Local's report (see docs/onboarding.md for what DynamoDB bills): the three items and both indexes' entries in one call.
    expect(writes).toEqual([
      { command: 'TransactWriteItemsCommand', items: 3, capacity: [expect.objectContaining({ GlobalSecondaryIndexes: { gsi1: { CapacityUnits: expect.any(Number) }, gsi2: { CapacityUnits: expect.any(Number) } } })] },
    ]);
    const entry = await storedItem(keys.buyerConversation(tenantB, 'buyer-measured', opened.conversation.openedAt, opened.conversation.conversationId));
    expect(entry).toMatchObject({ ...keys.conversationInTenantIndex(tenantB, opened.conversation.openedAt, opened.conversation.conversationId), shopId: 'shop-9', buyerId: 'buyer-measured' });
  });
});
