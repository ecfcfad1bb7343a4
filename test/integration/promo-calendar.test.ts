import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as getPromoHandler } from '../../functions/http/get-promo';
import { handler as getStatusHandler } from '../../functions/http/get-promo-status';
import { handler as listPromosHandler } from '../../functions/http/list-promos';
import { handler as planHandler } from '../../functions/http/plan-promo';
import { handler as putPromoHandler } from '../../functions/http/put-promo';
import { handler as triggerHandler } from '../../functions/http/trigger-promo-phase';
import type { DevUser } from '../../infra/local/token-issuer';
import { capacityTargetsFor } from '../../infra/config/promo-capacity';
import { selectRegions } from '../../infra/config/regions';
import { manifest } from '../../shared/manifest';
import { actualCapacitySchema } from '../../shared/promo/capacity';
import { capacityControlDependencies, controlPromoCapacity } from '../../shared/promo/capacity-control';
import { env } from '../../shared/runtime/env';
import { keys } from '../../shared/store/keys';
import { getActualCapacity, putActualCapacity } from '../../shared/store/promos';
import { httpEvent, lambdaContext } from '../support/events';
import { itemsOfPartition, storedItem } from '../support/table';

const tenant = 'tenant-promo';
const otherTenant = 'tenant-promo-other';
const ops: DevUser = { userId: 'ops-1', tenantId: tenant, role: 'ops', shopIds: [] };
const admin: DevUser = { userId: 'admin-1', tenantId: tenant, role: 'admin', shopIds: [] };
const supervisor: DevUser = { userId: 'sup-1', tenantId: tenant, role: 'supervisor', shopIds: ['peach-glow'] };
const agent: DevUser = { userId: 'agent-1', tenantId: tenant, role: 'agent', shopIds: ['peach-glow'] };
const foreignOps: DevUser = { userId: 'ops-9', tenantId: otherTenant, role: 'ops', shopIds: [] };

type Response = { statusCode: number; body: string; headers?: Record<string, string> };
const json = (response: Response) => (response.body ? JSON.parse(response.body) : undefined);

/** Local times in Asia/Shanghai a year ahead of the test's clock, so no phase is in the past. */
const year = new Date().getUTCFullYear() + 1;
/** The day New York skips 02:00–03:00 next year (the second Sunday of March). */
const springForward = Array.from({ length: 31 }, (_, i) => `${year + 1}-03-${String(i + 1).padStart(2, '0')}`).find(
  (day) => DateTime.fromISO(`${day}T02:30`, { zone: 'America/New_York' }).toFormat('HH:mm') !== '02:30',
)!;
const warm = {
  table: { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 6_000 },
  gsi1: { readUnitsPerSecond: 3_000, writeUnitsPerSecond: 1_500 },
  gsi2: { readUnitsPerSecond: 500, writeUnitsPerSecond: 500 },
};
const double11 = () => ({
  name: '双11',
  zone: 'Asia/Shanghai',
  shopIds: ['peach-glow'],
  phases: [
    { phaseId: 'deposit', kind: 'warm-up', startsAt: `${year}-10-20T20:00`, endsAt: `${year}-11-10T00:00` },
    {
      phaseId: 'peak',
      kind: 'peak',
      startsAt: `${year}-11-11T00:00`,
      endsAt: `${year}-11-11T02:00`,
      routing: { stageBorrowing: [{ from: 'after-sale', to: 'pre-sale' }] },
      infrastructure: { preset: 'promo', warmThroughput: warm },
    },
    { phaseId: 'tail', kind: 'after-sales-tail', startsAt: `${year}-11-14T00:00`, endsAt: `${year}-11-29T00:00`, routing: { stageBorrowing: [{ from: 'pre-sale', to: 'after-sale' }] } },
  ],
});

const put = async (user: DevUser, promoId: string, body: unknown, query?: Record<string, string>) =>
  (await putPromoHandler(httpEvent({ method: 'PUT', path: `/v1/promos/${promoId}`, identity: user, body, pathParameters: { promoId }, query }), lambdaContext)) as Response;
const get = async (user: DevUser, promoId: string) =>
  (await getPromoHandler(httpEvent({ method: 'GET', path: `/v1/promos/${promoId}`, identity: user, pathParameters: { promoId } }), lambdaContext)) as Response;
