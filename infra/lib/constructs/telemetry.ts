import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CfnCondition,
  type CfnParameter,
  CfnResource,
  CfnRule,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { METRICS_NAMESPACE, MetricNames, SERVICE_NAME } from '../../../shared/ports/logger.ts';
import { CollectorFunction, nodeFunctionBuild } from './collector-function.ts';
import { deadLetterQueue, privateBucket } from './private-storage.ts';
import type { Tracing } from './tracing.ts';

/** Logical id of CDK's singleton handler of Custom::S3BucketNotifications (aws-s3). */
const BUCKET_NOTIFICATIONS_HANDLER = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** cdk-nag's finding for `<bucket>/*` (the bucket is the created one or the EventFilesBucketName parameter). */
const OBJECTS_FINDING =
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{"Fn::If":["CreateEventFilesBucket",{"Ref":"TelemetryEventFilesBucket55FEFFFC"},{"Ref":"EventFilesBucketName"}]}/*]';

/** EventBridge allows 5 targets per rule: one per channel. */
export const MAX_FAN_OUT = 5;

/** The API audits an Event Stream more than 5 h behind (events can be lost): alarm before that. */
export const STREAM_LAG_ALARM_SECONDS = 4 * 3600;

export interface TelemetryProps {
  table: dynamodb.ITable;
  secretArn: string;
  /** Settings environment plus DELIVERY_STREAMS. */
  environment: Record<string, string>;
  /** The stream collector is scheduled only when this parameter is not empty. */
  eventStreamId: string;
  /** Channels to fan out over, one schedule target (invocation) each; 0: one invocation reads all. */
  fanOutChannels: number;
  /** The EventStreamChannels parameter: with fan-out, a template rule requires it to equal the fan-out. */
  channelsParameter?: CfnParameter;
  schedule: events.Schedule;
  timeout: Duration;
  /** Existing Data Bucket export bucket name; empty: the stack creates one. */
  existingBucketName: string;
  accessLogBucket: s3.Bucket;
  /** Days a replaced or deleted export object version stays recoverable (NoncurrentVersionDays). */
  noncurrentVersionDays: number;
  alarmTopic: sns.ITopic;
  /** Optional X-Ray tracing of both functions. */
  tracing?: Tracing;
  grantPutRecords: (grantee: iam.IGrantable) => void;
}

/**
 * The telemetry sources of issue 16: the scheduled Event Stream collector (enabled when EventStreamId
 * is set; secret shared with the incident collector; one invocation per channel when fanned out) and the
 * Data Bucket consumer (bucket or an existing one → SQS → functions/event-files.ts, dead-letter queue),
 * with alarms for stream lag, cursor expiries (410) and dead-letter depth.
 */
