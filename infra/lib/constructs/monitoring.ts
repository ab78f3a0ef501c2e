import { type CfnCondition, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type MetricName, MetricNames } from '../../../shared/ports/logger.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from './collector-function.ts';

/** Freshness (s) above which Firehose delivery counts as stuck: twice the largest buffer interval. */
export const FIREHOSE_FRESHNESS_THRESHOLD_SECONDS = 1800;

/** Props of {@link Monitoring}. */
export interface MonitoringProps {
  readonly collector: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  /** S3 delivery stream name. */
  readonly s3StreamName: string;
  /** OpenSearch delivery stream name and the condition under which it exists. */
  readonly openSearch?: { readonly streamName: string; readonly condition: CfnCondition };
  /** Dead-man's switch window in seconds (multiple of 60; token allowed). */
  readonly noSuccessAlarmSeconds: number;
  /** LagSeconds threshold (token allowed). */
  readonly lagAlarmSeconds: number;
  /** Optional e-mail subscription (endpoint + condition). */
  readonly alarmEmail?: { readonly address: string; readonly condition: CfnCondition };
}

/**
 * Alarms on the collector's health to an encrypted SNS topic, and a CloudWatch dashboard. Metric names
 * come from shared/ports/logger.ts `MetricNames` (namespace `SesConnector`, dimension `service`).
 *
 * @example
 * const monitoring = new Monitoring(this, 'Monitoring', { collector: fn, deadLetterQueue: dlq,
 *   s3StreamName, noSuccessAlarmSeconds: 900, lagAlarmSeconds: 3600 });
 * monitoring.alarms.map((a) => a.alarmName);
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly alarms: cloudwatch.IAlarm[] = [];
  /** Alarms that always exist (the OpenSearch ones depend on a condition, so no widget may reference them). */
  private readonly unconditionalAlarms: cloudwatch.IAlarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    this.key = new kms.Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'Encrypts the ses-connector alarm topic',
      // Only protects alarm notifications in flight; KMS still waits 30 days before deleting it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch alarms publish to an encrypted topic only if the key lets the service use it.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // Only for alarms of this account and region (confused-deputy guard).
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: {
            'aws:SourceArn': `arn:${Stack.of(this).partition}:cloudwatch:${Stack.of(this).region}:${Stack.of(this).account}:alarm:*`,
          },
        },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Symantec SES connector alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      const sub = new sns.CfnSubscription(this, 'AlarmEmail', {
        topicArn: this.topic.topicArn,
        protocol: 'email',
        endpoint: props.alarmEmail.address,
      });
      sub.cfnOptions.condition = props.alarmEmail.condition;
    }

    const custom = (name: MetricName, statistic: string, period = Duration.minutes(5)) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: SERVICE_NAME },
        statistic,
        period,
      });
    const firehose = (streamName: string, metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName,
        dimensionsMap: { DeliveryStreamName: streamName },
        statistic,
        period: Duration.minutes(5),
      });

    const action = new SnsAction(this.topic);
    const alarm = (
      id: string,
      metric: cloudwatch.IMetric,
      description: string,
      opts: {
        threshold: number;
        comparison: cloudwatch.ComparisonOperator;
        missing?: cloudwatch.TreatMissingData;
        evaluationPeriods?: number;
        condition?: CfnCondition;
      },
    ) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        alarmDescription: description,
        threshold: opts.threshold,
        comparisonOperator: opts.comparison,
        evaluationPeriods: opts.evaluationPeriods ?? 1,
        treatMissingData: opts.missing ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      if (opts.condition) (a.node.defaultChild as cloudwatch.CfnAlarm).cfnOptions.condition = opts.condition;
      else this.unconditionalAlarms.push(a);
      this.alarms.push(a);
      return a;
    };
    const GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;

    alarm(
      'CollectorErrors',
      props.collector.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'The collector Lambda failed (error or timeout). Check its log group; failed invocations are in the DLQ.',
      { threshold: 1, comparison: GTE },
    );
    alarm(
      'RunFailed',
      custom(MetricNames.runFailed, 'Sum'),
      'A collector run failed; the checkpoint was not advanced. Logs name the cause and the action.',
      { threshold: 1, comparison: GTE },
    );
    alarm(
      'ConfigOrCredentialError',
      new cloudwatch.MathExpression({
        expression: 'FILL(cfg, 0) + FILL(cred, 0)',
        usingMetrics: {
          cfg: custom(MetricNames.configError, 'Sum'),
          cred: custom(MetricNames.credentialError, 'Sum'),
        },
        period: Duration.minutes(5),
        label: 'Config and credential errors',
      }),
      'Configuration or credential error: fix the stack parameters or the secret (runs will not succeed until then).',
      { threshold: 1, comparison: GTE },
    );
    // L1 because the period is a parameter (the L2 validates the period at synth time).
    const deadMan = new cloudwatch.CfnAlarm(this, 'NoSuccessfulRun', {
      alarmDescription:
        "Dead-man's switch: no collector run succeeded within NoSuccessAlarmSeconds (missing data counts as breaching).",
      namespace: METRICS_NAMESPACE,
      metricName: MetricNames.runSucceeded,
      dimensions: [{ name: 'service', value: SERVICE_NAME }],
      statistic: 'Sum',
      period: props.noSuccessAlarmSeconds,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: LT,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmActions: [this.topic.topicArn],
      okActions: [this.topic.topicArn],
    });
    const deadManRef = cloudwatch.Alarm.fromAlarmArn(this, 'NoSuccessfulRunRef', deadMan.attrArn);
    this.alarms.push(deadManRef);
    this.unconditionalAlarms.push(deadManRef);
    alarm(
      'Lag',
      custom(MetricNames.lagSeconds, 'Maximum'),
      'The collector is further behind real time than LagAlarmSeconds.',
      { threshold: props.lagAlarmSeconds, comparison: GT },
    );
    alarm(
      'Quarantined',
      custom(MetricNames.quarantined, 'Sum'),
      'Records failed validation and were quarantined (dataset quarantine in S3/Athena).',
      { threshold: 1, comparison: GTE },
    );
    alarm(
      'HistoryGap',
      custom(MetricNames.historyGapSeconds, 'Maximum'),
      'The window started beyond the API history limit: an interval could not be collected (see the warning log).',
      { threshold: 0, comparison: GT },
    );
    alarm(
      'SinkFailedRecords',
      custom(MetricNames.sinkFailedRecords, 'Sum'),
      'Firehose rejected records after all retries; the run stopped without advancing the checkpoint.',
      { threshold: 1, comparison: GTE },
    );
    alarm(
      'S3DeliveryFailures',
      firehose(props.s3StreamName, 'DeliveryToS3.Success', 'Minimum'),
      'Firehose failed to deliver to S3 (see the Firehose log group and the errors/ prefix).',
      { threshold: 1, comparison: LT },
    );
    alarm(
      'S3DeliveryFreshness',
      firehose(props.s3StreamName, 'DeliveryToS3.DataFreshness', 'Maximum'),
      'Records wait in Firehose longer than expected before reaching S3.',
      { threshold: FIREHOSE_FRESHNESS_THRESHOLD_SECONDS, comparison: GT },
    );
    if (props.openSearch) {
      const os = props.openSearch;
      alarm(
        'OpenSearchDeliveryFailures',
        firehose(os.streamName, 'DeliveryToAmazonOpenSearchService.Success', 'Minimum'),
        'Firehose failed to index into OpenSearch (failed documents are under opensearch-failed/).',
        { threshold: 1, comparison: LT, condition: os.condition },
      );
      alarm(
        'OpenSearchDeliveryFreshness',
        firehose(os.streamName, 'DeliveryToAmazonOpenSearchService.DataFreshness', 'Maximum'),
        'Records wait in Firehose longer than expected before reaching OpenSearch.',
        { threshold: FIREHOSE_FRESHNESS_THRESHOLD_SECONDS, comparison: GT, condition: os.condition },
      );
    }
    alarm(
      'DeadLetterQueueDepth',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      'Failed or undeliverable collector invocations are waiting in the dead-letter queue.',
      { threshold: 1, comparison: GTE },
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
    });
    const graph = (title: string, metrics: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left: metrics, width, height: 6 });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: this.unconditionalAlarms,
        width: 24,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      graph('Runs', [
        custom(MetricNames.runSucceeded, 'Sum'),
        custom(MetricNames.runPartial, 'Sum'),
        custom(MetricNames.runFailed, 'Sum'),
        custom(MetricNames.leaseHeld, 'Sum'),
      ]),
      graph('Documents', [
        custom(MetricNames.incidents, 'Sum'),
        custom(MetricNames.events, 'Sum'),
        custom(MetricNames.quarantined, 'Sum'),
        custom(MetricNames.duplicatesSkipped, 'Sum'),
      ]),
      graph('Lag and history gaps (s)', [
        custom(MetricNames.lagSeconds, 'Maximum'),
        custom(MetricNames.historyGapSeconds, 'Maximum'),
      ]),
    );
    this.dashboard.addWidgets(
      graph('API', [
        custom(MetricNames.apiRequests, 'Sum'),
        custom(MetricNames.apiRetries, 'Sum'),
        custom(MetricNames.pages, 'Sum'),
      ]),
      graph('Lambda', [
        props.collector.metricInvocations({ statistic: 'Sum' }),
        props.collector.metricErrors({ statistic: 'Sum' }),
        props.collector.metricThrottles({ statistic: 'Sum' }),
        custom(MetricNames.runDuration, 'Maximum'),
      ]),
      graph('Delivery', [
        firehose(props.s3StreamName, 'IncomingRecords', 'Sum'),
        firehose(props.s3StreamName, 'DeliveryToS3.DataFreshness', 'Maximum'),
        custom(MetricNames.sinkRetries, 'Sum'),
        custom(MetricNames.sinkFailedRecords, 'Sum'),
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      ]),
    );
  }
}
