import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../../shared/manifest';
import { defaultConsumerTimeoutSeconds } from '../../shared/queue-settings';
import type { Stage } from '../config/regions';
import { ALARM_PERIOD, alarmToTopic } from './alarms';

export interface KefuFunctionProps {
  spec: FunctionSpec;
  /** The repository root: the handler path in the manifest is relative to it, and it holds package-lock.json. */
  repoRoot: string;
  stage: Stage;
  /** Handler configuration (shared/runtime/env.ts); the construct adds Node and Powertools settings. */
  environment: Record<string, string>;
  alarmTopic: sns.ITopic;
  /** Concurrency only this function may use (and may not exceed); undefined: the unreserved pool. */
  reservedConcurrency?: number;
  /** Warm instances kept on the `live` alias; undefined or 0: none. */
  provisionedConcurrency?: number;
  /** Asynchronous invocations (schedules) that fail after Lambda's retries go here. */
  deadLetterQueue?: sqs.IQueue;
}

/** The default when the manifest gives none; the same default the queue visibility timeout assumes. */
export const DEFAULT_TIMEOUT_SECONDS = defaultConsumerTimeoutSeconds;
const DEFAULT_MEMORY_MB = 512;

/**
 * Every kefu Lambda: Node 22 on arm64, an ESM bundle built by the local esbuild with source maps, its own
 * log group with a retention, X-Ray tracing, Powertools settings, a `live` alias that callers invoke (so
 * provisioned concurrency can be switched on for a promo without moving integrations), and alarms on
 * errors and throttles. The role is made here rather than by Lambda, so the function may write to its
 * own log group only, instead of holding AWSLambdaBasicExecutionRole (logs:* on every log group).
 */
export class KefuFunction extends Construct {
  readonly function: NodejsFunction;
  /** What triggers invoke: API integrations, event source mappings, schedules. */
  readonly alias: lambda.Alias;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: KefuFunctionProps) {
    super(scope, id);
    const isDev = props.stage === 'dev';
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: isDev ? logs.RetentionDays.ONE_WEEK : logs.RetentionDays.ONE_MONTH,
      removalPolicy: isDev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(props.repoRoot, props.spec.handler),
      projectRoot: props.repoRoot,
      depsLockFilePath: path.join(props.repoRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(props.spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      memorySize: props.spec.memoryMb ?? DEFAULT_MEMORY_MB,
      role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: props.reservedConcurrency,
      deadLetterQueue: props.deadLetterQueue,
      environment: { ...props.environment, ...runtimeEnvironment(props.stage) },
      bundling: bundlingOptions,
      // Old versions are dropped once the alias moves on; retaining them would fill the code storage quota.
      currentVersionOptions: { removalPolicy: RemovalPolicy.DESTROY },
    });
    this.alias = this.function.addAlias('live', {
      provisionedConcurrentExecutions: props.provisionedConcurrency || undefined,
    });

    this.addAlarms(props.spec.name, props.alarmTopic);
    this.acknowledgeNagFindings();
  }

  private addAlarms(name: string, topic: sns.ITopic): void {
    alarmToTopic(this, 'ErrorsAlarm', topic, {
      metric: this.function.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
      threshold: 0,
      description: `${name} failed: an unhandled error or a timeout (handled errors become 4xx responses, not Lambda errors).`,
    });
    alarmToTopic(this, 'ThrottlesAlarm', topic, {
      metric: this.function.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum' }),
      threshold: 0,
      description: `${name} was throttled: raise its capacity preset or the account's concurrency quota.`,
    });
  }

  private acknowledgeNagFindings(): void {
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is deliberate: the toolchain pins it (package.json devDependency "node" and engines), so the ' +
        'tested runtime is the deployed one. Move to the next LTS in the toolchain first, then here.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) is granted on "*": those actions ' +
        'support no resource-level permissions.',
    });
  }
}

/**
 * ESM output, because the handlers and their dependencies are ES modules; the banner gives bundled
 * CommonJS dependencies the `require` that ESM lacks. The AWS SDK is bundled too, so the deployed SDK is
 * the version the tests ran against, not whatever the runtime ships.
 */
const bundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  bundleAwsSDK: true,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  forceDockerBundling: false,
};

/** Settings for Node and Powertools, identical for every function (the service is kefu, not the handler). */
function runtimeEnvironment(stage: Stage): Record<string, string> {
  return {
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_SERVICE_NAME: 'kefu',
    POWERTOOLS_METRICS_NAMESPACE: 'kefu',
    POWERTOOLS_LOG_LEVEL: stage === 'dev' ? 'DEBUG' : 'INFO',
  };
}