export class Telemetry extends Construct {
  readonly stream: CollectorFunction;
  readonly hasEventStream: CfnCondition;
  readonly createBucket: CfnCondition;
  readonly bucket: s3.Bucket;
  readonly bucketName: string;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly consumer: nodejs.NodejsFunction;
  /** Principals Symantec's export uses get this policy: write objects into the bucket, nothing else. */
  readonly exportWriterPolicy: iam.ManagedPolicy;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: TelemetryProps) {
    super(scope, id);
    // Plain logical ids: the names an operator reads in the console and in the template.
    this.hasEventStream = new CfnCondition(Stack.of(this), 'HasEventStream', {
      expression: Fn.conditionNot(Fn.conditionEquals(props.eventStreamId, '')),
    });
    this.hasEventStream.overrideLogicalId('HasEventStream');
    this.createBucket = new CfnCondition(Stack.of(this), 'CreateEventFilesBucket', {
      expression: Fn.conditionEquals(props.existingBucketName, ''),
    });
    this.createBucket.overrideLogicalId('CreateEventFilesBucket');

    // --- Event Stream collector -------------------------------------------------------------------
    const fanOut = props.fanOutChannels;
    if (!Number.isInteger(fanOut) || fanOut < 0 || fanOut > MAX_FAN_OUT) {
      throw new Error(
        `Context streamFanOut=${props.fanOutChannels} is not a channel count from 0 to ${MAX_FAN_OUT} (an EventBridge rule has at most ${MAX_FAN_OUT} targets); pass -c streamFanOut=N with N = EventStreamChannels, or 0 for one invocation reading every channel`,
      );
    }
    if (fanOut > 0 && props.channelsParameter) {
      // One target per channel: a channel without a target would never be read, so refuse the mismatch.
      new CfnRule(Stack.of(this), 'StreamFanOutMatchesChannels', {
        assertions: [
          {
            assert: Fn.conditionEquals(props.channelsParameter.valueAsString, String(fanOut)),
            assertDescription: `This template fans the Event Stream out over ${fanOut} channels (-c streamFanOut=${fanOut}): set EventStreamChannels=${fanOut}, or synthesize with -c streamFanOut=<EventStreamChannels>`,
          },
        ],
      }).overrideLogicalId('StreamFanOutMatchesChannels');
    }
    this.stream = new CollectorFunction(this, 'StreamCollector', {
      schedule: props.schedule,
      timeout: props.timeout,
      table: props.table,
      secretArn: props.secretArn,
      entry: path.join(REPO_ROOT, 'functions/stream-collector.ts'),
      environment: props.environment,
      description: 'Reads the Symantec SES Event Stream (telemetry)',
      ...(fanOut > 0
        ? {
            targetInputs: Array.from({ length: fanOut }, (_, channel) => ({ channel })),
            reservedConcurrency: fanOut,
          }
        : {}),
    });
    // Scheduled only when a stream id is set; the function exists either way (no cold path to deploy).
    (this.stream.rule.node.defaultChild as events.CfnRule).state = Fn.conditionIf(
      this.hasEventStream.logicalId,
      'ENABLED',
      'DISABLED',
    ).toString();
    props.grantPutRecords(this.stream.function);
    props.tracing?.trace(this.stream.function, this.stream.role);

    // --- Data Bucket consumer --------------------------------------------------------------------
    this.deadLetterQueue = deadLetterQueue(
      this,
      'EventFilesDeadLetterQueue',
      'This queue is the dead-letter queue of the event-files queue (and receives poison objects with their reason).',
    );
    const consumerTimeout = Duration.minutes(5);
    this.queue = new sqs.Queue(this, 'EventFilesQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda's guidance: at least 6 x the function timeout, so a message is not redelivered mid-run.
      visibilityTimeout: Duration.minutes(30),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    // S3 notifications: any bucket of this account may send (no bucket ARN here: it would make a cycle
    // between the bucket's notification configuration and this policy).
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ObjectCreated',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Fn.ref('AWS::AccountId') } },
      }),
    );

    this.bucket = privateBucket(this, 'EventFilesBucket', {
      versioned: true,
      lifecycleRules: [
        {
          id: 'ingested-exports',
          expiration: Duration.days(30),
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays),
        },
      ],
    });
    const cfnBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.cfnOptions.condition = this.createBucket;
    cfnBucket.notificationConfiguration = {
      queueConfigurations: [{ event: 's3:ObjectCreated:*', queue: this.queue.queueArn }],
    };
    // S3 sends a test message when the configuration is set: the queue policy must exist first.
    const queuePolicy = this.queue.node.tryFindChild('Policy');
    if (queuePolicy) this.bucket.node.addDependency(queuePolicy);
    for (const child of this.bucket.node.findAll()) {
      const cfn = child.node.defaultChild ?? child;
      if (cfn instanceof s3.CfnBucketPolicy) cfn.cfnOptions.condition = this.createBucket;
    }
    this.bucketName = Fn.conditionIf(
      this.createBucket.logicalId,
      this.bucket.bucketName,
      props.existingBucketName,
    ).toString();
    this.notifyFromExistingBucket(props.existingBucketName, queuePolicy);
    const bucketArn = `arn:${Fn.ref('AWS::Partition')}:s3:::${this.bucketName}`;
    const objectsArn = `${bucketArn}/*`;
    // Server access logs, set by hand: CDK's own wiring puts a GetAtt of this conditional bucket into the
    // (unconditional) access-log bucket policy; the ARN built from the Fn::If name is valid either way.
    cfnBucket.loggingConfiguration = {
      destinationBucketName: props.accessLogBucket.bucketName,
      logFilePrefix: 'event-files/',
    };
    props.accessLogBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventFilesBucketAccessLogs',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [props.accessLogBucket.arnForObjects('event-files/*')],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucketArn },
          StringEquals: { 'aws:SourceAccount': Fn.ref('AWS::AccountId') },
        },
      }),
    );

    this.exportWriterPolicy = new iam.ManagedPolicy(this, 'ExportWriterPolicy', {
      description:
        "Attach to the IAM user or role whose keys Symantec's Data Bucket export uses: write export objects only",
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteExportObjects',
          actions: ['s3:PutObject'],
          resources: [objectsArn],
        }),
      ],
    });
    Validations.of(this.exportWriterPolicy).acknowledge({
      id: OBJECTS_FINDING,
      reason:
        'The export writes objects under keys it generates; the statement is limited to this one bucket and to s3:PutObject.',
    });

    // Which object was ingested when, and why one was refused: kept like the collectors' run trail.
    const logGroup = new logs.LogGroup(this, 'EventFilesLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, 'EventFilesRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Symantec SES Data Bucket consumer Lambda',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadExportObjects',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [objectsArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        // Read and write "object ingested" markers; never deletes (the deploy rehearsal checks it).
        sid: 'IngestedMarkers',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [props.table.tableArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PoisonObjects',
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
      }),
    );
    Validations.of(role).acknowledge({
      id: OBJECTS_FINDING,
      reason: 'Export object keys are generated by Symantec; reads are limited to this one bucket.',
    });

    this.consumer = new nodejs.NodejsFunction(this, 'EventFilesFunction', {
      ...nodeFunctionBuild(path.join(REPO_ROOT, 'functions/event-files.ts')),
      memorySize: 1024,
      timeout: consumerTimeout,
      role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
        CHECKPOINT_TABLE: props.table.tableName,
        POISON_QUEUE_URL: this.deadLetterQueue.queueUrl,
      },
    });
    // Partial batch responses: a failed object is retried alone. At most 5 concurrent consumers: an
    // export burst is absorbed by the queue instead of by Firehose's per-stream throughput limit.
    this.consumer.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );
    props.grantPutRecords(this.consumer);
    props.tracing?.trace(this.consumer, role);

    // --- Alarms ----------------------------------------------------------------------------------
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME },
        statistic,
        period: Duration.minutes(15),
      });
    const alarm = (alarmId: string, description: string, m: cloudwatch.IMetric, threshold: number) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        metric: m,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      this.alarms.push(a);
      return a;
    };
    alarm(
      'StreamLagAlarm',
      `The Event Stream collector is more than ${STREAM_LAG_ALARM_SECONDS / 3600} h behind; Symantec audits streams 5 h behind and events can be lost (docs/telemetry.md)`,
      metric(MetricNames.streamLagSeconds, 'Maximum'),
      STREAM_LAG_ALARM_SECONDS,
    );
    alarm(
      'StreamCursorExpiredAlarm',
      'An Event Stream cursor expired (410): the collector restarted from a fresh cursor and the interval in its log is lost',
      metric(MetricNames.streamCursorExpired, 'Sum'),
      1,
    );
    alarm(
      'StreamCollectorDeadLetterAlarm',
      'Event Stream collector invocations failed (read the error in the dead-letter queue and the function log)',
      this.stream.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      1,
    );
    alarm(
      'EventFilesDeadLetterAlarm',
      'Data Bucket objects could not be ingested (poison objects or exhausted retries): read the reason in the dead-letter queue',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      1,
    );
  }

  /**
   * With EventFilesBucketName set, the existing bucket must notify the queue too, or no export object is
   * ever read. CDK's bucket-notifications custom resource adds this queue to the bucket's configuration
   * and keeps the notifications the bucket already has (it removes only its own on stack deletion). The
   * resource, its handler and the handler's role and log group exist only with an existing bucket
   * (condition UseExistingEventFilesBucket). The handler gets its own role: no managed policy (CDK would
   * attach AWSLambdaBasicExecutionRole), logs only into its own log group.
   */
  private notifyFromExistingBucket(bucketName: string, queuePolicy: IConstruct | undefined): void {
    const stack = Stack.of(this);
    const useExisting = new CfnCondition(stack, 'UseExistingEventFilesBucket', {
      expression: Fn.conditionNot(this.createBucket),
    });
    useExisting.overrideLogicalId('UseExistingEventFilesBucket');
    const role = new iam.Role(this, 'ExistingBucketNotificationsRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Sets the existing Data Bucket export bucket's notification to the event-files queue",
    });
    const existing = s3.Bucket.fromBucketAttributes(this, 'ExistingEventFilesBucket', {
      bucketName,
      notificationsHandlerRole: role,
    });
    // The queue policy above already admits S3 of this account: no second grant naming the bucket.
    const queueArn = this.queue.queueArn;
    existing.addEventNotification(s3.EventType.OBJECT_CREATED, {
      bind: () => ({ arn: queueArn, type: s3.BucketNotificationDestinationType.QUEUE }),
    });
    (role.node.defaultChild as iam.CfnRole).addPropertyDeletionOverride('ManagedPolicyArns');
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's notifications handler adds the basic execution policy to its role; a deletion override removes it from the template (test/infra/connector-stack.test.ts: no role has a managed policy) and the role logs only into its own log group.",
    });
    const handler = stack.node.tryFindChild(BUCKET_NOTIFICATIONS_HANDLER);
    const handlerFunction = handler?.node.tryFindChild('Resource') as CfnResource | undefined;
    if (!handler || !handlerFunction) throw new Error(`CDK's ${BUCKET_NOTIFICATIONS_HANDLER} was not found`);
    const logGroup = new logs.LogGroup(this, 'ExistingBucketNotificationsLogs', {
      logGroupName: `/aws/lambda/${handlerFunction.ref}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logsPolicy = new iam.Policy(this, 'ExistingBucketNotificationsLogsPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'OwnLogGroup',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    for (const scope of [existing, handler, role, logGroup, logsPolicy]) {
      for (const child of scope.node.findAll()) {
        if (!(child instanceof CfnResource)) continue;
        child.cfnOptions.condition = useExisting;
        if (child.cfnResourceType !== 'Custom::S3BucketNotifications') continue;
        // S3 sends a test message when the configuration is set: the queue policy must exist first.
        if (queuePolicy) child.node.addDependency(queuePolicy);
        child.node.addDependency(logsPolicy);
      }
    }
  }
}
