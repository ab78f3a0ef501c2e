import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { AlertDelivery } from './constructs/alerts.ts';
import { CheckpointTable } from './constructs/checkpoint-table.ts';
import { CollectorFunction } from './constructs/collector-function.ts';
import { Delivery } from './constructs/delivery.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { ConnectorParameters } from './constructs/parameters.ts';
import { privateBucket } from './constructs/private-storage.ts';
import { Query } from './constructs/query.ts';
import { SecurityLakeOutput } from './constructs/security-lake.ts';
import { Telemetry } from './constructs/telemetry.ts';
import { Tracing } from './constructs/tracing.ts';

/** Props of {@link ConnectorStack}. */
export interface ConnectorStackProps extends StackProps {
  /** Handler entry override (tests). Default: functions/collector.ts. */
  readonly collectorEntry?: string;
}

/**
 * The Symantec Endpoint Security connector: scheduled collector Lambda, DynamoDB checkpoint, Firehose
 * delivery to S3 (and optionally OpenSearch), Glue/Athena query layer, alarms and dashboard. Behaviour is
 * tuned through CloudFormation parameters (see {@link ConnectorParameters}) without code changes.
 *
 * @example
 * const app = new App();
 * new ConnectorStack(app, 'SesConnector');
 */
export class ConnectorStack extends Stack {
  readonly parameters: ConnectorParameters;
  readonly accessLogBucket: s3.Bucket;
  readonly secret: secretsmanager.Secret;
  /** The secret the collector reads: the created one, or ExistingSecretArn. */
  readonly secretArn: string;
  readonly checkpoint: CheckpointTable;
  readonly alerts: AlertDelivery;
  readonly delivery: Delivery;
  readonly collector: CollectorFunction;
  readonly query: Query;
  readonly monitoring: Monitoring;
  readonly securityLake: SecurityLakeOutput;
  readonly telemetry: Telemetry;
  readonly tracing: Tracing;

