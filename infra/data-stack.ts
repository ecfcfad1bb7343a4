import { Duration, RemovalPolicy, SecretValue, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { QueueSpec } from '../shared/manifest';
import { deadLetterRetentionDays, visibilityTimeoutSeconds } from '../shared/queue-settings';
import { tableSchema } from '../shared/store/table-schema';
import { manifest as defaultManifest, type Manifest } from '../shared/manifest';
import type { RegionConfig } from './config/regions';
import { ALARM_PERIOD, alarmToTopic } from './constructs/alarms';

export interface DataStackProps extends StackProps {
  region: RegionConfig;
  /** Defaults to shared/manifest.ts; tests pass a small one. */
  manifest?: Manifest;
}

export type QueueName = QueueSpec['name'];

/**
 * A message this old means buyers are waiting on delivery or routing: the queues carry live chat work,
 * so a backlog of minutes is an incident, not a trend to look at tomorrow.
 */
const OLDEST_MESSAGE_ALARM_SECONDS = 300;

/**
 * The stateful half of a region: the table, the queues and their dead-letter queues, the schedule group
 * and the alarm topic. These keep data or identity across deploys, so their logical IDs
 * are pinned by test/infra, and outside dev the stack is termination-protected and the stores are
 * retained. The app stack receives these constructs as properties; names are generated, never hard-coded.
 */
export class DataStack extends Stack {
  readonly table: dynamodb.Table;
  /** Source queues by manifest name. */
  readonly queues: ReadonlyMap<QueueName, sqs.Queue>;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  /** Where schedule invocations that exhausted their retries land (Scheduler's and Lambda's async ones). */
  readonly scheduleDeadLetterQueue: sqs.Queue;
  /** The on-failure destination of the table-stream consumers (batches that exhausted their retries); only with stream consumers. */
  readonly streamFailureQueue: sqs.Queue | undefined;
  readonly alarmTopic: sns.Topic;
  /**
   * Seals shops' webhook secrets and platform credentials (shared/store/secret-box.ts). Customer-managed,
   * rotated yearly; no function may use it unless its manifest `access` says `secrets:encrypt` or
   * `secrets:decrypt`, and those get exactly kms:Encrypt or kms:Decrypt.
   */
  readonly secretsKey: kms.Key;
  /**
   * The SMS provider's receipt-callback secret (issue 8, docs/deploy.md): the provider issues it, the
   * operator puts it here; only functions whose manifest `access` says `sms-callback-secret:read` may read it.
   */
  readonly smsCallbackSecret: secretsmanager.Secret;

  private readonly removalPolicy: RemovalPolicy;
  /** The table and each of its indexes by exact ARN: grants need no `index/*` wildcard. */
  private readonly tableResourceArns: string[];

  constructor(scope: Construct, id: string, props: DataStackProps) {
    const isDev = props.region.stage === 'dev';
    super(scope, id, { terminationProtection: !isDev, ...props });
    this.removalPolicy = isDev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const manifest = props.manifest ?? defaultManifest;

    this.alarmTopic = this.createAlarmTopic(props.region.alarmEmail);
    this.table = this.createTable(!isDev);
    const indexArns = Object.keys(tableSchema.indexes).map((indexName) => `${this.table.tableArn}/index/${indexName}`);
    this.tableResourceArns = [this.table.tableArn, ...indexArns];
    this.queues = new Map(manifest.queues.map((spec) => [spec.name, this.createQueue(spec, manifest)]));
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', { removalPolicy: this.removalPolicy });
    this.scheduleDeadLetterQueue = this.createScheduleDeadLetterQueue();
    this.streamFailureQueue = (manifest.streamConsumers ?? []).length > 0 ? this.createStreamFailureQueue() : undefined;
    this.secretsKey = new kms.Key(this, 'SecretsKey', {
      description: "Seals kefu shops' webhook secrets and platform API credentials",
      enableKeyRotation: true,
      removalPolicy: this.removalPolicy,
    });
    this.smsCallbackSecret = this.createSmsCallbackSecret();
  }

  /**
   * What `table.grantReadData` grants, on the table and its indexes by name rather than `index/*`. The
   * stream actions are left out: only stream consumers read the stream, and their event source mapping
   * grants that to their role alone (infra/app-stack.ts addStreamConsumers).
   */
  grantTableRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: TABLE_READ_ACTIONS, resourceArns: this.tableResourceArns });
  }

  /** What `table.grantReadWriteData` grants, scoped like {@link grantTableRead}. */
  grantTableReadWrite(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
      resourceArns: this.tableResourceArns,
    });
  }

  /** One table for everything, from the same schema the runtime and the local stack use. */
  private createTable(protect: boolean): dynamodb.Table {
    const stringKey = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: stringKey(tableSchema.partitionKey),
      sortKey: stringKey(tableSchema.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: tableSchema.timeToLiveAttribute,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: protect,
      removalPolicy: this.removalPolicy,
    });
    for (const [indexName, index] of Object.entries(tableSchema.indexes)) {
      table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
        projectionType: dynamodb.ProjectionType[index.projection],
      });
    }
    return table;
  }

  /**
   * A manifest queue and its DLQ. The rules come from AWS's guidance for Lambda consumers (see
   * /work/shared/reliability.md): maxReceiveCount ≥ 5 so throttled retries do not dead-letter good
   * messages; visibility 6× the consumer's timeout; the DLQ keeps messages longer than the source,
   * because a moved message keeps its original enqueue time.
   */
  private createQueue(spec: QueueSpec, manifest: Manifest): sqs.Queue {
    if (spec.maxReceiveCount < 5) throw new Error(`queue ${spec.name}: maxReceiveCount must be at least 5`);
    if (spec.retentionDays >= deadLetterRetentionDays) {
      throw new Error(`queue ${spec.name}: retention must be shorter than its DLQ's ${deadLetterRetentionDays} days`);
    }
    const prefix = pascalCase(spec.name);
    const deadLetterQueue = this.createDeadLetterQueue(`${prefix}DeadLetterQueue`, spec.fifo, `${spec.name} queue`);
    const queue = new sqs.Queue(this, `${prefix}Queue`, {
      ...secureQueueDefaults(spec.fifo),
      retentionPeriod: Duration.days(spec.retentionDays),
      visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(spec, manifest.queueConsumers)),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
      removalPolicy: this.removalPolicy,
    });
    alarmToTopic(this, `${prefix}QueueOldestMessageAlarm`, this.alarmTopic, {
      metric: queue.metricApproximateAgeOfOldestMessage({ period: ALARM_PERIOD, statistic: 'Maximum' }),
      threshold: OLDEST_MESSAGE_ALARM_SECONDS,
      description: `The ${spec.name} queue's oldest message is over ${OLDEST_MESSAGE_ALARM_SECONDS} s old: its consumer is stuck, throttled or failing.`,
    });
    return queue;
  }

  /** A DLQ with a depth alarm: any message in it is work kefu failed to do and someone must look at. */
  private createDeadLetterQueue(id: string, fifo: boolean, feeds: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      ...secureQueueDefaults(fifo),
      retentionPeriod: Duration.days(deadLetterRetentionDays),
      removalPolicy: this.removalPolicy,
    });
    alarmToTopic(this, `${id}DepthAlarm`, this.alarmTopic, {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
      threshold: 0,
      description: `Messages in the dead-letter queue of the ${feeds}: inspect them, fix the cause, redrive.`,
    });
    return queue;
  }

  /**
   * Scheduled jobs are invoked asynchronously: EventBridge Scheduler retries failed invocations and Lambda
   * retries failed runs, and both send what they give up on here (reliability matrix row 25).
   */
  private createScheduleDeadLetterQueue(): sqs.Queue {
    const queue = this.createDeadLetterQueue('ScheduleDeadLetterQueue', false, 'scheduled jobs');
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the target of EventBridge Scheduler dead-lettering and of the ' +
        "scheduled functions' Lambda async DLQ. Those are not SQS redrive policies, which is all the rule can see.",
    });
    return queue;
  }

  /**
   * Stream consumers' on-failure destination: Lambda sends the description of a batch it gave up on
   * (shard, sequence numbers) here, to be replayed from the stream within its 24 hours or repaired.
   */
  private createStreamFailureQueue(): sqs.Queue {
    const queue = this.createDeadLetterQueue('StreamFailureQueue', false, 'table stream consumers');
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is itself a dead-letter queue: the on-failure destination of the table stream's event source mappings, which is not an SQS redrive policy.",
    });
    return queue;
  }

  /**
   * Stateful like the key: the value is the operator's (copied from the SMS provider's console with
   * `aws secretsmanager put-secret-value`, docs/deploy.md), so it lives here, retained outside dev. It is
   * created holding `{}` — "not configured": every receipt is refused with 401 until the operator puts
   * `{"current": "…"}`, or `{"current": "<new>", "previous": "<old>"}` during a rotation. CloudFormation
   * writes the placeholder only when the template's value changes, so deploys never overwrite the
   * operator's value (keep the placeholder as it is).
   */
  private createSmsCallbackSecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'SmsCallbackSecret', {
      description: "The SMS provider's receipt-callback signing secret, JSON {\"current\": \"…\", \"previous\": \"…\"} (kefu docs/deploy.md)",
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy: this.removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The SMS provider issues and rotates this secret in its own console; a rotation Lambda cannot create a value the ' +
        'provider would sign with. The operator rotates without downtime by putting {"current": new, "previous": old} ' +
        '(both accepted) before switching the provider (docs/deploy.md).',
    });
    return secret;
  }

  /**
   * The topic every alarm publishes to, encrypted with a customer-managed key (alarm text names queues
   * and functions). CloudWatch alarms may only publish to an encrypted topic if the key policy lets the
   * CloudWatch service use the key.
   */
  private createAlarmTopic(email: string): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the kefu alarm topic',
      enableKeyRotation: true,
      removalPolicy: this.removalPolicy,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const topic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });
    topic.addSubscription(new EmailSubscription(email));
    return topic;
  }
}

/** aws-cdk-lib's READ_DATA_ACTIONS and DESCRIBE_TABLE, without the stream actions. */
const TABLE_READ_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
/** aws-cdk-lib's WRITE_DATA_ACTIONS; TransactWriteItems is authorized through these per item. */
const TABLE_WRITE_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/** Encryption at rest (SQS-managed keys: no key policy for producers to get wrong) and TLS only. */
function secureQueueDefaults(fifo: boolean): sqs.QueueProps {
  return {
    fifo: fifo || undefined,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  };
}

function pascalCase(name: string): string {
  return name.replace(/(^|[-_])([a-z])/g, (_match, _separator, letter: string) => letter.toUpperCase());
}