const list = async (user: DevUser) => (await listPromosHandler(httpEvent({ method: 'GET', path: '/v1/promos', identity: user }), lambdaContext)) as Response;
const status = async (user: DevUser, promoId: string) =>
  (await getStatusHandler(httpEvent({ method: 'GET', path: `/v1/promos/${promoId}/status`, identity: user, pathParameters: { promoId } }), lambdaContext)) as Response;
const trigger = async (user: DevUser, promoId: string, phaseId: string) =>
  (await triggerHandler(
    httpEvent({ method: 'POST', path: `/v1/promos/${promoId}/phases/${phaseId}/trigger`, identity: user, pathParameters: { promoId, phaseId } }),
    lambdaContext,
  )) as Response;
const plan = async (user: DevUser, promoId: string, body: unknown, query?: Record<string, string>) =>
  (await planHandler(httpEvent({ method: 'POST', path: `/v1/promos/${promoId}/plan`, identity: user, body, pathParameters: { promoId }, query }), lambdaContext)) as Response;

/** Everything stored for the tenant's promos and the region's asks: a refusal must leave it as it was. */
const snapshot = async () => JSON.stringify([await itemsOfPartition(keys.promosOfTenant(tenant).pk), await itemsOfPartition(keys.capacityAsks().pk)]);

