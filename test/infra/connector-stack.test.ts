import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS, settingsSchema } from '../../shared/config/settings.ts';
import { OCSF_CLASSES } from '../../shared/ocsf/index.ts';
import { MetricNames } from '../../shared/ports/logger.ts';
import { buildStack } from './helpers.ts';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; Condition?: string }>;

let template: Template;
let outdir: string;
let json: { Parameters: Record<string, Record<string, unknown>>; Resources: Resources };

const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
const onlyOne = (type: string) => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
/** The incident collector's resources (the telemetry functions have their own, under Telemetry*). */
const collectorOne = (type: string) => {
  const found = ofType(type).filter(([id]) => id.startsWith('Collector'));
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const logicalIdOf = (type: string, predicate: (props: Record<string, unknown>) => boolean) => {
  const found = ofType(type).filter(([, r]) => predicate(r.Properties ?? {}));
  expect(found, type).toHaveLength(1);
  return found[0]![0];
};

beforeAll(() => {
  const built = buildStack({ cfnValidation: true });
  template = built.template;
  outdir = built.app.outdir;
  json = template.toJSON() as typeof json;
});

describe('Stack: parameters', () => {
  const withParameter = Object.entries(SETTINGS).filter(([, spec]) => spec.parameter !== undefined);

  it('has a CfnParameter for every SETTINGS entry that names one, defaulting to the schema default', () => {
    const defaults = settingsSchema.parse({}) as Record<string, unknown>;
    expect(withParameter.length).toBeGreaterThan(0);
    for (const [key, spec] of withParameter) {
      const param = json.Parameters[spec.parameter!];
      expect(param, `parameter ${spec.parameter} for setting ${key}`).toBeDefined();
      expect(param!.Default, spec.parameter).toBe(defaults[key] === undefined ? '' : String(defaults[key]));
      expect(String(param!.Description)).toContain(spec.env);
    }
  });

  it('accepts exactly the values the settings schema accepts at each bound and allowed value', () => {
    for (const [key, spec] of withParameter) {
      const param = json.Parameters[spec.parameter!]!;
      const accepts = (value: string) => settingsSchema.safeParse({ [key]: value }).success;
      if (param.MinValue !== undefined) {
        expect(accepts(String(param.MinValue)), `${key} min`).toBe(true);
        expect(accepts(String(Number(param.MinValue) - 1)), `${key} min-1`).toBe(false);
      }
      if (param.MaxValue !== undefined) {
        expect(accepts(String(param.MaxValue)), `${key} max`).toBe(true);
        expect(accepts(String(Number(param.MaxValue) + 1)), `${key} max+1`).toBe(false);
      }
      for (const allowed of (param.AllowedValues as string[] | undefined) ?? []) {
        expect(accepts(allowed), `${key}=${allowed}`).toBe(true);
      }
    }
  });

  it('declares the operational parameters with defaults, patterns and descriptions', () => {
    const expected: Record<string, unknown> = {
      ScheduleExpression: 'rate(5 minutes)',
      CollectorTimeoutSeconds: 240,
      FirehoseBufferIntervalSeconds: 300,
      FirehoseBufferSizeMiB: 64,
      RetentionDays: 365,
      AlarmEmail: '',
      NoSuccessAlarmSeconds: '900',
      LagAlarmSeconds: 3600,
      ExistingSecretArn: '',
      OpenSearchDomainArn: '',
      OpenSearchIndex: 'symantec-edr-cloud',
      GlueDatabaseName: 'symantec_edr_cloud',
      AthenaBytesScannedCutoff: 10 * 1024 ** 3,
    };
    for (const [name, value] of Object.entries(expected)) {
      expect(json.Parameters[name]?.Default, name).toBe(value);
      expect(String(json.Parameters[name]?.Description ?? '').length, name).toBeGreaterThan(20);
    }
    const pattern = new RegExp(String(json.Parameters.ScheduleExpression!.AllowedPattern));
    expect(pattern.test('rate(5 minutes)')).toBe(true);
    expect(pattern.test('rate(1 hour)')).toBe(true);
    expect(pattern.test('cron(0/10 * * * ? *)')).toBe(true);
    expect(pattern.test('every 5 minutes')).toBe(false);
    const arn = new RegExp(String(json.Parameters.OpenSearchDomainArn!.AllowedPattern));
    expect(arn.test('')).toBe(true);
    expect(arn.test('arn:aws:es:eu-west-1:123456789012:domain/security-logs')).toBe(true);
    expect(arn.test('https://search-x.eu-west-1.es.amazonaws.com')).toBe(false);
  });

  it('keeps the default Lambda timeout below the default schedule period', () => {
    const timeout = Number(json.Parameters.CollectorTimeoutSeconds!.Default);
    const period =
      Number(/rate\((\d+) minutes\)/.exec(String(json.Parameters.ScheduleExpression!.Default))![1]) * 60;
    expect(timeout).toBeLessThan(period);
  });
});

describe('Stack: collector function', () => {
  it('passes every parameterised setting to the Lambda environment as a Ref to its parameter', () => {
    const [, fn] = collectorOne('AWS::Lambda::Function');
    const vars = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const spec of Object.values(SETTINGS)) {
      if (spec.parameter) expect(vars[spec.env], spec.env).toEqual({ Ref: spec.parameter });
      else expect(vars[spec.env], spec.env).toBeUndefined();
    }
    expect(vars.SECRET_ARN).toEqual({
      'Fn::If': [
        'CreateSecret',
        { Ref: logicalIdOf('AWS::SecretsManager::Secret', () => true) },
        { Ref: 'ExistingSecretArn' },
      ],
    });
    expect(vars.CHECKPOINT_TABLE).toEqual({ Ref: logicalIdOf('AWS::DynamoDB::Table', () => true) });
    const s3Stream = logicalIdOf(
      'AWS::KinesisFirehose::DeliveryStream',
      // The OCSF streams (issue 15) also write to S3, converting to Parquet.
      (p) =>
        'ExtendedS3DestinationConfiguration' in p &&
        !('DataFormatConversionConfiguration' in (p.ExtendedS3DestinationConfiguration as object)),
    );
    const osStream = logicalIdOf(
      'AWS::KinesisFirehose::DeliveryStream',
      (p) => 'AmazonopensearchserviceDestinationConfiguration' in p,
    );
    expect(vars.DELIVERY_STREAMS).toEqual({
      'Fn::If': [
        'HasOpenSearch',
        { 'Fn::Join': [',', [{ Ref: s3Stream }, { Ref: osStream }]] },
        { Ref: s3Stream },
      ],
    });
    const [alertTopic] = ofType('AWS::SNS::Topic').find(([, t]) =>
      String(t.Properties!.DisplayName).includes('alerts'),
    )!;
    expect(vars.ALERT_TOPIC_ARN).toEqual({ Ref: alertTopic });
    expect(vars.ALERT_BUS_NAME).toEqual({ Ref: onlyOne('AWS::Events::EventBus')[0] });
    expect(JSON.parse(String(vars.MONITORS_CONFIG))).toBeTypeOf('object');
    expect(vars.POWERTOOLS_METRICS_NAMESPACE).toBe('SesConnector');
    expect(vars.POWERTOOLS_SERVICE_NAME).toBe('ses-connector');
  });

  it('runs Node.js 24 on arm64 with reserved concurrency 1 and the timeout parameter', () => {
    const [id] = collectorOne('AWS::Lambda::Function');
    expect(template.findResources('AWS::Lambda::Function')[id]!.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      ReservedConcurrentExecutions: 1,
      MemorySize: 1024,
      Timeout: { Ref: 'CollectorTimeoutSeconds' },
      LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/^CollectorLogs/) } },
    });
  });

  it('sends failed invocations to the encrypted TLS-only dead-letter queue', () => {
    const [queueId, queue] = collectorOne('AWS::SQS::Queue');
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('is scheduled by the ScheduleExpression parameter with a target DLQ', () => {
    const [queueId] = collectorOne('AWS::SQS::Queue');
    const [ruleId] = collectorOne('AWS::Events::Rule');
    expect(json.Resources[ruleId]!.Properties).toMatchObject({
      ScheduleExpression: { Ref: 'ScheduleExpression' },
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
  });

  it('writes logs to its own log group with retention', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    // collector, Firehose, OCSF Firehose streams, stream collector, Data Bucket consumer, the existing
    // export bucket's notifications handler
    expect(groups.length).toBe(6);
    for (const [, g] of groups) expect(g.Properties!.RetentionInDays).toBe(30);
  });
});

describe('Stack: checkpoint table', () => {
  it('is on-demand, point-in-time recoverable and encrypted, keyed by pk with TTL on ttl', () => {
    const [, table] = onlyOne('AWS::DynamoDB::Table');
    expect(table.Properties).toEqual({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });
});

describe('Stack: secret', () => {
  it('is created with a generated value only when no existing ARN is given', () => {
    const [, secret] = onlyOne('AWS::SecretsManager::Secret');
    expect(secret.Condition).toBe('CreateSecret');
    expect(secret.Properties!.GenerateSecretString).toMatchObject({
      SecretStringTemplate: '{"client_id":""}',
      GenerateStringKey: 'client_secret',
    });
    expect(secret.Properties!.SecretString).toBeUndefined();
    template.hasCondition('CreateSecret', { 'Fn::Equals': [{ Ref: 'ExistingSecretArn' }, ''] });
  });
});

describe('Stack: monitoring', () => {
  const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
  const byMetric = (name: string) => alarms().filter((a) => a.MetricName === name);

  it('alarms on the connector metrics in namespace SesConnector with dimension service', () => {
    for (const name of [
      MetricNames.runFailed,
      MetricNames.lagSeconds,
      MetricNames.quarantined,
      MetricNames.historyGapSeconds,
      MetricNames.sinkFailedRecords,
      MetricNames.runSucceeded,
    ]) {
      const found = byMetric(name);
      expect(found, name).toHaveLength(1);
      expect(found[0]).toMatchObject({
        Namespace: 'SesConnector',
        Dimensions: [{ Name: 'service', Value: 'ses-connector' }],
      });
    }
    expect(byMetric(MetricNames.lagSeconds)[0]!.Threshold).toEqual({ Ref: 'LagAlarmSeconds' });
  });

  it("has a dead-man's switch on RunSucceeded that treats missing data as breaching", () => {
    expect(byMetric(MetricNames.runSucceeded)[0]).toMatchObject({
      Statistic: 'Sum',
      Period: { Ref: 'NoSuccessAlarmSeconds' },
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('alarms on Lambda errors, Firehose delivery, freshness and DLQ depth', () => {
    expect(byMetric('Errors')[0]).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1 });
    expect(byMetric('DeliveryToS3.Success')[0]).toMatchObject({ Namespace: 'AWS/Firehose' });
    expect(byMetric('DeliveryToS3.DataFreshness')[0]).toMatchObject({ Threshold: 1800 });
    expect(byMetric('ApproximateNumberOfMessagesVisible')[0]).toMatchObject({ Namespace: 'AWS/SQS' });
    const os = ofType('AWS::CloudWatch::Alarm').filter(([, a]) =>
      String(a.Properties!.MetricName).startsWith('DeliveryToAmazonOpenSearchService'),
    );
    expect(os).toHaveLength(2);
    for (const [, a] of os) expect(a.Condition).toBe('HasOpenSearch');
  });

  it('sends every alarm to the KMS-encrypted topic; the e-mail subscription is conditional', () => {
    const [topicId, topic] = ofType('AWS::SNS::Topic').find(([, t]) =>
      String(t.Properties!.DisplayName).includes('alarms'),
    )!;
    expect(topic.Properties!.KmsMasterKeyId).toBeDefined();
    for (const a of alarms()) expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
    const [, sub] = onlyOne('AWS::SNS::Subscription');
    expect(sub.Condition).toBe('HasAlarmEmail');
    expect(sub.Properties).toMatchObject({ Protocol: 'email', Endpoint: { Ref: 'AlarmEmail' } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('has a dashboard of the collector health', () => {
    const [, dashboard] = onlyOne('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties!.DashboardBody);
    for (const name of [MetricNames.runSucceeded, MetricNames.incidents, MetricNames.lagSeconds]) {
      expect(body).toContain(name);
    }
  });
});

describe('Stack: IAM least privilege', () => {
  const statements = () =>
    [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::Role')].flatMap(([, r]) => {
      const p = r.Properties!;
      const docs = [
        ...((p.PolicyDocument ? [p.PolicyDocument] : []) as Array<{ Statement: unknown[] }>),
        ...((p.Policies as Array<{ PolicyDocument: { Statement: unknown[] } }>) ?? []).map(
          (x) => x.PolicyDocument,
        ),
      ];
      return docs.flatMap((d) => d.Statement as Array<{ Action: string | string[]; Resource?: unknown }>);
    });

  it('uses no managed policies and no "*" resource', () => {
    for (const [, role] of ofType('AWS::IAM::Role'))
      expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
    for (const s of statements()) {
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      // The one exception: Firehose's VPC delivery to OpenSearch needs the EC2 describe/ENI actions,
      // which IAM does not scope to resources (only present when subnets are given).
      if ((s as { Sid?: string }).Sid === 'FirehoseVpcEnis') continue;
      // Likewise X-Ray's write actions (only present with XRayTracing=true; tested in options.test.ts).
      if ((s as { Sid?: string }).Sid === 'XRayWrite') continue;
      expect(resources, JSON.stringify(s)).not.toContain('*');
    }
  });

  it('gives the collector only log, checkpoint, secret, Firehose and DLQ actions', () => {
    const [roleId] = collectorOne('AWS::IAM::Role');
    const policies = ofType('AWS::IAM::Policy').filter(
      // The X-Ray policy exists only with XRayTracing=true (tested in tracing.test.ts).
      ([, p]) => JSON.stringify(p.Properties!.Roles).includes(roleId) && !p.Condition,
    );
    const actions = policies
      .flatMap(
        ([, p]) =>
          (p.Properties!.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement,
      )
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
      .sort();
    expect(actions).toEqual(
      [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'events:PutEvents',
        'firehose:PutRecordBatch',
        'firehose:PutRecordBatch', // the OCSF streams (issue 15), a statement of their own
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'secretsmanager:GetSecretValue',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
  });

  it('lets Firehose write only to the data bucket and its own log group', () => {
    const [bucketId] = ofType('AWS::S3::Bucket').find(([, b]) =>
      JSON.stringify(b.Properties).includes('data-bucket/'),
    )!;
    const firehosePolicy = ofType('AWS::IAM::Policy').find(
      ([, p]) => !p.Condition && JSON.stringify(p.Properties!.PolicyDocument).includes('s3:PutObject'),
    )!;
    const doc = JSON.stringify(firehosePolicy[1].Properties!.PolicyDocument);
    expect(doc).toContain(bucketId);
    const es = ofType('AWS::IAM::Policy').find(([, p]) =>
      JSON.stringify(p.Properties!.PolicyDocument).includes('es:ESHttpPost'),
    )!;
    expect(es[1].Condition).toBe('HasOpenSearch');
    expect(JSON.stringify(es[1].Properties!.PolicyDocument)).toContain('"Ref":"OpenSearchDomainArn"');
  });
});

describe('Stack: inventory', () => {
  it('creates exactly these resources (named queries: one per analytics/sql file, tested elsewhere)', () => {
    const counts: Record<string, number> = {};
    for (const r of Object.values(json.Resources)) {
      if (r.Type === 'AWS::Athena::NamedQuery' || r.Type === 'AWS::CDK::Metadata') continue;
      counts[r.Type] = (counts[r.Type] ?? 0) + 1;
    }
    expect(counts).toEqual({
      'AWS::Athena::WorkGroup': 1,
      'AWS::CloudWatch::Alarm': 13 + 4, // + stream lag, 410 restarts, stream DLQ, event-files DLQ
      'AWS::CloudWatch::Dashboard': 1,
      'AWS::DynamoDB::Table': 1,
      'AWS::Events::EventBus': 1,
      'AWS::Events::Rule': 2, // the collector's and the stream collector's schedules
      'AWS::IAM::ManagedPolicy': 1, // the Data Bucket export writer's policy, attached by the operator
      'AWS::Lambda::EventSourceMapping': 1,
      'AWS::Glue::Database': 1,
      'AWS::Glue::Table': 4 + OCSF_CLASSES.length, // incident, event, quarantine, telemetry + one OCSF table per class (issue 15)
      // + the two telemetry roles, + X-Ray (conditional), + the existing bucket's notifications handler
      // (its S3 and its log policy; conditional)
      'AWS::IAM::Policy': 5 + 2 + 1 + 2,
      'AWS::IAM::Role': 3 + 2 + 1,
      'AWS::KMS::Key': 2,
      'AWS::KinesisFirehose::DeliveryStream': 2 + OCSF_CLASSES.length,
      'AWS::Lambda::EventInvokeConfig': 2,
      // collector, stream collector, Data Bucket consumer, + CDK's handler that sets an existing export
      // bucket's notification (conditional)
      'AWS::Lambda::Function': 3 + 1,
      'AWS::Lambda::Permission': 2,
      'AWS::Logs::LogGroup': 5 + 1,
      'AWS::Logs::LogStream': 2 + OCSF_CLASSES.length,
      'AWS::S3::Bucket': 4, // + the Data Bucket export bucket (conditional)
      'AWS::S3::BucketPolicy': 4,
      'AWS::SNS::Subscription': 1,
      'AWS::SNS::Topic': 2,
      'AWS::SNS::TopicPolicy': 2,
      'AWS::SQS::Queue': 4, // collector DLQ, stream collector DLQ, event-files queue and its DLQ
      'AWS::SQS::QueuePolicy': 4,
      'AWS::SecretsManager::Secret': 1,
      'Custom::S3BucketNotifications': 1, // an existing export bucket's notification (conditional)
    });
  });

  it('lets only its own schedule rule invoke each scheduled collector', () => {
    for (const prefix of ['Collector', 'TelemetryStreamCollector']) {
      const [ruleId] = ofType('AWS::Events::Rule').find(([id]) => id.startsWith(`${prefix}Schedule`))!;
      const permissions = ofType('AWS::Lambda::Permission').filter(([id]) => id.startsWith(prefix));
      expect(permissions, prefix).toHaveLength(1);
      expect(permissions[0]![1].Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix}Function`)), 'Arn'] },
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      });
    }
  });

  it('retains the data, logs, results and checkpoint on stack deletion', () => {
    const retained = Object.entries(
      json.Resources as Record<string, { Type: string; DeletionPolicy?: string }>,
    )
      .filter(([, r]) => r.DeletionPolicy === 'Retain')
      .map(([, r]) => r.Type)
      .sort();
    expect(retained).toEqual([
      'AWS::DynamoDB::Table',
      'AWS::Logs::LogGroup', // the collectors' and the consumer's log groups: the run audit trail
      'AWS::Logs::LogGroup',
      'AWS::Logs::LogGroup',
      'AWS::S3::Bucket',
      'AWS::S3::Bucket',
      'AWS::S3::Bucket',
      'AWS::S3::Bucket',
    ]);
  });
});

describe('Stack: template hygiene', () => {
  it('passes CDK CloudFormation validation with only acknowledged findings', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{
        pluginName: string;
        violations: unknown[];
        suppressedViolations?: Array<{ reason: string }>;
      }>;
    };
    expect(report.pluginReports.map((r) => r.pluginName)).toContain('CloudFormation Validate');
    for (const r of report.pluginReports) {
      expect(r.violations, r.pluginName).toEqual([]);
      for (const s of r.suppressedViolations ?? []) expect(s.reason.length).toBeGreaterThan(40);
    }
  });

  it('contains no secret material', () => {
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/"SecretString"/);
    expect(text).not.toMatch(/client_secret"\s*:\s*"[^"]/);
  });
});
