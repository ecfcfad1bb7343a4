import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as createTenant } from '../../functions/http/create-tenant';
import { handler as disableUser } from '../../functions/http/disable-user';
import { handler as enableUser } from '../../functions/http/enable-user';
import { handler as importUsers } from '../../functions/http/import-users';
import { handler as inviteUser } from '../../functions/http/invite-user';
import { handler as patchUser } from '../../functions/http/patch-user';
import { handler as putShop } from '../../functions/http/put-shop';
import { handler as syncUserDirectory } from '../../functions/stream/sync-user-directory';
import { createTokenIssuer } from '../../infra/local/token-issuer';
import { LocalUserPool } from '../../infra/local/user-pool';
import type { StreamPoller } from '../../infra/local/stream-poller';
import { pollTableStream } from '../support/stream-poller';
import { purgeTenant } from '../../shared/tenants/purge-tenants';
import type { Identity } from '../../shared/auth/identity';
import { identityFromClaims } from '../../shared/auth/identity';
import { resetEnvForTests } from '../../shared/runtime/env';
import { callHttp } from '../support/call-http';
import { lambdaContext } from '../support/events';
import { eventually } from '../support/eventually';

/**
 * Staff accounts reach the identity provider (issue 12 §2) on real engines: the user routes write
 * DynamoDB Local, its change stream is read by the local stack's stream poller, the real
 * SyncUserDirectory handler sends the directory operations over HTTP to the dev issuer's pool (as it
 * sends them to Cognito in the cloud). Invite, re-role, disable, enable and a CSV import each become the
 * pool's state; another tenant's same user id is a different pool user (row 14); the tenant purge's
 * deletion of the accounts deletes their pool users, and only theirs. Only this file's
 * tenants' records reach the handler.
 */
const run = Date.now().toString(36);
const tenantA = `dir-a-${run}`;
const tenantB = `dir-b-${run}`;
const operator: Identity = { tenantId: 'kefu-platform', userId: 'op-1', role: 'platform', shopIds: [] };
const adminA: Identity = { tenantId: tenantA, userId: 'boss-a', role: 'admin', shopIds: [] };
const adminB: Identity = { tenantId: tenantB, userId: 'boss-b', role: 'admin', shopIds: [] };

const userPath = (userId: string, suffix = '') => ({ path: `/v1/users/${userId}${suffix}`, pathParameters: { userId } });
const delivered: { pk: string; eventName: string; userId: unknown }[] = [];
let poller: StreamPoller;
let server: Server;
let pool: LocalUserPool;

