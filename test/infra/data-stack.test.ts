import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifest as defaultManifest, type Manifest } from '../../shared/manifest';
import { selectRegions, type RegionConfig } from '../../infra/config/regions';
import { DataStack } from '../../infra/data-stack';
import { deadLetterRetentionDays, defaultConsumerTimeoutSeconds } from '../../shared/queue-settings';
import { createTableInput } from '../../shared/store/create-table-input';
import { syntheticManifest } from './support/synthetic-manifest';
import { cdkWarningsAndErrors, logicalIdsOf, referencedId, resourcesOf, unacknowledgedNagFindings, type CfnResource } from './support/template';

/**
 * The stateful stack: no Lambda bundling, so every variant synthesizes in one cheap app. `dev` and
 * `prod` use the real manifest; `synthetic` adds a FIFO queue and a consumer with its own timeout.
 */
interface Case {
  stack: DataStack;
  template: Template;
  manifest: Manifest;
  region: RegionConfig;
}

const region = (name: string) => selectRegions(name)[0]!;
let cases: Record<'dev' | 'prod' | 'synthetic', Case>;

beforeAll(() => {
  const app = new App();
  const make = (id: string, config: RegionConfig, manifest: Manifest) => {
    const env = { account: config.account, region: config.awsRegion };
    return { stack: new DataStack(app, id, { env, region: config, manifest }), manifest, region: config };
  };
  const built = {
    dev: make('Dev', region('ap-southeast-1-dev'), defaultManifest),
    prod: make('Prod', region('ap-southeast-1-prod'), defaultManifest),
    synthetic: make('Synthetic', region('ap-southeast-1-prod'), syntheticManifest),
  };
  // Templates only after every stack exists: the first one synthesizes the whole app.
  cases = {
    dev: { ...built.dev, template: Template.fromStack(built.dev.stack) },
    prod: { ...built.prod, template: Template.fromStack(built.prod.stack) },
    synthetic: { ...built.synthetic, template: Template.fromStack(built.synthetic.stack) },
  };
}, 60_000);

const eachCase = ['dev', 'prod', 'synthetic'] as const;

