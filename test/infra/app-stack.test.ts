import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppStack } from '../../infra/app-stack';
import { functionsOf, manifest as defaultManifest, type Manifest } from '../../shared/manifest';
import { activeCapacity, consumerMaxConcurrency, selectRegions, type RegionConfig } from '../../infra/config/regions';
import { DataStack } from '../../infra/data-stack';
import { queueUrlVariable } from '../../shared/queue-settings';
import { syntheticManifest } from './support/synthetic-manifest';
import { cognitoDirectoryActions } from '../../shared/people/cognito-user-directory';
import { staffPoolIdParameter } from '../../infra/identity-stack';
import { cdkWarningsAndErrors, logicalIdsOf, referencedId, resourcesOf, unacknowledgedNagFindings, withNestedStacks, type CfnResource } from './support/template';

/**
 * The stateless stack, synthesized once per manifest: `real` is shared/manifest.ts in the dev region;
 * `synthetic` (test/infra/support/synthetic-manifest.ts) declares a queue consumer and a schedule the
 * real manifest may not have yet, in the prod region so capacity presets and retention differ. Both
 * live in one app.
 */
interface Case {
  stack: AppStack;
  template: Template;
  data: DataStack;
  dataTemplate: Template;
  manifest: Manifest;
  region: RegionConfig;
}

let cases: Record<'real' | 'synthetic', Case>;

beforeAll(() => {
  // No asset bundling here (an empty bundling-stacks list): esbuild once per function made this setup take
  // minutes. test/infra/handler-bundles.test.ts bundles every handler in one esbuild run instead.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const make = (prefix: string, regionName: string, manifest: Manifest) => {
    const region = selectRegions(regionName)[0]!;
    const env = { account: region.account, region: region.awsRegion };
    const data = new DataStack(app, `${prefix}Data`, { env, region, manifest });
    return { stack: new AppStack(app, `${prefix}App`, { env, region, data, manifest }), data, manifest, region };
  };
  const real = make('Real', 'ap-southeast-1-dev', defaultManifest);
  const synthetic = make('Synthetic', 'ap-southeast-1-prod', syntheticManifest);
  // The data stacks' templates from the assembly just synthesized: Template.fromStack would synthesize (and bundle) again.
  const dataTemplate = (data: DataStack) => Template.fromJSON(app.synth().getStackArtifact(data.artifactId).template);
  cases = {
    real: { ...real, template: withNestedStacks(real.stack), dataTemplate: dataTemplate(real.data) },
    synthetic: { ...synthetic, template: withNestedStacks(synthetic.stack), dataTemplate: dataTemplate(synthetic.data) },
  };
}, 300_000);

const eachCase = ['real', 'synthetic'] as const;

/** The Lambda function (not alias or version) built for a manifest entry; construct ids are the spec names. */
function functionOf(template: Template, name: string): [string, CfnResource] {
  const found = resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) => id.startsWith(`${name}Function`));
  expect(found, `function ${name}`).toHaveLength(1);
  return found[0]!;
}

/** The `live` alias a manifest entry is invoked through. */
function aliasOf(template: Template, name: string): [string, CfnResource] {
  const [functionId] = functionOf(template, name);
  const alias = resourcesOf(template, 'AWS::Lambda::Alias').find(([, candidate]) => referencedId(candidate.Properties!.FunctionName) === functionId);
  expect(alias, `alias of ${name}`).toBeDefined();
  return alias!;
}

/**
 * Asserts that `arn` in the app template is the data stack's schedule dead-letter queue: an import of the
 * export whose value is that very queue's ARN (not merely some ARN).
 */
function expectScheduleDeadLetterQueue(c: Case, arn: unknown, queue = c.data.scheduleDeadLetterQueue): void {
  const importName = (arn as { 'Fn::ImportValue'?: unknown } | undefined)?.['Fn::ImportValue'];
  expect(importName, 'an import from the data stack').toEqual(expect.any(String));
  const outputs = Object.values((c.dataTemplate.toJSON().Outputs ?? {}) as Record<string, { Value: unknown; Export?: { Name: string } }>);
  const exported = outputs.find((output) => output.Export?.Name === importName);
  const queueId = c.data.getLogicalId(queue.node.defaultChild as CfnElement);
  expect(exported?.Value, `export ${String(importName)}`).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
}

/** Every IAM action granted to a manifest entry's role. */
function actionsOf(template: Template, name: string): string[] {
  const [, fn] = functionOf(template, name);
  const roleId = referencedId(fn.Properties!.Role);
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties!.Roles.some((role: unknown) => referencedId(role) === roleId))
    .flatMap(([, policy]) => policy.Properties!.PolicyDocument.Statement)
    .flatMap((statement: { Action: string | string[] }) => [statement.Action].flat());
}

