import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as createTenant } from '../../functions/http/create-tenant';
import { handler as getUserImport } from '../../functions/http/get-user-import';
import { handler as importUsers } from '../../functions/http/import-users';
import { handler as inviteUser } from '../../functions/http/invite-user';
import { handler as putShop } from '../../functions/http/put-shop';
import { handler as importBatches } from '../../functions/queue/import-catalogue-batches';
import type { Identity } from '../../shared/auth/identity';
import { asyncUserImportRows } from '../../shared/people/user';
import { sqs } from '../../shared/runtime/clients';
import { resetEnvForTests } from '../../shared/runtime/env';
import { saveConnection } from '../../shared/store/connections';
import { keys } from '../../shared/store/keys';
import { callHttp } from '../support/call-http';
import { lambdaContext } from '../support/events';
import { FakeConnections } from '../support/fake-connections';
import { storedItem } from '../support/table';

/**
 * Large user imports (issue 12 §5) on DynamoDB Local and the SQS server: a file over the threshold is
 * checked whole and takes its seats in the request (a bad row still writes nothing), then its batches go
 * to the imports queue and the consumer writes them; the progress is polled and pushed to the admin's
 * socket. A redelivered batch counts once (row 9); an id an invite took meanwhile is skipped and its seat
 * given back, so seats are never overspent; another tenant's admin cannot read the import (row 14).
 */
const run = Date.now().toString(36);
const tenant = `uimp-a-${run}`;
const otherTenant = `uimp-b-${run}`;
const operator: Identity = { tenantId: 'kefu-platform', userId: 'op-1', role: 'platform', shopIds: [] };
const admin: Identity = { tenantId: tenant, userId: 'boss', role: 'admin', shopIds: [] };
const foreignAdmin: Identity = { tenantId: otherTenant, userId: 'boss', role: 'admin', shopIds: [] };
const rows = 1200;
const seatLimit = rows + 3;
const fake = new FakeConnections();
let queueUrl: string;
let doneImportId = '';
const consumerContext = { ...lambdaContext, getRemainingTimeInMillis: () => 120_000 };

const post = (identity: Identity, csv: string, dryRun = false) => callHttp(importUsers, identity, { method: 'POST', path: '/v1/user-imports', query: { dryRun: String(dryRun) }, body: { csv } });
const progressOf = (identity: Identity, importId: string) => callHttp(getUserImport, identity, { method: 'GET', path: `/v1/user-imports/${importId}`, pathParameters: { importId } });
const seats = async () => (await storedItem(keys.seatCount(tenant)))?.used;
const userCsv = (count: number, badRow?: number) =>
  ['userId,name,role,shopIds,email', ...Array.from({ length: count }, (_, i) => `imp-${String(i).padStart(5, '0')},客服${i},${i + 1 === badRow ? 'boss' : 'agent'},tea,imp${i}@spring.example`)].join('\n');

