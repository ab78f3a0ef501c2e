import middy, { type MiddlewareObj } from '@middy/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tracingEnabled, withTracing } from '../../functions/tracing.ts';
import { TRACE_ENABLED_ENV } from '../../infra/lib/constructs/tracing.ts';
import { buildStack } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is walked freely in assertions.
type Resource = { Type: string; Properties: Record<string, any>; Condition?: string };
let json: {
  Parameters: Record<string, Record<string, unknown>>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
};
const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);

beforeAll(() => {
  json = buildStack().template.toJSON() as typeof json;
});

describe('Stack option: X-Ray tracing (XRayTracing, default off)', () => {
  it('switches every function between Active and PassThrough on HasTracing, and tells Powertools', () => {
    expect(json.Parameters.XRayTracing).toMatchObject({ Default: 'false', AllowedValues: ['false', 'true'] });
    expect(json.Conditions.HasTracing).toEqual({ 'Fn::Equals': [{ Ref: 'XRayTracing' }, 'true'] });
    // The connector's three functions; CDK's deploy-time handler that sets an existing export bucket's
    // notification (condition UseExistingEventFilesBucket) runs once per deployment and is not traced.
    const functions = ofType('AWS::Lambda::Function').filter(
      ([, fn]) => fn.Condition !== 'UseExistingEventFilesBucket',
    );
    expect(functions).toHaveLength(3);
    for (const [id, fn] of functions) {
      expect(fn.Properties.TracingConfig, id).toEqual({
        Mode: { 'Fn::If': ['HasTracing', 'Active', 'PassThrough'] },
      });
      expect(fn.Properties.Environment.Variables[TRACE_ENABLED_ENV], id).toEqual({
        'Fn::If': ['HasTracing', 'true', 'false'],
      });
    }
  });

  it('grants the X-Ray write actions to the three function roles only when tracing is on', () => {
    const policies = ofType('AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('xray:'),
    );
    expect(policies).toHaveLength(1);
    const [, policy] = policies[0]!;
    expect(policy.Condition).toBe('HasTracing');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] }),
    ]);
    const lambdaRoles = ofType('AWS::IAM::Role')
      .filter(([, r]) =>
        JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
      )
      .filter(([, r]) => r.Condition !== 'UseExistingEventFilesBucket')
      .map(([id]) => ({ Ref: id }));
    expect(lambdaRoles).toHaveLength(3);
    expect(policy.Properties.Roles).toEqual(expect.arrayContaining(lambdaRoles));
    expect(policy.Properties.Roles).toHaveLength(3);
  });
});

describe('Lambda tracing middleware (functions/tracing.ts)', () => {
  const context = { getRemainingTimeInMillis: () => 1000 } as never;

  it('leaves the handler untouched and never loads the tracer unless POWERTOOLS_TRACE_ENABLED is exactly "true"', async () => {
    for (const value of [undefined, 'false', 'TRUE', '1', '']) {
      // Prepare
      let loads = 0;
      const base = middy(async () => 'ok');

      // Act: the way functions/*.ts build their handler (middy refuses an empty middleware object).
      const handler = withTracing(base, { POWERTOOLS_TRACE_ENABLED: value }, async () => {
        loads++;
        return {};
      });

      // Assess
      expect(tracingEnabled({ POWERTOOLS_TRACE_ENABLED: value })).toBe(false);
      expect(handler).toBe(base);
      await expect(handler({}, context)).resolves.toBe('ok');
      expect(loads, String(value)).toBe(0);
    }
  });

  it('loads the tracer once, on the first invocation, and runs its phases around each invocation', async () => {
    // Prepare
    const calls: string[] = [];
    let loads = 0;
    const inner: MiddlewareObj = {
      before: () => void calls.push('before'),
      after: () => void calls.push('after'),
      onError: () => void calls.push('onError'),
    };
    let fail = false;
    const handler = withTracing(
      middy(async () => {
        calls.push('handler');
        if (fail) throw new Error('boom');
        return 'ok';
      }),
      { POWERTOOLS_TRACE_ENABLED: 'true' },
      async () => {
        loads++;
        return inner;
      },
    );
    expect(loads).toBe(0); // nothing at module load (cold start)

    // Act
    await handler({}, context);
    fail = true;
    await expect(handler({}, context)).rejects.toThrow('boom');

    // Assess
    expect(loads).toBe(1);
    expect(calls).toEqual(['before', 'handler', 'after', 'before', 'handler', 'onError']);
  });

  it('runs with the real Powertools tracer middleware when on', async () => {
    // Outside Lambda the tracer disables itself, so its phases run and record nothing.
    const handler = withTracing(
      middy(async () => 'ok'),
      { POWERTOOLS_TRACE_ENABLED: 'true' },
    );
    await expect(handler({}, context)).resolves.toBe('ok');
  });
});

describe('Stack option: S3 Object Lock on the data bucket (DataBucketObjectLockDays, default 0 = off)', () => {
  it('applies a GOVERNANCE default retention only under HasObjectLock, on the data bucket only', () => {
    expect(json.Parameters.DataBucketObjectLockDays).toMatchObject({
      Type: 'Number',
      Default: 0,
      MinValue: 0,
      MaxValue: 3650,
    });
    expect(json.Conditions.HasObjectLock).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'DataBucketObjectLockDays' }, '0'] }],
    });
    const locked = ofType('AWS::S3::Bucket').filter(([, b]) => b.Properties.ObjectLockConfiguration);
    expect(locked.map(([id]) => id)).toEqual([expect.stringMatching(/^DeliveryDataBucket/)]);
    const [, bucket] = locked[0]!;
    expect(bucket.Properties.ObjectLockConfiguration).toEqual({
      'Fn::If': [
        'HasObjectLock',
        {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: { Ref: 'DataBucketObjectLockDays' } } },
        },
        { Ref: 'AWS::NoValue' },
      ],
    });
    // Object Lock needs versioning; the create-time flag (replacement on change) is never set.
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
  });
});
