import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppStack } from '../../infra/app-stack';
import { regionSchema, selectRegions, type RegionConfig } from '../../infra/config/regions';
import { DataStack } from '../../infra/data-stack';
import type { Manifest } from '../../shared/manifest';
import { capacityTargetsSchema } from '../../shared/promo/capacity';
import { referencedId, resourcesOf, unacknowledgedNagFindings, withNestedStacks, type CfnResource } from './support/template';

const handler = 'test/infra/support/noop-handler.ts';

/** The entries the prod region's promo control names, a non-urgent consumer, and the control itself. */
const manifest: Manifest = {
  queues: [
    { name: 'delivery', fifo: false, maxReceiveCount: 5, retentionDays: 4 },
    { name: 'routing', fifo: false, maxReceiveCount: 5, retentionDays: 4 },
  ],
  webSocketAuthorizer: { name: 'AuthorizeConnect', handler, access: ['table:write'] },
  httpRoutes: [{ name: 'CreateConnectTicket', method: 'POST', path: '/v1/connect-tickets', handler, access: ['table:write'] }],
  webSocketRoutes: [
    { name: 'WsConnect', route: '$connect', handler, access: ['table:write'], returnResponse: false },
    { name: 'WsSendMessage', route: 'sendMessage', handler, access: ['table:write'], returnResponse: true },
  ],
  queueConsumers: [
    { name: 'DeliverMessages', queue: 'delivery', handler, access: ['table:read'], batchSize: 10, maxBatchingWindowSeconds: 0, maxConcurrency: 10 },
    { name: 'Outreach', queue: 'routing', handler, access: ['table:read'], batchSize: 10, maxBatchingWindowSeconds: 0, maxConcurrency: 4 },
  ],
  schedules: [{ name: 'ControlPromoCapacity', expression: 'rate(1 minute)', handler, access: ['table:read', 'table:write', 'capacity:control'], timeoutSeconds: 60 }],
};

const controlActions = [
  'dynamodb:UpdateTable',
  'lambda:PutProvisionedConcurrencyConfig',
  'lambda:DeleteProvisionedConcurrencyConfig',
  'lambda:UpdateEventSourceMapping',
  'lambda:PutFunctionConcurrency',
  'lambda:DeleteFunctionConcurrency',
];

let stack: AppStack;
let template: Template;
let region: RegionConfig;

beforeAll(() => {
  const prod = selectRegions('ap-southeast-1-prod')[0]!;
  region = regionSchema.parse({ ...prod, promoControl: { ...prod.promoControl, nonUrgentConsumers: ['Outreach'] } });
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const env = { account: region.account, region: region.awsRegion };
  const data = new DataStack(app, 'PromoData', { env, region, manifest });
  stack = new AppStack(app, 'PromoApp', { env, region, data, manifest });
  template = withNestedStacks(stack);
}, 300_000);

const functionId = (name: string) => resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith(`${name}Function`))![0];
const aliasId = (name: string) => resourcesOf(template, 'AWS::Lambda::Alias').find(([, alias]) => referencedId(alias.Properties!.FunctionName) === functionId(name))![0];
const statementsOf = (name: string) => {
  const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id === functionId(name))!;
  const roleId = referencedId(fn.Properties!.Role);
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties!.Roles.some((role: unknown) => referencedId(role) === roleId))
    .flatMap(([, policy]) => policy.Properties!.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
};