describe('the table', () => {
  it.each(eachCase)('%s: has the keys, GSIs, TTL, stream and billing of the shared table schema', (name) => {
    const expected = createTableInput('unused');
    const [[, table]] = resourcesOf(cases[name].template, 'AWS::DynamoDB::Table') as [[string, CfnResource]];
    const props = table.Properties!;
    expect(props.KeySchema).toEqual(expected.KeySchema);
    expect(sortBy(props.AttributeDefinitions, 'AttributeName')).toEqual(sortBy(expected.AttributeDefinitions!, 'AttributeName'));
    expect(sortBy(props.GlobalSecondaryIndexes, 'IndexName')).toEqual(sortBy(expected.GlobalSecondaryIndexes!, 'IndexName'));
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(props.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('is deletion-protected and retained outside dev, in a termination-protected stack', () => {
    const { template, stack } = cases.prod;
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(stack.terminationProtection).toBe(true);
  });

  it('can be thrown away in dev', () => {
    const { template, stack } = cases.dev;
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
      DeletionPolicy: 'Delete',
    });
    expect(stack.terminationProtection).toBe(false);
  });
});

describe('the queues', () => {
  it.each(eachCase)('%s: every manifest queue has a DLQ, the retry and retention rules, and encryption', (name) => {
    const { template, manifest } = cases[name];
    const queues = new Map(resourcesOf(template, 'AWS::SQS::Queue'));
    const sources = [...queues].filter(([, queue]) => queue.Properties?.RedrivePolicy);
    expect(sources).toHaveLength(manifest.queues.length);

    for (const spec of manifest.queues) {
      const [, source] = sources.find(([id]) => id.startsWith(`${capitalize(spec.name)}Queue`)) ?? [];
      expect(source, `queue ${spec.name}`).toBeDefined();
      const props = source!.Properties!;
      const deadLetter = queues.get(referencedId(props.RedrivePolicy.deadLetterTargetArn)!)!;
      const consumer = manifest.queueConsumers.find((candidate) => candidate.queue === spec.name);
      const consumerTimeout = consumer?.timeoutSeconds ?? defaultConsumerTimeoutSeconds;

      expect(props.RedrivePolicy.maxReceiveCount).toBe(spec.maxReceiveCount);
      expect(props.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
      expect(props.MessageRetentionPeriod).toBe(spec.retentionDays * 86_400);
      expect(deadLetter.Properties!.MessageRetentionPeriod).toBe(deadLetterRetentionDays * 86_400);
      expect(deadLetter.Properties!.MessageRetentionPeriod).toBeGreaterThan(props.MessageRetentionPeriod);
      expect(props.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumerTimeout);
      for (const queue of [props, deadLetter.Properties!]) {
        expect(queue.SqsManagedSseEnabled).toBe(true);
        expect(queue.FifoQueue).toBe(spec.fifo ? true : undefined);
      }
    }
  });

  it('gives a consumer with its own timeout six times that as visibility', () => {
    const { template } = cases.synthetic;
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
      VisibilityTimeout: 6 * 40,
    });
  });

  it.each(eachCase)('%s: every queue refuses requests without TLS', (name) => {
    const { template } = cases[name];
    const queueIds = logicalIdsOf(template, 'AWS::SQS::Queue');
    const policies = resourcesOf(template, 'AWS::SQS::QueuePolicy');
    for (const queueId of queueIds) {
      const policy = policies.find(([, candidate]) => candidate.Properties!.Queues.some((ref: unknown) => referencedId(ref) === queueId));
      expect(policy, `policy of ${queueId}`).toBeDefined();
      expect(policy![1].Properties!.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it.each(eachCase)('%s: alarms on every DLQ holding a message and on every source queue falling behind', (name) => {
    const { template, manifest } = cases[name];
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties!);
    const topicId = logicalIdsOf(template, 'AWS::SNS::Topic')[0];
    const depthAlarms = alarms.filter((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible');
    const ageAlarms = alarms.filter((alarm) => alarm.MetricName === 'ApproximateAgeOfOldestMessage');

    // One DLQ per manifest queue, plus the schedule DLQ, plus the stream-failure queue when there are stream consumers.
    expect(depthAlarms).toHaveLength(manifest.queues.length + 1 + ((manifest.streamConsumers ?? []).length > 0 ? 1 : 0));
    expect(ageAlarms).toHaveLength(manifest.queues.length);
    for (const alarm of depthAlarms) {
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    }
    for (const alarm of alarms) expect(alarm.AlarmActions.map(referencedId)).toEqual([topicId]);
  });
});

describe('the rest of the stateful stack', () => {
  it('has one schedule group, retained outside dev, and no event bus until a function publishes to one', () => {
    const { template } = cases.prod;
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResource('AWS::Scheduler::ScheduleGroup', { DeletionPolicy: 'Retain' });
  });

  it('sends alarms to the configured e-mail through a KMS-encrypted topic CloudWatch may use', () => {
    const { template, region: config } = cases.prod;
    const [[keyId, key]] = resourcesOf(template, 'AWS::KMS::Key') as [[string, CfnResource]];
    expect(key.Properties!.EnableKeyRotation).toBe(true);
    expect(key.Properties!.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: config.alarmEmail });
  });
});

describe('the SMS callback secret (issue 8)', () => {
  it('is created holding the {} placeholder (receipts refused until the operator puts the provider\'s secret), retained outside dev, with no rotation Lambda (the provider rotates; acknowledged)', () => {
    const { template } = cases.prod;
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResource('AWS::SecretsManager::Secret', { Properties: Match.objectLike({ SecretString: '{}' }), DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    cases.dev.template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });
});

describe('stateful logical IDs', () => {
  // Renaming any of these replaces the resource, and with it the data. Change this list only on purpose:
  // a new manifest queue adds two entries here, nothing else should.
  const pinned = {
    'AWS::DynamoDB::Table': ['TableCD117FA1'],
    'AWS::SQS::Queue': [
      'DeliveryDeadLetterQueue0C72DD8D',
      'DeliveryQueueA11633D0',
      // issue 12: batches of large imports (catalogues)
      'ImportsDeadLetterQueueC4538ABF',
      'ImportsQueueF125E945',
      'OrdersDeadLetterQueue91101596',
      'OrdersQueue3DFA1D51',
      // issue 8: due outreach tasks and coupon commands
      'OutreachDeadLetterQueueB4297F31',
      'OutreachQueue4C3B61CA',
      // issue 9: attribution recompute pages after a shop's rule change
      'RecomputeDeadLetterQueueE35ACE15',
      'RecomputeQueue55EFB8AE',
      'RoundsDeadLetterQueue10BD34BA',
      'RoundsQueue9D36C5F1',
      'RoutingDeadLetterQueue3FACCF8A',
      'RoutingQueueB42B88AA',
      'ScheduleDeadLetterQueue0D6B48D2',
      // issue 9: the on-failure destination of the table-stream consumers (KPI aggregation)
      'StreamFailureQueueC70B334E',
    ],
    // Removed while nothing published to it; the issue that adds its first publisher adds it back here.
    'AWS::Events::EventBus': [],
    'AWS::Scheduler::ScheduleGroup': ['ScheduleGroup4D377372'],
    'AWS::SNS::Topic': ['AlarmTopicD01E77F9'],
    // SecretsKey seals shops' webhook secrets and platform credentials: replacing it would leave them unreadable.
    'AWS::KMS::Key': ['AlarmTopicKey57B0D3A7', 'SecretsKey317DCF94'],
    // issue 8: the SMS provider's callback secret, put by the operator: replacing it would lose the value (receipts refused).
    'AWS::SecretsManager::Secret': ['SmsCallbackSecret0D3E15DB'],
  };

  it.each(['dev', 'prod'] as const)('%s: are exactly the pinned ones', (name) => {
    for (const [type, ids] of Object.entries(pinned)) {
      expect(logicalIdsOf(cases[name].template, type), type).toEqual(ids);
    }
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
  const build = (manifest: Manifest) => () =>
    new DataStack(new App(), 'Guarded', { region: region('ap-southeast-1-dev'), manifest });

  it('refuses a queue that would dead-letter throttled messages early', () => {
    const manifest = { ...syntheticManifest, queues: [{ name: 'delivery', fifo: false, maxReceiveCount: 3, retentionDays: 4 }] } as const;
    expect(build(manifest)).toThrow(/maxReceiveCount must be at least 5/);
  });

  it('refuses a queue that keeps messages as long as its DLQ would', () => {
    const manifest = { ...syntheticManifest, queues: [{ name: 'delivery', fifo: false, maxReceiveCount: 5, retentionDays: 14 }] } as const;
    expect(build(manifest)).toThrow(/retention must be shorter/);
  });
});

function sortBy<T>(items: readonly T[], key: keyof T): T[] {
  return [...items].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
