import { beforeAll, describe, expect, it } from 'vitest';
import { handler as ticketHandler } from '../../functions/http/create-connect-ticket';
import { handler as importHandler } from '../../functions/http/import-militia';
import { handler as putAgentHandler } from '../../functions/http/put-agent';
import { handler as putShopHandler } from '../../functions/http/put-shop';
import type { DevUser } from '../../infra/local/token-issuer';
import { keys } from '../../shared/store/keys';
import { httpEvent, lambdaContext } from '../support/events';
import { storedItem } from '../support/table';

const tenant = 'tenant-militia';
const ops: DevUser = { userId: 'ops-1', tenantId: tenant, role: 'ops', shopIds: [] };
const admin: DevUser = { userId: 'admin-1', tenantId: tenant, role: 'admin', shopIds: [] };
const supervisor: DevUser = { userId: 'sup-1', tenantId: tenant, role: 'supervisor', shopIds: ['peach-glow'] };
type Response = { statusCode: number; body: string };
const json = (response: Response) => JSON.parse(response.body);

const header = 'userId,name,stage,shopIds,cap,startsAt,expiresAt';
const year = new Date().getUTCFullYear() + 1;
const good = (userId: string, stage = 'pre-sale') => `${userId},人事小王,${stage},peach-glow;old-time,30,2020-11-01T08:00:00+08:00,${year}-11-30T23:59:59+08:00`;

const importCsv = async (user: DevUser, csv: string, dryRun = false) =>
  (await importHandler(httpEvent({ method: 'POST', path: '/v1/militia/imports', identity: user, body: { csv }, query: { dryRun: String(dryRun) } }), lambdaContext)) as Response;
const ticket = async (user: DevUser) => (await ticketHandler(httpEvent({ method: 'POST', path: '/v1/connect-tickets', identity: user }), lambdaContext)) as Response;

