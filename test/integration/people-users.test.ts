import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createTenant } from '../../functions/http/create-tenant';
import { handler as createTicket } from '../../functions/http/create-connect-ticket';
import { handler as disableUser } from '../../functions/http/disable-user';
import { handler as enableUser } from '../../functions/http/enable-user';
import { handler as getMe } from '../../functions/http/get-me';
import { handler as importUsers } from '../../functions/http/import-users';
import { handler as inviteUser } from '../../functions/http/invite-user';
import { handler as listAudit } from '../../functions/http/list-audit-entries';
import { handler as listUsers } from '../../functions/http/list-users';
import { handler as patchUser } from '../../functions/http/patch-user';
import { handler as putShop } from '../../functions/http/put-shop';
import { handler as authorizeConnect } from '../../functions/ws/authorize-connect';
import type { Identity } from '../../shared/auth/identity';
import { keys } from '../../shared/store/keys';
import { callHttp } from '../support/call-http';
import { lambdaContext } from '../support/events';
import { itemsOfPartition, storedItem } from '../support/table';

/**
 * Staff accounts on DynamoDB Local (issue 12 §2): invite, list, re-role, disable, enable, CSV import,
 * seats against the plan, audit entries; isolation between tenants and roles (rows 14, 16); bad input a
 * 4xx with a code and field and nothing stored.
 */
const run = Date.now().toString(36);
const tenantA = `people-a-${run}`;
const tenantB = `people-b-${run}`;
const operator: Identity = { tenantId: 'kefu-platform', userId: 'op-1', role: 'platform', shopIds: [] };
const adminA: Identity = { tenantId: tenantA, userId: 'boss-a', role: 'admin', shopIds: [] };
const adminB: Identity = { tenantId: tenantB, userId: 'boss-b', role: 'admin', shopIds: [] };
const supervisorA: Identity = { tenantId: tenantA, userId: 'sup-a', role: 'supervisor', shopIds: ['tea'] };

const users = (identity: Identity, query: Record<string, string> = {}) => callHttp(listUsers, identity, { method: 'GET', path: '/v1/users', query });
const invite = (identity: Identity, body: unknown) => callHttp(inviteUser, identity, { method: 'POST', path: '/v1/users', body });
const userPath = (userId: string, suffix = '') => ({ path: `/v1/users/${userId}${suffix}`, pathParameters: { userId } });
const disable = (identity: Identity, userId: string) => callHttp(disableUser, identity, { method: 'POST', ...userPath(userId, '/disable') });
const enable = (identity: Identity, userId: string) => callHttp(enableUser, identity, { method: 'POST', ...userPath(userId, '/enable') });
const importCsv = (identity: Identity, csv: string, dryRun = false) =>
  callHttp(importUsers, identity, { method: 'POST', path: '/v1/user-imports', query: { dryRun: String(dryRun) }, body: { csv } });
const seats = async (tenantId: string) => (await storedItem(keys.seatCount(tenantId)))?.used;
const me = (identity: Identity) => callHttp(getMe, identity, { method: 'GET', path: '/v1/me' });

beforeAll(async () => {
  for (const [tenantId, adminId, seatLimit] of [[tenantA, 'boss-a', 12], [tenantB, 'boss-b', 50]] as const) {
    const tenant = { tenantId, name: tenantId, region: 'cn-north-1', timeZone: 'Asia/Shanghai', limits: { shops: 10, seats: seatLimit }, firstAdmin: { userId: adminId } };
    expect((await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body: tenant })).status).toBe(201);
  }
  for (const shopId of ['tea', 'silk']) {
    const body = { name: shopId, category: 'c', routing: { mode: 'by-stage', groups: { 'pre-sale': `${shopId}-pre`, 'in-sale': `${shopId}-pre`, 'after-sale': `${shopId}-after` }, defaultAgentCap: 8 } };
    expect((await callHttp(putShop, adminA, { method: 'PUT', path: `/v1/shops/${shopId}`, pathParameters: { shopId }, body })).status).toBe(200);
  }
});