describe('the promo capacity control in the synthesized template', () => {
  it("grants exactly the control's actions, each on exactly its resources", () => {
    const statements = statementsOf('ControlPromoCapacity').filter((s) => [s.Action].flat().some((a) => a.startsWith('lambda:') || a === 'dynamodb:UpdateTable'));
    const byAction = Object.fromEntries(statements.map((s) => [[s.Action].flat().join(','), [s.Resource].flat()]));
    expect(Object.keys(byAction).sort()).toEqual([
      'dynamodb:UpdateTable,dynamodb:DescribeTable',
      'lambda:PutFunctionConcurrency,lambda:DeleteFunctionConcurrency',
      'lambda:PutProvisionedConcurrencyConfig,lambda:DeleteProvisionedConcurrencyConfig',
      'lambda:UpdateEventSourceMapping',
    ]);
    // The table by its imported ARN, never `*`.
    expect(byAction['dynamodb:UpdateTable,dynamodb:DescribeTable']).toEqual([{ 'Fn::ImportValue': expect.stringContaining('Table') }]);
    // Provisioned concurrency on the four latency-critical `live` aliases, by reference.
    // Functions live in nested stacks (infra/app-stack.ts), so an alias of another nested stack arrives as
    // a parameter CDK names after the alias's path: `referenceto…<Name>FunctionAliaslive…Ref`; one in the
    // control's own nested stack is referenced directly.
    const critical = ['AuthorizeConnect', 'CreateConnectTicket', 'WsConnect', 'WsSendMessage'];
    const aliasNameOf = (ref: string | undefined) =>
      critical.find((name) => ref === aliasId(name) || (ref?.startsWith('referenceto') && ref.includes(`${name}FunctionAliaslive`)));
    const aliases = byAction['lambda:PutProvisionedConcurrencyConfig,lambda:DeleteProvisionedConcurrencyConfig']!.map(referencedId).map(aliasNameOf);
    expect(aliases.sort()).toEqual([...critical].sort());
    // Event source mappings by their own ARNs (one per consumer).
    const mappings = byAction['lambda:UpdateEventSourceMapping']!;
    expect(mappings).toHaveLength(2);
    for (const arn of mappings) expect(JSON.stringify(arn)).toContain('event-source-mapping:');
    // Reserved concurrency only on the non-urgent consumer.
    expect(byAction['lambda:PutFunctionConcurrency,lambda:DeleteFunctionConcurrency']!.map(referencedId)).toEqual([functionId('Outreach')]);
  });

  it('gives no other function any of these actions', () => {
    for (const name of ['AuthorizeConnect', 'CreateConnectTicket', 'WsConnect', 'WsSendMessage', 'DeliverMessages', 'Outreach']) {
      const actions = statementsOf(name).flatMap((s) => [s.Action].flat());
      expect(actions.filter((a) => controlActions.includes(a)), name).toEqual([]);
    }
  });

  it("hands the control its targets: every preset's value from the region config, in send mode", () => {
    const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id === functionId('ControlPromoCapacity'))! as [string, CfnResource];
    const raw = fn.Properties!.Environment.Variables.PROMO_CAPACITY_TARGETS as { 'Fn::Join': [string, unknown[]] };
    // Tokens (function names, mapping ids) become placeholders; the rest must parse as targets.
    const text = raw['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
    const targets = capacityTargetsSchema.parse(JSON.parse(text));
    expect(targets.mode).toBe('send');
    expect(targets.indexNames).toEqual(['gsi1', 'gsi2']);
    expect(targets.aliases.map((a) => [a.name, a.qualifier, a.provisionedConcurrency])).toEqual(
      ['AuthorizeConnect', 'WsConnect', 'WsSendMessage', 'CreateConnectTicket'].map((name) => [name, 'live', { normal: 1, promo: 50 }]),
    );
    // DeliverMessages declares 10: ×1 normally, ×5 in the promo preset. Outreach 4: 4, and in the promo
    // no wider than its reserved cap of 2 (a wider mapping is throttled and burns receive counts).
    expect(targets.mappings.map((m) => [m.name, m.maxConcurrency])).toEqual([
      ['DeliverMessages', { normal: 10, promo: 50 }],
      ['Outreach', { normal: 4, promo: 2 }],
    ]);
    expect(targets.nonUrgent).toEqual([{ name: 'Outreach', functionName: 'TOKEN', reservedConcurrency: { normal: 4, promo: 2 } }]);
  });

  it('the control runs every minute from a schedule, and the stack stays cdk-nag clean', () => {
    const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule').map(([, s]) => s.Properties!);
    expect(schedules.map((s) => s.ScheduleExpression)).toEqual(['rate(1 minute)']);
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });
});

describe('what a promo phase caps as non-urgent', () => {
  it("caps the real manifest's catalogue imports and outreach in every configured region, and leaves chat's consumers wide", async () => {
    const { manifest: real } = await import('../../shared/manifest');
    const { capacityTargetsFor } = await import('../../infra/config/promo-capacity');
    for (const configured of selectRegions()) {
      const targets = capacityTargetsFor(configured, real, { tableName: 't', functionName: (n) => `f-${n}`, mappingUuid: (n) => `m-${n}` }, 'send');
      expect(targets.nonUrgent.map((c) => [c.name, c.reservedConcurrency.promo])).toEqual([
        ['ImportCatalogueBatches', 2],
        ['RunOutreach', 2],
      ]);
      const mapping = (name: string) => targets.mappings.find((m) => m.name === name)!.maxConcurrency;
      expect(mapping('ImportCatalogueBatches').promo).toBe(2);
      expect(mapping('RunOutreach').promo).toBe(2);
      expect(mapping('DeliverMessages').promo).toBeGreaterThanOrEqual(mapping('DeliverMessages').normal);
    }
  });
});
