import { describe, expect, it } from 'vitest';
import { motoAvailable } from '../../../infra/rehearse/moto.ts';
import { rehearse } from '../../../infra/rehearse/rehearse.ts';

// CI=true must run it (a missing moto_server fails); elsewhere it skips with the reason.
const canRun = motoAvailable() || process.env.CI === 'true';

/**
 * The deploy rehearsal end to end: the CDK CLI synthesizes the stack, moto hosts the resources the
 * template declares, the bundled asset runs as the Node.js runtime would load it. Any failure of the
 * rehearsal (lost data, a secret in output, an AWS call the role does not allow) fails this test.
 */
describe.skipIf(!canRun)('Deploy rehearsal: the synthesized Lambda asset on moto', () => {
  it('runs every function bundle (collector, stream collector, Data Bucket consumer) with every check and IAM call passing', {
    timeout: 240_000,
  }, async () => {
    // Act
    const lines: string[] = [];
    const report = await rehearse({ synth: 'in-process', log: (l) => lines.push(l) });
    // Assess
    console.log(lines.join('\n'));
    expect(report.failures, lines.join('\n')).toEqual([]);
    expect(
      report.bundles.map((b) => [b.function.replace(/[0-9A-F]{8}$/, ''), b.handler]),
      lines.join('\n'),
    ).toEqual([
      ['CollectorFunction', 'index.handler'],
      ['TelemetryStreamCollectorFunction', 'index.handler'],
      ['TelemetryEventFilesFunction', 'index.handler'],
    ]);
    // The output names each bundle it ran, and each ran on the Node major its runtime names
    // (nodejs24.x on Node 24, whatever Node runs the tests), unless SES_REHEARSAL_NODE=current.
    for (const b of report.bundles) expect(lines.join('\n')).toContain(`bundle ${b.assetDir}/index.js`);
    if (process.env.SES_REHEARSAL_NODE !== 'current') {
      for (const b of report.bundles) {
        expect(b.node.split('.')[0], b.function).toBe(`v${b.runtime.replace(/^nodejs(\d+)\.x$/, '$1')}`);
      }
    }
    expect(report.bundles[0]?.assetDir).toMatch(/\/asset\.[0-9a-f]{64}$/);
    const created = report.provisioned.created.map((c) => c.type);
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::SecretsManager::Secret',
      'AWS::KinesisFirehose::DeliveryStream',
      'AWS::S3::Bucket',
      'AWS::SNS::Topic',
      'AWS::Events::EventBus',
      'AWS::SQS::Queue',
    ]) {
      expect(created, type).toContain(type);
    }
    const [, stream, files] = report.functions;
    expect(stream?.invocations).toBe(2);
    expect(files?.invocations).toBe(3);
    for (const f of [stream, files]) expect(f?.iam.denied, f?.logicalId).toEqual([]);
    expect(stream?.iam.calls.map((c) => c.action)).toEqual(
      expect.arrayContaining([
        'secretsmanager:GetSecretValue',
        'dynamodb:UpdateItem',
        'firehose:PutRecordBatch',
      ]),
    );
    expect(files?.iam.calls.map((c) => c.action)).toEqual(
      expect.arrayContaining(['s3:GetObject', 'sqs:SendMessage', 'firehose:PutRecordBatch']),
    );
    const collector = report.functions[0];
    expect(collector?.invocations).toBe(3);
    const actions = collector?.iam.calls.map((c) => c.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'secretsmanager:GetSecretValue',
        'firehose:PutRecordBatch',
        'sns:Publish',
        'events:PutEvents',
      ]),
    );
    expect(collector?.iam.denied).toEqual([]);
    // Only grants the Lambda or SNS service uses on the function's behalf are left unused.
    expect(collector?.iam.unused.map((u) => u.action).sort()).toEqual(
      [
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
  });
});