describe('militia roster import (DynamoDB Local)', () => {
  beforeAll(async () => {
    for (const [shopId, prefix] of [['peach-glow', 'pg'], ['old-time', 'ot']] as const) {
      const body = { name: shopId, category: 'c', routing: { mode: 'by-stage', groups: { 'pre-sale': `${prefix}-pre`, 'in-sale': `${prefix}-in`, 'after-sale': `${prefix}-after` } } };
      expect((await putShopHandler(httpEvent({ method: 'PUT', path: `/v1/shops/${shopId}`, identity: admin, body, pathParameters: { shopId } }), lambdaContext) as Response).statusCode).toBe(200);
    }
    const regular = { name: '正式客服', shopIds: ['peach-glow'], groupIds: ['pg-pre'] };
    expect((await putAgentHandler(httpEvent({ method: 'PUT', path: '/v1/agents/regular-1', identity: admin, body: regular, pathParameters: { agentId: 'regular-1' } }), lambdaContext) as Response).statusCode).toBe(200);
  });

  it('answers a dry run with every row and its errors, and writes nothing', async () => {
    const csv = [
      header,
      good('m-1'),
      `m-2,小李,pre-sale,peach-glow,30,${year}-11-30T00:00:00+08:00,${year}-11-01T00:00:00+08:00`,
      `m-3,小张,mid-sale,no-such-shop,0,x,y`,
      good('m-1'),
      good('regular-1'),
    ].join('\n');
    const response = await importCsv(ops, csv, true);
    expect(response.statusCode).toBe(200);
    const body = json(response);
    expect(body).toMatchObject({ dryRun: true, valid: false, imported: 0 });
    expect(body.rows.map((r: { line: number; status: string }) => [r.line, r.status])).toEqual([[2, 'ok'], [3, 'error'], [4, 'error'], [5, 'error'], [6, 'error']]);
    expect(body.rows[1].errors).toEqual([{ field: 'body.csv.line.3.expiresAt', message: 'must be after startsAt' }]);
    expect(body.rows[2].errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['body.csv.line.4.stage', 'body.csv.line.4.cap', 'body.csv.line.4.startsAt', 'body.csv.line.4.expiresAt']),
    );
    expect(body.rows[3].errors).toEqual([{ field: 'body.csv.line.5.userId', message: 'appears twice in the roster' }]);
    expect(body.rows[4].errors).toEqual([{ field: 'body.csv.line.6.userId', message: 'is a regular agent; a roster may not change them' }]);
    expect(await storedItem(keys.account(tenant, 'm-1'))).toBeUndefined();
    expect(await storedItem(keys.agent(tenant, 'm-1'))).toBeUndefined();
  });

  it('refuses a real import with any bad row, naming it, and half-imports nothing', async () => {
    const response = await importCsv(ops, [header, good('m-4'), 'm-5,小赵,pre-sale,nope,30,2020-01-01T00:00:00Z,2020-02-01T00:00:00Z'].join('\n'));
    expect(response.statusCode).toBe(400);
    expect(json(response).error.details).toEqual([
      { field: 'body.csv.line.3.expiresAt', message: 'is in the past' },
      { field: 'body.csv.line.3.shopIds', message: 'no shop nope' },
    ]);
    expect(await storedItem(keys.account(tenant, 'm-4'))).toBeUndefined();
    expect(await storedItem(keys.agent(tenant, 'm-4'))).toBeUndefined();
  });

  it('refuses a file with a missing or unknown column, and only ops and admins may import', async () => {
    const response = await importCsv(ops, 'userId,name,stage,shops,cap,startsAt,expiresAt\nm-6,x,pre-sale,peach-glow,1,2020-01-01T00:00:00Z,2099-01-01T00:00:00Z');
    expect(response.statusCode).toBe(400);
    expect(json(response).error.details).toEqual([
      { field: 'body.csv.header.shopIds', message: 'missing column' },
      { field: 'body.csv.header.shops', message: 'unknown column' },
    ]);
    expect((await importCsv(supervisor, [header, good('m-7')].join('\n'))).statusCode).toBe(403);
  });

  it("imports members as agents of the stage's groups with their cap and expiry; expired members get no connect ticket", async () => {
    const response = await importCsv(ops, [header, good('m-8'), good('m-9', 'after-sale').replace(`${year}-11-30T23:59:59+08:00`, '2099-01-01T00:00:00Z')].join('\n'));
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({ dryRun: false, valid: true, imported: 2 });
    expect(await storedItem(keys.agent(tenant, 'm-8'))).toMatchObject({ shopIds: ['peach-glow', 'old-time'], groupIds: ['pg-pre', 'ot-pre'], cap: 30 });
    expect(await storedItem(keys.agent(tenant, 'm-9'))).toMatchObject({ groupIds: ['pg-after', 'ot-after'] });
    expect(await storedItem(keys.account(tenant, 'm-8'))).toMatchObject({ kind: 'militia', expiresAt: `${year}-11-30T15:59:59.000Z`, importedBy: 'ops-1' });

    const member: DevUser = { userId: 'm-8', tenantId: tenant, role: 'agent', shopIds: ['peach-glow'] };
    expect((await ticket(member)).statusCode).toBe(201);
    // The roster again with an expiry a second from now: after it, no new socket.
    const soon = new Date(Date.now() + 1000).toISOString();
    const again = await importCsv(ops, [header, `m-8,人事小王,pre-sale,peach-glow,30,2020-11-01T08:00:00Z,${soon}`].join('\n'));
    expect(again.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refused = await ticket(member);
    expect(refused.statusCode).toBe(403);
    expect(json(refused).error).toMatchObject({ code: 'ACCOUNT_EXPIRED' });
    // A regular agent is never refused for want of an account.
    expect((await ticket({ userId: 'regular-1', tenantId: tenant, role: 'agent', shopIds: ['peach-glow'] })).statusCode).toBe(201);
  });
});