function routesOf(template: Template, apiType: 'HTTP' | 'WEBSOCKET'): Record<string, any>[] {
  const [apiId] = resourcesOf(template, 'AWS::ApiGatewayV2::Api').find(([, api]) => api.Properties!.ProtocolType === apiType)!;
  return resourcesOf(template, 'AWS::ApiGatewayV2::Route')
    .map(([, route]) => route.Properties!)
    .filter((route) => referencedId(route.ApiId) === apiId);
}

describe('the template matches the manifest', () => {
  it.each(eachCase)('%s: one Lambda per manifest function', (name) => {
    const { template, manifest } = cases[name];
    const specs = functionsOf(manifest);
    template.resourceCountIs('AWS::Lambda::Function', specs.length);
    for (const spec of specs) functionOf(template, spec.name);
  });

  it.each(eachCase)('%s: one HTTP route per httpRoutes entry, JWT-authorized except the public ones', (name) => {
    const { template, manifest } = cases[name];
    const routes = routesOf(template, 'HTTP');
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(manifest.httpRoutes.map((spec) => `${spec.method} ${spec.path}`).sort());
    for (const route of routes) {
      const spec = manifest.httpRoutes.find((candidate) => `${candidate.method} ${candidate.path}` === route.RouteKey);
      expect(route.AuthorizationType, route.RouteKey).toBe(spec?.public ? 'NONE' : 'JWT');
    }
  });

  it.each(eachCase)('%s: the JWT authorizer trusts the region’s issuer and audience', (name) => {
    const { template, region } = cases[name];
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: region.jwt.issuer, Audience: [region.jwt.audience] },
    });
  });

  it.each(eachCase)('%s: one WebSocket route per webSocketRoutes entry; only $connect is authorized, by the ticket', (name) => {
    const { template, manifest } = cases[name];
    const routes = routesOf(template, 'WEBSOCKET');
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(manifest.webSocketRoutes.map((spec) => spec.route).sort());
    for (const spec of manifest.webSocketRoutes) {
      const route = routes.find((candidate) => candidate.RouteKey === spec.route)!;
      expect(route.AuthorizationType, spec.route).toBe(spec.route === '$connect' ? 'CUSTOM' : 'NONE');
      expect(route.RouteResponseSelectionExpression, spec.route).toBe(spec.returnResponse ? '$default' : undefined);
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.ticket'],
    });
  });

  it.each(eachCase)('%s: one schedule per schedules entry, with its expression, input, retries and DLQ', (name) => {
    const { template, manifest } = cases[name];
    const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule').map(([, schedule]) => schedule.Properties!);
    expect(schedules.map((schedule) => schedule.ScheduleExpression).sort()).toEqual(manifest.schedules.map((spec) => spec.expression).sort());
    for (const spec of manifest.schedules) {
      // Found by the name in its input: two schedules may share an expression (every minute).
      const schedule = schedules.find((candidate) => JSON.parse(candidate.Target.Input).schedule === spec.name)!;
      expect(schedule.ScheduleExpression).toBe(spec.expression);
      expect(schedule.GroupName).toBeDefined();
      // The same payload the local scheduler sends, with Scheduler's own placeholder for the fire time.
      expect(JSON.parse(schedule.Target.Input)).toEqual({ schedule: spec.name, ...spec.input, scheduledTime: '<aws.scheduler.scheduled-time>' });
      expect(schedule.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 });
      expectScheduleDeadLetterQueue(cases[name], schedule.Target.DeadLetterConfig.Arn);
    }
  });

  it('the synthetic manifest really exercises consumers and schedules', () => {
    expect(cases.synthetic.manifest.queueConsumers.length).toBeGreaterThan(0);
    expect(cases.synthetic.manifest.schedules.length).toBeGreaterThan(0);
  });
});

