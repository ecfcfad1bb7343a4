import { scheduledInvocationInput } from '../shared/schedule-input';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CfnOutput,
  CrossStackReferences,
  Duration,
  Names,
  NestedStack,
  ReferenceStrength,
  Stack,
  Token,
  Validations,
  type CfnElement,
  type StackProps,
} from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import type { FunctionSpec, HttpRouteSpec } from '../shared/manifest';
import { queueUrlVariable } from '../shared/queue-settings';
import { tableSchema } from '../shared/store/table-schema';
import type { Env } from '../shared/runtime/env';
import { functionsOf, manifest as defaultManifest, type Manifest } from '../shared/manifest';
import { activeCapacity, consumerMaxConcurrency, type CapacityPreset, type RegionConfig } from './config/regions';
import { ALARM_PERIOD, alarmToTopic } from './constructs/alarms';
import { capacityTargetsFor } from './config/promo-capacity';
import { KefuFunction, type KefuFunctionProps } from './constructs/kefu-function';
import { cognitoDirectoryActions } from '../shared/people/cognito-user-directory';
import { staffPoolIdParameter } from './identity-stack';
import type { DataStack, QueueName } from './data-stack';

export interface AppStackProps extends StackProps {
  region: RegionConfig;
  /** The region's stateful resources, passed as constructs (CDK turns the references into exports). */
  data: DataStack;
  /** Defaults to shared/manifest.ts; tests pass a small one. */
  manifest?: Manifest;
  /** Defaults to this repository; handler paths in the manifest are relative to it. */
  repoRoot?: string;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Handler environment variables other than the per-queue URLs; typed so a variable added to env.ts must be set here. */
type FixedHandlerEnvironment = Omit<Required<Env>, `${Uppercase<QueueName>}_QUEUE_URL` | LocalOrOptionalVariable | 'PROMO_CAPACITY_TARGETS'>;
/** LOCAL_SECRETS_KEY exists only in the local stack; PLATFORM_API_URL only where a platform API client is configured; KPI_FACT_BATCHING only in the bench. */
type LocalOrOptionalVariable = 'LOCAL_SECRETS_KEY' | 'PLATFORM_API_URL' | 'SMS_API_URL' | 'SMS_CALLBACK_SECRET' | 'LOCAL_USER_DIRECTORY_URL' | 'USER_POOL_ID' | 'KPI_FACT_BATCHING';

/**
 * CloudFormation allows 500 resources per stack and each function brings ~8 (log group, role, policy,
 * function, version, alias, two alarms), so functions live in nested stacks. A function's nested stack is
 * picked by a hash of its manifest name, not by its position, so adding a function never moves another
 * (moving one would replace it). 12 stacks hold ~700 functions.
 */
export const FUNCTION_STACKS = 12;
export function functionStackOf(functionName: string): number {
  return createHash('sha256').update(functionName).digest().readUInt32BE(0) % FUNCTION_STACKS;
}

/** The settings a function gets from how it is triggered. */
type TriggerSettings = Pick<KefuFunctionProps, 'provisionedConcurrency' | 'reservedConcurrency' | 'deadLetterQueue'>;

/**
 * The stateless half of a region, built entirely from the manifest: one Lambda per manifest function with
 * least-privilege grants from its `access` list, the HTTP API (JWT authorizer), the WebSocket API
 * ($connect ticket authorizer), SQS event source mappings and EventBridge Scheduler schedules. Nothing
 * here is per route: a new manifest entry appears on the next synth.
 */
export class AppStack extends Stack {
  private readonly data: DataStack;
  private readonly manifest: Manifest;
  private readonly capacity: CapacityPreset;
  private readonly logRetention: logs.RetentionDays;
  private readonly regionName: string;
  private readonly functions = new Map<string, KefuFunction>();
  private readonly functionStacks = new Map<number, NestedStack>();
  private readonly eventSources = new Map<string, SqsEventSource>();
  /** Where the web clients (infra/web-stack.ts) find the APIs. */
  readonly httpUrl: string;
  readonly wsUrl: string;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    // Imports (not stack outputs) from the data stack: CloudFormation then refuses to delete a table or
    // queue that this stack still uses. Removing one takes two deploys (see docs/deploy.md).
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    this.data = props.data;
    this.manifest = props.manifest ?? defaultManifest;
    this.capacity = activeCapacity(props.region);
    this.regionName = props.region.name;
    this.logRetention = props.region.stage === 'dev' ? logs.RetentionDays.ONE_WEEK : logs.RetentionDays.ONE_MONTH;

