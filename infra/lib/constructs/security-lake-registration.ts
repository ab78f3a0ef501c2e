import { Aws, CfnCondition, CfnParameter, Fn, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { BASE_EVENT_CLASS } from '../../../shared/ocsf/classes/base-event.ts';
import { OCSF_CLASSES } from '../../../shared/ocsf/index.ts';

/** Classes registered as custom sources: every class but Base Event, which has no Security Lake event class. */
export const REGISTERED_CLASSES = OCSF_CLASSES.filter((c) => c.uid !== BASE_EVENT_CLASS.uid);

/**
 * Optional registration of one Security Lake custom source per OCSF class, as its own small stack
 * (`-c securityLakeRegistration=true`; CloudFormation has no custom-source resource): a custom resource
 * per class calls `CreateCustomLogSource` on create and `DeleteCustomLogSource` on delete. Deploy it in
 * the Security Lake account and region, with the same source prefix as the connector stack's
 * `OcsfSourcePrefix`. If Security Lake refuses an event class (whether it accepts the OCSF 1.1 finding
 * class names is not confirmed publicly), the stack fails and rolls back; docs/ocsf.md gives the manual
 * alternative.
 */
export class SecurityLakeRegistrationStack extends Stack {
  readonly sources: cr.AwsCustomResource[] = [];

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description:
        'Security Lake custom sources for the OCSF classes of ses-connector (CreateCustomLogSource)',
      ...props,
    });
    const param = (name: string, p: ConstructorParameters<typeof CfnParameter>[2]) =>
      new CfnParameter(this, name, p);
    const region = param('SecurityLakeRegion', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[a-z]{2}(-[a-z]+)+-\\d$',
      description: 'Region of the Security Lake (empty: this stack’s region)',
    });
    const prefix = param('OcsfSourcePrefix', {
      type: 'String',
      default: 'ses',
      allowedPattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,10}$',
      description: 'The connector stack’s OcsfSourcePrefix: sources are <prefix>-<class>',
    });
    const externalId = param('SecurityLakeExternalId', {
      type: 'String',
      allowedPattern: '^[\\w+=,.@:/-]{2,1224}$',
      description: 'Provider external id of the custom sources',
    });
    const crawlerRole = param('SecurityLakeGlueCrawlerRoleArn', {
      type: 'String',
      allowedPattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/.+$',
      description: 'Glue crawler role of the custom sources (trusts glue.amazonaws.com, AWSGlueServiceRole)',
    });
    const sameRegion = new CfnCondition(this, 'SecurityLakeRegionIsStackRegion', {
      expression: Fn.conditionEquals(region.valueAsString, ''),
    });
    const lakeRegion = Fn.conditionIf(sameRegion.logicalId, Aws.REGION, region.valueAsString).toString();

    for (const cls of REGISTERED_CLASSES) {
      const sourceName = `${prefix.valueAsString}-${cls.short}`;
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
      this.sources.push(source);
    }
    // The provider function AwsCustomResource shares across the stack (one singleton per stack).
    const provider = this.node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    if (provider)
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The CDK AwsCustomResource provider function (runs only at this stack’s create and delete) writes its own logs with the basic execution policy; it has no other managed policy.',
      });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CreateCustomLogSource has no resource-level permissions and creates the Glue crawler, database, table, IAM provider role and Lake Formation registration on the caller’s behalf, whose ARNs are not known before the call; the function only runs at this stack’s create and delete.',
    });
  }
}