describe('queue consumers', () => {
  it.each(eachCase)('%s: every event source mapping caps concurrency and reports batch item failures', (name) => {
    const { template, manifest, region } = cases[name];
    // Queue mappings only: stream consumers' mappings are checked below (they have no MaximumConcurrency).
    const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping')
      .map(([, mapping]) => mapping.Properties!)
      .filter((mapping) => mapping.StartingPosition === undefined);
    expect(mappings).toHaveLength(manifest.queueConsumers.length);
    for (const mapping of mappings) {
      expect(mapping.ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
      expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
    for (const spec of manifest.queueConsumers) {
      const [aliasId] = aliasOf(template, spec.name);
      // The mapping names the alias as `<function name>:live`, built from the alias ARN.
      const mapping = mappings.find((candidate) => JSON.stringify(candidate.FunctionName).includes(`{"Ref":"${aliasId}"}`));
      expect(mapping, spec.name).toMatchObject({
        BatchSize: spec.batchSize,
        ScalingConfig: { MaximumConcurrency: consumerMaxConcurrency(spec.maxConcurrency, activeCapacity(region)) },
      });
      // 0 means "no batching window" (the only choice on FIFO queues), which CloudFormation spells as absent.
      expect(mapping!.MaximumBatchingWindowInSeconds).toBe(spec.maxBatchingWindowSeconds || undefined);
    }
  });

  it('reserve exactly what their mapping may use when the preset says so, and nothing in a sandbox', () => {
    const { template, manifest, region } = cases.synthetic;
    const preset = activeCapacity(region);
    expect(preset.reserveConsumerConcurrency).toBe(true);
    for (const spec of manifest.queueConsumers) {
      const [, fn] = functionOf(template, spec.name);
      expect(fn.Properties!.ReservedConcurrentExecutions).toBe(consumerMaxConcurrency(spec.maxConcurrency, preset));
      expect(fn.Properties!.Timeout).toBe(spec.timeoutSeconds);
    }
    const real = cases.real;
    expect(activeCapacity(real.region).reserveConsumerConcurrency).toBe(false);
    for (const spec of real.manifest.queueConsumers) {
      expect(functionOf(real.template, spec.name)[1].Properties!.ReservedConcurrentExecutions).toBeUndefined();
    }
  });
});

describe('stream consumers', () => {
  it('real: each reads the table stream, filtered to its entities, bisecting, retrying, then to the stream-failure queue', () => {
    const { template, manifest, data } = cases.real;
    const specs = manifest.streamConsumers ?? [];
    expect(data.streamFailureQueue).toBeDefined();
    expect(specs.length).toBeGreaterThan(0);
    const streamMappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping')
      .map(([, mapping]) => mapping.Properties!)
      .filter((mapping) => mapping.StartingPosition !== undefined);
    expect(streamMappings).toHaveLength(specs.length);
    for (const spec of specs) {
      const [aliasId] = aliasOf(template, spec.name);
      const mapping = streamMappings.find((candidate) => JSON.stringify(candidate.FunctionName).includes(`{"Ref":"${aliasId}"}`));
      expect(mapping, spec.name).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: spec.batchSize,
        BisectBatchOnFunctionError: spec.bisectBatchOnError,
        MaximumRetryAttempts: spec.retryAttempts,
        MaximumRecordAgeInSeconds: spec.maxRecordAgeSeconds,
        ParallelizationFactor: spec.parallelizationFactor,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      expect(JSON.stringify(mapping!.EventSourceArn)).toContain('StreamArn');
      expectScheduleDeadLetterQueue(cases.real, mapping!.DestinationConfig.OnFailure.Destination, data.streamFailureQueue);
      const pattern = JSON.parse(mapping!.FilterCriteria.Filters[0].Pattern);
      expect(pattern.dynamodb.NewImage.entity.S.sort()).toEqual([...spec.entities].sort());
      // Deletions reach only a consumer that names removed entities (the directory: the tenant purge's User items).
      const removals = mapping!.FilterCriteria.Filters.slice(1).map((filter: { Pattern: string }) => JSON.parse(filter.Pattern));
      expect(removals, spec.name).toEqual(spec.removedEntities ? [{ eventName: ['REMOVE'], dynamodb: { OldImage: { entity: { S: [...spec.removedEntities] } } } }] : []);
    }
    expect(specs.find((spec) => spec.name === 'SyncUserDirectory')?.removedEntities).toEqual(['User']);
  });

  it('real: only stream consumers may read the stream', () => {
    const { template, manifest } = cases.real;
    const streamActions = ['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream', 'dynamodb:ListStreams'];
    const consumers = new Set((manifest.streamConsumers ?? []).map((spec) => spec.name));
    for (const spec of functionsOf(manifest)) {
      const granted = actionsOf(template, spec.name).filter((action) => streamActions.includes(action));
      expect(granted.sort(), spec.name).toEqual(consumers.has(spec.name) ? [...streamActions].sort() : []);
    }
  });
});

describe('capacity presets', () => {
  it('keep the region’s provisioned concurrency warm on every interactive entry point', () => {
    const { template, manifest, region } = cases.synthetic;
    const expected = activeCapacity(region).interactiveProvisionedConcurrency;
    expect(expected).toBeGreaterThan(0);
    for (const spec of [manifest.webSocketAuthorizer, ...manifest.httpRoutes, ...manifest.webSocketRoutes]) {
      expect(aliasOf(template, spec.name)[1].Properties!.ProvisionedConcurrencyConfig, spec.name).toEqual({
        ProvisionedConcurrentExecutions: expected,
      });
    }
    for (const spec of [...manifest.queueConsumers, ...manifest.schedules]) {
      expect(aliasOf(template, spec.name)[1].Properties!.ProvisionedConcurrencyConfig, spec.name).toBeUndefined();
    }
  });

  it('set the API stages’ throttling', () => {
    const { template, region } = cases.synthetic;
    const preset = activeCapacity(region);
    const stages = resourcesOf(template, 'AWS::ApiGatewayV2::Stage').map(([, stage]) => stage.Properties!);
    expect(stages).toHaveLength(2);
    for (const stage of stages) {
      expect(stage.AutoDeploy).toBe(true);
      expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: preset.apiRateLimit, ThrottlingBurstLimit: preset.apiBurstLimit });
      expect(stage.AccessLogSettings.DestinationArn).toBeDefined();
      // Connect tickets travel in the query string: the access log must never record it.
      expect(stage.AccessLogSettings.Format).not.toMatch(/querystring|\$context\.path/i);
    }
  });

  it('send failed scheduled runs to the schedule DLQ', () => {
    const { template, manifest } = cases.synthetic;
    for (const spec of manifest.schedules) {
      const [, fn] = functionOf(template, spec.name);
      expectScheduleDeadLetterQueue(cases.synthetic, fn.Properties!.DeadLetterConfig.TargetArn);
    }
  });
});