    // The WebSocket stage comes first: every handler's WS_MANAGEMENT_ENDPOINT names it.
    const webSocket = this.createWebSocketApi(props.region);
    const environment = this.handlerEnvironment(props.region, webSocket.stage);
    const triggers = this.triggerSettings();
    for (const spec of functionsOf(this.manifest)) {
      const fn = this.createFunction(spec, triggers.get(spec.name), environment, props);
      this.grantAccess(fn, spec, webSocket.stage);
    }

    const httpApi = this.createHttpApi(props.region);
    this.addWebSocketRoutes(webSocket.api);
    this.addQueueConsumers();
    this.addStreamConsumers();
    this.addSchedules();
    this.wireCapacityControl(props.region);

    this.httpUrl = httpApi.apiEndpoint;
    this.wsUrl = webSocket.stage.url;
    new CfnOutput(this, 'HttpApiUrl', { value: httpApi.apiEndpoint });
    new CfnOutput(this, 'WebSocketUrl', { value: webSocket.stage.url });
  }

  /** Exactly the variables shared/runtime/env.ts reads, the same for every function. */
  private handlerEnvironment(region: RegionConfig, webSocketStage: apigw.WebSocketStage): Record<string, string> {
    const fixed: FixedHandlerEnvironment = {
      TABLE_NAME: this.data.table.tableName,
      WS_MANAGEMENT_ENDPOINT: webSocketStage.callbackUrl,
      STAGE: region.stage,
      SECRETS_KEY_ID: this.data.secretsKey.keyArn,
    };
    const queueUrls = [...this.data.queues].map(([name, queue]) => [queueUrlVariable({ name }), queue.queueUrl]);
    return { ...fixed, ...Object.fromEntries(queueUrls) };
  }

  /**
   * Capacity and failure handling by trigger: interactive entry points keep the preset's warm instances,
   * queue consumers may reserve exactly the concurrency their mapping may use, and asynchronously
   * invoked schedules dead-letter what fails. A name declared twice is refused: it becomes a construct id.
   */
  private triggerSettings(): Map<string, TriggerSettings> {
    const settings = new Map<string, TriggerSettings>();
    const declare = (spec: FunctionSpec, value: TriggerSettings) => {
      if (settings.has(spec.name)) throw new Error(`manifest declares function ${spec.name} twice`);
      settings.set(spec.name, value);
    };
    const { webSocketAuthorizer, httpRoutes, webSocketRoutes, queueConsumers, schedules } = this.manifest;
    for (const spec of [webSocketAuthorizer, ...httpRoutes, ...webSocketRoutes]) {
      declare(spec, { provisionedConcurrency: this.capacity.interactiveProvisionedConcurrency });
    }
    for (const spec of queueConsumers) {
      const reserved = this.capacity.reserveConsumerConcurrency ? consumerMaxConcurrency(spec.maxConcurrency, this.capacity) : undefined;
      declare(spec, { reservedConcurrency: reserved });
    }
    // Stream pollers are Lambda's own (one per shard, times the parallelization factor): nothing to reserve.
    for (const spec of this.manifest.streamConsumers ?? []) declare(spec, {});
    for (const spec of schedules) declare(spec, { deadLetterQueue: this.data.scheduleDeadLetterQueue });
    return settings;
  }

