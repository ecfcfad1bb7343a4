import { DescribeTableCommand, DynamoDBClient, ResourceInUseException, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { actualCapacitySchema, desiredCapacity, type ActualCapacity, type CapacityAsk, type CapacityTargets } from '../../shared/promo/capacity';
import { controlPromoCapacity, describeWarmThroughput, sendCapacityCommand, type CapacityControlDependencies } from '../../shared/promo/capacity-control';

const dynamoMock = mockClient(DynamoDBClient);
const lambdaMock = mockClient(LambdaClient);
const aws = { dynamodb: new DynamoDBClient({ region: 'ap-southeast-1' }), lambda: new LambdaClient({ region: 'ap-southeast-1' }) };

const warm = {
  table: { readUnitsPerSecond: 15_000, writeUnitsPerSecond: 6_000 },
  gsi1: { readUnitsPerSecond: 1_000, writeUnitsPerSecond: 500 },
  gsi2: { readUnitsPerSecond: 100, writeUnitsPerSecond: 200 },
};
/** Double 11 peak 11-11 00:00–02:00 Asia/Shanghai = 2026-11-10T16:00Z–18:00Z. */
const peak: CapacityAsk = {
  tenantId: 'demo-firm',
  promoId: 'double-11',
  phaseId: 'peak',
  preset: 'promo',
  warmThroughput: warm,
  startsAt: '2026-11-10T16:00:00.000Z',
  endsAt: '2026-11-10T18:00:00.000Z',
};
const targets: CapacityTargets = {
  mode: 'send',
  tableName: 'kefu-table',
  indexNames: ['gsi1', 'gsi2'],
  aliases: [{ name: 'WsSendMessage', functionName: 'kefu-send', qualifier: 'live', provisionedConcurrency: { normal: 1, promo: 50 } }],
  mappings: [{ name: 'DeliverMessages', uuid: 'esm-1', maxConcurrency: { normal: 10, promo: 50 } }],
  nonUrgent: [{ name: 'Outreach', functionName: 'kefu-outreach', reservedConcurrency: { normal: null, promo: 2 } }],
};
const empty = (): ActualCapacity => actualCapacitySchema.parse({ mode: 'send' });

/** An in-memory actual-state row with the version protocol of store/promos.ts. */
function fakeDeps(asks: CapacityAsk[], overrides: Partial<CapacityControlDependencies> = {}) {
  const row = { actual: empty(), version: 0 };
  const deps: CapacityControlDependencies = {
    targets: () => targets,
    listCapacityAsks: async () => asks,
    getActualCapacity: async () => structuredClone(row),
    putActualCapacity: async (actual, readVersion) => {
      if (readVersion !== row.version) return false;
      row.actual = actual;
      row.version++;
      return true;
    },
    send: (command) => sendCapacityCommand(command, aws),
    describeWarmThroughput: (tableName) => describeWarmThroughput(tableName, aws),
    ...overrides,
  };
  return { deps, row };
}

beforeEach(() => {
  dynamoMock.reset();
  lambdaMock.reset();
});

describe('desiredCapacity', () => {
  it('raises warm throughput 24 h ahead, provisioned concurrency 1 h ahead, the rest at the start, and keeps warm throughput after the end', () => {
    const at = (iso: string) => desiredCapacity([peak], new Date(iso));
    expect(at('2026-11-09T15:59:00.000Z')).toMatchObject({ warmThroughput: undefined, provisionedConcurrencyPreset: 'normal', switchPreset: 'normal' });
    expect(at('2026-11-09T16:00:00.000Z')).toMatchObject({ warmThroughput: warm, provisionedConcurrencyPreset: 'normal' });
    expect(at('2026-11-10T15:00:00.000Z')).toMatchObject({ provisionedConcurrencyPreset: 'promo', switchPreset: 'normal' });
    expect(at('2026-11-10T16:00:00.000Z')).toMatchObject({ provisionedConcurrencyPreset: 'promo', switchPreset: 'promo' });
    expect(at('2026-11-10T18:00:00.000Z')).toMatchObject({ warmThroughput: warm, provisionedConcurrencyPreset: 'normal', switchPreset: 'normal' });
  });

  it("takes the larger of two tenants' asks, so one tenant never lowers another's", () => {
    const other: CapacityAsk = { ...peak, tenantId: 'demo-firm-b', preset: 'normal', warmThroughput: { ...warm, table: { readUnitsPerSecond: 20_000, writeUnitsPerSecond: 1_000 } } };
    const desired = desiredCapacity([peak, other], new Date('2026-11-10T16:30:00.000Z'));
    expect(desired.warmThroughput?.table).toEqual({ readUnitsPerSecond: 20_000, writeUnitsPerSecond: 6_000 });
    expect(desired.switchPreset).toBe('promo');
  });
});

describe('controlPromoCapacity (aws-sdk-client-mock)', () => {
  it('at the peak, sends exactly these commands: the table warm throughput first, provisioned concurrency, mapping concurrency, the non-urgent cap', async () => {
    dynamoMock.on(UpdateTableCommand).resolves({});
    lambdaMock.onAnyCommand().resolves({});
    const { deps, row } = fakeDeps([peak]);
    const result = await controlPromoCapacity(new Date('2026-11-10T16:00:00.000Z'), deps);
    expect(result).toMatchObject({ mode: 'send', commands: 6, accepted: 4, written: true });
    // One warm-throughput change per run: gsi1 and gsi2 wait until the table is ACTIVE again.
    expect(dynamoMock.commandCalls(UpdateTableCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: 'kefu-table', WarmThroughput: { ReadUnitsPerSecond: 15_000, WriteUnitsPerSecond: 6_000 } },
    ]);
    expect(lambdaMock.commandCalls(PutProvisionedConcurrencyConfigCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'kefu-send', Qualifier: 'live', ProvisionedConcurrentExecutions: 50 },
    ]);
    expect(lambdaMock.commandCalls(UpdateEventSourceMappingCommand).map((call) => call.args[0].input)).toEqual([{ UUID: 'esm-1', ScalingConfig: { MaximumConcurrency: 50 } }]);
    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'kefu-outreach', ReservedConcurrentExecutions: 2 },
    ]);
    expect(row.actual.warmThroughput.table).toEqual({ readUnitsPerSecond: 15_000, writeUnitsPerSecond: 6_000, status: 'pending' });
    // Not converged (two index updates left), so the presets are not claimed as reached.
    expect(row.actual.switchPreset).toBeUndefined();
  });

  it('continues with the indexes once DescribeTable reports the table ACTIVE, then converges; a further run sends nothing (row 25)', async () => {
    dynamoMock.on(UpdateTableCommand).resolves({});
    lambdaMock.onAnyCommand().resolves({});
    const { deps, row } = fakeDeps([peak]);
    const now = new Date('2026-11-10T16:00:00.000Z');
    await controlPromoCapacity(now, deps);
    dynamoMock.on(DescribeTableCommand).resolves({
      Table: { WarmThroughput: { Status: 'ACTIVE' }, GlobalSecondaryIndexes: [{ IndexName: 'gsi1', WarmThroughput: { Status: 'UPDATING' } }] },
    });
    await controlPromoCapacity(now, deps);
    expect(dynamoMock.commandCalls(UpdateTableCommand)[1]?.args[0].input).toEqual({
      TableName: 'kefu-table',
      GlobalSecondaryIndexUpdates: [{ Update: { IndexName: 'gsi1', WarmThroughput: { ReadUnitsPerSecond: 1_000, WriteUnitsPerSecond: 500 } } }],
    });
    expect(row.actual.warmThroughput.table?.status).toBe('active');
    dynamoMock.on(DescribeTableCommand).resolves({ Table: { WarmThroughput: { Status: 'ACTIVE' }, GlobalSecondaryIndexes: [{ IndexName: 'gsi1', WarmThroughput: { Status: 'ACTIVE' } }] } });
    await controlPromoCapacity(now, deps);
    expect(row.actual).toMatchObject({ provisionedConcurrencyPreset: 'promo', switchPreset: 'promo' });
    const sent = dynamoMock.commandCalls(UpdateTableCommand).length + lambdaMock.calls().length;
    const again = await controlPromoCapacity(now, deps);
    expect(again).toMatchObject({ commands: 0, accepted: 0 });
    expect(dynamoMock.commandCalls(UpdateTableCommand).length + lambdaMock.calls().length).toBe(sent);
  });

  it('stops warm throughput for the run when DynamoDB says the table is busy, and retries it next run', async () => {
    dynamoMock.on(UpdateTableCommand).rejects(new ResourceInUseException({ message: 'Table is being updated', $metadata: {} }));
    lambdaMock.onAnyCommand().resolves({});
    const { deps, row } = fakeDeps([peak]);
    const result = await controlPromoCapacity(new Date('2026-11-10T16:00:00.000Z'), deps);
    expect(dynamoMock.commandCalls(UpdateTableCommand)).toHaveLength(1);
    expect(result).toMatchObject({ accepted: 3 });
    expect(row.actual.warmThroughput).toEqual({});
  });

  it('scales back after the phase: provisioned concurrency and mapping concurrency to normal, the non-urgent cap removed; warm throughput never lowered', async () => {
    dynamoMock.on(UpdateTableCommand).resolves({});
    dynamoMock.on(DescribeTableCommand).resolves({ Table: { WarmThroughput: { Status: 'ACTIVE' }, GlobalSecondaryIndexes: [{ IndexName: 'gsi1', WarmThroughput: { Status: 'ACTIVE' } }, { IndexName: 'gsi2', WarmThroughput: { Status: 'ACTIVE' } }] } });
    lambdaMock.onAnyCommand().resolves({});
    const { deps } = fakeDeps([peak]);
    for (let i = 0; i < 3; i++) await controlPromoCapacity(new Date('2026-11-10T16:00:00.000Z'), deps);
    dynamoMock.resetHistory();
    lambdaMock.resetHistory();
    await controlPromoCapacity(new Date('2026-11-10T18:00:00.000Z'), deps);
    expect(dynamoMock.commandCalls(UpdateTableCommand)).toHaveLength(0);
    expect(lambdaMock.commandCalls(PutProvisionedConcurrencyConfigCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: 'kefu-send', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 },
    ]);
    expect(lambdaMock.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input)).toEqual([{ UUID: 'esm-1', ScalingConfig: { MaximumConcurrency: 10 } }]);
    expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand).map((c) => c.args[0].input)).toEqual([{ FunctionName: 'kefu-outreach' }]);
  });

  it('in record mode (the local stack) sends nothing and records every command as recorded', async () => {
    const { deps, row } = fakeDeps([peak], { targets: () => ({ ...targets, mode: 'record' }) });
    const result = await controlPromoCapacity(new Date('2026-11-10T16:00:00.000Z'), deps);
    expect(dynamoMock.calls()).toHaveLength(0);
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(result).toMatchObject({ mode: 'record', commands: 6, accepted: 6 });
    expect(row.actual).toMatchObject({ mode: 'record', switchPreset: 'promo', provisionedConcurrencyPreset: 'promo' });
    expect(row.actual.warmThroughput.gsi2).toEqual({ readUnitsPerSecond: 100, writeUnitsPerSecond: 200, status: 'recorded' });
    expect(row.actual.lastCommands).toHaveLength(6);
    expect((await controlPromoCapacity(new Date('2026-11-10T16:01:00.000Z'), deps)).commands).toBe(0);
  });
});
