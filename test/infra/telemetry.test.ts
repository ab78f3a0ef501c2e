import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_FAN_OUT, STREAM_LAG_ALARM_SECONDS } from '../../infra/lib/constructs/telemetry.ts';
import { MetricNames } from '../../shared/ports/logger.ts';
import { buildStack } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is walked freely in assertions.
type Resource = { Type: string; Properties: Record<string, any>; Condition?: string; DependsOn?: string[] };
type Json = {
  Parameters: Record<string, Record<string, unknown>>;
  Conditions: Record<string, unknown>;
  Rules?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
};
let json: Json;

const template = (context?: Record<string, unknown>) =>
  buildStack(context ? { context } : {}).template.toJSON() as Json;
const one = (t: Json, type: string, prefix: string): [string, Resource] => {
  const found = Object.entries(t.Resources).filter(([id, r]) => r.Type === type && id.startsWith(prefix));
  expect(found, `${type} ${prefix}*`).toHaveLength(1);
  return found[0]!;
};
const statementsOf = (t: Json, roleId: string) =>
  Object.values(t.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && !r.Condition)
    .filter((r) => JSON.stringify(r.Properties.Roles).includes(roleId))
    .flatMap(
      (r) => r.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>,
    );
const BUCKET_NAME = {
  'Fn::If': [
    'CreateEventFilesBucket',
    { Ref: expect.stringMatching(/^TelemetryEventFilesBucket/) },
    { Ref: 'EventFilesBucketName' },
  ],
};

beforeAll(() => {
  json = template();
});

