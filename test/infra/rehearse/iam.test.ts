import { describe, expect, it } from 'vitest';
import { callOf, checkCalls, iamMatch, type Statement } from '../../../infra/rehearse/iam.ts';
import { splitJsonObjects } from '../../../infra/rehearse/moto.ts';
import { TemplateResolver } from '../../../infra/rehearse/template.ts';

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/cp';
const statements: Statement[] = [
  {
    sid: 'Checkpoint',
    effect: 'Allow',
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    resources: [TABLE],
    hasCondition: false,
    source: 'P',
  },
  {
    sid: 'Streams',
    effect: 'Allow',
    actions: ['firehose:PutRecord*'],
    resources: ['arn:aws:firehose:us-east-1:123456789012:deliverystream/ses-?'],
    hasCondition: false,
    source: 'P',
  },
  {
    sid: 'NoDelete',
    effect: 'Deny',
    actions: ['dynamodb:*'],
    resources: ['arn:aws:dynamodb:*:*:table/locked'],
    hasCondition: false,
    source: 'P',
  },
];

function recorded(service: string, target: string, body: unknown) {
  return {
    method: 'POST',
    url: 'http://127.0.0.1:1/',
    headers: {
      'X-Amz-Target': target,
      Authorization: `AWS4-HMAC-SHA256 Credential=AK/20261201/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`,
    },
    body: Buffer.from(JSON.stringify(body)).toString('base64'),
    body_encoded: true,
  };
}

describe('Module: rehearsal IAM check', () => {
  it('matches IAM wildcards: * any run, ? one character, actions case-insensitive', () => {
    expect(iamMatch('kms:GenerateDataKey*', 'kms:GenerateDataKeyWithoutPlaintext', true)).toBe(true);
    expect(iamMatch('dynamodb:getitem', 'dynamodb:GetItem', true)).toBe(true);
    expect(iamMatch('arn:aws:s3:::b/?', 'arn:aws:s3:::b/ab')).toBe(false);
    expect(iamMatch('arn:aws:s3:::b.c/*', 'arn:aws:s3:::bxc/k')).toBe(false);
  });

  it('turns a recorded request into its IAM action and resource ARN', () => {
    expect(
      callOf(
        recorded('dynamodb', 'DynamoDB_20120810.GetItem', { TableName: 'cp' }),
        'us-east-1',
        '123456789012',
      ),
    ).toEqual({
      action: 'dynamodb:GetItem',
      resource: TABLE,
    });
    const sns = {
      method: 'POST',
      url: 'http://127.0.0.1:1/',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
        Authorization:
          'AWS4-HMAC-SHA256 Credential=AK/20261201/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'Action=PublishBatch&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At',
    };
    // PublishBatch is authorized by sns:Publish.
    expect(callOf(sns, 'us-east-1', '123456789012')).toEqual({
      action: 'sns:Publish',
      resource: 'arn:aws:sns:us-east-1:123456789012:t',
    });
  });

  it('maps S3 REST requests (path-style and virtual-hosted) to the object action and ARN IAM checks', () => {
    const s3 = (method: string, url: string, host?: string) => ({
      method,
      url,
      headers: {
        ...(host ? { Host: host } : {}),
        Authorization:
          'AWS4-HMAC-SHA256 Credential=AK/20261201/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: '',
    });
    const at = (r: ReturnType<typeof s3>) => callOf(r, 'us-east-1', '123456789012');
    expect(at(s3('GET', 'http://127.0.0.1:1/exports/a/b%20c.gz?x-id=GetObject'))).toEqual({
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::exports/a/b c.gz',
    });
    expect(at(s3('HEAD', 'http://127.0.0.1:1/exports/k'))).toEqual({
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::exports/k',
    });
    expect(at(s3('GET', 'http://127.0.0.1:1/exports/k?versionId=3'))).toEqual({
      action: 's3:GetObjectVersion',
      resource: 'arn:aws:s3:::exports/k',
    });
    expect(
      at(s3('PUT', 'https://exports.s3.us-east-1.amazonaws.com/k', 'exports.s3.us-east-1.amazonaws.com')),
    ).toEqual({
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::exports/k',
    });
    expect(at(s3('GET', 'http://127.0.0.1:1/exports?list-type=2&prefix=a'))).toEqual({
      action: 's3:ListBucket',
      resource: 'arn:aws:s3:::exports',
    });
    // Not mapped (an ACL change): left as the raw request, which no policy allows.
    expect(at(s3('PUT', 'http://127.0.0.1:1/exports/k?acl')).action).toBe('s3:PUT /exports/k');
  });

  it('denies a call on a resource the policy does not name, and lists grants no call used', () => {
    const report = checkCalls(
      'Role',
      [
        { action: 'dynamodb:GetItem', resource: TABLE },
        { action: 'dynamodb:GetItem', resource: TABLE },
        { action: 'dynamodb:GetItem', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/other' },
        {
          action: 'firehose:PutRecordBatch',
          resource: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/ses-1',
        },
        { action: 'dynamodb:GetItem', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/locked' },
      ],
      statements,
      [],
    );
    expect(report.denied.map((d) => d.resource)).toEqual([
      'arn:aws:dynamodb:us-east-1:123456789012:table/other',
      'arn:aws:dynamodb:us-east-1:123456789012:table/locked',
    ]);
    expect(report.calls.find((c) => c.resource === TABLE)).toMatchObject({
      allowed: true,
      count: 2,
      by: 'Checkpoint',
    });
    expect(report.unused.map((u) => u.action)).toEqual(['dynamodb:PutItem']);
  });

  it('splits recorder output with two objects on one line', () => {
    expect(splitJsonObjects('{"a":"}{"}{"b":{"c":1}}\n{"d":"\\"}"}\n').map((t) => JSON.parse(t))).toEqual([
      { a: '}{' },
      { b: { c: 1 } },
      { d: '"}' },
    ]);
  });

  it('resolves Refs, GetAtts, Joins, Subs and Ifs of a template, and names what it cannot resolve', () => {
    const r = new TemplateResolver(
      {
        Parameters: { Name: { Type: 'String', Default: '' }, Size: { Type: 'Number', Default: 5 } },
        Conditions: { HasName: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Name' }, ''] }] } },
        Resources: { T: { Type: 'AWS::DynamoDB::Table' } },
      },
      { accountId: '123456789012', region: 'eu-west-1', partition: 'aws', stackName: 'S' },
      { Name: 'x' },
      new Map([['T', { ref: 'tbl', attrs: { Arn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/tbl' } }]]),
    );
    expect(
      r.resolve({ 'Fn::If': ['HasName', { 'Fn::Join': ['-', [{ Ref: 'Name' }, { Ref: 'Size' }]] }, 'none'] }),
    ).toBe('x-5');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
    expect(r.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${T.Arn}' })).toBe(
      'arn:aws:x:eu-west-1:arn:aws:dynamodb:eu-west-1:123456789012:table/tbl',
    );
    expect(r.resolve([{ 'Fn::If': ['HasName', { Ref: 'AWS::NoValue' }, 1] }, 2])).toEqual([2]);
    expect(() => r.resolve({ 'Fn::GetAtt': ['Missing', 'Arn'] })).toThrow(
      /Missing\.Arn: resource not created/,
    );
    expect(() => r.resolve({ 'Fn::ImportValue': 'x' })).toThrow(/Unsupported intrinsic Fn::ImportValue/);
  });
});