describe('promo calendar routes (DynamoDB Local)', () => {
  beforeAll(async () => {
    expect((await put(ops, 'double-11', double11())).statusCode).toBe(200);
  });

  it('stores phases in UTC from local times in the zone, with the capacity ask of the phase that switches infrastructure', async () => {
    const promo = json(await get(ops, 'double-11'));
    expect(promo.phases.map((p: { phaseId: string; startsAt: string }) => [p.phaseId, p.startsAt])).toEqual([
      ['deposit', `${year}-10-20T12:00:00.000Z`],
      ['peak', `${year}-11-10T16:00:00.000Z`],
      ['tail', `${year}-11-13T16:00:00.000Z`],
    ]);
    expect(promo).toMatchObject({ version: 1, updatedBy: 'ops-1', triggered: {} });
    expect(await storedItem(keys.capacityAsk(tenant, 'double-11', 'peak'))).toMatchObject({ preset: 'promo', warmThroughput: warm });
    expect(await storedItem(keys.capacityAsk(tenant, 'double-11', 'deposit'))).toBeUndefined();
    expect(json(await list(admin)).promos.map((p: { promoId: string }) => p.promoId)).toContain('double-11');
  });

  it('lets only ops and admins use the promo routes', async () => {
    for (const user of [supervisor, agent]) {
      expect((await put(user, 'double-11', double11())).statusCode).toBe(403);
      expect((await get(user, 'double-11')).statusCode).toBe(403);
      expect((await trigger(user, 'double-11', 'peak')).statusCode).toBe(403);
    }
  });

  it("refuses another tenant's ops on every promo route with the same 404 whether the promo exists or not, changing nothing (rows 14, 15)", async () => {
    const ours = async () => JSON.stringify([await storedItem(keys.promo(tenant, 'double-11')), await itemsOfPartition(keys.promoAuditOfPromo(tenant, 'double-11').pk)]);
    const before = await ours();
    for (const promoId of ['double-11', 'no-such-promo']) {
      for (const response of [await get(foreignOps, promoId), await status(foreignOps, promoId), await trigger(foreignOps, promoId, 'peak'), await plan(foreignOps, promoId, { sales: [{ shopId: 'peach-glow', phaseId: 'peak', gmvTarget: 1, averageOrderValue: 1, conversionRate: 0.1, inquiryRate: 0.1 }] })]) {
        expect(response.statusCode).toBe(404);
        expect(json(response).error).toMatchObject({ code: 'NOT_FOUND' });
      }
    }
    // A foreign PUT of the same id creates the other tenant's own promo; ours is untouched.
    expect((await put(foreignOps, 'double-11', { ...double11(), name: 'theirs' })).statusCode).toBe(200);
    expect(json(await get(ops, 'double-11')).name).toBe('双11');
    expect(json(await list(foreignOps)).promos.map((p: { name: string }) => p.name)).toEqual(['theirs']);
    expect(await storedItem(keys.capacityAsk(otherTenant, 'double-11', 'peak'))).toMatchObject({ tenantId: otherTenant });
    expect(await ours()).toBe(before);
  });

  it('refuses tenantId, version or triggered in the body, naming the field (row 16)', async () => {
    for (const field of ['tenantId', 'version', 'triggered']) {
      const response = await put(ops, 'double-11', { ...double11(), [field]: 'x' });
      expect(response.statusCode).toBe(400);
      expect(json(response).error.details).toContainEqual({ field: `body.${field}`, message: 'not allowed' });
    }
  });

  describe('refuses a bad calendar with 400, the code and the field, and changes nothing', () => {
    const phases = double11().phases;
    const cases: [string, unknown, string][] = [
      ['overlapping phases', [phases[0], { ...phases[1], startsAt: `${year}-11-09T23:00` }], 'body.phases.1.startsAt'],
      ['a phase in the past', [{ ...phases[0], startsAt: '2020-11-11T00:00', endsAt: '2020-11-11T02:00' }], 'body.phases.0.startsAt'],
      ['an end before the start', [{ ...phases[1], endsAt: `${year}-11-10T23:00` }], 'body.phases.0.endsAt'],
      ['a local time the zone skips (New York, spring forward)', [{ ...phases[1], startsAt: `${springForward}T02:30`, endsAt: `${springForward}T05:00` }], 'body.phases.0.startsAt'],
    ];
    for (const [name, badPhases, field] of cases) {
      it(name, async () => {
        const before = await snapshot();
        const zone = name.includes('New York') ? 'America/New_York' : 'Asia/Shanghai';
        const response = await put(ops, 'double-11', { ...double11(), zone, phases: badPhases });
        expect(response.statusCode).toBe(400);
        expect(json(response).error).toMatchObject({ code: 'VALIDATION_FAILED' });
        expect(json(response).error.details.map((d: { field: string }) => d.field)).toContain(field);
        expect(await snapshot()).toBe(before);
      });
    }
  });

  it('answers a dry run with the plan of every switch, the irreversible warm throughput called out, and writes nothing', async () => {
    const before = await snapshot();
    const response = await put(ops, 'double-11', { ...double11(), name: 'renamed' }, { dryRun: 'true' });
    expect(response.statusCode).toBe(200);
    const body = json(response);
    expect(body.dryRun).toBe(true);
    expect(body.plan.map((s: { switch: string; at: string; irreversible: boolean }) => [s.switch, s.at, s.irreversible])).toEqual([
      ['warm-throughput', `${year}-11-09T16:00:00.000Z`, true],
      ['provisioned-concurrency', `${year}-11-10T15:00:00.000Z`, false],
      ['event-source-concurrency', `${year}-11-10T16:00:00.000Z`, false],
      ['routing', `${year}-11-10T16:00:00.000Z`, false],
      ['routing', `${year}-11-13T16:00:00.000Z`, false],
    ]);
    expect(await snapshot()).toBe(before);
  });

  it('triggers a phase at once, audited; a second trigger changes nothing (row 25)', async () => {
    const first = await trigger(ops, 'double-11', 'peak');
    expect(first.statusCode).toBe(200);
    expect(json(first)).toMatchObject({ result: 'triggered', phaseId: 'peak' });
    const afterFirst = await snapshot();
    const second = await trigger(admin, 'double-11', 'peak');
    expect(json(second)).toMatchObject({ result: 'unchanged', startsAt: json(first).startsAt });
    expect(await snapshot()).toBe(afterFirst);

    const current = json(await status(ops, 'double-11'));
    expect(current.phases.find((p: { phaseId: string }) => p.phaseId === 'peak')).toMatchObject({ state: 'in-force', routingInForce: true, effectiveStart: json(first).startsAt });
    expect(current.audit.filter((a: { action: string }) => a.action === 'phase-triggered')).toEqual([
      expect.objectContaining({ actor: 'ops-1', detail: { phaseId: 'peak', scheduledStart: `${year}-11-10T16:00:00.000Z` } }),
    ]);
    expect(current.capacity.provisionedConcurrency.desired).toBe('promo');
  });

  it('the capacity control on the local stack records the commands it would send, and the status says they were not sent', async () => {
    const targets = capacityTargetsFor(selectRegions('ap-southeast-1-dev')[0]!, manifest, { tableName: env().TABLE_NAME, functionName: (n) => `local-${n}`, mappingUuid: (n) => `local-${n}` }, 'record');
    const run = () => controlPromoCapacity(new Date(), { ...capacityControlDependencies, targets: () => targets });
    const first = await run();
    expect(first).toMatchObject({ mode: 'record', written: true });
    expect(first.commands).toBeGreaterThan(0);
    const { actual } = await getActualCapacity();
    expect(actual.lastCommands).toContainEqual(expect.objectContaining({ command: 'UpdateTable', resource: 'table', irreversible: true }));
    // The dev region's presets provision no concurrency (a sandbox has none to spare): the control records its removal.
    expect(actual.lastCommands).toContainEqual(expect.objectContaining({ command: 'DeleteProvisionedConcurrencyConfig', resource: 'WsSendMessage' }));
    expect(actual.lastCommands).toContainEqual(expect.objectContaining({ command: 'UpdateEventSourceMapping', resource: 'DeliverMessages', input: { UUID: 'local-DeliverMessages', ScalingConfig: { MaximumConcurrency: 5 } } }));
    // The peak caps the non-urgent consumers (catalogue imports, outreach), their mapping no wider than the cap.
    expect(actual.lastCommands).toContainEqual({
      service: 'lambda',
      command: 'PutFunctionConcurrency',
      resource: 'RunOutreach',
      input: { FunctionName: 'local-RunOutreach', ReservedConcurrentExecutions: 2 },
    });
    expect(actual.lastCommands).toContainEqual({
      service: 'lambda',
      command: 'PutFunctionConcurrency',
      resource: 'ImportCatalogueBatches',
      input: { FunctionName: 'local-ImportCatalogueBatches', ReservedConcurrentExecutions: 2 },
    });
    expect(actual.lastCommands).toContainEqual(
      expect.objectContaining({ command: 'UpdateEventSourceMapping', resource: 'ImportCatalogueBatches', input: { UUID: 'local-ImportCatalogueBatches', ScalingConfig: { MaximumConcurrency: 2 } } }),
    );
    // A second run of the schedule finds nothing to do (row 25).
    expect(await run()).toMatchObject({ commands: 0 });
    const current = json(await status(ops, 'double-11'));
    expect(current.capacity).toMatchObject({ mode: 'record', note: expect.stringContaining('recorded, not sent') });
    expect(current.capacity.warmThroughput.table).toMatchObject({ desired: warm.table, actual: { ...warm.table, status: 'recorded' }, state: 'recorded' });
  });

  it('refuses warm throughput below what the region already has, naming the field', async () => {
    const { actual, version } = await getActualCapacity();
    await putActualCapacity(actualCapacitySchema.parse({ ...actual, warmThroughput: { ...actual.warmThroughput, table: { readUnitsPerSecond: 20_000, writeUnitsPerSecond: 6_000, status: 'active' } } }), version);
    const before = await snapshot();
    const body = double11();
    const response = await put(ops, 'double-11', body);
    expect(response.statusCode).toBe(400);
    expect(json(response).error.details).toContainEqual({
      field: 'body.phases.1.infrastructure.warmThroughput.table.readUnitsPerSecond',
      message: "is below the region's current 20000; warm throughput cannot be lowered",
    });
    expect(await snapshot()).toBe(before);
  });

  it('plans staffing and capacity for the promo, as JSON and as CSV', async () => {
    const sales = [{ shopId: 'peach-glow', phaseId: 'peak', gmvTarget: 6_800_000, averageOrderValue: 340, conversionRate: 0.04, inquiryRate: 0.085 }];
    const response = await plan(ops, 'double-11', { sales, staffing: { receptionsPerAgentPerShift: 850, shiftHours: 8, targetAnswerRate: 0.9 } });
    expect(response.statusCode).toBe(200);
    const body = json(response);
    expect(body.staffing.intervals.find((r: { stage: string; phaseId: string }) => r.stage === 'pre-sale' && r.phaseId === 'peak')).toMatchObject({ receptions: 17_000, agentsNeeded: 288 });
    expect(body.infrastructure.peakReceptionsPerSecond).toBeGreaterThan(0);
    const csv = await plan(ops, 'double-11', { sales }, { format: 'csv' });
    expect(csv.headers?.['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')[0]).toBe('intervalStart,shopId,phaseId,stage,receptions,agentsNeeded');
    const bad = await plan(ops, 'double-11', { sales: [{ ...sales[0], phaseId: 'nope' }] });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.details).toEqual([{ field: 'body.sales.0.phaseId', message: 'no such phase in the promo' }]);
  });
});