describe('Stack: Event Stream collector', () => {
  it('is scheduled by StreamScheduleExpression, enabled only when EventStreamId is set', () => {
    const [, rule] = one(json, 'AWS::Events::Rule', 'TelemetryStreamCollectorSchedule');
    expect(json.Conditions.HasEventStream).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'EventStreamId' }, ''] }],
    });
    expect(rule.Properties.ScheduleExpression).toEqual({ Ref: 'StreamScheduleExpression' });
    expect(rule.Properties.State).toEqual({ 'Fn::If': ['HasEventStream', 'ENABLED', 'DISABLED'] });
    expect(json.Parameters.EventStreamId!.Default).toBe('');
    // Without fan-out: one target, no input, so one invocation reads every channel.
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(rule.Properties.Targets[0].Input).toBeUndefined();
    expect(json.Rules?.StreamFanOutMatchesChannels).toBeUndefined();
  });

  it('shares the secret, checkpoint table and delivery streams with the incident collector', () => {
    const [, stream] = one(json, 'AWS::Lambda::Function', 'TelemetryStreamCollectorFunction');
    const [, collector] = one(json, 'AWS::Lambda::Function', 'CollectorFunction');
    const env = stream.Properties.Environment.Variables;
    const collectorEnv = collector.Properties.Environment.Variables;
    for (const name of ['SECRET_ARN', 'CHECKPOINT_TABLE', 'DELIVERY_STREAMS'])
      expect(env[name], name).toEqual(collectorEnv[name]);
    expect(env.SES_EVENT_STREAM_ID).toEqual({ Ref: 'EventStreamId' });
    expect(env.SES_EVENT_STREAM_CHANNELS).toEqual({ Ref: 'EventStreamChannels' });
    expect(stream.Properties.Handler).toBe('index.handler');
    expect(stream.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('fans out one invocation per channel with -c streamFanOut=N, and refuses EventStreamChannels != N', () => {
    // Act
    const t = template({ streamFanOut: 3 });

    // Assess
    const [, rule] = one(t, 'AWS::Events::Rule', 'TelemetryStreamCollectorSchedule');
    expect(rule.Properties.Targets.map((x: { Input: string }) => JSON.parse(x.Input))).toEqual([
      { channel: 0 },
      { channel: 1 },
      { channel: 2 },
    ]);
    const [, fn] = one(t, 'AWS::Lambda::Function', 'TelemetryStreamCollectorFunction');
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(3);
    expect(t.Rules?.StreamFanOutMatchesChannels).toEqual({
      Assertions: [
        {
          Assert: { 'Fn::Equals': [{ Ref: 'EventStreamChannels' }, '3'] },
          AssertDescription: expect.stringContaining('set EventStreamChannels=3'),
        },
      ],
    });
  });

  it(`rejects a fan-out above ${MAX_FAN_OUT} (EventBridge targets per rule) or not a whole number`, () => {
    for (const bad of [MAX_FAN_OUT + 1, -1, 1.5, 'x'])
      expect(() => template({ streamFanOut: bad }), String(bad)).toThrow(/streamFanOut/);
  });
});

describe('Stack: Data Bucket consumer', () => {
  it('creates the export bucket only when EventFilesBucketName is empty, notifying the queue', () => {
    const [queueId] = one(json, 'AWS::SQS::Queue', 'TelemetryEventFilesQueue');
    const [, bucket] = one(json, 'AWS::S3::Bucket', 'TelemetryEventFilesBucket');
    expect(json.Conditions.CreateEventFilesBucket).toEqual({
      'Fn::Equals': [{ Ref: 'EventFilesBucketName' }, ''],
    });
    expect(bucket.Condition).toBe('CreateEventFilesBucket');
    expect(bucket.Properties.NotificationConfiguration).toEqual({
      QueueConfigurations: [{ Event: 's3:ObjectCreated:*', Queue: { 'Fn::GetAtt': [queueId, 'Arn'] } }],
    });
    // S3 tests the destination when the configuration is set: the queue policy must exist first.
    const [policyId, policy] = one(json, 'AWS::SQS::QueuePolicy', 'TelemetryEventFilesQueuePolicy');
    expect(bucket.DependsOn).toContain(policyId);
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('s3.amazonaws.com');
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.LoggingConfiguration.LogFilePrefix).toBe('event-files/');
    const [, bucketPolicy] = one(json, 'AWS::S3::BucketPolicy', 'TelemetryEventFilesBucketPolicy');
    expect(bucketPolicy.Condition).toBe('CreateEventFilesBucket');
    expect(json.Outputs.EventFilesBucket!.Value).toEqual(BUCKET_NAME);
  });

  it("with EventFilesBucketName set, adds the queue to that bucket's notifications and keeps the ones it has", () => {
    // Without it an existing bucket would never notify the queue: no export object would be read.
    const [queueId] = one(json, 'AWS::SQS::Queue', 'TelemetryEventFilesQueue');
    const [policyId] = one(json, 'AWS::SQS::QueuePolicy', 'TelemetryEventFilesQueuePolicy');
    const [, notifications] = one(json, 'Custom::S3BucketNotifications', 'TelemetryExistingEventFilesBucket');
    expect(json.Conditions.UseExistingEventFilesBucket).toEqual({
      'Fn::Not': [{ Condition: 'CreateEventFilesBucket' }],
    });
    expect(notifications.Condition).toBe('UseExistingEventFilesBucket');
    expect(notifications.Properties.BucketName).toEqual({ Ref: 'EventFilesBucketName' });
    // Managed false: CDK's handler merges with the bucket's own configuration instead of replacing it.
    expect(notifications.Properties.Managed).toBe(false);
    expect(notifications.Properties.NotificationConfiguration).toEqual({
      QueueConfigurations: [{ Events: ['s3:ObjectCreated:*'], QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] } }],
    });
    expect(notifications.DependsOn).toContain(policyId);
    // Its handler (and role) exist only then; the created bucket carries its configuration itself.
    const handlers = Object.values(json.Resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(r.Properties.Description ?? '').includes('S3BucketNotifications'),
    );
    expect(handlers).toHaveLength(1);
    expect(handlers[0]!.Condition).toBe('UseExistingEventFilesBucket');
  });

  it('lets the export bucket log into the access-log bucket without naming the conditional bucket there', () => {
    // The access-log bucket policy always exists: a Ref/GetAtt of the conditional bucket in it would not
    // resolve with EventFilesBucketName set (cfn-lint W1001). The ARN is built from the Fn::If name.
    const [, policy] = one(json, 'AWS::S3::BucketPolicy', 'AccessLogBucketPolicy');
    const statement = policy.Properties.PolicyDocument.Statement.find(
      (s: { Sid?: string }) => s.Sid === 'EventFilesBucketAccessLogs',
    );
    expect(statement.Condition.ArnLike['aws:SourceArn']).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', BUCKET_NAME]],
    });
    const outsideIf = JSON.stringify(policy.Properties.PolicyDocument).replace(
      JSON.stringify({
        'Fn::If': [
          'CreateEventFilesBucket',
          { Ref: 'TelemetryEventFilesBucket55FEFFFC' },
          { Ref: 'EventFilesBucketName' },
        ],
      }),
      '',
    );
    expect(outsideIf).not.toContain('TelemetryEventFilesBucket');
  });

  it('reads only the export bucket (the created one or EventFilesBucketName), and writes only its DLQ', () => {
    const [roleId] = one(json, 'AWS::IAM::Role', 'TelemetryEventFilesRole');
    const [dlqId] = one(json, 'AWS::SQS::Queue', 'TelemetryEventFilesDeadLetterQueue');
    const statements = statementsOf(json, roleId);
    const read = statements.find((s) => JSON.stringify(s.Action).includes('s3:GetObject'))!;
    expect(read.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', BUCKET_NAME, '/*']],
    });
    const send = statements.find((s) => s.Action === 'sqs:SendMessage')!;
    expect(send.Resource).toEqual({ 'Fn::GetAtt': [dlqId, 'Arn'] });
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    expect(actions).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'firehose:PutRecordBatch',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:GetObjectVersion',
        'sqs:ChangeMessageVisibility', // the event source mapping's own grants
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ].sort(),
    );
  });

  it('consumes the queue with partial batch responses; poison messages go to the DLQ after 5 receives', () => {
    const [queueId, queue] = one(json, 'AWS::SQS::Queue', 'TelemetryEventFilesQueue');
    const [dlqId] = one(json, 'AWS::SQS::Queue', 'TelemetryEventFilesDeadLetterQueue');
    const [fnId, fn] = one(json, 'AWS::Lambda::Function', 'TelemetryEventFilesFunction');
    const [, mapping] = one(json, 'AWS::Lambda::EventSourceMapping', 'TelemetryEventFilesFunction');
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: fnId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: 5,
    });
    // Lambda's guidance: visibility at least 6 x the function timeout.
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Properties.Timeout);
    expect(fn.Properties.Environment.Variables.POISON_QUEUE_URL).toEqual({ Ref: dlqId });
    for (const [, q] of [
      one(json, 'AWS::SQS::Queue', 'TelemetryEventFilesQueue'),
      one(json, 'AWS::SQS::Queue', 'TelemetryEventFilesDeadLetterQueue'),
    ])
      expect(q.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('gives the export principal a policy to put objects into the export bucket, nothing else', () => {
    const [, policy] = one(json, 'AWS::IAM::ManagedPolicy', 'TelemetryExportWriterPolicy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: 's3:PutObject', Effect: 'Allow' }),
    ]);
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('EventFilesBucketName');
  });
});

describe('Stack: telemetry alarms and table', () => {
  const alarm = (prefix: string) => one(json, 'AWS::CloudWatch::Alarm', prefix)[1].Properties;

  it('alarms on stream lag before the API audit (5 h), on any 410 restart and on either DLQ', () => {
    expect(STREAM_LAG_ALARM_SECONDS).toBeLessThan(5 * 3600);
    expect(alarm('TelemetryStreamLagAlarm')).toMatchObject({
      MetricName: MetricNames.streamLagSeconds,
      Namespace: 'SesConnector',
      Dimensions: [{ Name: 'service', Value: 'ses-connector' }],
      Statistic: 'Maximum',
      Threshold: STREAM_LAG_ALARM_SECONDS,
    });
    expect(alarm('TelemetryStreamCursorExpiredAlarm')).toMatchObject({
      MetricName: MetricNames.streamCursorExpired,
      Statistic: 'Sum',
      Threshold: 1,
    });
    for (const [prefix, queue] of [
      ['TelemetryEventFilesDeadLetterAlarm', 'TelemetryEventFilesDeadLetterQueue'],
      ['TelemetryStreamCollectorDeadLetterAlarm', 'TelemetryStreamCollectorDeadLetterQueue'],
    ] as const) {
      const [queueId] = one(json, 'AWS::SQS::Queue', queue);
      expect(alarm(prefix)).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Threshold: 1,
      });
    }
    for (const prefix of [
      'TelemetryStreamLagAlarm',
      'TelemetryStreamCursorExpiredAlarm',
      'TelemetryEventFilesDeadLetterAlarm',
      'TelemetryStreamCollectorDeadLetterAlarm',
    ])
      expect(alarm(prefix).AlarmActions, prefix).toEqual([
        { Ref: expect.stringMatching(/^MonitoringAlarmTopic/) },
      ]);
  });

  it('has a Glue table for telemetry/ with partition projection', () => {
    const tables = Object.values(json.Resources).filter(
      (r) => r.Type === 'AWS::Glue::Table' && r.Properties.TableInput.Name === 'telemetry',
    );
    expect(tables).toHaveLength(1);
    const input = tables[0]!.Properties.TableInput;
    expect(input.Parameters['projection.enabled']).toBe('true');
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's projection placeholders, literally.
      '/telemetry/year=${year}/month=${month}/day=${day}/',
    );
    expect(input.PartitionKeys.map((k: { Name: string }) => k.Name)).toEqual(['year', 'month', 'day']);
  });
});
