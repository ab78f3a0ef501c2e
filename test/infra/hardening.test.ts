import { describe, expect, it } from 'vitest';
import { buildStack } from './helpers.ts';

type Json = Record<string, unknown>;
const { template } = buildStack();
const json = template.toJSON() as { Parameters: Record<string, Json>; Resources: Record<string, Json> };
const resources = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);

describe('Security review: the stack hardening', () => {
  it('keeps noncurrent object versions for NoncurrentVersionDays (30-90, default 30) on the data and access-log buckets', () => {
    expect(json.Parameters.NoncurrentVersionDays).toMatchObject({
      Type: 'Number',
      Default: 30,
      MinValue: 30,
      MaxValue: 90,
    });
    const rules = Object.fromEntries(
      resources('AWS::S3::Bucket').map(([id, r]) => [
        id.replace(/[0-9A-F]{8}$/, ''),
        ((r.Properties as Json).LifecycleConfiguration as { Rules?: Json[] } | undefined)?.Rules?.[0]
          ?.NoncurrentVersionExpiration,
      ]),
    );
    expect(rules.AccessLogBucket).toEqual({ NoncurrentDays: { Ref: 'NoncurrentVersionDays' } });
    expect(rules.DeliveryDataBucket).toEqual({ NoncurrentDays: { Ref: 'NoncurrentVersionDays' } });
  });

  it("lets CloudWatch use the alarm topic's key only for alarms of this account and region", () => {
    const [, key] = resources('AWS::KMS::Key').find(([id]) => id.startsWith('MonitoringTopicKey')) ?? [];
    const statements = ((key!.Properties as Json).KeyPolicy as { Statement: Json[] }).Statement;
    const cw = statements.find((s) => s.Sid === 'AllowCloudWatchAlarms');
    const condition = cw?.Condition as { StringEquals: Json; ArnLike: Json };
    expect(condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    const arn = JSON.stringify(condition.ArnLike['aws:SourceArn']);
    expect(arn).toContain(':cloudwatch:');
    expect(arn).toContain('{"Ref":"AWS::Region"}');
    expect(arn).toContain(':alarm:*');
  });

  it("retains the collector's log group (the run audit trail) when the stack is deleted", () => {
    const [, logs] = resources('AWS::Logs::LogGroup').find(([id]) => id.startsWith('CollectorLogs')) ?? [];
    expect(logs?.DeletionPolicy).toBe('Retain');
    expect(logs?.UpdateReplacePolicy).toBe('Retain');
  });

  it('offers VPC delivery to a VPC OpenSearch domain: subnets and security groups as parameters, ENI permissions only then', () => {
    expect(json.Parameters.OpenSearchSubnetIds).toMatchObject({ Type: 'CommaDelimitedList', Default: '' });
    expect(json.Parameters.OpenSearchSecurityGroupIds).toMatchObject({
      Type: 'CommaDelimitedList',
      Default: '',
    });
    const [, stream] =
      resources('AWS::KinesisFirehose::DeliveryStream').find(([id]) =>
        id.startsWith('DeliveryOpenSearchStream'),
      ) ?? [];
    const dest = (stream!.Properties as Json).AmazonopensearchserviceDestinationConfiguration as Json;
    expect(dest.VpcConfiguration).toEqual({
      'Fn::If': [
        'HasOpenSearchVpc',
        {
          SubnetIds: { Ref: 'OpenSearchSubnetIds' },
          SecurityGroupIds: { Ref: 'OpenSearchSecurityGroupIds' },
          RoleARN: { 'Fn::GetAtt': [expect.stringMatching(/^DeliveryFirehoseRole/), 'Arn'] },
        },
        { Ref: 'AWS::NoValue' },
      ],
    });
    const [, policy] =
      resources('AWS::IAM::Policy').find(([id]) => id.startsWith('DeliveryOpenSearchVpcAccess')) ?? [];
    expect(policy?.Condition).toBe('HasOpenSearchVpc');
  });
});