beforeAll(async () => {
  const issuer = await createTokenIssuer({ issuer: 'http://127.0.0.1/local-issuer', audience: 'kefu' });
  pool = new LocalUserPool(issuer);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      void pool.handleRequest(body).then((answer) => {
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.LOCAL_USER_DIRECTORY_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local-issuer/directory`;
  resetEnvForTests();

  poller = await pollTableStream('SyncUserDirectory', [tenantA, tenantB], (event) => {
    for (const record of event.Records) delivered.push({ pk: record.dynamodb!.Keys!.pk!.S!, eventName: record.eventName!, userId: record.dynamodb?.NewImage?.userId?.S });
    return syncUserDirectory(event, lambdaContext);
  });

  for (const [tenantId, adminId] of [[tenantA, 'boss-a'], [tenantB, 'boss-b']] as const) {
    const tenant = { tenantId, name: tenantId, region: 'cn-north-1', timeZone: 'Asia/Shanghai', limits: { shops: 10, seats: 50 }, firstAdmin: { userId: adminId } };
    expect((await callHttp(createTenant, operator, { method: 'POST', path: '/v1/tenants', body: tenant })).status).toBe(201);
    const admin = tenantId === tenantA ? adminA : adminB;
    for (const shopId of ['tea', 'silk']) {
      const body = { name: shopId, category: 'c', routing: { mode: 'by-stage', groups: { 'pre-sale': `${shopId}-pre`, 'in-sale': `${shopId}-pre`, 'after-sale': `${shopId}-after` }, defaultAgentCap: 8 } };
      expect((await callHttp(putShop, admin, { method: 'PUT', path: `/v1/shops/${shopId}`, pathParameters: { shopId }, body })).status).toBe(200);
    }
  }
}, 60_000);

afterAll(async () => {
  await poller?.stop();
  await new Promise((resolve) => server?.close(resolve));
  delete process.env.LOCAL_USER_DIRECTORY_URL;
  resetEnvForTests();
});

describe('staff accounts into the directory (DynamoDB Local stream → SyncUserDirectory → the dev issuer\'s pool)', () => {
  it("a tenant's first admin and an invited agent become pool users in their role groups, and sign in with the account's claims", async () => {
    expect((await callHttp(inviteUser, adminA, { method: 'POST', path: '/v1/users', body: { userId: 'wu', name: '小吴', role: 'agent', shopIds: ['tea'], email: 'wu@yunke.example' } })).status).toBe(201);
    // Creating the user and adding it to its group are separate calls: wait for the group, never read once.
    const wu = await eventually(() => pool.get(tenantA, 'wu'), (user) => (user?.groups.length ?? 0) > 0);
    expect(wu).toEqual({ account: { tenantId: tenantA, userId: 'wu', name: '小吴', email: 'wu@yunke.example', role: 'agent', shopIds: ['tea'] }, enabled: true, groups: ['agent'], signOuts: 0 });
    expect(await eventually(() => pool.get(tenantA, 'boss-a'), (user) => (user?.groups.length ?? 0) > 0)).toMatchObject({ account: { role: 'admin' }, enabled: true, groups: ['admin'] });
    // The user item's change is the job: one stream record per account write, nothing else of the tenant.
    expect(delivered.filter((d) => d.pk === `T#${tenantA}#USERS` && d.userId === 'wu')).toEqual([{ pk: `T#${tenantA}#USERS`, eventName: 'INSERT', userId: 'wu' }]);

    const token = await pool.signIn(tenantA, 'wu');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(identityFromClaims(claims)).toEqual({ tenantId: tenantA, userId: 'wu', role: 'agent', shopIds: ['tea'] });
  });

  it('re-roling moves the pool user to the new group with the new claims and signs them out; disabling refuses their sign-in; enabling lets them in again', async () => {
    expect((await callHttp(patchUser, adminA, { method: 'PATCH', ...userPath('wu'), body: { role: 'supervisor', shopIds: ['tea', 'silk'] } })).status).toBe(200);
    const reroled = await eventually(() => pool.get(tenantA, 'wu'), (user) => user?.account.role === 'supervisor' && user.signOuts >= 1);
    // The attribute update, the group move and the sign-out are separate calls: wait for the last, never read once.
    expect(reroled).toMatchObject({ account: { role: 'supervisor', shopIds: ['tea', 'silk'] }, groups: ['supervisor'], signOuts: 1, enabled: true });

    expect((await callHttp(disableUser, adminA, { method: 'POST', ...userPath('wu', '/disable') })).status).toBe(200);
    expect(await eventually(() => pool.get(tenantA, 'wu'), (user) => user?.enabled === false && user.signOuts >= 2)).toMatchObject({ enabled: false, signOuts: 2 });
    await expect(pool.signIn(tenantA, 'wu')).rejects.toThrow(/disabled/);

    expect((await callHttp(enableUser, adminA, { method: 'POST', ...userPath('wu', '/enable') })).status).toBe(200);
    expect(await eventually(() => pool.get(tenantA, 'wu'), (user) => user?.enabled === true)).toMatchObject({ enabled: true, groups: ['supervisor'] });
    expect(identityFromClaims(JSON.parse(Buffer.from((await pool.signIn(tenantA, 'wu')).split('.')[1]!, 'base64url').toString()))).toMatchObject({ role: 'supervisor', shopIds: ['tea', 'silk'] });
  });

  it("a CSV import's accounts become pool users too; another tenant's same user id is a different pool user, untouched (row 14)", async () => {
    expect((await callHttp(inviteUser, adminB, { method: 'POST', path: '/v1/users', body: { userId: 'imp-1', name: 'B 的人', role: 'ops' } })).status).toBe(201);
    const csv = 'userId,name,role,shopIds\nimp-1,甲,agent,tea\nimp-2,乙,agent,tea;silk\nimp-3,丙,supervisor,silk\n';
    const imported = await callHttp(importUsers, adminA, { method: 'POST', path: '/v1/user-imports', query: { dryRun: 'false' }, body: { csv } });
    expect(imported).toMatchObject({ status: 200, body: { imported: 3 } });
    for (const [userId, role] of [['imp-1', 'agent'], ['imp-2', 'agent'], ['imp-3', 'supervisor']] as const) {
      // Created, then added to its group: wait for the group (the second call), never read once.
      expect(await eventually(() => pool.get(tenantA, userId), (user) => (user?.groups.length ?? 0) > 0)).toMatchObject({ account: { tenantId: tenantA, role }, groups: [role], enabled: true });
    }
    expect(await eventually(() => pool.get(tenantB, 'imp-1'), (user) => (user?.groups.length ?? 0) > 0)).toMatchObject({ account: { tenantId: tenantB, role: 'ops', name: 'B 的人' }, groups: ['ops'] });
  });

  it("the tenant purge's deletion of the accounts deletes their pool users (a disable never did); the other tenant's same ids stay (row 14)", async () => {
    // wu was disabled and enabled above: still a pool user.
    expect(pool.get(tenantA, 'wu')).toMatchObject({ enabled: true });
    await purgeTenant(tenantA);
    for (const userId of ['boss-a', 'wu', 'imp-1', 'imp-2', 'imp-3']) {
      expect(await eventually(() => pool.get(tenantA, userId), (user) => user === undefined), userId).toBeUndefined();
    }
    expect(delivered.filter((d) => d.pk === `T#${tenantA}#USERS` && d.eventName === 'REMOVE').length).toBeGreaterThanOrEqual(5);
    expect(pool.get(tenantB, 'imp-1')).toMatchObject({ account: { tenantId: tenantB } });
    expect(pool.get(tenantB, 'boss-b')).toMatchObject({ account: { tenantId: tenantB } });
    await expect(pool.signIn(tenantA, 'wu')).rejects.toThrow(/UserNotFound/);
  });
});