  private createFunction(
    spec: FunctionSpec,
    trigger: TriggerSettings | undefined,
    environment: Record<string, string>,
    props: AppStackProps,
  ): KefuFunction {
    if (!trigger) {
      // A new kind of manifest entry (an event rule, say) would otherwise deploy a function nothing invokes.
      throw new Error(`function ${spec.name} has no trigger infra/app-stack.ts knows how to wire`);
    }
    const fn = new KefuFunction(this.functionStack(spec.name), spec.name, {
      spec,
      repoRoot: props.repoRoot ?? REPO_ROOT,
      stage: props.region.stage,
      // Only the user directory function learns the staff pool (and only it may call the pool: grantAccess).
      environment: spec.access.includes('directory:admin') ? { ...environment, USER_POOL_ID: this.staffPool().userPoolId } : environment,
      alarmTopic: this.data.alarmTopic,
      ...trigger,
    });
    this.functions.set(spec.name, fn);
    return fn;
  }

  /** Least privilege from the manifest's `access` list; an access kind this stack does not know fails the synth. */
  private grantAccess(fn: KefuFunction, spec: FunctionSpec, webSocketStage: apigw.WebSocketStage): void {
    const grantee = fn.function;
    for (const access of spec.access) {
      const queueSend = /^queue:(.+):send$/.exec(access);
      if (access === 'table:read') {
        this.data.grantTableRead(grantee);
      } else if (access === 'table:write') {
        this.data.grantTableReadWrite(grantee);
      } else if (queueSend) {
        this.queue(queueSend[1] as QueueName, spec.name).grantSendMessages(grantee);
      } else if (access === 'websocket:post') {
        webSocketStage.grantManagementApiAccess(grantee);
      } else if (access === 'secrets:encrypt') {
        // Exactly kms:Encrypt (grantEncrypt would add ReEncrypt* and GenerateDataKey*, unused here).
        this.data.secretsKey.grant(grantee, 'kms:Encrypt');
      } else if (access === 'secrets:decrypt') {
        this.data.secretsKey.grant(grantee, 'kms:Decrypt');
      } else if (access === 'capacity:control') {
        // Granted by wireCapacityControl once the aliases and event source mappings it names exist.
      } else if (access === 'table:stream') {
        // Granted by addStreamConsumers: the event source mapping grants exactly the stream read it needs.
      } else if (access === 'directory:admin') {
        grantee.addToRolePolicy(
          new iam.PolicyStatement({ actions: cognitoDirectoryActions.map((action) => `cognito-idp:${action}`), resources: [this.staffPool().userPoolArn] }),
        );
      } else {
        throw new Error(`function ${spec.name}: unknown access "${access}"`);
      }
    }
    if (spec.access.includes('websocket:post')) {
      Validations.of(fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${this.connectionsArnAsNagPrintsIt(webSocketStage)}]`,
        reason: "Connection ids are minted per socket at runtime; the grant is scoped to this API stage's @connections.",
      });
    }
  }

  /**
   * The resource of `grantManagementApiAccess`, spelled the way cdk-nag prints it in an IAM5 finding
   * (tokens as <LogicalId> or <AWS::Pseudo>): acknowledgments must name the finding exactly.
   */
  private connectionsArnAsNagPrintsIt(stage: apigw.WebSocketStage): string {
    const literalOr = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
    // The grant sits in a function's nested stack, where the API id arrives as the parameter CDK names
    // `referenceto<unique id>Ref`.
    const apiId = `<referenceto${Names.uniqueId(stage.api.node.defaultChild as CfnElement)}Ref>`;
    const region = literalOr(this.region, 'AWS::Region');
    const account = literalOr(this.account, 'AWS::AccountId');
    return `arn:<AWS::Partition>:execute-api:${region}:${account}:${apiId}/${stage.stageName}/*/@connections/*`;
  }

  private staffPoolRef?: { userPoolId: string; userPoolArn: string };
  /**
   * The region's staff pool, from the SSM parameter the identity stack writes (infra/identity-stack.ts),
   * resolved at deploy time: no cross-stack export, so the identity stack never depends on this one.
   */
  private staffPool(): { userPoolId: string; userPoolArn: string } {
    if (!this.staffPoolRef) {
      const userPoolId = ssm.StringParameter.valueForStringParameter(this, staffPoolIdParameter(this.regionName));
      this.staffPoolRef = { userPoolId, userPoolArn: this.formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: userPoolId }) };
    }
    return this.staffPoolRef;
  }

