import { Aws, CfnCondition, CfnParameter, type CfnResource, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { BASE_EVENT_CLASS } from '../../../shared/ocsf/classes/base-event.ts';
import { OCSF_CLASSES } from '../../../shared/ocsf/index.ts';
import type { SecurityLakeOutput } from './security-lake.ts';

/** Props of {@link SecurityLakeRegistration}. */
export interface SecurityLakeRegistrationProps {
  readonly output: SecurityLakeOutput;
}

/** Classes registered as custom sources: every class but Base Event, which has no Security Lake event class. */
export const REGISTERED_CLASSES = OCSF_CLASSES.filter((c) => c.uid !== BASE_EVENT_CLASS.uid);

/**
 * Optional registration of one Security Lake custom source per OCSF class (CloudFormation has no
 * custom-source resource): a custom resource calls `CreateCustomLogSource` on create and
 * `DeleteCustomLogSource` on delete. Exists only when `OcsfOutput` and `RegisterSecurityLakeSources` are
 * both `true`. If Security Lake refuses an event class (the 1.1 finding class names are not confirmed),
 * the stack fails loudly; docs/ocsf.md gives the manual alternative.
 */
export class SecurityLakeRegistration extends Construct {
  readonly enabled: CfnCondition;
  readonly sources: cr.AwsCustomResource[] = [];

  constructor(scope: Construct, id: string, props: SecurityLakeRegistrationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const param = (name: string, p: ConstructorParameters<typeof CfnParameter>[2]) => new CfnParameter(stack, name, p);
    const register = param('RegisterSecurityLakeSources', {
      type: 'String',
      default: 'false',
      allowedValues: ['true', 'false'],
      description: 'Create one Security Lake custom source per OCSF class (CreateCustomLogSource); needs OcsfOutput=true',
    });
    const region = param('SecurityLakeRegion', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[a-z]{2}(-[a-z]+)+-\\d$',
      description: 'Region of the Security Lake (empty: this stack’s region)',
    });
    const externalId = param('SecurityLakeExternalId', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[\\w+=,.@:/-]{2,1224}$',
      description: 'Provider external id of the custom sources (required to register)',
    });
    const crawlerRole = param('SecurityLakeGlueCrawlerRoleArn', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^arn:aws[a-z-]*:iam::\\d{12}:role/.+$',
      description: 'Glue crawler role of the custom sources (trusts glue.amazonaws.com; required to register)',
    });
    this.enabled = new CfnCondition(stack, 'RegisterSecurityLakeSourcesEnabled', {
      expression: Fn.conditionAnd(props.output.enabled, Fn.conditionEquals(register.valueAsString, 'true')),
    });
    const sameRegion = new CfnCondition(stack, 'SecurityLakeRegionIsStackRegion', {
      expression: Fn.conditionEquals(region.valueAsString, ''),
    });
    const lakeRegion = Fn.conditionIf(sameRegion.logicalId, Aws.REGION, region.valueAsString).toString();

    for (const cls of REGISTERED_CLASSES) {
      const sourceName = `${props.output.sourcePrefix.valueAsString}-${cls.short}`;
      const source = new cr.AwsCustomResource(this, `Source${cls.uid}`, {
        resourceType: 'Custom::SecurityLakeCustomLogSource',
        installLatestAwsSdk: false,
        onCreate: {
          service: 'SecurityLake',
          action: 'createCustomLogSource',
          region: lakeRegion,
          parameters: {
            sourceName,
            sourceVersion: '1.0',
            eventClasses: [cls.securityLakeName],
            configuration: {
              crawlerConfiguration: { roleArn: crawlerRole.valueAsString },
              providerIdentity: { principal: Aws.ACCOUNT_ID, externalId: externalId.valueAsString },
            },
          },
          physicalResourceId: cr.PhysicalResourceId.of(sourceName),
        },
        onDelete: {
          service: 'SecurityLake',
          action: 'deleteCustomLogSource',
          region: lakeRegion,
          parameters: { sourceName },
        },
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({
            sid: 'CustomSource',
            actions: ['securitylake:CreateCustomLogSource', 'securitylake:DeleteCustomLogSource'],
            resources: ['*'],
          }),
          // What CreateCustomLogSource does on the caller's behalf (AWS: "custom source permissions").
          new iam.PolicyStatement({
            sid: 'WhatSecurityLakeCreates',
            actions: [
              'glue:CreateCrawler',
              'glue:CreateDatabase',
              'glue:CreateTable',
              'glue:StartCrawlerSchedule',
              'glue:DeleteCrawler',
              'iam:GetRole',
              'iam:PutRolePolicy',
              'iam:DeleteRolePolicy',
              'iam:PassRole',
              'lakeformation:RegisterResource',
              'lakeformation:GrantPermissions',
              's3:ListBucket',
              's3:PutObject',
            ],
            resources: ['*'],
          }),
        ]),
      });
      (source.node.findChild('Resource').node.defaultChild as CfnResource).cfnOptions.condition = this.enabled;
      const policy = source.node.tryFindChild('CustomResourcePolicy')?.node.defaultChild as CfnResource | undefined;
      if (policy) policy.cfnOptions.condition = this.enabled;
      this.sources.push(source);
    }
    // The provider function AwsCustomResource shares across the stack (one singleton per stack).
    const provider = stack.node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    if (provider)
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The CDK AwsCustomResource provider function (runs only at stack create/delete for the optional Security Lake registration) writes its own logs with the basic execution policy; it has no other managed policy.',
      });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CreateCustomLogSource has no resource-level permissions and creates the Glue crawler, database, table, IAM provider role and Lake Formation registration on the caller’s behalf, whose ARNs are not known before the call; the role only runs at stack create/delete and only when RegisterSecurityLakeSources=true.',
    });
  }
}