  constructor(scope: Construct, id: string, props: ConnectorStackProps = {}) {
    super(scope, id, {
      description:
        'Symantec Endpoint Security (ICDM/EDR Cloud) incidents and events into S3/Athena (ses-connector)',
      ...props,
    });
    // Access logs are granted by bucket policy (not ACLs), so every bucket can keep ACLs disabled.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const p = new ConnectorParameters(this, 'Parameters');
    this.parameters = p;

    this.accessLogBucket = privateBucket(this, 'AccessLogBucket', {
      versioned: true,
      lifecycleRules: [
        {
          id: 'retention',
          expiration: Duration.days(p.retentionDays.valueAsNumber),
          noncurrentVersionExpiration: Duration.days(p.noncurrentVersionDays.valueAsNumber),
        },
      ],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the server access-log bucket of the data and Athena results buckets; logging it into itself would create a loop, and S3 delivers access logs here, not users.',
    });

    // Created only when no existing secret is given; the value is generated, never a literal in the template.
    this.secret = new secretsmanager.Secret(this, 'ApiCredentials', {
      description:
        'Symantec SES OAuth client: {"client_id","client_secret"}; put the real values after deploy',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ client_id: '' }),
        generateStringKey: 'client_secret',
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    (this.secret.node.defaultChild as secretsmanager.CfnSecret).cfnOptions.condition = p.createSecret;
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is an OAuth client issued in the Symantec console; AWS cannot rotate it. Operators rotate it there and put the new value (docs/deploy.md); the collector picks up a new value within minutes (its cache lasts 5 minutes).',
    });
    this.secretArn = Fn.conditionIf(
      p.createSecret.logicalId,
      this.secret.secretArn,
      p.existingSecretArn.valueAsString,
    ).toString();

    this.checkpoint = new CheckpointTable(this, 'Checkpoint');

    this.delivery = new Delivery(this, 'Delivery', {
      accessLogBucket: this.accessLogBucket,
      retentionDays: p.retentionDays.valueAsNumber,
      noncurrentVersionDays: p.noncurrentVersionDays.valueAsNumber,
      objectLock: { days: p.objectLockDays.valueAsNumber, condition: p.hasObjectLock },
      bufferIntervalSeconds: p.bufferIntervalSeconds.valueAsNumber,
      bufferSizeMiB: p.bufferSizeMiB.valueAsNumber,
      openSearch: {
        domainArn: p.openSearchDomainArn.valueAsString,
        indexName: p.openSearchIndex.valueAsString,
        condition: p.hasOpenSearch,
        vpc: {
          subnetIds: p.openSearchSubnetIds.valueAsList,
          securityGroupIds: p.openSearchSecurityGroupIds.valueAsList,
          condition: p.hasOpenSearchVpc,
        },
      },
    });

    // Detection-rule alerts (issue 8): SNS topic + EventBridge bus; the collector publishes to both.
    this.alerts = new AlertDelivery(this, 'Alerts', {
      monitorsConfig: monitorsConfigFromContext(this.node.tryGetContext('monitorsConfig')),
      // The key only protects notifications in flight; KMS still waits 30 days before deleting it.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // OCSF 1.1.0 Parquet for Amazon Security Lake (issue 15): only when OcsfOutput=true.
    this.securityLake = new SecurityLakeOutput(this, 'SecurityLake', {
      databaseName: p.glueDatabaseName.valueAsString,
    });

    this.collector = new CollectorFunction(this, 'Collector', {
      schedule: events.Schedule.expression(p.schedule.valueAsString),
      timeout: Duration.seconds(p.timeoutSeconds.valueAsNumber),
      table: this.checkpoint.table,
      secretArn: this.secretArn,
      entry: props.collectorEntry,
      environment: {
        ...p.settingsEnvironment(),
        DELIVERY_STREAMS: this.delivery.streamNames,
        OCSF_STREAMS: this.securityLake.streamsEnvironment,
        ...this.alerts.environment,
      },
    });
    this.tracing = new Tracing(this, 'Tracing', p.hasTracing);
    this.tracing.trace(this.collector.function, this.collector.role);
    this.securityLake.grantPutRecords(this.collector.function);
    this.delivery.grantPutRecords(this.collector.function);
    this.alerts.grantPublish(this.collector.function);
    Validations.of(this.collector.role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to the KMS-encrypted alert topic needs the GenerateDataKey* family SNS calls on the publisher behalf; the statement is limited to the one alert topic key ARN.',
    });

    this.query = new Query(this, 'Query', {
      dataBucket: this.delivery.bucket,
      accessLogBucket: this.accessLogBucket,
      databaseName: p.glueDatabaseName.valueAsString,
      bytesScannedCutoffPerQuery: p.athenaBytesScannedCutoff.valueAsNumber,
    });
    for (const table of this.securityLake.tables) table.node.addDependency(this.query.database);

    this.monitoring = new Monitoring(this, 'Monitoring', {
      collector: this.collector.function,
      deadLetterQueue: this.collector.deadLetterQueue,
      s3StreamName: this.delivery.s3Stream.ref,
      openSearch: this.delivery.openSearchStream
        ? { streamName: this.delivery.openSearchStream.ref, condition: p.hasOpenSearch }
        : undefined,
      noSuccessAlarmSeconds: p.noSuccessAlarmSeconds.valueAsNumber,
      lagAlarmSeconds: p.lagAlarmSeconds.valueAsNumber,
      alarmEmail: { address: p.alarmEmail.valueAsString, condition: p.hasAlarmEmail },
    });

    // Telemetry (issue 16): Event Stream collector and Data Bucket consumer; -c streamFanOut=N runs one
    // invocation per channel (N <= 5), else one invocation reads every channel.
    this.telemetry = new Telemetry(this, 'Telemetry', {
      table: this.checkpoint.table,
      secretArn: this.secretArn,
      environment: { ...p.settingsEnvironment(), DELIVERY_STREAMS: this.delivery.streamNames },
      eventStreamId: p.settings['eventStreamId']?.valueAsString ?? '',
      fanOutChannels: Number(this.node.tryGetContext('streamFanOut') ?? 0),
      channelsParameter: p.settings['eventStreamChannels'],
      schedule: events.Schedule.expression(p.streamSchedule.valueAsString),
      timeout: Duration.seconds(p.timeoutSeconds.valueAsNumber),
      existingBucketName: p.eventFilesBucketName.valueAsString,
      accessLogBucket: this.accessLogBucket,
      noncurrentVersionDays: p.noncurrentVersionDays.valueAsNumber,
      alarmTopic: this.monitoring.topic,
      tracing: this.tracing,
      grantPutRecords: (grantee) => this.delivery.grantPutRecords(grantee),
    });

    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W1001',
      reason:
        'References to the conditional secret / OpenSearch stream appear only inside Fn::If on the same condition, so they are never resolved when the resource does not exist.',
    });
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W2509',
      reason: 'ExistingSecretArn holds the ARN of a secret, not secret material; echoing it is harmless.',
    });
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W1030',
      reason:
        'OpenSearchDomainArn defaults to empty, which disables the conditional OpenSearch stream; the pattern check applies only when it is set.',
    });

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output(
      'SecretArn',
      this.secretArn,
      'Put {"client_id","client_secret"} here (aws secretsmanager put-secret-value)',
    );
    output('CollectorFunctionName', this.collector.function.functionName, 'The collector Lambda');
    output('CheckpointTableName', this.checkpoint.table.tableName, 'DynamoDB checkpoint table');
    output(
      'DataBucketName',
      this.delivery.bucket.bucketName,
      'S3 bucket with <dataset>/year=/month=/day=/ objects',
    );
    output('DeliveryStreams', this.delivery.streamNames, 'Firehose delivery streams (S3 first)');
    output('AthenaDatabase', p.glueDatabaseName.valueAsString, 'Athena database');
    output('AthenaWorkGroup', this.query.workGroup.ref, 'Athena workgroup (scan cutoff enforced)');
    output('AlertTopicArn', this.alerts.topic.topicArn, 'SNS topic receiving detection-rule alerts');
    output('AlertBusName', this.alerts.bus.eventBusName, 'EventBridge bus receiving detection-rule alerts');
    output('AlarmTopicArn', this.monitoring.topic.topicArn, 'SNS topic receiving the alarms');
    output('DashboardName', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard of the collector');
    output('DeadLetterQueueUrl', this.collector.deadLetterQueue.queueUrl, 'Failed invocations');
    output(
      'StreamCollectorFunctionName',
      this.telemetry.stream.function.functionName,
      'The Event Stream collector Lambda',
    );
    output(
      'EventFilesBucket',
      this.telemetry.bucketName,
      'Bucket the Data Bucket export writes to (docs/telemetry.md)',
    );
    output(
      'EventFilesQueueArn',
      this.telemetry.queue.queueArn,
      'Queue of the Data Bucket notifications (point an existing bucket here)',
    );
    output(
      'EventFilesDeadLetterQueueUrl',
      this.telemetry.deadLetterQueue.queueUrl,
      'Unreadable export objects, with the reason',
    );
    output(
      'ExportWriterPolicyArn',
      this.telemetry.exportWriterPolicy.managedPolicyArn,
      "Attach to the principal Symantec's export uses",
    );
  }
}

/** `-c monitorsConfig='{...}'` arrives as a string on the CLI and as an object from cdk.json. */
function monitorsConfigFromContext(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(
      `Context monitorsConfig is not JSON (${(error as Error).message}); pass -c monitorsConfig='{"rules":{...}}' (see docs/monitors.md)`,
    );
  }
}