  private functionStack(name: string): NestedStack {
    const index = functionStackOf(name);
    let stack = this.functionStacks.get(index);
    if (!stack) {
      stack = new NestedStack(this, `Functions${index}`);
      this.functionStacks.set(index, stack);
    }
    return stack;
  }

  private fn(name: string): KefuFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no function named ${name}`);
    return fn;
  }

  private queue(name: QueueName, user: string) {
    const queue = this.data.queues.get(name);
    if (!queue) throw new Error(`${user} uses queue "${name}", which the manifest does not declare`);
    return queue;
  }

  /** An access log group per API; the formats log ids and outcomes but never query strings (connect tickets). */
  private accessLog(id: string, format: Record<string, string>): apigw.IAccessLogSettings {
    const logGroup = new logs.LogGroup(this, id, { retention: this.logRetention });
    return {
      destination: new apigw.LogGroupLogDestination(logGroup),
      format: AccessLogFormat.custom(JSON.stringify(format)),
    };
  }

  private throttle(): apigw.ThrottleSettings {
    return { rateLimit: this.capacity.apiRateLimit, burstLimit: this.capacity.apiBurstLimit };
  }

  private createHttpApi(region: RegionConfig): apigw.HttpApi {
    const api = new apigw.HttpApi(this, 'HttpApi', { createDefaultStage: false });
    new apigw.HttpStage(this, 'HttpStage', {
      httpApi: api,
      autoDeploy: true,
      throttle: this.throttle(),
      accessLogSettings: this.accessLog('HttpAccessLogs', {
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        responseLength: '$context.responseLength',
        integrationLatency: '$context.integrationLatency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
      }),
    });
    const jwtAuthorizer = new HttpJwtAuthorizer('JwtAuthorizer', region.jwt.issuer, { jwtAudience: [region.jwt.audience] });
    for (const spec of this.manifest.httpRoutes) this.addHttpRoute(api, spec, jwtAuthorizer);

    alarmToTopic(this, 'HttpApiServerErrorsAlarm', this.data.alarmTopic, {
      metric: api.metricServerError({ period: ALARM_PERIOD, statistic: 'Sum' }),
      threshold: 0,
      description: 'The HTTP API answered 5xx: a handler failed or timed out, or /health found the table down.',
    });
    return api;
  }

  private addHttpRoute(api: apigw.HttpApi, spec: HttpRouteSpec, jwtAuthorizer: HttpJwtAuthorizer): void {
    const isPublic = spec.public === true;
    const [route] = api.addRoutes({
      path: spec.path,
      methods: [apigw.HttpMethod[spec.method]],
      integration: new HttpLambdaIntegration(`${spec.name}Integration`, this.fn(spec.name).alias),
      authorizer: isPublic ? new apigw.HttpNoneAuthorizer() : jwtAuthorizer,
    });
    if (isPublic && route) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${spec.method} ${spec.path} is ${spec.publicBecause ?? 'public'}.`,
      });
    }
  }

  /**
   * The WebSocket API and its stage. Browsers cannot send headers on a WebSocket, so $connect is
   * authorized by a Lambda that consumes a single-use ticket from the query string (never a JWT, which
   * would end up in logs). Routes are added once the functions exist.
   */
  private createWebSocketApi(region: RegionConfig): { api: apigw.WebSocketApi; stage: apigw.WebSocketStage } {
    const api = new apigw.WebSocketApi(this, 'WebSocketApi', { routeSelectionExpression: '$request.body.action' });
    const stage = new apigw.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: api,
      stageName: region.stage,
      autoDeploy: true,
      throttle: this.throttle(),
      accessLogSettings: this.accessLog('WebSocketAccessLogs', {
        requestId: '$context.requestId',
        connectionId: '$context.connectionId',
        eventType: '$context.eventType',
        routeKey: '$context.routeKey',
        status: '$context.status',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        integrationLatency: '$context.integrationLatency',
        error: '$context.error.message',
        authorizerError: '$context.authorizer.error',
      }),
    });
    stage.node.addDependency(this.apiGatewayLoggingRole());
    return { api, stage };
  }

  /**
   * WebSocket APIs (unlike HTTP APIs) log through the account's API Gateway CloudWatch role, a regional
   * account setting; without it the stage's access logs are silently dropped.
   */
  private apiGatewayLoggingRole(): CfnAccount {
    const role = new iam.Role(this, 'ApiGatewayLoggingRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The AWS-documented policy for the API Gateway account logging role; API Gateway names the log groups it ' +
        'writes, so a hand-written policy would need the same log-group wildcard.',
    });
    return new CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
  }

  private addWebSocketRoutes(api: apigw.WebSocketApi): void {
    const authorizerSpec = this.manifest.webSocketAuthorizer;
    const connectAuthorizer = new WebSocketLambdaAuthorizer('ConnectAuthorizer', this.fn(authorizerSpec.name).alias, {
      identitySource: [...(authorizerSpec.identitySource ?? ['route.request.querystring.ticket'])],
    });
    for (const spec of this.manifest.webSocketRoutes) {
      const isConnect = spec.route === '$connect';
      const route = api.addRoute(spec.route, {
        integration: new WebSocketLambdaIntegration(`${spec.name}Integration`, this.fn(spec.name).alias),
        authorizer: isConnect ? connectAuthorizer : undefined,
        returnResponse: spec.returnResponse,
      });
      if (!isConnect) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'API Gateway authorizes a WebSocket once, at $connect (ticket authorizer); other routes accept no ' +
            'authorizer and run with the identity the authorizer attached to the connection.',
        });
      }
    }
  }

  private addQueueConsumers(): void {
    for (const spec of this.manifest.queueConsumers) {
      const queue = this.queue(spec.queue, spec.name);
      const source = new SqsEventSource(queue, {
        batchSize: spec.batchSize,
        // FIFO mappings accept no batching window; a FIFO consumer declares 0.
        maxBatchingWindow: spec.maxBatchingWindowSeconds > 0 ? Duration.seconds(spec.maxBatchingWindowSeconds) : undefined,
        // Equal to the function's reserved concurrency when the preset reserves: pollers are never throttled.
        maxConcurrency: consumerMaxConcurrency(spec.maxConcurrency, this.capacity),
        reportBatchItemFailures: true,
      });
      this.fn(spec.name).alias.addEventSource(source);
      this.eventSources.set(spec.name, source);
    }
  }

  /**
   * Stream consumers: an event source mapping on the table's stream per manifest entry, filtered to the
   * entities the consumer reads (Lambda's event filtering: other items never invoke it, nor are billed),
   * reporting the first failed record, bisecting a failing batch, retrying it `retryAttempts` times and
   * then sending its description to the data stack's stream-failure queue. The mapping's grant is the only
   * stream access any role gets: GetRecords, GetShardIterator and DescribeStream on this table's stream, and
   * ListStreams, which IAM cannot scope to a resource.
   */
  private addStreamConsumers(): void {
    for (const spec of this.manifest.streamConsumers ?? []) {
      if (!spec.access.includes('table:stream')) throw new Error(`stream consumer ${spec.name} must declare access table:stream`);
      const failures = this.data.streamFailureQueue;
      if (!failures) throw new Error(`stream consumer ${spec.name}: the data stack has no stream-failure queue`);
      const fn = this.fn(spec.name);
      fn.alias.addEventSource(
        new DynamoEventSource(this.data.table, {
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
          batchSize: spec.batchSize,
          maxBatchingWindow: spec.maxBatchingWindowSeconds > 0 ? Duration.seconds(spec.maxBatchingWindowSeconds) : undefined,
          bisectBatchOnError: spec.bisectBatchOnError,
          retryAttempts: spec.retryAttempts,
          maxRecordAge: Duration.seconds(spec.maxRecordAgeSeconds),
          parallelizationFactor: spec.parallelizationFactor,
          reportBatchItemFailures: true,
          onFailure: new SqsDlq(failures),
          filters: [
            lambda.FilterCriteria.filter({ dynamodb: { NewImage: { [tableSchema.entityAttribute]: { S: lambda.FilterRule.or(...spec.entities) } } } }),
            ...(spec.removedEntities?.length
              ? [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('REMOVE'), dynamodb: { OldImage: { [tableSchema.entityAttribute]: { S: lambda.FilterRule.or(...spec.removedEntities) } } } })]
              : []),
          ],
        }),
      );
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'dynamodb:ListStreams (granted by the stream event source mapping) supports no resource-level permissions; every other stream action is scoped to this table\'s stream.',
      });
    }
  }

  /**
   * The promo capacity control (access `capacity:control`): its targets (every preset's value per
   * latency-critical alias, event source mapping and non-urgent consumer, from infra/config) as an
   * environment variable, and a policy naming exactly those resources and actions: UpdateTable and
   * DescribeTable on this table; provisioned concurrency on the latency-critical `live` aliases;
   * UpdateEventSourceMapping on the queue consumers' mappings; reserved concurrency on the non-urgent
   * consumers. Nothing else in the stack may make these calls.
   */
  private wireCapacityControl(region: RegionConfig): void {
    const controls = functionsOf(this.manifest).filter((spec) => spec.access.includes('capacity:control'));
    if (controls.length === 0) return;
    const targets = capacityTargetsFor(
      region,
      this.manifest,
      {
        tableName: this.data.table.tableName,
        functionName: (name) => this.fn(name).function.functionName,
        mappingUuid: (name) => this.eventSource(name).eventSourceMappingId,
      },
      'send',
    );
    const mappingArns = targets.mappings.map((mapping) => this.eventSource(mapping.name).eventSourceMappingArn);
    const statements = [
      new iam.PolicyStatement({ actions: ['dynamodb:UpdateTable', 'dynamodb:DescribeTable'], resources: [this.data.table.tableArn] }),
      new iam.PolicyStatement({
        actions: ['lambda:PutProvisionedConcurrencyConfig', 'lambda:DeleteProvisionedConcurrencyConfig'],
        resources: targets.aliases.map((alias) => this.fn(alias.name).alias.functionArn),
      }),
      ...(mappingArns.length > 0 ? [new iam.PolicyStatement({ actions: ['lambda:UpdateEventSourceMapping'], resources: mappingArns })] : []),
      ...(targets.nonUrgent.length > 0
        ? [
            new iam.PolicyStatement({
              actions: ['lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency'],
              resources: targets.nonUrgent.map((consumer) => this.fn(consumer.name).function.functionArn),
            }),
          ]
        : []),
    ];
    for (const spec of controls) {
      const fn = this.fn(spec.name);
      fn.function.addEnvironment('PROMO_CAPACITY_TARGETS', this.toJsonString(targets));
      for (const statement of statements) fn.function.addToRolePolicy(statement);
    }
  }

  private eventSource(name: string): SqsEventSource {
    const source = this.eventSources.get(name);
    if (!source) throw new Error(`no event source for consumer ${name}`);
    return source;
  }

  /**
   * Schedules invoke the function asynchronously. Scheduler retries failed invocations for an hour (a
   * job older than that is stale; the next run will catch up), then both it and Lambda's own async
   * retries dead-letter to the data stack's schedule DLQ.
   */
  private addSchedules(): void {
    for (const spec of this.manifest.schedules) {
      new scheduler.Schedule(this, `${spec.name}Schedule`, {
        schedule: scheduler.ScheduleExpression.expression(spec.expression),
        scheduleGroup: this.data.scheduleGroup,
        description: `kefu ${spec.name} (${spec.expression})`,
        target: new LambdaInvoke(this.fn(spec.name).alias, {
          input: scheduler.ScheduleTargetInput.fromObject(scheduledInvocationInput(spec, scheduler.ContextAttribute.scheduledTime)),
          retryAttempts: 10,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: this.data.scheduleDeadLetterQueue,
        }),
      });
    }
  }
}
