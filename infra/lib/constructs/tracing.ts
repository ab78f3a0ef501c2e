import { type CfnCondition, Fn, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** Lambda environment variable the Powertools tracer reads; the functions load the tracer only when 'true'. */
export const TRACE_ENABLED_ENV = 'POWERTOOLS_TRACE_ENABLED';

/**
 * Optional AWS X-Ray tracing (parameter XRayTracing, default off): each function gets TracingConfig
 * Active only under the condition, POWERTOOLS_TRACE_ENABLED follows it, and one conditional policy
 * grants the two X-Ray write actions to the functions' roles. X-Ray has no resource-level
 * permissions for these actions, hence `*`; the policy does not exist while tracing is off.
 */
export class Tracing extends Construct {
  readonly policy: iam.CfnPolicy;
  private readonly roles: iam.IRole[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly condition: CfnCondition,
  ) {
    super(scope, id);
    this.policy = new iam.CfnPolicy(this, 'XRayWrite', {
      policyName: 'xray-write',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'XRayWrite',
            Effect: 'Allow',
            Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
            Resource: '*',
          },
        ],
      },
    });
    this.policy.cfnOptions.condition = condition;
    Validations.of(this.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (IAM requires "*"); the policy exists only with XRayTracing=true and holds only these two write actions.',
    });
    this.node.addValidation({
      validate: () => (this.roles.length > 0 ? [] : ['Tracing: no function was traced']),
    });
  }

  /** Trace this function (under the condition) and let its role write segments. */
  trace(fn: lambda.Function, role: iam.IRole): void {
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    cfn.tracingConfig = {
      mode: Fn.conditionIf(this.condition.logicalId, 'Active', 'PassThrough').toString(),
    };
    fn.addEnvironment(
      TRACE_ENABLED_ENV,
      Fn.conditionIf(this.condition.logicalId, 'true', 'false').toString(),
    );
    this.roles.push(role);
    this.policy.roles = this.roles.map((r) => r.roleName);
  }
}