describe('staff accounts (DynamoDB Local)', () => {
  it('invites an agent with a seat, a routing profile in their shops\' groups and an audit entry, all together', async () => {
    const invited = await invite(adminA, { userId: 'wu', name: '小吴', role: 'agent', shopIds: ['tea'] });
    expect(invited).toMatchObject({ status: 201, body: { userId: 'wu', role: 'agent', shopIds: ['tea'], status: 'active', version: 1, createdBy: 'boss-a' } });
    expect(await storedItem(keys.agent(tenantA, 'wu'))).toMatchObject({ shopIds: ['tea'], groupIds: ['tea-pre', 'tea-after'], cap: 8, presence: 'offline', load: 0 });
    expect(await seats(tenantA)).toBe(2); // the first admin, made with the tenant, holds the first seat
    const supervisor = await invite(adminA, { userId: 'sup-a', name: '主管', role: 'supervisor', shopIds: ['tea'] });
    expect(supervisor.status).toBe(201);
    expect(await storedItem(keys.agent(tenantA, 'sup-a'))).toBeUndefined();
    const audit = await callHttp(listAudit, adminA, { method: 'GET', path: '/v1/audit-entries', query: { limit: '10' } });
    expect(audit.body.items.filter((e: { action: string }) => e.action === 'user.invite').map((e: { target: { id: string } }) => e.target.id)).toEqual(['sup-a', 'wu']);
  });

  it('refuses bad invites with a code and the field, storing nothing: unknown role, unknown shop or group, a taken id, agent fields on other roles', async () => {
    const before = await seats(tenantA);
    const unknownRole = await invite(adminA, { userId: 'x1', name: 'x', role: 'boss', shopIds: ['tea'] });
    expect(unknownRole).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'body.role' }] } } });
    expect(await invite(adminA, { userId: 'x1', name: 'x', role: 'agent', shopIds: ['tea', 'nope'] })).toMatchObject({
      status: 400,
      body: { error: { details: [{ field: 'body.shopIds', code: 'UNKNOWN_SHOP' }] } },
    });
    expect(await invite(adminA, { userId: 'x1', name: 'x', role: 'agent', shopIds: ['tea'], groupIds: ['silk-pre'] })).toMatchObject({
      status: 400,
      body: { error: { details: [{ field: 'body.groupIds', code: 'UNKNOWN_GROUP' }] } },
    });
    expect(await invite(adminA, { userId: 'x1', name: 'x', role: 'ops', cap: 3 })).toMatchObject({ status: 400, body: { error: { details: [{ field: 'body.cap' }] } } });
    expect(await invite(adminA, { userId: 'wu', name: 'again', role: 'agent', shopIds: ['silk'] })).toMatchObject({
      status: 409,
      body: { error: { code: 'USER_EXISTS', details: [{ field: 'body.userId' }] } },
    });
    // A body naming the tenant is refused (row 16): the tenant comes from the token only.
    expect((await invite(adminA, { userId: 'x1', name: 'x', role: 'agent', tenantId: tenantB })).body.error.details).toEqual([expect.objectContaining({ field: 'body.tenantId' })]);
    expect(await storedItem(keys.user(tenantA, 'x1'))).toBeUndefined();
    expect(await storedItem(keys.agent(tenantA, 'x1'))).toBeUndefined();
    expect(await seats(tenantA)).toBe(before);
  });

  it('keeps each tenant to itself and a supervisor to agents of their shops (rows 14, 15)', async () => {
    expect((await users(adminB)).body.users.map((u: { userId: string }) => u.userId)).toEqual(['boss-b']);
    expect(await disable(adminB, 'wu')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await disable(adminB, 'no-such-user')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect((await callHttp(patchUser, adminB, { method: 'PATCH', ...userPath('wu'), body: { role: 'admin' } })).status).toBe(404);
    // B's admin inviting "wu" makes B's own wu: A's is untouched.
    expect((await invite(adminB, { userId: 'wu', name: 'B 的吴', role: 'ops' })).status).toBe(201);
    expect(await storedItem(keys.user(tenantA, 'wu'))).toMatchObject({ name: '小吴', role: 'agent', status: 'active' });
    expect((await users(adminA)).body.users.map((u: { userId: string }) => u.userId)).toEqual(['boss-a', 'sup-a', 'wu']);

    // A supervisor cannot re-role, invites only agents of their shops, sees only those agents.
    expect(await callHttp(patchUser, supervisorA, { method: 'PATCH', ...userPath('wu'), body: { role: 'supervisor' } })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await invite(supervisorA, { userId: 'x2', name: 'x', role: 'admin', shopIds: ['tea'] })).toMatchObject({ status: 403, body: { error: { details: [{ field: 'body.role' }] } } });
    expect((await invite(supervisorA, { userId: 'x2', name: 'x', role: 'agent', shopIds: ['silk'] })).status).toBe(404);
    expect((await invite(supervisorA, { userId: 'silk-1', name: '丝', role: 'agent', shopIds: ['tea'] })).status).toBe(201);
    expect((await callHttp(patchUser, adminA, { method: 'PATCH', ...userPath('silk-1'), body: { shopIds: ['silk'] } })).status).toBe(200);
    expect((await users(supervisorA)).body.users.map((u: { userId: string }) => u.userId)).toEqual(['wu']);
    expect(await disable(supervisorA, 'silk-1')).toMatchObject({ status: 404 });
    expect(await disable(supervisorA, 'sup-a')).toMatchObject({ status: 400, body: { error: { details: [{ field: 'path.userId' }] } } });
    expect(await storedItem(keys.user(tenantA, 'silk-1'))).toMatchObject({ status: 'active' });
  });

  it('disables a user at once: their token and tickets are refused, the seat comes back, the change is audited; re-enabling undoes it', async () => {
    const wu: Identity = { tenantId: tenantA, userId: 'wu', role: 'agent', shopIds: ['tea'] };
    expect((await me(wu)).status).toBe(200);
    const ticket = (await callHttp(createTicket, wu, { method: 'POST', path: '/v1/connect-tickets' })).body.ticket as string;
    const used = await seats(tenantA);

    expect(await disable(supervisorA, 'wu')).toMatchObject({ status: 200, body: { status: 'disabled', disabledBy: 'sup-a' } });
    expect(await seats(tenantA)).toBe(used - 1);
    expect(await me(wu)).toMatchObject({ status: 403, body: { error: { code: 'USER_DISABLED' } } });
    expect((await callHttp(createTicket, wu, { method: 'POST', path: '/v1/connect-tickets' })).status).toBe(403);
    // A ticket minted before the disable is refused by the $connect authorizer too (row 19).
    const decision = (await authorizeConnect({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:cn-north-1:1:api/prod/$connect', queryStringParameters: { ticket } } as never, lambdaContext)) as {
      policyDocument: { Statement: { Effect: string }[] };
    };
    expect(decision.policyDocument.Statement[0]!.Effect).toBe('Deny');
    expect((await users(adminA, { status: 'disabled' })).body.users.map((u: { userId: string }) => u.userId)).toEqual(['wu']);

    expect(await enable(adminA, 'wu')).toMatchObject({ status: 200, body: { status: 'active' } });
    expect(await seats(tenantA)).toBe(used);
    expect((await me(wu)).status).toBe(200);
    const actions = (await itemsOfPartition(keys.auditLog(tenantA).pk)).map((entry) => `${entry.action}:${(entry.target as { id: string }).id}`);
    expect(actions).toEqual(expect.arrayContaining(['user.disable:wu', 'user.enable:wu']));
  });

  it('re-roles a user (admins only): tokens with the old claims get 401 TOKEN_STALE, a token with the new ones works', async () => {
    expect(await callHttp(patchUser, adminA, { method: 'PATCH', ...userPath('sup-a'), body: { role: 'admin', shopIds: [] } })).toMatchObject({ status: 200, body: { role: 'admin', version: 2 } });
    expect(await me(supervisorA)).toMatchObject({ status: 401, body: { error: { code: 'TOKEN_STALE' } } });
    expect((await me({ ...supervisorA, role: 'admin', shopIds: [] })).status).toBe(200);
    const entry = (await itemsOfPartition(keys.auditLog(tenantA).pk)).find((e) => e.action === 'user.update' && (e.target as { id: string }).id === 'sup-a');
    expect(entry).toMatchObject({ before: { role: 'supervisor' }, after: { role: 'admin' } });
  });

  it('checks a user CSV row by row (code, row, field) in a dry run, refuses a bad file whole, and imports a good one once', async () => {
    const header = 'userId,name,role,shopIds,email,cap';
    const bad = [header, 'a-1,甲,agent,tea,,', 'a-2,乙,boss,tea,,', 'a-3,丙,agent,nope,,', 'a-1,丁,agent,tea,,', 'wu,戊,agent,tea,,', 'a-4,己,supervisor,tea,x@y.example,5', 'a-5,庚,agent,tea,not-an-email,'].join('\n');
    const dry = await importCsv(adminA, bad, true);
    expect(dry).toMatchObject({ status: 200, body: { dryRun: true, valid: false, rows: 7, imported: 0 } });
    expect(dry.body.errors.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code])).toEqual([
      [2, 'rows.2.role', 'UNKNOWN_ROLE'],
      [3, 'rows.3.shopIds', 'UNKNOWN_SHOP'],
      [4, 'rows.4.userId', 'DUPLICATE_USER'],
      [5, 'rows.5.userId', 'USER_EXISTS'],
      [6, 'rows.6.cap', 'NOT_AN_AGENT_FIELD'],
      [7, 'rows.7.email', 'INVALID_VALUE'],
    ]);
    const refused = await importCsv(adminA, bad);
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(refused.body.error.details[0]).toMatchObject({ field: 'rows.2.role', code: 'UNKNOWN_ROLE' });
    expect(await storedItem(keys.user(tenantA, 'a-1'))).toBeUndefined();
    expect(await storedItem(keys.agent(tenantA, 'a-1'))).toBeUndefined();
    expect(await importCsv(adminA, 'userId,name\nq,q')).toMatchObject({ status: 400, body: { error: { details: [{ field: 'header' }] } } });
    expect((await importCsv(supervisorA, `${header}\na-9,x,agent,tea,,`)).status).toBe(403); // supervisors do not import

    const good = [header, 'b-1,一号,agent,tea;silk,b1@yunke.example,3', 'b-2,二号,agent,silk,,', 'b-3,三号,supervisor,tea,,'].join('\n');
    const used = await seats(tenantA);
    expect(await importCsv(adminA, good)).toMatchObject({ status: 200, body: { valid: true, rows: 3, imported: 3, seatsUsed: used + 3, errors: [] } });
    expect(await storedItem(keys.agent(tenantA, 'b-1'))).toMatchObject({ shopIds: ['tea', 'silk'], groupIds: ['tea-pre', 'tea-after', 'silk-pre', 'silk-after'], cap: 3 });
    expect(await storedItem(keys.user(tenantA, 'b-3'))).toMatchObject({ role: 'supervisor', status: 'active' });
    expect(await storedItem(keys.agent(tenantA, 'b-3'))).toBeUndefined();
    // The same file again (a retry after a timeout): nothing new, no seat taken twice.
    expect(await importCsv(adminA, good)).toMatchObject({ status: 200, body: { imported: 0 } });
    expect(await seats(tenantA)).toBe(used + 3);
  });

  it('counts seats against the plan: an import or invite past it is a 409 SEAT_LIMIT naming the field, nothing stored', async () => {
    const used = (await seats(tenantA)) as number;
    const room = 12 - used;
    const rows = Array.from({ length: room + 1 }, (_, i) => `s-${i},座${i},agent,tea`);
    const csv = ['userId,name,role,shopIds', ...rows].join('\n');
    const dry = await importCsv(adminA, csv, true);
    expect(dry.body).toMatchObject({ valid: false, seatLimit: 12, errors: [{ row: 0, field: 'body.csv', code: 'SEAT_LIMIT' }] });
    expect(await importCsv(adminA, csv)).toMatchObject({ status: 409, body: { error: { code: 'SEAT_LIMIT', details: [{ field: 'body.csv' }] } } });
    expect(await storedItem(keys.user(tenantA, 's-0'))).toBeUndefined();
    expect(await seats(tenantA)).toBe(used);
    // Exactly the room left fits; then an invite does not.
    expect((await importCsv(adminA, ['userId,name,role,shopIds', ...rows.slice(0, room)].join('\n'))).body).toMatchObject({ imported: room, seatsUsed: 12 });
    expect(await invite(adminA, { userId: 'one-more', name: 'x', role: 'agent', shopIds: ['tea'] })).toMatchObject({
      status: 409,
      body: { error: { code: 'SEAT_LIMIT', details: [{ field: 'body.userId' }] } },
    });
    expect(await storedItem(keys.user(tenantA, 'one-more'))).toBeUndefined();
    // A disabled user frees a seat; re-enabling them past the limit is refused.
    expect((await disable(adminA, 's-0')).status).toBe(200);
    expect((await invite(adminA, { userId: 'one-more', name: 'x', role: 'agent', shopIds: ['tea'] })).status).toBe(201);
    expect(await enable(adminA, 's-0')).toMatchObject({ status: 409, body: { error: { code: 'SEAT_LIMIT' } } });
    expect(await storedItem(keys.user(tenantA, 's-0'))).toMatchObject({ status: 'disabled' });
  });
});