/** The queue's messages, without running them. */
async function takeBatches(): Promise<SQSEvent['Records']> {
  const records: SQSEvent['Records'] = [];
  for (;;) {
    const { Messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return records;
    for (const m of Messages) {
      records.push({ messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body ?? '', attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:imports', awsRegion: 'us-east-1' } as never);
      await sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
}
const consume = async (record: SQSEvent['Records'][number]) => expect(await importBatches({ Records: [record] }, consumerContext)).toEqual({ batchItemFailures: [] });

beforeAll(async () => {
  queueUrl = (await sqs().send(new CreateQueueCommand({ QueueName: `user-imports-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
  process.env.IMPORTS_QUEUE_URL = queueUrl;
  await fake.start();
  process.env.WS_MANAGEMENT_ENDPOINT = fake.endpoint;
  resetEnvForTests();
  for (const [tenantId, limit] of [[tenant, seatLimit], [otherTenant, 10]] as const) {
    const body = { tenantId, name: tenantId, region: 'cn-north-1', timeZone: 'Asia/Shanghai', limits: { shops: 5, seats: limit }, firstAdmin: { userId: 'boss' } };
    expect((await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body })).status).toBe(201);
  }
  const shop = { name: 'tea', category: 'c', routing: { mode: 'by-stage', groups: { 'pre-sale': 'tea-pre', 'in-sale': 'tea-pre', 'after-sale': 'tea-after' } } };
  expect((await callHttp(putShop, admin, { method: 'PUT', path: '/v1/shops/tea', pathParameters: { shopId: 'tea' }, body: shop })).status).toBe(200);
  await saveConnection(admin, 'boss-tab');
}, 60_000);

afterAll(async () => {
  await fake.stop();
});

describe(`user imports over ${asyncUserImportRows} rows (DynamoDB Local + SQS)`, () => {
  it('a large file with one bad row is refused whole in the request: 400 naming the row, nothing queued, no seat taken', async () => {
    const refused = await post(admin, userCsv(rows, 700));
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'rows.700.role', code: 'UNKNOWN_ROLE' }] } } });
    expect(await takeBatches()).toEqual([]);
    expect(await seats()).toBe(1);
    expect(await post(admin, userCsv(rows), true)).toMatchObject({ status: 200, body: { dryRun: true, valid: true, rows, imported: 0 } });
  });

  it('a good large file answers 202 with its seats taken; the batches write it; a redelivered batch counts once; an id invited meanwhile is skipped with its seat given back', async () => {
    const accepted = await post(admin, userCsv(rows));
    expect(accepted).toMatchObject({ status: 202, body: { status: 'importing', rows, batchesDone: 0, imported: 0, skipped: 0, seatLimit, startedBy: 'boss' } });
    const { importId, batches } = accepted.body as { importId: string; batches: number };
    expect(batches).toBeGreaterThan(1);
    expect(await seats()).toBe(1 + rows);

    // After the file was checked, an admin invites one of its ids: the invite takes the last free seats' one.
    expect((await callHttp(inviteUser, admin, { method: 'POST', path: '/v1/users', body: { userId: 'imp-00007', name: '抢先', role: 'ops' } })).status).toBe(201);
    const records = await takeBatches();
    expect(records).toHaveLength(batches);
    await consume(records[0]!);
    const halfway = await progressOf(admin, importId);
    expect(halfway).toMatchObject({ status: 200, body: { status: 'importing', batchesDone: 1, skipped: 1 } });
    await consume(records[0]!); // redelivered
    expect((await progressOf(admin, importId)).body).toMatchObject({ batchesDone: 1, imported: halfway.body.imported, skipped: 1 });
    for (const record of records.slice(1)) await consume(record);

    expect(await progressOf(admin, importId)).toMatchObject({ status: 200, body: { status: 'done', batchesDone: batches, imported: rows - 1, skipped: 1 } });
    expect(await seats()).toBe(1 + rows); // the first admin, the 1,199 imported, the invited one
    expect(await storedItem(keys.user(tenant, 'imp-00007'))).toMatchObject({ role: 'ops', name: '抢先' });
    expect(await storedItem(keys.user(tenant, 'imp-01199'))).toMatchObject({ role: 'agent', importId, status: 'active' });
    expect(await storedItem(keys.agent(tenant, 'imp-01199'))).toMatchObject({ shopIds: ['tea'], groupIds: ['tea-pre', 'tea-after'] });

    const frames = fake.received('boss-tab').filter((frame) => frame.type === 'userImport.progress');
    expect(frames).toHaveLength(batches + 1); // one per batch, and the redelivery's
    expect(frames.at(-1)).toMatchObject({ importId, status: 'done', batchesDone: batches, imported: rows - 1 });

    // Sending the same file again now names the row whose id the invite took; nothing is queued or taken.
    expect(await post(admin, userCsv(rows))).toMatchObject({ status: 400, body: { error: { details: [{ field: 'rows.8.userId', code: 'USER_EXISTS' }] } } });
    expect(await takeBatches()).toEqual([]);
    expect(await seats()).toBe(1 + rows);
    doneImportId = importId;
  }, 180_000);

  it("another tenant's admin gets 404 for the import, exactly like a missing one", async () => {
    expect(await progressOf(admin, 'f'.repeat(32))).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await progressOf(admin, doneImportId)).toMatchObject({ status: 200, body: { status: 'done' } });
    expect(await progressOf(foreignAdmin, doneImportId)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await progressOf(admin, 'not-an-id')).toMatchObject({ status: 400, body: { error: { details: [{ field: 'path.importId' }] } } });
  });
});
