import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { AlertDelivery } from '../../infra/lib/constructs/alerts.ts';
import { parseMonitorsConfig } from '../../shared/monitors/config.ts';

function build(props: ConstructorParameters<typeof AlertDelivery>[2] = {}) {
  const app = new App();
  const stack = new Stack(app, 'AlertsTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const alerts = new AlertDelivery(stack, 'Alerts', props);
  const role = new iam.Role(stack, 'CollectorRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  alerts.grantPublish(role);
  return { stack, alerts, role, template: Template.fromStack(stack) };
}

/** Every statement of the collector role's policies, flattened. */
function roleStatements(template: Template): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

describe('Infra: AlertDelivery', () => {
  it('creates a KMS-encrypted topic whose policy denies publishing without TLS', () => {
    const { template } = build();
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertsKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('creates an EventBridge bus', () => {
    const { template } = build({ busName: 'ses-alerts' });
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'ses-alerts' });
  });

  it('grants exactly sns:Publish on the topic, events:PutEvents on the bus and the topic key use', () => {
    const { template } = build();
    const statements = roleStatements(template);
    const actions = statements
      .flatMap((s) => (Array.isArray(s['Action']) ? s['Action'] : [s['Action']]))
      .sort();
    expect(actions).toEqual(['events:PutEvents', 'kms:Decrypt', 'kms:GenerateDataKey*', 'sns:Publish']);
    const byAction = (a: string) => statements.find((s) => ([] as unknown[]).concat(s['Action']).includes(a));
    expect(byAction('sns:Publish')?.['Resource']).toEqual({ Ref: expect.stringMatching(/^AlertsTopic/) });
    expect(JSON.stringify(byAction('events:PutEvents')?.['Resource'])).toMatch(/AlertsBus/);
    expect(JSON.stringify(byAction('kms:Decrypt')?.['Resource'])).toMatch(/AlertsKey/);
    for (const s of statements) expect(s['Effect']).toBe('Allow');
  });

  it('exposes the collector environment with the validated rules configuration', () => {
    const { alerts, stack } = build({ monitorsConfig: { rules: { embargoedDevice: { maxIncidents: 3 } } } });
    const env = stack.resolve(alerts.environment) as Record<string, unknown>;
    expect(Object.keys(env).sort()).toEqual(['ALERT_BUS_NAME', 'ALERT_TOPIC_ARN', 'MONITORS_CONFIG']);
    expect(env['ALERT_TOPIC_ARN']).toEqual({ Ref: expect.stringMatching(/AlertsTopic/) });
    expect(env['ALERT_BUS_NAME']).toEqual({ Ref: expect.stringMatching(/AlertsBus/) });
    const config = parseMonitorsConfig(JSON.parse(env['MONITORS_CONFIG'] as string));
    expect(config.rules.embargoedDevice.maxIncidents).toBe(3);
    expect(config.rules.unresolvedIncidentAging.maxAgeDays).toBe(7);
  });

  it('fails synth on an invalid rules configuration, naming the field', () => {
    expect(() => build({ monitorsConfig: { rules: { impactedDevicesSpike: { minDevices: 0 } } } })).toThrow(
      'rules.impactedDevicesSpike.minDevices',
    );
  });
});