describe('every Lambda', () => {
  it.each(eachCase)('%s: runs Node 22 on arm64 with source maps, tracing and a log group with retention', (name) => {
    const { template, region } = cases[name];
    const logGroups = new Map(resourcesOf(template, 'AWS::Logs::LogGroup'));
    const retention = region.stage === 'dev' ? 7 : 30;
    for (const [id, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
      const props = fn.Properties!;
      expect(props.Runtime, id).toBe('nodejs22.x');
      expect(props.Architectures, id).toEqual(['arm64']);
      expect(props.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(props.Environment.Variables.NODE_OPTIONS, id).toBe('--enable-source-maps');
      expect(logGroups.get(referencedId(props.LoggingConfig.LogGroup)!)?.Properties?.RetentionInDays, id).toBe(retention);
    }
  });

  it.each(eachCase)('%s: gets exactly the handler variables of shared/runtime/env.ts, plus Node and Powertools', (name) => {
    const { template, manifest } = cases[name];
    const expected = [
      'TABLE_NAME',
      ...manifest.queues.map(queueUrlVariable),
      'WS_MANAGEMENT_ENDPOINT',
      'STAGE',
      'SECRETS_KEY_ID',
      'NODE_OPTIONS',
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_LOG_LEVEL',
    ].sort();
    for (const [id, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
      // The promo capacity control alone also gets what it may change (shared/promo/capacity.ts).
      const own = id.startsWith('ControlPromoCapacityFunction') ? ['PROMO_CAPACITY_TARGETS'] : id.startsWith('SyncUserDirectoryFunction') ? ['USER_POOL_ID'] : [];
      expect(Object.keys(fn.Properties!.Environment.Variables).sort(), id).toEqual([...expected, ...own].sort());
    }
  });

  it.each(eachCase)('%s: alarms on its errors and throttles', (name) => {
    const { template } = cases[name];
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties!);
    for (const functionId of logicalIdsOf(template, 'AWS::Lambda::Function')) {
      for (const metric of ['Errors', 'Throttles']) {
        const alarm = alarms.find(
          (candidate) => candidate.MetricName === metric && referencedId(candidate.Dimensions?.[0]?.Value) === functionId,
        );
        expect(alarm, `${metric} alarm of ${functionId}`).toMatchObject({ Threshold: 0, AlarmActions: [expect.anything()] });
      }
    }
  });
});

describe('least privilege from the access list', () => {
  const baseline = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

  it('grants nothing beyond logs and tracing to a function that declares no access', () => {
    const { template, manifest } = cases.real;
    const noAccess = functionsOf(manifest).filter((spec) => spec.access.length === 0);
    expect(noAccess.length).toBeGreaterThan(0);
    for (const spec of noAccess) expect(actionsOf(template, spec.name).sort(), spec.name).toEqual([...baseline].sort());
  });

  it('grants reads without writes for table:read', () => {
    const actions = actionsOf(cases.synthetic.template, 'ListThings');
    expect(actions).toContain('dynamodb:Query');
    expect(actions).not.toContain('dynamodb:PutItem');
  });

  it('maps every other access kind to its grant', () => {
    const { template } = cases.synthetic;
    expect(actionsOf(template, 'Send')).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'sqs:SendMessage']));
    expect(actionsOf(template, 'DeliverMessages')).toContain('execute-api:ManageConnections');
    expect(actionsOf(template, 'CloseIdleConversations')).toEqual(
      expect.arrayContaining(['dynamodb:UpdateItem', 'sqs:SendMessage']),
    );
  });

  it('lets only the functions that declare secrets:encrypt / secrets:decrypt use the secrets key, and only for that', () => {
    const { template } = cases.real;
    const kmsActions = (name: string) => actionsOf(template, name).filter((action) => action.startsWith('kms:'));
    expect(kmsActions('PutOrderIntegration')).toEqual(['kms:Encrypt']);
    expect(kmsActions('ReceiveShopifyWebhook')).toEqual(['kms:Decrypt']);
    expect(kmsActions('PullPlatformMessages')).toEqual(['kms:Decrypt']);
    expect(kmsActions('GetOrderIntegration')).toEqual([]);
    expect(kmsActions('WsSendMessage')).toEqual([]);
  });

  it('lets only the user directory function call the staff pool: its exact Admin* actions, on the pool from SSM (issue 12 §2)', () => {
    const { template, manifest } = cases.real;
    for (const spec of functionsOf(manifest)) {
      const cognitoActions = actionsOf(template, spec.name).filter((action) => action.startsWith('cognito-idp:'));
      expect(cognitoActions.sort(), spec.name).toEqual(spec.name === 'SyncUserDirectory' ? cognitoDirectoryActions.map((action) => `cognito-idp:${action}`).sort() : []);
    }
    // Written out, so a grant cannot grow or shrink by editing the list alone: AdminDeleteUser for the tenant purge.
    expect(actionsOf(template, 'SyncUserDirectory').filter((action) => action.startsWith('cognito-idp:')).sort()).toEqual(
      [
        'AdminAddUserToGroup',
        'AdminCreateUser',
        'AdminDeleteUser',
        'AdminDisableUser',
        'AdminEnableUser',
        'AdminGetUser',
        'AdminRemoveUserFromGroup',
        'AdminUpdateUserAttributes',
        'AdminUserGlobalSignOut',
      ].map((action) => `cognito-idp:${action}`),
    );
    const statements = resourcesOf(template, 'AWS::IAM::Policy')
      .flatMap(([, policy]) => policy.Properties!.PolicyDocument.Statement)
      .filter((statement: { Action: string | string[] }) => [statement.Action].flat().some((action) => action.startsWith('cognito-idp:')));
    expect(statements).toHaveLength(1);
    const resource = JSON.stringify(statements[0].Resource);
    expect(resource).toContain(':userpool/');
    expect(resource).not.toContain('*');
    // The pool id is the identity stack's SSM parameter, resolved by CloudFormation at deploy time.
    const parameters = Object.values(template.toJSON().Parameters ?? {}) as { Type: string; Default: string }[];
    expect(parameters).toContainEqual(expect.objectContaining({ Type: 'AWS::SSM::Parameter::Value<String>', Default: staffPoolIdParameter(cases.real.region.name) }));
    const [, fn] = functionOf(template, 'SyncUserDirectory');
    expect(fn.Properties!.Environment.Variables.USER_POOL_ID).toBeDefined();
  });

  it('names the table indexes instead of index/*', () => {
    const { template } = cases.real;
    const resources = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(resources).not.toContain('/index/*');
    expect(resources).toContain('/index/gsi1');
  });
});

describe('cdk-nag', () => {
  it.each(eachCase)('%s: AwsSolutions reports no unacknowledged error or warning', (name) => {
    expect(unacknowledgedNagFindings(cases[name].stack)).toEqual([]);
  });

  it.each(eachCase)('%s: CDK itself warns about nothing', (name) => {
    expect(cdkWarningsAndErrors(cases[name].stack)).toEqual([]);
  });
});

describe('manifest guards', () => {
  const region = selectRegions('ap-southeast-1-dev')[0]!;
  const build = (manifest: Manifest) => () => {
    const app = new App();
    const data = new DataStack(app, 'Data', { region, manifest });
    return new AppStack(app, 'App', { region, data, manifest });
  };

  it('refuses a function name declared twice', () => {
    const twice = { ...syntheticManifest, schedules: [{ ...syntheticManifest.schedules[0]!, name: 'Health' }] };
    expect(build(twice)).toThrow(/declares function Health twice/);
  });
});
